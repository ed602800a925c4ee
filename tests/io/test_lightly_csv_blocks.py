"""The Lightly CSV written from row blocks equals the one written from the whole array, and reads back."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv, write_lightly_csv_blocks


def test_blocks_of_any_split_give_the_same_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(101, 7)).astype(np.float32)
    names = [f"img_{i},{i}.png" if i % 10 == 0 else f"img_{i}.png" for i in range(101)]  # some need quoting
    labels = rng.integers(0, 5, 101)
    write_lightly_csv(tmp_path / "whole.csv", names, vectors, labels)
    bounds = [0, 1, 40, 41, 90, 101]

    write_lightly_csv_blocks(tmp_path / "blocks.csv", 7, (
        (names[a:b], vectors[a:b], labels[a:b]) for a, b in itertools.pairwise(bounds)
    ))

    assert (tmp_path / "blocks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    table = read_lightly_csv(tmp_path / "blocks.csv")
    assert table.names == names
    np.testing.assert_array_equal(table.vectors, vectors)
    np.testing.assert_array_equal(table.labels, labels)
