"""``--model``, ``--model-precision int8`` and ``--device`` on a real two-node Ray cluster: a custom ONNX model and
its int8 copy give the local engine's vectors within 1e-5, shards of two models never mix, and ``--device cuda``
on a cluster without GPUs is the local engine's one-line error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from embedscope.cli.app import main
from embedscope.distributed.cluster import cluster_info
from embedscope.distributed.feature_shards import list_shards
from embedscope.distributed.ray_image_folder import embed_folder_on_ray
from embedscope.distributed.ray_model import ray_model
from embedscope.distributed.vector_blocks import default_memory_budget
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.execution_device import NO_CUDA_DEVICE
from embedscope.embed.image_folder_embedding import embed_image_folder
from embedscope.embed.model_choice import ModelChoice
from embedscope.errors import ConfigError
from embedscope.ingest.image_folder import scan_image_folder
from embedscope.io.lightly_csv import read_lightly_csv
from tests.distributed.conftest import TwoNodeCluster
from tests.distributed.image_folders import make_image_folder
from tests.embed.tiny_models import tiny_image_model

N_VIEWS = 48  # make_image_folder duplicates views/042.jpg
TINY_FEATURES = 6  # TwoLayerImageNet's output width


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_image_folder(tmp_path_factory.mktemp("ray_model_images") / "images", n_views=N_VIEWS)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_image_model(tmp_path_factory.mktemp("tiny_model") / "tiny.onnx")


def test_a_custom_onnx_model_on_ray_from_the_cli_equals_the_local_engine(
    ray_two_nodes: TwoNodeCluster, folder: Path, tiny: Path, ray_model_cache: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(ray_model_cache))
    common = ["embed", str(folder), "--embedding-dim", "4", "--model", str(tiny), "--quiet"]

    assert main([*common, "--out", str(tmp_path / "local.csv")]) == 0
    assert main([*common, "--out", str(tmp_path / "ray.csv"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
                 "--shard-dir", str(tmp_path / "shards"), "--shard-files", "8"]) == 0

    local, ray = read_lightly_csv(tmp_path / "local.csv"), read_lightly_csv(tmp_path / "ray.csv")
    assert ray.names == local.names and len(local.names) == N_VIEWS  # the truncated JPEG left out by both
    np.testing.assert_allclose(ray.vectors, local.vectors, rtol=0, atol=1e-5)
    shards = list_shards(tmp_path / "shards")
    assert shards and all(pq.read_schema(s).field("features").type.list_size == TINY_FEATURES for s in shards)


def test_int8_on_ray_equals_local_int8_and_shards_of_two_models_never_mix(
    ray_two_nodes: TwoNodeCluster, folder: Path, tiny: Path, ray_model_cache: Path, tmp_path: Path
) -> None:
    scan = scan_image_folder(folder)
    cluster = cluster_info(ray_two_nodes.address)
    int8 = ModelChoice(path=tiny, precision="int8")

    local = embed_image_folder(scan, embedding_dim=4, cache_dir=ray_model_cache, model=int8)
    on_ray = embed_folder_on_ray(scan, cluster=cluster, embedding_dim=4, shard_dir=tmp_path / "int8",
                                 files_per_shard=8, cache_dir=ray_model_cache, model=int8)

    assert on_ray.scan.names == local.scan.names and on_ray.scan.corrupt == local.scan.corrupt
    vectors = on_ray.blocks.gather(memory_budget=default_memory_budget())
    np.testing.assert_allclose(vectors, local.vectors, rtol=0, atol=1e-5)
    keys = {choice.precision: ray_model(choice, cluster, ray_model_cache).key
            for choice in (int8, ModelChoice(path=tiny))}
    assert keys["int8"] != keys["float32"] and local.scan.root == folder
    with pytest.raises(ConfigError, match=r"holds shards of another model") as refused:
        embed_folder_on_ray(scan, cluster=cluster, embedding_dim=4, shard_dir=tmp_path / "int8",
                            cache_dir=ray_model_cache, model=ModelChoice(path=tiny))
    assert "\n" not in str(refused.value)


def test_device_cuda_on_a_cluster_without_gpus_is_the_local_engines_one_line_error(
    ray_two_nodes: TwoNodeCluster, folder: Path, ray_model_cache: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(ray_model_cache))

    code = main(["embed", str(folder), "--out", str(tmp_path / "o.csv"), "--engine", "ray", "--ray-address",
                 ray_two_nodes.address, "--device", "cuda", "--shard-dir", str(tmp_path / "shards")])

    assert code == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"embedscope: error: {NO_CUDA_DEVICE}"]
    assert not (tmp_path / "o.csv").exists() and not list_shards(tmp_path / "shards")
