"""The stages refactor changed no output: a fixed-seed run of each input kind equals its recording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.pipeline.golden_runs import CASES, run_case

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(CASES))
def test_run_equals_recording(name: str, tmp_path: Path) -> None:
    recorded = json.loads((GOLDEN / f"{name}.json").read_text())
    fresh = json.loads(json.dumps(run_case(name, tmp_path)))
    assert fresh["files"] == recorded["files"]
    assert fresh["digests"] == recorded["digests"]
    assert fresh["report"] == recorded["report"]
