"""``run --engine ray`` above ``--memory-budget``: a ``.npy`` INPUT and an image folder stay on the cluster (the driver
never holds the N × D matrix), and the run writes the local engine's files and keys with numbers equal to float64
references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.analyze.extra_metrics.vendi import vendi_score
from embedscope.analyze.projection import PCA_2D_FIT_SAMPLE, pca_2d, pca_2d_fit_rows
from embedscope.analyze.sets import random_subset
from embedscope.cli.app import main
from embedscope.distributed import ray_ivf, vector_blocks
from embedscope.distributed.cluster_scatter import pca_on_cluster
from embedscope.distributed.vector_blocks import MIN_DRIVER_SAMPLE, VectorBlocks, driver_sample_rows
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from embedscope.select.k_center_greedy import COVER_METHOD
from tests.distributed.budget_runs import (
    clustered,
    nearest_other,
    normalized,
    ray_run,
    report_keys,
)
from tests.distributed.conftest import TwoNodeCluster
from tests.distributed.image_folders import make_image_folder

N_ROWS, DIM, N_PICKS, N_POOL = 20_000, 100, 60, 20
BUDGET = 2 * 2**20  # 2 MiB; the matrix is 7.6 MiB
FOLDER_VIEWS, FOLDER_DIM, FOLDER_BUDGET = 80, 32, 2 * 2**10
FOLDER_POOL = ("views/003.jpg", "views/010.jpg", "views/020.jpg")


@pytest.fixture(scope="module")
def runs(ray_two_nodes: TwoNodeCluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same ``.npy`` run locally and on Ray with a 2 MiB budget (a datapool whose 20 names leave the input,
    near-duplicates removed); the Ray run's outcome, the bytes its driver received per ``ray.get``, and the
    normalised input rows (in the outcome's order) and datapool."""
    root = tmp_path_factory.mktemp("budget")
    rng = np.random.default_rng(11)
    points = clustered(rng, N_ROWS, DIM)
    points[1::997] = points[0::997][: len(points[1::997])] + 1e-4 * rng.normal(size=(len(points[1::997]), DIM))
    pool = clustered(rng, N_POOL, DIM)
    np.save(root / "input.npy", points)
    np.save(root / "pool.npy", pool)  # generated names sample_000000.. : those input rows leave the input
    common = ["run", str(root / "input.npy"), "-n", str(N_PICKS), "--random-seeds", "2", "--quiet",
              "--datapool", str(root / "pool.npy"), "--remove-near-duplicates"]
    assert main([*common, "--out", str(root / "local")]) == 0

    code, outcome, received, _ = ray_run([*common, "--out", str(root / "ray"), "--engine", "ray", "--ray-address",
                                           ray_two_nodes.address], budget=BUDGET, dim=DIM)
    assert code == 0
    rows = [int(name.removeprefix("sample_")) for name in outcome.inputs.input.names]
    return {"root": root, "points": normalized(points)[rows], "pool": normalized(pool), "received": received,
            "file_bytes": points.nbytes, "outcome": outcome}


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
    ray_keys = {k for k in report_keys(on_ray) if not k.startswith(ignored)}
    assert ray_keys == {k for k in report_keys(local) if not k.startswith(ignored)}
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
    np.testing.assert_allclose(outcome.metrics.nearest_in_set["input"], nearest_other(points), rtol=0, atol=1e-9)
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
    points = normalized(clustered(rng, PCA_2D_FIT_SAMPLE + 20_000, 8, clusters=40))
    pool = normalized(clustered(rng, 30, 8))
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
    points = normalized(clustered(np.random.default_rng(12), 6_000, 16, clusters=30))
    blocks = VectorBlocks.from_array(points, n_blocks=6)
    monkeypatch.setattr(ray_ivf, "EXACT_LIMIT", 1_000)

    found = ray_ivf.input_nearest_on_blocks(blocks, exact=False, seed=0, memory_budget=BUDGET)

    exact = nearest_other(points)
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
    points = clustered(np.random.default_rng(13), 3_000, 16)
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


@pytest.fixture(scope="module")
def folder_runs(
    ray_two_nodes: TwoNodeCluster, ray_model_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """An image folder (corrupt and duplicate files, a datapool naming 3 of its images) run locally and on Ray with a
    2 KiB budget, under the 9.6 KiB matrix of its 77 × 32 embeddings. The driver-side samples of the Ray run
    (PCA / UMAP fits, PRDC reference) are cut to 8 rows, so that they are samples here too."""
    root = tmp_path_factory.mktemp("budget_folder")
    folder = make_image_folder(root / "images", n_views=FOLDER_VIEWS)
    write_lightly_csv(root / "pool.csv", list(FOLDER_POOL),
                      normalized(np.random.default_rng(15).normal(size=(len(FOLDER_POOL), FOLDER_DIM))))
    common = ["run", str(folder), "-n", "2", "--random-seeds", "2", "--quiet", "--datapool", str(root / "pool.csv")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(ray_model_cache))
        assert main([*common, "--out", str(root / "local")]) == 0
        patch.setattr(vector_blocks, "MIN_DRIVER_SAMPLE", 8)
        code, outcome, _, rows = ray_run(
            [*common, "--out", str(root / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
             "--shard-dir", str(root / "shards")], budget=FOLDER_BUDGET, dim=FOLDER_DIM)
    assert code == 0
    return {"root": root, "outcome": outcome, "rows": rows}


def test_an_image_folder_above_the_budget_stays_on_the_cluster(folder_runs: dict[str, Any]) -> None:
    outcome = folder_runs["outcome"]
    engine = read_report_dict(folder_runs["root"] / "ray/report_v2.json")["embedscope"]["engine"]
    assert engine["driverHoldsMatrix"] is False and engine["embedEngine"] == "ray"
    # and the model was loaded while the ingest stage's scan ran (ModelDuringScan), each stage timed once
    assert 0 < engine["modelLoadSeconds"] <= engine["stageSeconds"]["ingest"]
    assert set(engine["stageSeconds"]) >= {"ingest", "embed"} and "scan" not in engine["stageSeconds"]
    n_input = len(outcome.inputs.input.names)
    assert n_input == FOLDER_VIEWS - len(FOLDER_POOL)
    assert outcome.inputs.input.vectors.shape == (0, FOLDER_DIM)
    assert n_input * FOLDER_DIM * 4 > 2 * FOLDER_BUDGET
    # input rows reach the driver only in blocks of a quarter of the budget (4 rows: embeddings.csv), samples of 8
    # rows, the k picks and round 1's P·k′ = 2 · 8 · 2 centres: never as much as half the matrix
    assert max(folder_runs["rows"]) <= 2 * 8 * 2 < n_input // 2


def test_an_image_folder_above_the_budget_gives_the_local_engines_files_and_embeddings(
    folder_runs: dict[str, Any]
) -> None:
    root = folder_runs["root"]
    local_files = sorted(str(p.relative_to(root / "local")) for p in (root / "local").rglob("*") if p.is_file())
    assert sorted(str(p.relative_to(root / "ray")) for p in (root / "ray").rglob("*") if p.is_file()) == local_files
    local, on_ray = (read_report_dict(root / name / "report_v2.json") for name in ("local", "ray"))
    ignored = (".embedscope.engine", ".embedscope.stageSeconds")
    assert {k for k in report_keys(on_ray) if not k.startswith(ignored)} == {k for k in report_keys(local) if not k.startswith(ignored)}
    # the computed image statistics of every input image: the same file, the same input distributions
    assert (root / "ray/data/computed_metadata.csv").read_bytes() == (root / "local/data/computed_metadata.csv").read_bytes()
    local_columns, ray_columns = (run["datasetAnalysis"]["metadataInformation"] for run in (local, on_ray))
    assert len(ray_columns) == 9 and ray_columns.keys() == local_columns.keys()
    for column, summary in ray_columns.items():
        assert summary["numericDistribution"]["input"] == local_columns[column]["numericDistribution"]["input"], column
    for name in ("corrupt_filenames.txt", "duplicate_filenames.txt"):
        assert (root / "ray/filenames" / name).read_text() == (root / "local/filenames" / name).read_text()
    local_csv, ray_csv = (read_lightly_csv(root / name / "data/embeddings.csv") for name in ("local", "ray"))
    assert ray_csv.names == local_csv.names == folder_runs["outcome"].inputs.input.names
    assert not set(FOLDER_POOL) & set(ray_csv.names)
    np.testing.assert_allclose(ray_csv.vectors, local_csv.vectors, rtol=0, atol=1e-5)


def test_an_image_folders_metrics_equal_float64_references(folder_runs: dict[str, Any]) -> None:
    outcome = folder_runs["outcome"]
    points = read_lightly_csv(folder_runs["root"] / "ray/data/embeddings.csv").vectors.astype(np.float64)
    pool = outcome.inputs.datapool.vectors.astype(np.float64)
    selected = outcome.selection.indices
    cover = cKDTree(np.concatenate([points[selected], pool])).query(points)[0]
    np.testing.assert_allclose(outcome.metrics.cover_input["selected"], cover, rtol=0, atol=1e-9)
    np.testing.assert_allclose(outcome.metrics.nearest_in_set["input"], nearest_other(points), rtol=0, atol=1e-9)
