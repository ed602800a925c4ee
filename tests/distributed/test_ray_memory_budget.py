"""``run --engine ray`` above ``--memory-budget``: a ``.npy`` INPUT stays on the cluster (the driver never holds the
N × D matrix), and the run writes the local engine's files and keys with numbers equal to float64 references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import ray
from scipy.spatial import cKDTree

from embedscope.analyze.extra_metrics.vendi import vendi_score
from embedscope.analyze.projection import PCA_2D_FIT_SAMPLE, pca_2d, pca_2d_fit_rows
from embedscope.analyze.sets import random_subset
from embedscope.cli.app import main
from embedscope.distributed import ray_executor, ray_ivf
from embedscope.distributed.cluster_scatter import pca_on_cluster
from embedscope.distributed.vector_blocks import MIN_DRIVER_SAMPLE, VectorBlocks, driver_sample_rows
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from embedscope.select.k_center_greedy import COVER_METHOD
from tests.distributed.conftest import TwoNodeCluster

N_ROWS, DIM, N_PICKS, N_POOL = 20_000, 100, 60, 20
BUDGET = 2 * 2**20  # 2 MiB; the matrix is 7.6 MiB


def _clustered(rng: np.random.Generator, n: int, dim: int, clusters: int = 50) -> np.ndarray:
    centres = rng.normal(size=(clusters, dim))
    return (centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


def _normalized(points: np.ndarray) -> np.ndarray:
    as64 = points.astype(np.float64)
    return (as64 / np.linalg.norm(as64, axis=1, keepdims=True)).astype(np.float32)


def _nearest_other(points: np.ndarray) -> np.ndarray:
    """float64 brute force, in blocks: each row's distance to its nearest other row."""
    as64 = points.astype(np.float64)
    squared = np.einsum("ij,ij->i", as64, as64)
    out = np.empty(len(points))
    for start in range(0, len(points), 2_000):
        block = as64[start:start + 2_000]
        d2 = squared[start:start + 2_000, None] + squared[None, :] - 2.0 * block @ as64.T
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest = np.argmin(d2, axis=1)
        out[start:start + len(block)] = np.linalg.norm(as64[nearest] - block, axis=1)
    return out


def _array_bytes(value: Any) -> int:
    """Bytes of the numpy arrays in a ``ray.get`` result (nested tuples / lists)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (list, tuple)):
        return sum(_array_bytes(item) for item in value)
    return 0


def _keys(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return set().union(*[{f"{prefix}.{k}"} | _keys(v, f"{prefix}.{k}") for k, v in value.items()]) if value else set()
    return set()


@pytest.fixture(scope="module")
def runs(ray_two_nodes: TwoNodeCluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same ``.npy`` run locally and on Ray with a 2 MiB budget (a datapool whose 20 names leave the input,
    near-duplicates removed); the Ray run's outcome, the bytes its driver received per ``ray.get``, and the
    normalised input rows (in the outcome's order) and datapool."""
    root = tmp_path_factory.mktemp("budget")
    rng = np.random.default_rng(11)
    points = _clustered(rng, N_ROWS, DIM)
    points[1::997] = points[0::997][: len(points[1::997])] + 1e-4 * rng.normal(size=(len(points[1::997]), DIM))
    pool = _clustered(rng, N_POOL, DIM)
    np.save(root / "input.npy", points)
    np.save(root / "pool.npy", pool)  # generated names sample_000000.. : those input rows leave the input
    common = ["run", str(root / "input.npy"), "-n", str(N_PICKS), "--random-seeds", "2", "--quiet",
              "--datapool", str(root / "pool.npy"), "--remove-near-duplicates"]
    assert main([*common, "--out", str(root / "local")]) == 0

    received: list[int] = []
    real_get = ray.get

    def counted_get(refs: Any, *args: Any, **kwargs: Any) -> Any:
        values = real_get(refs, *args, **kwargs)
        received.append(_array_bytes(values))
        return values

    captured: dict[str, Any] = {}
    real = ray_executor.execute_run_on_ray

    def kept(*args: Any, **kwargs: Any) -> Any:
        captured["outcome"] = real(*args, **kwargs)
        return captured["outcome"]

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the driver gathered the N × D matrix")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ray_executor, "execute_run_on_ray", kept)
        patch.setattr(VectorBlocks, "gather", refuse)
        patch.setattr(ray_executor, "load_inputs", refuse)
        patch.setattr(ray, "get", counted_get)
        code = main([*common, "--out", str(root / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
                     "--memory-budget", str(BUDGET / 2**30)])
    assert code == 0
    rows = [int(name.removeprefix("sample_")) for name in captured["outcome"].inputs.input.names]
    return {"root": root, "points": _normalized(points)[rows], "pool": _normalized(pool), "received": received,
            "file_bytes": points.nbytes, **captured}


def test_driver_never_holds_the_matrix(runs: dict[str, Any]) -> None:
    report = read_report_dict(runs["root"] / "ray/report_v2.json")
    engine = report["embedscope"]["engine"]
    assert engine["driverHoldsMatrix"] is False
    assert runs["outcome"].inputs.input.vectors.shape == (0, DIM)
    assert runs["file_bytes"] > 3 * BUDGET
    # every array reaching the driver from the cluster came in pieces of at most half the budget (a block, the
    # wanted rows, or per-sample results): the matrix only ever passed through it block by block (embeddings.csv)
    assert max(runs["received"]) <= BUDGET // 2
    assert sum(runs["received"]) < 2 * runs["file_bytes"]
    assert engine["searches"]["input"]["method"] == "exact (ray block pairs)"


def test_same_files_keys_and_embeddings_csv_as_the_local_engine(runs: dict[str, Any]) -> None:
    root = runs["root"]
    local_files = sorted(str(p.relative_to(root / "local")) for p in (root / "local").rglob("*") if p.is_file())
    ray_files = sorted(str(p.relative_to(root / "ray")) for p in (root / "ray").rglob("*") if p.is_file())
    assert ray_files == local_files
    local, on_ray = (read_report_dict(root / name / "report_v2.json") for name in ("local", "ray"))
    ignored = (".embedscope.engine", ".embedscope.stageSeconds")
    ray_keys = {k for k in _keys(on_ray) if not k.startswith(ignored)}
    assert ray_keys == {k for k in _keys(local) if not k.startswith(ignored)}
    assert ".embedscope.extraMetrics.prdc" in ray_keys and ".datasetAnalysis.embeddingInformation" in ray_keys
    assert (root / "ray/data/embeddings.csv").read_bytes() == (root / "local/data/embeddings.csv").read_bytes()


def test_metrics_equal_float64_references_for_the_selection_made(runs: dict[str, Any]) -> None:
    points, pool, outcome = runs["points"], runs["pool"], runs["outcome"]
    n = len(points)
    assert n < N_ROWS - N_POOL  # the datapool's names and the near-duplicates left the input
    selected = outcome.selection.indices
    assert len(selected) == N_PICKS
    as64, pool64 = points.astype(np.float64), pool.astype(np.float64)
    cover_selected = cKDTree(np.concatenate([as64[selected], pool64])).query(as64)[0]
    np.testing.assert_allclose(outcome.metrics.cover_input["selected"], cover_selected, rtol=0, atol=1e-9)
    random_rows = random_subset(n, N_PICKS, seed=0)
    np.testing.assert_array_equal(outcome.sets.random_indices, random_rows)
    np.testing.assert_allclose(outcome.metrics.cover_input["random"],
                               cKDTree(np.concatenate([as64[random_rows], pool64])).query(as64)[0], rtol=0, atol=1e-9)
    np.testing.assert_allclose(outcome.metrics.nearest_in_set["input"], _nearest_other(points), rtol=0, atol=1e-9)
    with_pool = np.concatenate([as64[selected], pool64])
    np.testing.assert_allclose(outcome.metrics.nearest_in_set["selectedWithDatapool"],
                               cKDTree(with_pool).query(with_pool, k=2)[0][:, 1], rtol=0, atol=1e-9)
    extra = read_report_dict(runs["root"] / "ray/report_v2.json")["embedscope"]["extraMetrics"]
    local_extra = read_report_dict(runs["root"] / "local/report_v2.json")["embedscope"]["extraMetrics"]
    assert extra["vendiScore"]["input"] == pytest.approx(vendi_score(points), rel=1e-9)
    assert extra["vendiScore"]["input"] == pytest.approx(local_extra["vendiScore"]["input"], rel=1e-9)
    assert extra["kCenter"]["radius"] == pytest.approx(cover_selected.max(), abs=1e-9)
    searches = {name: read_report_dict(runs["root"] / name / "report_v2.json")["datasetAnalysis"][
        "embeddingInformation"]["distanceToCoverInput"]["embedscopeNeighborSearch"] for name in ("local", "ray")}
    assert searches["ray"] == {"selected": {"method": "exact (ray map)"}, "random": {"method": "exact (ray map)"}}
    assert searches["local"] == {"selected": {"method": COVER_METHOD}, "random": {"method": "exact"}}


def test_near_duplicates_and_pca_equal_the_local_engine(runs: dict[str, Any]) -> None:
    root, points, outcome = runs["root"], runs["points"], runs["outcome"]
    local, on_ray = (read_report_dict(root / name / "report_v2.json")["embedscope"] for name in ("local", "ray"))
    assert on_ray["nearDuplicates"] == local["nearDuplicates"]
    assert outcome.hygiene.groups.groups and len(outcome.hygiene.groups.groups) >= 15
    # the 2 MiB budget caps the local engine's fit sample (all 20k rows) at the driver's minimum sample
    capped = driver_sample_rows(PCA_2D_FIT_SAMPLE, dim=DIM, memory_budget=BUDGET)
    assert capped == MIN_DRIVER_SAMPLE and capped * DIM * 4 > BUDGET // 16  # the floor, not the budget's share
    rows = pca_2d_fit_rows(len(points), seed=0, max_rows=capped)
    assert rows is not None and len(rows) == capped
    reference = pca_2d(points, fit_indices=rows, also_project=runs["pool"]).coordinates
    pca, umap = outcome.scatter
    np.testing.assert_allclose(pca.all_xy, reference, rtol=0, atol=1e-6)
    assert pca.fit_sample_size == capped and on_ray["engine"]["driverSamples"]["pcaFitRows"] == capped
    assert umap.all_xy.shape == (len(points) + N_POOL, 2) and np.isfinite(umap.all_xy).all()


def _svd_pca(points: np.ndarray, fit_rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """float64 reference: the stacked points' coordinates on the top-2 right singular vectors of the centred fit
    rows, each axis signed so that its largest-magnitude loading is positive (scikit-learn's svd_flip)."""
    fit = points[fit_rows].astype(np.float64)
    mean = fit.mean(axis=0)
    axes = np.linalg.svd(fit - mean, full_matrices=False)[2][:2].T
    axes *= np.sign(axes[np.argmax(np.abs(axes), axis=0), [0, 1]])
    return (np.concatenate([points, pool]).astype(np.float64) - mean) @ axes


def test_ray_pca_fits_the_local_engines_rows_and_axes(ray_two_nodes: TwoNodeCluster) -> None:
    """Above PCA_2D_FIT_SAMPLE rows both engines fit the 2-D PCA on the same seeded 100k sample: the Ray
    engine's coordinates equal the local engine's pca_2d (and a float64 SVD); a small budget caps the sample."""
    rng = np.random.default_rng(21)
    points = _normalized(_clustered(rng, PCA_2D_FIT_SAMPLE + 20_000, 8, clusters=40))
    pool = _normalized(_clustered(rng, 30, 8))
    blocks = VectorBlocks.from_array(points, n_blocks=4)
    local_rows = pca_2d_fit_rows(len(points), seed=5)
    assert local_rows is not None and len(local_rows) == PCA_2D_FIT_SAMPLE
    local = pca_2d(points, fit_indices=local_rows, also_project=pool)

    xy, rows = pca_on_cluster(blocks, datapool=pool, seed=5, memory_budget=2**30)

    np.testing.assert_array_equal(rows, local_rows)
    np.testing.assert_allclose(xy, local.coordinates, rtol=0, atol=1e-6)
    np.testing.assert_allclose(xy, _svd_pca(points, local_rows, pool), rtol=0, atol=1e-5)
    budget = 16 * 50_000 * 8 * 4  # the driver's share (1/16) holds 50,000 rows of 8 float32
    xy, rows = pca_on_cluster(blocks, datapool=pool, seed=5, memory_budget=budget)
    np.testing.assert_array_equal(rows, np.sort(np.random.default_rng(5).choice(len(points), 50_000, replace=False)))
    assert len(rows) * 8 * 4 <= budget // 16
    np.testing.assert_allclose(xy, _svd_pca(points, rows, pool), rtol=0, atol=1e-5)


def test_approximate_input_neighbours_measure_their_recall(
    ray_two_nodes: TwoNodeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = _normalized(_clustered(np.random.default_rng(12), 6_000, 16, clusters=30))
    blocks = VectorBlocks.from_array(points, n_blocks=6)
    monkeypatch.setattr(ray_ivf, "EXACT_LIMIT", 1_000)

    found = ray_ivf.input_nearest_on_blocks(blocks, exact=False, seed=0, memory_budget=BUDGET)

    exact = _nearest_other(points)
    assert found.method == "ivf (ray tasks)"
    assert (found.indices != np.arange(len(points))).all()
    np.testing.assert_allclose(found.distances, np.linalg.norm(
        points[found.indices].astype(np.float64) - points.astype(np.float64), axis=1), rtol=0, atol=1e-12)
    assert (found.distances >= exact - 1e-9).all()
    sample = random_subset(len(points), 1_000, seed=0)
    assert found.recall == pytest.approx(float(np.mean(np.abs(found.distances[sample] - exact[sample]) <= 1e-6)))
    assert found.recall_sample_size == 1_000 and found.recall >= 0.9


def test_a_bad_value_in_a_block_gets_the_local_engines_one_line(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = _clustered(np.random.default_rng(13), 3_000, 16)
    points[2_345, 7] = np.nan
    np.save(tmp_path / "input.npy", points)
    names = [f"img_{i:05d}.png" for i in range(len(points))]
    (tmp_path / "names.txt").write_text("".join(f"{name}\n" for name in names))
    write_lightly_csv(tmp_path / "pool.csv", names[:10], points[:10])  # 10 rows leave the input before row 2345
    line = f"embedscope: error: {tmp_path / 'input.npy'}: row 2345 (0-based), dimension 7: NaN; embeddings must be finite numbers"
    named = line.replace("(0-based), ", "(0-based), sample 'img_02345.png', ")
    for extra, expected in (([], line), (["--filenames", str(tmp_path / "names.txt"), "--datapool", str(tmp_path / "pool.csv")], named)):
        common = ["run", str(tmp_path / "input.npy"), "-n", "10", "--quiet", *extra]
        assert main([*common, "--out", str(tmp_path / "local")]) == 2
        local_err = capsys.readouterr().err.strip().splitlines()
        code = main([*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
                     "--memory-budget", str(16 * 2**10 / 2**30)])
        ray_err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and ray_err == local_err == [expected]


def test_an_embeddings_csv_above_the_budget_is_refused_with_one_line(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = _normalized(_clustered(np.random.default_rng(14), 300, 16))
    header = "filenames," + ",".join(f"embedding_{i}" for i in range(16)) + ",labels\n"
    rows = "".join(f"s{i:04d}.png," + ",".join(f"{v:.7f}" for v in row) + ",0\n" for i, row in enumerate(points))
    (tmp_path / "input.csv").write_text(header + rows)

    code = main(["run", str(tmp_path / "input.csv"), "-n", "10", "--quiet", "--out", str(tmp_path / "out"),
                 "--engine", "ray", "--ray-address", ray_two_nodes.address, "--memory-budget", str(2**10 / 2**30)])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "--memory-budget" in err[0] and ".npy" in err[0]
