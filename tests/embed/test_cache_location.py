"""The cache folder: explicit argument, then EMBEDSCOPE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from embedscope.embed.cache_location import CACHE_DIR_ENV, XDG_CACHE_ENV, resolve_cache_dir
from embedscope.embed.feature_cache import feature_cache_path


def test_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "env"))
    monkeypatch.setenv(XDG_CACHE_ENV, str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert resolve_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_cache_dir() == tmp_path / "env"
    monkeypatch.delenv(CACHE_DIR_ENV)
    assert resolve_cache_dir() == tmp_path / "xdg" / "embedscope"
    monkeypatch.delenv(XDG_CACHE_ENV)
    assert resolve_cache_dir() == tmp_path / "home" / ".cache" / "embedscope"


def test_feature_cache_file_depends_on_the_absolute_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path)
    key = "onnx-0123"
    assert feature_cache_path(tmp_path, Path("a"), model_key=key) == feature_cache_path(tmp_path, tmp_path / "a", model_key=key)
    assert feature_cache_path(tmp_path, tmp_path / "a", model_key=key) != feature_cache_path(tmp_path, tmp_path / "b", model_key=key)
    assert feature_cache_path(tmp_path, Path("a"), model_key=key).parent == tmp_path / "features"
    assert feature_cache_path(tmp_path, Path("a"), model_key=key) != feature_cache_path(tmp_path, Path("a"), model_key="onnx-4567")
