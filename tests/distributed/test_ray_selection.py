"""Composable k-center and coverage on a real two-node Ray cluster, against float64 KD-tree references."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.analyze.embedding_metrics import compute_embedding_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.cli.app import main
from embedscope.distributed import coverage
from embedscope.distributed.ray_selection import select_on_blocks
from embedscope.distributed.vector_blocks import MemoryBudgetError, VectorBlocks
from embedscope.report.json_writer import read_report_dict
from embedscope.select.k_center_greedy import k_center_greedy
from tests.distributed.conftest import TwoNodeCluster


def _clustered(rng: np.random.Generator, n: int, dim: int = 32, clusters: int = 200) -> np.ndarray:
    centres = rng.normal(size=(clusters, dim))
    points = centres[rng.integers(0, clusters, n)] + 0.15 * rng.normal(size=(n, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_composable_radius_within_10_percent_and_metrics_equal_float64_references(
    ray_two_nodes: TwoNodeCluster,
) -> None:
    points = _clustered(np.random.default_rng(3), 50_000)
    blocks = VectorBlocks.from_array(points, n_blocks=16)

    result = select_on_blocks(blocks, n_samples=500, partitions=2)

    single_machine = k_center_greedy(points, n_samples=500).min_distances.max()
    assert len(np.unique(result.indices)) == 500
    assert result.radius <= 1.10 * single_machine
    assert result.k_prime >= 500 and result.partitions == 2
    selected = points[result.indices].astype(np.float64)
    reference_cover, _ = cKDTree(selected).query(points.astype(np.float64))
    np.testing.assert_allclose(result.cover, reference_cover, rtol=0, atol=1e-6)
    assert result.radius == pytest.approx(reference_cover.max(), abs=1e-6)
    sets = AnalysisSets(
        input=points, selected_indices=result.indices, random_indices=random_subset(len(points), 500, seed=0),
        datapool=None,
    )
    metrics = compute_embedding_metrics(sets, selected_cover=result.cover, selected_cover_method=coverage.METHOD,
                                        exact=True)
    reference_nn = cKDTree(selected).query(selected, k=2)[0][:, 1]
    np.testing.assert_allclose(metrics.nearest_in_set["selected"], reference_nn, rtol=0, atol=1e-6)


def test_datapool_is_pre_selected_in_both_rounds(ray_two_nodes: TwoNodeCluster) -> None:
    rng = np.random.default_rng(4)
    points = _clustered(rng, 4_000, clusters=20)
    pool = _clustered(rng, 30, clusters=20)
    blocks = VectorBlocks.from_array(points, n_blocks=4)

    result = select_on_blocks(blocks, n_samples=40, partitions=2, datapool=pool)

    centres = np.concatenate([points[result.indices], pool]).astype(np.float64)
    np.testing.assert_allclose(result.cover, cKDTree(centres).query(points.astype(np.float64))[0], atol=1e-6)
    # each pick is the farthest union point from earlier picks ∪ datapool: never closer to the pool than the last
    to_pool = cKDTree(pool.astype(np.float64)).query(points[result.indices].astype(np.float64))[0]
    assert to_pool.min() > 0


def test_driver_stays_under_a_memory_budget_smaller_than_the_matrix(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path
) -> None:
    points = _clustered(np.random.default_rng(5), 100_000)
    path = tmp_path / "vectors.npy"
    np.save(path, points)
    budget = 4 * 2**20  # 4 MiB, the matrix is 12.2 MiB
    assert points.nbytes > 3 * budget
    reference = k_center_greedy(points, n_samples=200).min_distances.max()
    del points

    tracemalloc.start()
    blocks = VectorBlocks.from_npy(path, rows_per_block=10_000)
    result = select_on_blocks(blocks, n_samples=200, partitions=2)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert peak < budget
    assert result.cover.shape == (100_000,)
    assert result.radius <= 1.10 * reference
    with pytest.raises(MemoryBudgetError, match="--memory-budget"):
        blocks.gather(memory_budget=budget)


def _embeddings_csv(path: Path, points: np.ndarray) -> None:
    header = "filenames," + ",".join(f"embedding_{i}" for i in range(points.shape[1])) + ",labels\n"
    rows = (f"s{i:05d}.png," + ",".join(f"{v:.7f}" for v in row) + ",0\n" for i, row in enumerate(points))
    path.write_text(header + "".join(rows))


def test_run_with_thresholds_filters_before_the_composable_selection(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path
) -> None:
    rng = np.random.default_rng(6)
    points = _clustered(rng, 2_000, clusters=20)
    _embeddings_csv(tmp_path / "input.csv", points)
    sharpness = rng.uniform(0, 40, len(points))
    (tmp_path / "meta.csv").write_text(
        "filename,sharpness\n" + "".join(f"s{i:05d}.png,{v:.3f}\n" for i, v in enumerate(sharpness))
    )
    (tmp_path / "config.yaml").write_text(
        "n_samples: 30\nstrategies:\n"
        "  - input: {type: METADATA, key: sharpness}\n    strategy: {type: THRESHOLD, threshold: 20, operation: BIGGER_EQUAL}\n"
        "  - input: {type: EMBEDDINGS}\n    strategy: {type: DIVERSITY}\n"
    )
    common = ["run", str(tmp_path / "input.csv"), "--selection-config", str(tmp_path / "config.yaml"),
              "--metadata", str(tmp_path / "meta.csv"), "--random-seeds", "2", "--quiet"]

    assert main([*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address]) == 0

    report = read_report_dict(tmp_path / "ray/report_v2.json")
    assert report["embedscope"]["nFilteredOutByThresholds"] == int((sharpness < 20).sum())
    names = (tmp_path / "ray/filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    picked = np.array([int(n[1:6]) for n in names])
    assert len(picked) == 30 and (sharpness[picked] >= 20).all()


def test_strategies_the_ray_engine_cannot_run_are_refused_by_name(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _embeddings_csv(tmp_path / "input.csv", _clustered(np.random.default_rng(7), 200, clusters=5))
    (tmp_path / "config.yaml").write_text(
        "n_samples: 10\nstrategies:\n  - input: {type: EMBEDDINGS}\n    strategy: {type: DIVERSITY}\n"
        "  - input: {type: EMBEDDINGS}\n    strategy: {type: TYPICALITY}\n"
    )

    code = main(["run", str(tmp_path / "input.csv"), "--selection-config", str(tmp_path / "config.yaml"),
                 "--out", str(tmp_path / "out"), "--engine", "ray", "--ray-address", ray_two_nodes.address, "--quiet"])

    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "TYPICALITY on EMBEDDINGS" in err[0] and "--engine local" in err[0]
