"""The stages refactor changed no output: a fixed-seed run of each input kind equals its recording.

Two allowances make the recording portable across CPUs (it was recorded on an AVX-512 Intel machine and is
compared on AVX2 AMD machines too): floats are compared to 1e-9 relative (float64 reductions such as the Vendi
score's eigenvalues round differently with other SIMD widths, in the 16th digit), and the UMAP layout is
compared by its shape and method only: umap-learn's numba kernels are compiled for the host CPU, and its
stochastic gradient descent turns last-bit differences into a different (equally valid) layout. On one
machine the UMAP layout is still reproducible run to run (tests/analyze/test_projection.py).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.golden_runs import CASES, run_case

GOLDEN = Path(__file__).parent / "golden"
FLOAT_RELATIVE_TOLERANCE = 1e-9
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


def assert_close(fresh: Any, recorded: Any, path: str = "") -> None:
    """Equal structure, equal strings and integers, floats within FLOAT_RELATIVE_TOLERANCE."""
    if isinstance(recorded, dict):
        assert isinstance(fresh, dict) and fresh.keys() == recorded.keys(), path
        for key in recorded:
            assert_close(fresh[key], recorded[key], f"{path}/{key}")
    elif isinstance(recorded, list):
        assert isinstance(fresh, list) and len(fresh) == len(recorded), path
        for i, (a, b) in enumerate(zip(fresh, recorded)):
            assert_close(a, b, f"{path}[{i}]")
    elif isinstance(recorded, float) and isinstance(fresh, float):
        assert math.isclose(fresh, recorded, rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=1e-12), (path, fresh, recorded)
    else:
        assert fresh == recorded, (path, fresh, recorded)


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_equals_recording(name: str, tmp_path: Path) -> None:
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    fresh = json.loads(json.dumps(run_case(name, tmp_path)))
    assert fresh["files"] == recorded["files"]
    assert fresh["digests"] == recorded["digests"]
    assert_close(_strip_umap(fresh["report"]), _strip_umap(recorded["report"]))
