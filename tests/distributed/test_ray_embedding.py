"""Embedding an image folder on a real two-node Ray cluster: the local engine's lists and vectors, a killed
worker node, and a resumed run that embeds only what the interrupted one left."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from embedscope.cli.app import main
from embedscope.distributed.cluster import cluster_info
from embedscope.distributed.feature_shards import list_shards, read_shard_index
from embedscope.distributed.ray_image_folder import (
    RayFolderEmbedding,
    embed_folder_on_ray,
    scan_image_folder_on_ray,
)
from embedscope.distributed.ray_projection import features_at, project_on_ray
from embedscope.distributed.vector_blocks import default_memory_budget
from embedscope.embed import projection
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.image_folder_embedding import ImageFolderEmbeddings, embed_image_folder
from embedscope.ingest.image_folder import file_digest, scan_image_folder
from embedscope.io.lightly_csv import read_lightly_csv
from embedscope.report.extra_metrics import RAY_BOUND_NOTE
from embedscope.report.json_writer import read_report_dict
from embedscope.select.k_center_greedy import COVER_METHOD
from tests.distributed.conftest import TwoNodeCluster, ray_env
from tests.distributed.image_folders import TRUNCATED, make_image_folder

FILES_PER_SHARD = 16
FEATURE_DIM = 1280  # EfficientNet-Lite0, the default model


@pytest.fixture(scope="module")
def model_cache(ray_model_cache: Path) -> Path:
    return ray_model_cache


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_image_folder(tmp_path_factory.mktemp("ray_images") / "images")


@pytest.fixture(scope="module")
def local(folder: Path, model_cache: Path) -> ImageFolderEmbeddings:
    """The local engine's result (its feature cache is not the Ray engine's shards)."""
    return embed_image_folder(scan_image_folder(folder), embedding_dim=32, cache_dir=model_cache)


@dataclass(frozen=True)
class Uninterrupted:
    result: RayFolderEmbedding
    vectors: np.ndarray


@pytest.fixture(scope="module")
def uninterrupted(
    ray_two_nodes: TwoNodeCluster, folder: Path, model_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Uninterrupted:
    """A Ray run from empty shards to the end, nothing killed."""
    result = _embed_on_ray(ray_two_nodes, folder, model_cache, tmp_path_factory.mktemp("uninterrupted"))
    return Uninterrupted(result=result, vectors=result.blocks.gather(memory_budget=default_memory_budget()))


def _embed_on_ray(cluster: TwoNodeCluster, folder: Path, model_cache: Path, shard_dir: Path) -> RayFolderEmbedding:
    return embed_folder_on_ray(
        scan_image_folder_on_ray(folder), cluster=cluster_info(cluster.address), shard_dir=shard_dir,
        files_per_shard=FILES_PER_SHARD, cache_dir=model_cache,
    )


def _shard_hashes(shard_dir: Path) -> Counter[str]:
    """How often each content hash occurs over all shards."""
    return Counter(h for path in list_shards(shard_dir) for h in pq.read_table(path).column("content_hash").to_pylist())


def test_same_corrupt_and_duplicate_lists_and_vectors_as_the_local_engine(
    uninterrupted: Uninterrupted, local: ImageFolderEmbeddings
) -> None:
    result = uninterrupted.result

    assert TRUNCATED in result.scan.corrupt and len(local.scan.corrupt) == 3 and len(local.scan.duplicates) == 3
    assert result.scan.names == local.scan.names
    assert result.scan.corrupt == local.scan.corrupt
    assert result.scan.duplicates == local.scan.duplicates
    np.testing.assert_allclose(uninterrupted.vectors, local.vectors, rtol=0, atol=1e-5)
    assert result.run.n_model_images == len(result.scan.names)
    assert result.run.n_model_calls == len(list_shards(result.shard_dir))


@pytest.mark.parametrize("fit_max_samples", [projection.PCA_FIT_MAX_SAMPLES, 100])
def test_the_projection_on_the_driver_and_in_tasks_is_the_local_engines(
    uninterrupted: Uninterrupted, fit_max_samples: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All rows fit (≤ PCA_FIT_MAX_SAMPLES): applied on the driver, bit-identical to the local projection; a
    subsample fit (the limit lowered under the ~290 rows): applied per shard in Ray tasks, to float rounding."""
    monkeypatch.setattr(projection, "PCA_FIT_MAX_SAMPLES", fit_max_samples)
    result = uninterrupted.result
    location = read_shard_index(result.shard_dir).location
    keys = [result.scan.content_hashes[name] for name in result.scan.names]
    features = features_at(location, keys, FEATURE_DIM)
    expected = projection.project_features(features, embedding_dim=32)

    vectors = project_on_ray(location, keys, embedding_dim=32, feature_dim=FEATURE_DIM).gather(memory_budget=2**30)

    if fit_max_samples >= len(keys):
        np.testing.assert_array_equal(vectors, expected)
    else:
        assert len(projection.projection_fit_rows(len(keys))) == fit_max_samples
        np.testing.assert_allclose(vectors, expected, rtol=0, atol=1e-6)


def test_a_worker_node_killed_mid_embedding_and_every_image_appears_once(
    ray_two_nodes: TwoNodeCluster, folder: Path, model_cache: Path, uninterrupted: Uninterrupted, tmp_path: Path
) -> None:
    shard_dir = tmp_path / "shards"
    worker = ray_two_nodes.workers[0]
    killed = threading.Event()

    def kill_after_first_shards() -> None:
        deadline = time.monotonic() + 120
        while len(list_shards(shard_dir)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        ray_two_nodes.kill_worker(worker)
        killed.set()

    killer = threading.Thread(target=kill_after_first_shards)
    killer.start()
    try:
        result = _embed_on_ray(ray_two_nodes, folder, model_cache, shard_dir)
        vectors = result.blocks.gather(memory_budget=default_memory_budget())
    finally:
        killer.join()
        ray_two_nodes.start_worker()
    ray_two_nodes.wait_for_nodes(2)

    assert killed.is_set()
    counts = _shard_hashes(shard_dir)
    assert set(counts.values()) == {1}
    assert len(counts) == len(result.scan.names) + 1  # + the truncated JPEG, stored with its failure
    assert result.scan.names == uninterrupted.result.scan.names
    np.testing.assert_allclose(vectors, uninterrupted.vectors, rtol=0, atol=1e-6)


def test_an_interrupted_command_rerun_embeds_only_the_rest(
    ray_two_nodes: TwoNodeCluster, folder: Path, model_cache: Path, uninterrupted: Uninterrupted, tmp_path: Path
) -> None:
    shard_dir = tmp_path / "shards"
    command = [
        sys.executable, "-m", "embedscope.cli.app", "embed", str(folder), "--out", str(tmp_path / "out.csv"),
        "--engine", "ray", "--ray-address", ray_two_nodes.address, "--shard-dir", str(shard_dir),
        "--shard-files", str(FILES_PER_SHARD),
    ]
    env = {**ray_env(), CACHE_DIR_ENV: str(model_cache)}
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while len(list_shards(shard_dir)) < 3 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)  # Ctrl-C
    first.wait(timeout=60)
    done_before = {path: path.stat().st_mtime_ns for path in list_shards(shard_dir)}
    hashes_before = set(_shard_hashes(shard_dir))
    scan = uninterrupted.result.scan
    all_hashes = {scan.content_hashes[n] for n in scan.names} | {file_digest(folder / TRUNCATED)}
    assert 0 < len(hashes_before) < len(all_hashes)

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, check=False)

    assert rerun.returncode == 0, rerun.stderr
    embedded = int(re.search(r"([\d,]+)\s+run\s+through\s+the\s+model", rerun.stderr).group(1).replace(",", ""))
    from_shards = int(re.search(r"([\d,]+)\s+from\s+shards", rerun.stderr).group(1).replace(",", ""))
    known_failures = re.search(r"([\d,]+)\s+known\s+decode\s+failures?\s+from\s+shards", rerun.stderr)
    todo = all_hashes - hashes_before
    assert embedded == len(todo - {file_digest(folder / TRUNCATED)})  # a file that fails to decode is not run
    truncated_before = file_digest(folder / TRUNCATED) in hashes_before
    assert from_shards == len(hashes_before) - truncated_before  # images only; a known failure is counted apart
    assert (known_failures is not None) == truncated_before
    assert "Running Dataset" not in rerun.stderr and "core_worker" not in rerun.stderr  # Ray's own lines stay off
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in done_before.items())
    assert set(_shard_hashes(shard_dir).values()) == {1}
    table = read_lightly_csv(tmp_path / "out.csv")
    assert table.names == uninterrupted.result.scan.names
    np.testing.assert_allclose(table.vectors, uninterrupted.vectors, rtol=0, atol=1e-6)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _keys(value: object, prefix: str = "") -> set[str]:
    if not isinstance(value, dict):
        return set()
    return {f"{prefix}/{k}" for k in value} | {key for k, v in value.items() for key in _keys(v, f"{prefix}/{k}")}


def test_run_with_the_ray_engine_writes_the_local_engines_files_and_keys(
    ray_two_nodes: TwoNodeCluster, folder: Path, model_cache: Path, uninterrupted: Uninterrupted, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(model_cache))
    common = ["run", str(folder), "--n-samples", "20", "--random-seeds", "2", "--quiet"]

    assert main([*common, "--out", str(tmp_path / "local")]) == 0

    def decoded_on_the_driver(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Ray engine measured the image statistics on the driver")

    monkeypatch.setattr("embedscope.ingest.image_statistics.folder_image_statistics", decoded_on_the_driver)
    assert main([*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
                 "--shard-dir", str(uninterrupted.result.shard_dir)]) == 0

    assert _files(tmp_path / "ray") == _files(tmp_path / "local")
    local_json = read_report_dict(tmp_path / "local/report_v2.json")  # report_v2.json joined with its sibling
    ray_json = read_report_dict(tmp_path / "ray/report_v2.json")
    assert _keys(ray_json) - _keys(local_json) == {k for k in _keys(ray_json) if k.startswith("/embedscope/engine")}
    assert _keys(local_json) <= _keys(ray_json)
    engine = ray_json["embedscope"]["engine"]
    assert (engine["name"], engine["nodes"], engine["cpus"], engine["gpus"]) == ("ray", 2, 2, 0)
    assert ray_json["embedscope"]["extraMetrics"]["kCenter"]["lowerBoundNote"] == RAY_BOUND_NOTE
    # every image, and the truncated JPEG with its failure, comes from the uninterrupted run's shards; only the
    # images count as images
    assert engine["embedEngine"] == "ray" and engine["imagesFromShards"] == len(uninterrupted.result.scan.names)
    assert engine["decodeFailuresFromShards"] == 1
    assert engine["imagesEmbedded"] == 0
    assert engine["selection"]["partitions"] == 2 and engine["selection"]["kPrime"] >= 20
    assert set(engine["stageSeconds"]) >= {"ingest", "embed", "select"}
    # the model loaded during the ingest stage's scan (as embed --engine ray), each stage timed once
    assert 0 < engine["modelLoadSeconds"] <= engine["stageSeconds"]["ingest"]
    for stage in ("ingest", "embed", "select"):
        assert engine["stageSeconds"][stage] == pytest.approx(ray_json["embedscope"]["stageSeconds"][stage], abs=2e-3)
    for name in ("corrupt_filenames.txt", "duplicate_filenames.txt"):
        assert (tmp_path / "ray/filenames" / name).read_text() == (tmp_path / "local/filenames" / name).read_text()
    # the image statistics, measured by Ray tasks, are the local engine's to the last digit
    statistics = "data/computed_metadata.csv"
    assert (tmp_path / "ray" / statistics).read_bytes() == (tmp_path / "local" / statistics).read_bytes()
    local_csv = read_lightly_csv(tmp_path / "local/data/embeddings.csv")
    ray_csv = read_lightly_csv(tmp_path / "ray/data/embeddings.csv")
    assert ray_csv.names == local_csv.names
    np.testing.assert_allclose(ray_csv.vectors, local_csv.vectors, rtol=0, atol=1e-5)
    cover = ray_json["datasetAnalysis"]["embeddingInformation"]["distanceToCoverInput"]
    assert cover["selected"]["metrics"]["max"] == pytest.approx(engine["selection"]["radius"], abs=1e-6)
    # the selection's coverage is what each engine's selection measured: the Ray map, the local greedy's minimum
    assert cover["embedscopeNeighborSearch"]["selected"] == {"method": "exact (ray map)"}
    local_cover = local_json["datasetAnalysis"]["embeddingInformation"]["distanceToCoverInput"]
    assert local_cover["embedscopeNeighborSearch"]["selected"] == {"method": COVER_METHOD}
