"""``embed_command`` writes a Lightly CSV of the usable images (the lead registers it as ``embedscope embed``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.cli.embed_command import embed_command
from embedscope.errors import ConfigError
from embedscope.io.lightly_csv import read_lightly_csv
from tests.embed.conftest import photo, random_view


def test_embed_command_writes_lightly_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(19)
    images = tmp_path / "images"
    (images / "sub").mkdir(parents=True)
    for i, name in enumerate(["coffee", "rocket", "moon", "chelsea", "brick"]):
        random_view(photo(name), rng).save(images / ("sub" if i % 2 else ".") / f"{name}.jpg")
    (images / "copy.jpg").write_bytes((images / "coffee.jpg").read_bytes())
    (images / "empty.png").write_bytes(b"")
    out = tmp_path / "out" / "embeddings.csv"

    embed_command(images, out, embedding_dim=4, quiet=False)

    table = read_lightly_csv(out)
    assert table.names == ["brick.jpg", "coffee.jpg", "moon.jpg", "sub/chelsea.jpg", "sub/rocket.jpg"]
    assert table.vectors.shape == (5, 4)
    np.testing.assert_allclose(np.linalg.norm(table.vectors, axis=1), 1.0, atol=1e-5)
    assert (table.labels == 0).all()
    assert (
        "embedded 5 images (0 from the cache), skipped 1 corrupt and 1 duplicate files"
        in capsys.readouterr().err
    )


def test_embed_command_refuses_a_folder_as_out(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder; --out expects the path of a file"):
        embed_command(tmp_path, tmp_path, quiet=True)
