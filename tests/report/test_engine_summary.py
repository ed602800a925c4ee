"""A Ray run says so: the engine line of report.pdf and report.html, the composable k-center's reason for having
no radius bound, and the Ray settings in config.yaml. Local runs write none of it."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from scipy.spatial.distance import cdist

from embedscope.cli.engine_options import ray_config
from embedscope.distributed.options import RayEngineOptions
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.pipeline.local_executor import execute_run
from embedscope.report.engine_summary import engine_line
from embedscope.report.extra_metrics import (
    GREEDY_BOUND_NOTE,
    NO_BOUND_NOTE,
    RAY_BOUND_NOTE,
    note_composable_bound,
)
from embedscope.report.model import ReportV2
from embedscope.report.run_outcome import RunOutcome
from embedscope.report.sections import run_notes
from embedscope.report.write_outputs import write_outputs
from embedscope.run_parameters import RunParameters
from tests.report.synthetic import synthetic_run

GIB = 2**30


def _record(**changes: Any) -> dict[str, Any]:
    """An engine record shaped as :meth:`embedscope.distributed.ray_embed.EngineRecord.as_json` writes it."""
    record: dict[str, Any] = {
        "name": "ray", "address": "local", "nodes": 2, "cpus": 2, "gpus": 0, "driverHoldsMatrix": False,
        "selection": {"algorithm": "two-round composable k-center (Ceccarello, Pietracaprina, Pucci, PVLDB 2019)",
                      "radius": 0.53, "kPrime": 160, "partitions": 2},
        "stageSeconds": {"select": 1.0}, "objectStoreSpilledBytes": 0,
    }
    return {**record, **changes}


def _with_engine(report: ReportV2, record: dict[str, Any]) -> ReportV2:
    return report.model_copy(update={"embedscope": {**report.embedscope, "engine": record}}, deep=True)


def test_engine_line_states_the_cluster_and_the_selection(rng: np.random.Generator) -> None:
    report = synthetic_run(rng, n_input=120, n_selected=12).report
    assert engine_line(report) is None and not any("Engine" in note for note in run_notes(report))
    ray = _with_engine(report, _record())
    line = ("Engine: Ray (local instance) — 2 nodes, 2 CPUs, 0 GPUs; selection: two-round composable k-center "
            "(P = 2 partitions, k′ = 160), radius 0.5300; driver held the matrix: no.")
    assert engine_line(ray) == line and run_notes(ray)[0] == line
    joined = _with_engine(report, _record(address="ray://head:10001", nodes=1, cpus=1, gpus=1, driverHoldsMatrix=True))
    assert engine_line(joined) == (
        "Engine: Ray (ray://head:10001) — 1 node, 1 CPU, 1 GPU; selection: two-round composable k-center "
        "(P = 2 partitions, k′ = 160), radius 0.5300.")


def test_the_ray_note_replaces_only_the_generic_no_bound_note(rng: np.random.Generator) -> None:
    greedy = synthetic_run(rng, n_input=120, n_selected=12).report  # from_greedy=True: the 2-approximation note
    assert greedy.embedscope["extraMetrics"]["kCenter"]["lowerBoundNote"] == GREEDY_BOUND_NOTE
    ray_greedy = _with_engine(greedy, _record())
    note_composable_bound(ray_greedy)
    assert ray_greedy.embedscope["extraMetrics"]["kCenter"]["lowerBoundNote"] == GREEDY_BOUND_NOTE
    no_bound = greedy.model_copy(deep=True)
    no_bound.embedscope["extraMetrics"]["kCenter"]["lowerBoundNote"] = NO_BOUND_NOTE
    note_composable_bound(no_bound)  # local: no engine record
    assert no_bound.embedscope["extraMetrics"]["kCenter"]["lowerBoundNote"] == NO_BOUND_NOTE
    ray = _with_engine(no_bound, _record())
    note_composable_bound(ray)
    assert ray.embedscope["extraMetrics"]["kCenter"]["lowerBoundNote"] == RAY_BOUND_NOTE
    assert "composable k-center" in RAY_BOUND_NOTE and "(2 + ε)" in RAY_BOUND_NOTE


def _flat_pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def _flat_html_text(html: Path) -> str:
    return re.sub(r"\s+", " ", html.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunOutcome, np.ndarray]:
    """A local run of 150 clustered 8-d vectors (k = 12), and its vectors as normalised float64."""
    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=3.0, size=(4, 8))
    vectors = (centres[rng.integers(0, 4, 150)] + rng.normal(size=(150, 8))).astype(np.float32)
    write_lightly_csv(root / "in.csv", [f"s{i:03d}.jpg" for i in range(150)], vectors)
    outcome = execute_run(RunParameters(input_path=root / "in.csv", out_dir=root / "out", n_samples=12, seed=2,
                                        random_seeds=2))
    unit = vectors.astype(np.float64)
    return outcome, unit / np.linalg.norm(unit, axis=1, keepdims=True)


def test_a_ray_runs_outputs_name_the_engine_and_its_settings(tmp_path: Path, local_run: tuple[RunOutcome, np.ndarray]
                                                             ) -> None:
    """The local engine's outcome written as a Ray run's: its engine record (radius: the brute-force k-center
    radius of the selection) and options reach report.pdf, report.html, the JSON's note and config.yaml."""
    outcome, unit = local_run
    file_rows = [int(name[1:4]) for name in outcome.inputs.input.names]  # run row → row of in.csv
    picked = unit[[file_rows[int(i)] for i in outcome.selection.indices]]
    radius = float(cdist(unit, picked).min(axis=1).max())
    report = _with_engine(outcome.report, _record(selection={"radius": radius, "kPrime": 96, "partitions": 3}))
    k_center = report.embedscope["extraMetrics"]["kCenter"]  # as the Ray executor's from_greedy=False writes it
    k_center.update(optimalRadiusLowerBound=None, lowerBoundNote=NO_BOUND_NOTE)
    note_composable_bound(report)  # as the Ray executor does once its record is in
    ray_outcome = dataclasses.replace(outcome, report=report)
    options = RayEngineOptions(address="auto", shard_dir=tmp_path / "shards", files_per_shard=16,
                               memory_budget=3 * GIB // 2, partitions=3)
    config = ray_config(options, report.embedscope["engine"])
    write_outputs(ray_outcome, tmp_path / "out", engine_config=config)

    line = (f"Engine: Ray (local instance) — 2 nodes, 2 CPUs, 0 GPUs; selection: two-round composable k-center "
            f"(P = 3 partitions, k′ = 96), radius {radius:.4f}; driver held the matrix: no.")
    assert line in _flat_pdf_text(tmp_path / "out" / "report.pdf")
    assert line in _flat_html_text(tmp_path / "out" / "report.html")
    ext = json.loads((tmp_path / "out" / "report_embedscope.json").read_text())
    assert ext["embedscope"]["extraMetrics"]["kCenter"]["lowerBoundNote"] == RAY_BOUND_NOTE
    note = "No bound: on Ray the selection is the two-round composable k-center"  # the k-center section's note
    assert note in _flat_pdf_text(tmp_path / "out" / "report.pdf") and note in _flat_html_text(tmp_path / "out" / "report.html")
    written = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert {key: written[key] for key in config} == {
        "engine": "ray", "ray_address": "auto", "memory_budget_gib": 1.5, "partitions": 3,
        "shard_dir": str((tmp_path / "shards").absolute()), "shard_files": 16,
    }
    assert written["n_samples"] == 12 and written["input_path"] == str(outcome.parameters.input_path.absolute())


def test_ray_config_takes_what_the_run_resolved() -> None:
    """Defaults resolved as the run resolved them: partitions and shard folder from the engine record, the budget
    a quarter of physical memory (``os.sysconf``, computed here independently)."""
    import os

    record = _record(shardDir="/cache/ray-shards/images-effnet", selection={"radius": 1.0, "kPrime": 8, "partitions": 4})
    config = ray_config(RayEngineOptions(), record)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert config == {"engine": "ray", "ray_address": None, "memory_budget_gib": pytest.approx(ram / 4 / GIB, rel=1e-9),
                      "partitions": 4, "shard_dir": "/cache/ray-shards/images-effnet", "shard_files": 64}


def test_a_local_runs_outputs_say_nothing_of_an_engine(tmp_path: Path, local_run: tuple[RunOutcome, np.ndarray]
                                                       ) -> None:
    outcome, _ = local_run
    write_outputs(outcome, tmp_path / "out")
    assert "Engine:" not in _flat_pdf_text(tmp_path / "out" / "report.pdf")
    assert "Engine:" not in _flat_html_text(tmp_path / "out" / "report.html")
    written = yaml.safe_load((tmp_path / "out" / "config.yaml").read_text())
    assert list(written) == [*outcome.parameters.as_config()]  # the parameters only: no engine keys
    assert "engine" not in json.loads((tmp_path / "out" / "report_embedscope.json").read_text())["embedscope"]
