"""Every bad input of the core issue: exit code 2, one line on stderr naming the file and problem, no traceback."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embedscope.io.lightly_csv import write_lightly_csv
from tests.cli.conftest import run_cli


def _assert_one_line_error(result, *fragments: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


CSV_CASES = {
    "empty.csv": ("", "the file is empty"),
    "header_only.csv": ("filenames,embedding_0,labels\n", "no data rows"),
    "no_filenames.csv": ("name,embedding_0,labels\na,1,0\nb,2,0\n", "expected 'filenames'"),
    "ragged.csv": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,3,0\n", "row 2 (line 3) has 3 fields"),
    "text.csv": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,3,zz,0\n", "column 'embedding_1': 'zz' is not a number"),
    "nan.csv": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,NaN,1,0\n",
                "row 2 (line 3), sample 'b', column 'embedding_0': NaN; embeddings must be finite numbers"),
    "inf.csv": ("filenames,embedding_0,embedding_1,labels\na,1,-inf,0\nb,1,1,0\n",
                "row 1 (line 2), sample 'a', column 'embedding_1': an infinite value"),
    "zero.csv": ("filenames,embedding_0,embedding_1,labels\na,1,2,0\nb,0,0,0\n", "row 2 ('b') is a zero vector"),
    "dup.csv": ("filenames,embedding_0,labels\na,1,0\na,2,0\n", "duplicate filename 'a'"),
    "one.csv": ("filenames,embedding_0,labels\na,1,0\n", "at least 2 are needed"),
}


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_bad_embeddings_file(tmp_path: Path, name: str) -> None:
    text, message = CSV_CASES[name]
    path = tmp_path / name
    path.write_text(text)
    result = run_cli("run", path, "--n-samples", "1", "--out", tmp_path / "out")
    _assert_one_line_error(result, str(path), message)
    assert not (tmp_path / "out" / "report.pdf").exists()


FINITE = "embeddings must be finite numbers"
SAVE = "save a float32 or float64 array of shape (N, D) with np.save"


def _one_error_line(result) -> str:  # type: ignore[no-untyped-def]
    _assert_one_line_error(result)
    return result.stderr.strip()


def _matrix_with(value: float, row: int = 41, dim: int = 7) -> np.ndarray:
    x = np.random.default_rng(5).normal(size=(60, 12))
    x[row, dim] = value
    return x


@pytest.mark.parametrize(("value", "kind"), [(np.nan, "NaN"), (-np.inf, "an infinite value")])
def test_bad_value_in_a_npy_names_its_0_based_row_and_dimension(tmp_path: Path, value: float, kind: str) -> None:
    path = tmp_path / "bad.npy"
    np.save(path, _matrix_with(value).astype(np.float32))
    line = _one_error_line(run_cli("run", path, "-n", "3", "--out", tmp_path / "out"))
    assert line == f"embedscope: error: {path}: row 41 (0-based), dimension 7: {kind}; {FINITE}"
    names = tmp_path / "names.txt"
    names.write_text("".join(f"cat_{i:03d}.jpg\n" for i in range(60)))
    line = _one_error_line(run_cli("run", path, "--filenames", names, "-n", "3", "--out", tmp_path / "out"))
    assert line == f"embedscope: error: {path}: row 41 (0-based), sample 'cat_041.jpg', dimension 7: {kind}; {FINITE}"


def test_bad_value_in_a_npy_datapool_is_named_like_the_input(tmp_path: Path, small_csv: Path) -> None:
    pool = tmp_path / "pool.npy"
    np.save(pool, np.where(np.arange(8) == 3, np.inf, 1.0)[None, :].repeat(5, axis=0))
    line = _one_error_line(run_cli("run", small_csv, "--datapool", pool, "-n", "3", "--out", tmp_path / "out"))
    assert line == f"embedscope: error: {pool}: row 0 (0-based), dimension 3: an infinite value; {FINITE}"


def _save_object_array(path: Path) -> None:
    rows = np.empty(2, dtype=object)
    rows[0], rows[1] = np.ones(3), np.ones(4)  # ragged vectors: what np.save(list_of_arrays) makes
    np.save(path, rows, allow_pickle=True)


def _save_npz_as_npy(path: Path) -> None:
    with open(path, "wb") as handle:
        np.savez(handle, a=np.ones((3, 2)))


NOT_A_MATRIX = {  # file name → (how it is written, the problem the one line names)
    "object.npy": (
        _save_object_array, f"holds a pickled Python object array (dtype object), not a numeric matrix; {SAVE}"
    ),
    "structured.npy": (
        lambda p: np.save(p, np.zeros(4, dtype=[("x", "f4"), ("y", "f4")])),
        (f"holds a structured array with fields 'x', 'y', not a numeric matrix; {SAVE} "
        "(numpy.lib.recfunctions.structured_to_unstructured turns the fields into columns)"),
    ),
    "text.npy": (
        lambda p: np.save(p, np.array([["1", "2"], ["3", "4"]])), f"holds text (dtype <U1), not a numeric matrix; {SAVE}"
    ),
    "archive.npy": (
        _save_npz_as_npy,
        ("is a .npz archive (np.savez), not a .npy array; save the embeddings alone with np.save, "
        "e.g. np.save('embeddings.npy', np.load('file.npz')['<name>'])"),
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_A_MATRIX))
def test_npy_that_holds_no_numeric_matrix(tmp_path: Path, name: str) -> None:
    write, problem = NOT_A_MATRIX[name]
    path = tmp_path / name
    write(path)
    line = _one_error_line(run_cli("run", path, "-n", "1", "--out", tmp_path / "out"))
    assert line == f"embedscope: error: {path}: {problem}"
    assert "allow_pickle" not in line


def test_missing_file_and_unknown_extension(tmp_path: Path) -> None:
    _assert_one_line_error(run_cli("run", tmp_path / "no.csv", "-n", "1", "--out", tmp_path / "o"), "no.csv", "file not found")
    (tmp_path / "e.json").write_text("{}")
    _assert_one_line_error(run_cli("run", tmp_path / "e.json", "-n", "1", "--out", tmp_path / "o"), "unknown extension")


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--n-samples", "0"], "--n-samples must be at least 1"),
        (["--n-samples", "-3"], "--n-samples must be at least 1"),
        (["--n-samples", "301"], "more than the 300 input samples"),
        (["--n-samples", "5", "--proportion", "0.1"], "only one of --n-samples and --proportion"),
        ([], "give one of --n-samples and --proportion"),
        (["--proportion", "0"], "--proportion must be in (0, 1]"),
        (["--proportion", "1.5"], "--proportion must be in (0, 1]"),
    ],
)
def test_bad_selection_size(tmp_path: Path, small_csv: Path, flags: list[str], message: str) -> None:
    _assert_one_line_error(run_cli("run", small_csv, *flags, "--out", tmp_path / "out"), message)


def test_datapool_of_another_dimension(tmp_path: Path, small_csv: Path) -> None:
    pool = tmp_path / "pool.csv"
    write_lightly_csv(pool, ["p1", "p2"], np.ones((2, 5), np.float32))
    result = run_cli("run", small_csv, "-n", "5", "--datapool", pool, "--out", tmp_path / "out")
    _assert_one_line_error(result, str(pool), "dimension 5", "has 8")


def test_selected_names_not_in_input(tmp_path: Path, small_csv: Path) -> None:
    names = tmp_path / "sel.txt"
    names.write_text("img_001.jpg\nghost.jpg\n")
    result = run_cli("report", small_csv, "--selected", names, "--out", tmp_path / "out")
    _assert_one_line_error(result, str(names), "1 name(s) not in the input: 'ghost.jpg'")


def test_non_empty_out_is_refused_without_overwrite(tmp_path: Path, small_csv: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    _assert_one_line_error(run_cli("run", small_csv, "-n", "5", "--out", out), "not empty", "--overwrite")
    assert (out / "keep.txt").read_text() == "mine"


def test_missing_required_flag_is_a_one_line_usage_error(tmp_path: Path, small_csv: Path) -> None:
    _assert_one_line_error(run_cli("run", small_csv, "-n", "5"), "--out")
