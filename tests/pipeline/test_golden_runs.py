"""The stages refactor changed no output: a fixed-seed run of each input kind equals its recording.

Three allowances make the recording portable across CPUs (it was recorded on an AVX-512 Intel machine and is
compared on AVX2 AMD and AMX-capable Intel machines too):
- floats are compared to 1e-9 relative (float64 reductions such as the Vendi score's eigenvalues round
  differently with other SIMD widths, in the 16th digit);
- where a model computed the embeddings (images, crops, video frames), onnxruntime's and OpenBLAS's kernels
  differ per CPU in the last float32 bits: the embeddings files are compared by their names, labels and column
  sums (to 1e-5) instead of their bytes, and the report's floats to MODEL_RELATIVE_TOLERANCE or
  MODEL_ABSOLUTE_TOLERANCE (measured between an AVX-512 and an AMX Xeon: 1.7e-5 relative on distances, 7e-6
  absolute on 2-D PCA coordinates, which the report also rounds to 5 decimals, so one can flip by 1e-5); every
  string, integer, selected name and file list must still be equal;
- the UMAP layout is compared by its shape and method only: umap-learn's numba kernels are compiled for the host
  CPU, and its stochastic gradient descent turns last-bit differences into a different (equally valid) layout.
  On one machine the UMAP layout is still reproducible run to run (tests/analyze/test_projection.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.pipeline.golden_runs import CASES, EMBEDDING_FILES, run_case

GOLDEN = Path(__file__).parent / "golden"
FLOAT_RELATIVE_TOLERANCE = 1e-9
MODEL_RELATIVE_TOLERANCE = 1e-4
MODEL_ABSOLUTE_TOLERANCE = 5e-5
MODEL_CASES = {"images", "crops", "videos"}
COLUMN_SUM_TOLERANCE = 1e-5
CPU_DEPENDENT = "umapEmbeddingData"


def _strip_umap(value: Any, inside: bool = False) -> Any:
    """``value`` with every float of the UMAP layout replaced by a place holder (lengths and keys kept)."""
    if isinstance(value, dict):
        return {k: _strip_umap(v, inside or k == CPU_DEPENDENT) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_umap(v, inside) for v in value]
    if inside and isinstance(value, float):
        return "float"
    return value


def assert_close(
    fresh: Any, recorded: Any, path: str = "", *, rel_tol: float = FLOAT_RELATIVE_TOLERANCE, abs_tol: float = 1e-12
) -> None:
    """Equal structure, equal strings and integers, floats within ``rel_tol`` (or ``abs_tol``)."""
    if isinstance(recorded, dict):
        assert isinstance(fresh, dict) and fresh.keys() == recorded.keys(), path
        for key in recorded:
            assert_close(fresh[key], recorded[key], f"{path}/{key}", rel_tol=rel_tol, abs_tol=abs_tol)
    elif isinstance(recorded, list):
        assert isinstance(fresh, list) and len(fresh) == len(recorded), path
        for i, (a, b) in enumerate(zip(fresh, recorded)):
            assert_close(a, b, f"{path}[{i}]", rel_tol=rel_tol, abs_tol=abs_tol)
    elif isinstance(recorded, float) and isinstance(fresh, float):
        assert math.isclose(fresh, recorded, rel_tol=rel_tol, abs_tol=abs_tol), (path, fresh, recorded)
    else:
        assert fresh == recorded, (path, fresh, recorded)


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_equals_recording(name: str, tmp_path: Path) -> None:
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    fresh = json.loads(json.dumps(run_case(name, tmp_path)))
    assert fresh["files"] == recorded["files"]
    model = name in MODEL_CASES
    for file, digest in recorded["digests"].items():
        if not (model and file in EMBEDDING_FILES):
            assert fresh["digests"][file] == digest, file
    for file, fingerprint in recorded["fingerprints"].items():
        got = fresh["fingerprints"][file]
        assert got["rows"] == fingerprint["rows"] and got["names_and_labels_sha256"] == fingerprint["names_and_labels_sha256"]
        np.testing.assert_allclose(got["column_sums"], fingerprint["column_sums"], rtol=0, atol=COLUMN_SUM_TOLERANCE)
    tolerance = {"rel_tol": MODEL_RELATIVE_TOLERANCE, "abs_tol": MODEL_ABSOLUTE_TOLERANCE} if model else {}
    assert_close(_strip_umap(fresh["report"]), _strip_umap(recorded["report"]), **tolerance)
