"""Where embedscope keeps its cache (the exported model, cached image features)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_ENV = "EMBEDSCOPE_CACHE_DIR"  # overrides everything else: CI, read-only homes, tests
XDG_CACHE_ENV = "XDG_CACHE_HOME"
APP_DIR_NAME = "embedscope"


def resolve_cache_dir(cache_dir: Path | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$EMBEDSCOPE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/embedscope``, else ``~/.cache/embedscope``. Not created here."""
    if cache_dir is not None:
        return Path(cache_dir)
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get(XDG_CACHE_ENV)
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / APP_DIR_NAME
