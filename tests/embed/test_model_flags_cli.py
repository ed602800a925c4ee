"""The model flags on ``embedscope run``: the pipeline embeds with the chosen model, and refuses them for
embeddings files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from embedscope.cli.app import main
from embedscope.io.lightly_csv import read_lightly_csv
from tests.embed.conftest import photo, random_view
from tests.embed.tiny_models import tiny_image_model


def _images(root: Path, n: int) -> Path:
    rng = np.random.default_rng(21)
    root.mkdir(parents=True)
    names = ["astronaut", "coffee", "chelsea", "rocket", "moon", "coins"]
    for i in range(n):
        random_view(photo(names[i % len(names)]), rng, size=(64, 48)).save(root / f"{i:02d}.png")
    return root


def test_run_embeds_with_the_given_model(tmp_path: Path) -> None:
    images = _images(tmp_path / "images", 8)
    model = tiny_image_model(tmp_path / "tiny.onnx")
    run = ["run", str(images), "--n-samples", "3", "--embedding-dim", "0", "--quiet"]
    assert main([*run, "--out", str(tmp_path / "run"), "--model", str(model)]) == 0
    assert (
        main(
            [
                "embed",
                str(images),
                "--out",
                str(tmp_path / "e.csv"),
                "--embedding-dim",
                "0",
                "-q",
                "--model",
                str(model),
            ]
        )
        == 0
    )
    from_run = read_lightly_csv(tmp_path / "run" / "data" / "embeddings.csv")
    from_embed = read_lightly_csv(tmp_path / "e.csv")
    assert from_run.vectors.shape == (8, 6)  # the tiny model's 6 features, not EfficientNet's 1280
    np.testing.assert_allclose(from_run.vectors, from_embed.vectors, atol=1e-6)
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert config["model_path"] == str(model) and config["model_precision"] == "float32"


def test_train_embedding_keeps_the_checkpoint_the_run_used(tmp_path: Path) -> None:
    images = _images(tmp_path / "images", 6)
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                str(images),
                "--n-samples",
                "2",
                "--embedding-dim",
                "0",
                "--train-embedding",
                "1",
                "--out",
                str(out),
                "-q",
            ]
        )
        == 0
    )
    kept = out / "embedding_model" / "checkpoint.pt"
    assert kept.is_file() and (out / "embedding_model" / "model.onnx").is_file()
    assert (
        main(
            [
                "embed",
                str(images),
                "--out",
                str(tmp_path / "e.csv"),
                "--embedding-dim",
                "0",
                "-q",
                "--checkpoint",
                str(kept),
            ]
        )
        == 0
    )
    np.testing.assert_allclose(
        read_lightly_csv(out / "data" / "embeddings.csv").vectors,
        read_lightly_csv(tmp_path / "e.csv").vectors,
        atol=1e-6,
    )
    assert yaml.safe_load((out / "config.yaml").read_text())["train_embedding"] == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--model", "m.onnx"], "--model need a folder of images or videos as INPUT"),
        (["--device", "cuda"], "--device need a folder of images or videos as INPUT"),
        (["--train-embedding", "2"], "--train-embedding needs a folder of images as INPUT"),
    ],
)
def test_model_flags_need_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    vectors = np.random.default_rng(0).normal(size=(10, 4)).astype(np.float32)
    np.save(tmp_path / "v.npy", vectors)
    capsys.readouterr()
    assert (
        main(["run", str(tmp_path / "v.npy"), "--n-samples", "2", "--out", str(tmp_path / "o"), "-q", *flags])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
