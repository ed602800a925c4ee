"""Memory-mapped .npy reading and block-wise L2 normalisation: same values, no full-size copies."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.io import npy_file, row_normalize
from embedscope.io.npy_file import read_npy
from embedscope.io.row_normalize import l2_normalized_rows


def test_float32_file_is_mapped_not_copied(tmp_path: Path) -> None:
    x = np.random.default_rng(0).standard_normal((50, 768)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    table = read_npy(tmp_path / "x.npy")
    assert isinstance(table.vectors, np.memmap) and not table.vectors.flags.writeable
    np.testing.assert_array_equal(table.vectors, x)


def test_float64_file_is_converted_to_float32(tmp_path: Path) -> None:
    x = np.random.default_rng(1).standard_normal((40, 16))
    np.save(tmp_path / "x.npy", x)
    vectors = read_npy(tmp_path / "x.npy").vectors
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors, x.astype(np.float32))


@pytest.mark.parametrize(("value", "kind"), [(np.nan, "NaN"), (1e39, "1e+39 is beyond the float32 range")])
def test_bad_value_in_a_later_block_names_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: float, kind: str
) -> None:
    monkeypatch.setattr(npy_file, "CHECK_BLOCK_ROWS", 8)
    x = np.ones((30, 4))
    x[21, 2] = value  # 1e39 is finite in float64 but not in float32
    np.save(tmp_path / "x.npy", x)
    with pytest.raises(InputFileError, match=re.escape(f"row 22, column 'embedding_2': {kind}")):
        read_npy(tmp_path / "x.npy")


def test_normalisation_in_blocks_equals_whole_array_formula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_normalize, "BLOCK_BYTES", 7 * 8 * 768)  # 7 rows a block
    x = (np.random.default_rng(2).standard_normal((60, 768)) * 3).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    mapped = read_npy(tmp_path / "x.npy").vectors
    out = l2_normalized_rows(mapped, source=tmp_path / "x.npy", names=[str(i) for i in range(60)])
    x64 = x.astype(np.float64)
    np.testing.assert_array_equal(out, (x64 / np.linalg.norm(x64, axis=1)[:, None]).astype(np.float32))
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy"), x)  # the input file is untouched


def test_zero_row_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_normalize, "BLOCK_BYTES", 4 * 8 * 3)  # 4 rows a block
    x = np.ones((10, 3), dtype=np.float32)
    x[6] = 0.0
    with pytest.raises(InputFileError, match=r"row 7 \('n6'\) is a zero vector"):
        l2_normalized_rows(x, source=tmp_path / "x.npy", names=[f"n{i}" for i in range(10)])
