"""``--outliers`` with ``--selection-config``: planted far points are the outliers and never selected, the
strategies run on the rest (DIVERSITY alone = the reference k-center greedy on the input less the planted
points), both radii equal a float64 brute force; combinations without meaning are refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from embedscope.errors import ConfigError
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.run_parameters import RunParameters
from embedscope.select.k_center_greedy_reference import k_center_greedy_reference
from tests.cli.conftest import run_cli
from tests.cli.test_bad_input import _assert_one_line_error
from tests.pipeline.test_hygiene_run import _run_stages

N_PER_CLUSTER, N_PLANTED, DIM = 80, 4, 6


def _planted(rng: np.random.Generator) -> np.ndarray:
    """Three tight clusters, then N_PLANTED points far from everything (rows 240..243)."""
    centres = rng.standard_normal((3, DIM)) * 3
    clusters = [c + 0.5 * rng.standard_normal((N_PER_CLUSTER, DIM)) for c in centres]
    far = 40.0 * np.eye(DIM)[:N_PLANTED] + rng.standard_normal((N_PLANTED, DIM))
    return np.vstack([*clusters, far]).astype(np.float32)


def _params(tmp_path: Path, config: str, **extra: object) -> RunParameters:
    path = tmp_path / "selection.yaml"
    path.write_text(config)
    metadata = tmp_path / "meta.csv"
    return RunParameters(
        input_path=tmp_path / "x.csv", out_dir=tmp_path / "out", n_samples=12, normalize=False,
        selection_config_path=path, metadata_path=metadata if metadata.exists() else None,
        extra={"outliers": str(N_PLANTED), **extra},
    )


DIVERSITY = "strategies:\n  - input: {type: EMBEDDINGS}\n    strategy: {type: DIVERSITY}\n"


def test_diversity_config_ignores_planted_outliers(tmp_path: Path) -> None:
    x = _planted(np.random.default_rng(2))
    names = [f"s{i:03d}" for i in range(len(x))]
    samples = LoadedInputs(input=EmbeddingTable(names=names, vectors=x), datapool=None)
    _, selected, assembled = _run_stages(_params(tmp_path, DIVERSITY), samples)
    planted = np.arange(len(x) - N_PLANTED, len(x))
    robust = selected.hygiene.robust
    assert robust is not None and sorted(robust.outliers) == list(planted)
    chosen = selected.selection.indices
    assert not set(chosen) & set(planted)
    # the strategies ran on the input less the outliers: DIVERSITY alone is the textbook greedy there
    rest = np.arange(len(x) - N_PLANTED)
    reference = k_center_greedy_reference(x[rest], n_samples=12)
    np.testing.assert_array_equal(chosen, rest[np.asarray(reference.indices)])
    cover = cdist(x.astype(np.float64), x[chosen].astype(np.float64)).min(axis=1)
    ext = assembled.report.embedscope["outliers"]
    assert ext["radiusWithOutliers"] == pytest.approx(cover.max(), rel=1e-5)
    assert ext["radiusWithoutOutliers"] == pytest.approx(cover[rest].max(), rel=1e-5)
    # without --outliers the same config picks the planted points first
    plain = k_center_greedy_reference(x, n_samples=12)
    assert set(planted) <= set(np.asarray(plain.indices))


def test_threshold_and_diversity_config_with_outliers(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = _planted(rng)
    names = [f"s{i:03d}" for i in range(len(x))]
    score = rng.random(len(x))
    (tmp_path / "meta.csv").write_text("filename,score\n" + "".join(f"{n},{s}\n" for n, s in zip(names, score)))
    config = DIVERSITY + "  - input: {type: METADATA, key: score}\n    strategy: {type: THRESHOLD, threshold: 0.3, operation: BIGGER}\n"
    samples = LoadedInputs(input=EmbeddingTable(names=names, vectors=x), datapool=None)
    _, selected, _ = _run_stages(_params(tmp_path, config), samples)
    chosen = selected.selection.indices
    assert len(chosen) == 12 and np.all(score[chosen] > 0.3) and np.all(chosen < len(x) - N_PLANTED)
    rest = np.flatnonzero((np.arange(len(x)) < len(x) - N_PLANTED) & (score > 0.3))
    reference = k_center_greedy_reference(x[rest], n_samples=12)
    np.testing.assert_array_equal(chosen, rest[np.asarray(reference.indices)])


def test_meaningless_combinations_are_refused(tmp_path: Path) -> None:
    x = _planted(np.random.default_rng(4))
    names = [f"s{i:03d}" for i in range(len(x))]
    samples = LoadedInputs(input=EmbeddingTable(names=names, vectors=x), datapool=None)
    (tmp_path / "meta.csv").write_text("filename,score\n" + "".join(f"{n},{i}\n" for i, n in enumerate(names)))
    weights = "strategies:\n  - input: {type: METADATA, key: score}\n    strategy: {type: WEIGHTS}\n"
    with pytest.raises(ConfigError, match="needs a DIVERSITY strategy on EMBEDDINGS.*WEIGHTS on METADATA score"):
        _run_stages(_params(tmp_path, weights), samples)
    stop = "n_samples: -1\n" + DIVERSITY.replace("{type: DIVERSITY}", "{type: DIVERSITY, stopping_condition_minimum_distance: 1.0}")
    params = _params(tmp_path, stop)
    with pytest.raises(ConfigError, match="needs a sample count"):
        _run_stages(RunParameters(**{**params.__dict__, "n_samples": None}), samples)
    write_lightly_csv(tmp_path / "in.csv", names, x)
    (tmp_path / "weights.yaml").write_text(weights)
    result = run_cli("run", tmp_path / "in.csv", "--selection-config", tmp_path / "weights.yaml", "--metadata",
                     tmp_path / "meta.csv", "--outliers", "4", "-n", "10", "--out", tmp_path / "o", "-q")
    _assert_one_line_error(result, "weights.yaml", "--outliers needs a DIVERSITY strategy")
