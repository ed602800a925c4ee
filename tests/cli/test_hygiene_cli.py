"""``embedscope overlap`` and the hygiene flags of ``run`` from the command line (bad input: one line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.spatial.distance import cdist

from embedscope.io.lightly_csv import write_lightly_csv
from tests.cli.conftest import run_cli
from tests.cli.test_bad_input import _assert_one_line_error


def _normalised(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_overlap_pairs_equal_brute_force(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    train = rng.standard_normal((400, 12)).astype(np.float32)
    test = np.vstack([train[:25] + 0.002 * rng.standard_normal((25, 12)), rng.standard_normal((80, 12))])
    write_lightly_csv(tmp_path / "train.csv", [f"tr_{i}" for i in range(400)], train)
    write_lightly_csv(tmp_path / "test.csv", [f"te_{i}" for i in range(105)], test.astype(np.float32))
    result = run_cli("overlap", tmp_path / "train.csv", tmp_path / "test.csv", "--threshold", "0.05", "--out", tmp_path / "o")
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "o" / "overlap.json").read_text())
    d = cdist(_normalised(train).astype(np.float64), _normalised(test.astype(np.float32)).astype(np.float64))
    expected = {(f"tr_{i}", f"te_{j}") for i, j in zip(*np.nonzero(d < 0.05))}
    assert {(p["a"], p["b"]) for p in document["pairs"]} == expected and len(expected) >= 25
    assert document["nBWithMatch"] == len({b for _, b in expected})
    for name in ("report.pdf", "report.html", "overlap_pairs.csv"):
        assert (tmp_path / "o" / name).stat().st_size > 0


def test_overlap_bad_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    write_lightly_csv(tmp_path / "a.csv", ["a", "b", "c"], rng.standard_normal((3, 4)).astype(np.float32))
    write_lightly_csv(tmp_path / "b.csv", ["x", "y"], rng.standard_normal((2, 6)).astype(np.float32))
    mismatch = run_cli("overlap", tmp_path / "a.csv", tmp_path / "b.csv", "--threshold", "0.1", "--out", tmp_path / "o1")
    _assert_one_line_error(mismatch, "b.csv", "dimension 6", "has 4")
    negative = run_cli("overlap", tmp_path / "a.csv", tmp_path / "a.csv", "--threshold", "-0.1", "--out", tmp_path / "o2")
    _assert_one_line_error(negative, "--threshold", "-0.1")  # non-numeric values: tests/analyze/test_near_duplicates.py


def test_run_hygiene_flag_errors(small_csv: Path, tmp_path: Path) -> None:
    text = run_cli("run", small_csv, "-n", "5", "--out", tmp_path / "o1", "--near-duplicate-threshold", "abc")
    _assert_one_line_error(text, "--near-duplicate-threshold", "'abc'")
    too_many = run_cli("run", small_csv, "-n", "5", "--out", tmp_path / "o3", "--outliers", "300", "-q")
    _assert_one_line_error(too_many, "--outliers 300", "300 samples")
