"""Memory-mapped .npy reading and block-wise L2 normalisation: same values, no full-size copies."""

from __future__ import annotations

import pickle
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
    with pytest.raises(InputFileError, match=re.escape(f"x.npy: row 21 (0-based), dimension 2: {kind}")):
        read_npy(tmp_path / "x.npy")
    (tmp_path / "names.txt").write_text("".join(f"n{i}.png\n" for i in range(30)))
    with pytest.raises(InputFileError, match=re.escape(f"x.npy: row 21 (0-based), sample 'n21.png', dimension 2: {kind}")):
        read_npy(tmp_path / "x.npy", filenames_path=tmp_path / "names.txt")


def test_names_of_a_block_of_the_file_follow_its_first_row(tmp_path: Path) -> None:
    block = np.ones((5, 3), dtype=np.float32)
    block[3, 1] = np.inf  # file row 103
    with pytest.raises(InputFileError, match=re.escape("row 103 (0-based), sample 'r103', dimension 1: an infinite")):
        npy_file.checked_float32(tmp_path / "x.npy", block, first_row=100, names=[f"r{i}" for i in range(100, 105)])


class _Trap:
    """Unpickling it creates the file ``marker``: a pickle that is loaded leaves a trace."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def test_pickles_are_named_never_loaded(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    objects = np.empty((2, 2), dtype=object)
    objects[:] = _Trap(marker)
    np.save(tmp_path / "objects.npy", objects, allow_pickle=True)
    (tmp_path / "plain.npy").write_bytes(pickle.dumps(_Trap(marker)))
    with pytest.raises(InputFileError, match=r"objects\.npy: holds a pickled Python object array \(dtype object\), "
                       r"not a numeric matrix; save a float32 or float64 array of shape \(N, D\) with np\.save$"):
        read_npy(tmp_path / "objects.npy")
    with pytest.raises(InputFileError, match=r"plain\.npy: holds a pickled Python object, not a \.npy array"):
        read_npy(tmp_path / "plain.npy")
    assert not marker.exists()


@pytest.mark.parametrize(("array", "problem"), [
    (np.ones((3, 2), dtype=bool), "holds booleans (dtype bool)"),
    (np.ones((3, 2), dtype=complex), "holds complex numbers (dtype complex128)"),
    (np.zeros((3, 2), dtype="timedelta64[s]"), "holds time spans (dtype timedelta64[s])"),
    (np.array([[b"1", b"2"]]), "holds bytes (dtype |S1)"),
    (np.zeros((3, 2), dtype=[("a", "f4")]), "holds a structured array with fields 'a', not a numeric matrix"),
    (np.ones(3), "expected a 2-D array (n_samples, dim), got shape (3,)"),
    (np.ones((0, 4)), "the array is empty (shape (0, 4))"),
])
def test_arrays_that_are_no_matrix_of_numbers(tmp_path: Path, array: np.ndarray, problem: str) -> None:
    np.save(tmp_path / "x.npy", array)
    with pytest.raises(InputFileError, match=re.escape(f"x.npy: {problem}")):
        read_npy(tmp_path / "x.npy")


def test_files_that_are_no_npy(tmp_path: Path) -> None:
    np.save(tmp_path / "whole.npy", np.ones((50, 8)))
    data = (tmp_path / "whole.npy").read_bytes()
    (tmp_path / "cut.npy").write_bytes(data[:500])
    (tmp_path / "text.npy").write_text("1,2\n3,4\n")
    (tmp_path / "header.npy").write_bytes(data[:20])
    with pytest.raises(InputFileError, match=re.escape("cut.npy: is truncated: the header promises a 50 × 8 float64 "
                                                       "array (3,200 bytes of data) but the file holds 372 bytes")):
        read_npy(tmp_path / "cut.npy")
    with pytest.raises(InputFileError, match=re.escape("text.npy: not a .npy file (it does not start with numpy's")):
        read_npy(tmp_path / "text.npy")
    with pytest.raises(InputFileError, match=re.escape("header.npy: not a readable .npy array: the header is damaged")):
        read_npy(tmp_path / "header.npy")


def test_a_version_3_header_is_read_by_numpy_and_checked_alike(tmp_path: Path) -> None:
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    with open(tmp_path / "v3.npy", "wb") as handle:
        np.lib.format.write_array(handle, x, version=(3, 0))
    np.testing.assert_array_equal(read_npy(tmp_path / "v3.npy").vectors, x)
    with open(tmp_path / "v3_text.npy", "wb") as handle:
        np.lib.format.write_array(handle, np.array([["a", "b"]]), version=(3, 0))
    with pytest.raises(InputFileError, match=re.escape("v3_text.npy: holds text (dtype <U1)")):
        read_npy(tmp_path / "v3_text.npy")


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
