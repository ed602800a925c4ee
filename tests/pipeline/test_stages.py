"""Each stage's result pickles (an executor such as Ray ships it between processes) and carries no callback;
running the stages by hand gives the local executor's selection and numbers."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.pipeline import stages
from embedscope.pipeline.local_executor import execute_run
from embedscope.progress import SilentProgress
from embedscope.run_parameters import RunParameters
from tests.cli.conftest import clustered


def test_stage_results_pickle_and_compose_like_the_executor(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    write_lightly_csv(tmp_path / "in.csv", [f"s{i}" for i in range(200)], clustered(rng, 200, 6))
    params = RunParameters(input_path=tmp_path / "in.csv", out_dir=tmp_path / "out", n_samples=12, seed=5)
    progress = SilentProgress()

    ingested = pickle.loads(pickle.dumps(stages.ingest(params, progress)))
    samples = pickle.loads(pickle.dumps(stages.embed(ingested, params, progress)))
    selected = pickle.loads(pickle.dumps(stages.select(ingested, samples, params, progress)))
    analysis = pickle.loads(
        pickle.dumps(stages.analyze(samples, selected, params, from_greedy=True, progress=progress))
    )

    outcome = execute_run(params)
    np.testing.assert_array_equal(selected.selection.indices, outcome.selection.indices)
    np.testing.assert_array_equal(samples.input.vectors, outcome.inputs.input.vectors)
    for name, distances in outcome.metrics.nearest_in_set.items():
        np.testing.assert_array_equal(analysis.metrics.nearest_in_set[name], distances)
    for name, distances in outcome.metrics.cover_input.items():
        np.testing.assert_array_equal(analysis.metrics.cover_input[name], distances)
    # the selection's cover distances equal a float64 brute force (an independent check of the shipped data)
    x = samples.input.vectors.astype(np.float64)
    chosen = x[selected.selection.indices]
    brute = np.sqrt(((x[:, None, :] - chosen[None, :, :]) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(analysis.metrics.cover_input["selected"], brute, atol=1e-6)
