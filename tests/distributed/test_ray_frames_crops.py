"""Video frames and object crops embedded on a real two-node Ray cluster: the local engine's names, corrupt and
skipped lists, frame summaries, per-sample statistics and blank-frame flags, and vectors within 1e-5; a rerun
after losing one shard embeds that shard's frames only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from embedscope.cli.app import main
from embedscope.distributed.cluster import cluster_info
from embedscope.distributed.feature_shards import list_shards
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_embed import EngineRecord
from embedscope.distributed.ray_executor import embed_stage_on_ray
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.embed.folder_samples import FolderInputs
from embedscope.ingest.sample_statistics import SampleStatistics, blank_rows
from embedscope.io.lightly_csv import read_lightly_csv
from embedscope.pipeline import stages
from embedscope.progress import SilentProgress
from embedscope.report.json_writer import read_report_dict
from embedscope.run_parameters import RunParameters
from tests.distributed.conftest import TwoNodeCluster
from tests.distributed.sample_folders import flat_video, make_object_folder
from tests.ingest.test_video_frames import write_video

SAMPLES_PER_SHARD = 4  # frames per shard; images per crop shard
STRIDE = 2
BOXES = {  # image → (category id, x, y, w, h)
    "a.png": [(1, 2, 2, 30, 20), (2, 40, 10, 20, 40)],
    "b.png": [(1, 10, 10, 40, 30)],
    "c.png": [(2, 0, 0, 80, 60), (2, 50, 5, 25, 25), (1, 5, 40, 20, 15)],
    "d.png": [(2, 30, 20, 16, 16), (1, 1, 1, 3, 3)],  # the second box is under the minimum crop size
    "sub/e.png": [(2, 20, 5, 30, 50)],
    "t.jpg": [(1, 5, 5, 20, 20)],  # truncated: the header parses, the pixels do not decode
}


@pytest.fixture(scope="module", autouse=True)
def _model_cache(ray_model_cache: Path) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(ray_model_cache))
        yield


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ray_videos") / "videos"
    write_video(root / "drive" / "cam.mp4", n_frames=12)
    write_video(root / "b.mkv", n_frames=6, size=(48, 32))
    flat_video(root / "grey.mp4")
    (root / "zz_broken.mov").write_bytes(b"\x00\x01" * 500)
    write_video(root / "full.mkv", size=(160, 120))
    data = (root / "full.mkv").read_bytes()
    (root / "full.mkv").unlink()
    (root / "cut.mkv").write_bytes(data[: len(data) // 2])  # truncated: the first frames decode
    return root


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_object_folder(tmp_path_factory.mktemp("ray_objects") / "images", BOXES, seed=5, truncated=["t.jpg"])


@dataclass(frozen=True)
class Both:
    local: FolderInputs
    ray: FolderInputs
    details: dict[str, object]


def _embed_both(cluster: TwoNodeCluster, params: RunParameters, shard_dir: Path) -> Both:
    ingested = stages.ingest(params, SilentProgress())
    local = stages.embed(ingested, params, SilentProgress())
    ray = _embed_on_ray(cluster, ingested, params, shard_dir)
    assert isinstance(local, FolderInputs) and isinstance(ray.local, FolderInputs)
    return Both(local=local, ray=ray.local, details=ray.details)


def _embed_on_ray(cluster: TwoNodeCluster, ingested: stages.Ingested, params: RunParameters, shard_dir: Path) -> Both:
    record = EngineRecord(cluster=cluster_info(cluster.address))
    options = RayEngineOptions(shard_dir=shard_dir, files_per_shard=SAMPLES_PER_SHARD)
    inputs = embed_stage_on_ray(ingested, params, SilentProgress(), record, options)
    assert isinstance(inputs, FolderInputs)
    return Both(local=inputs, ray=inputs, details=record.details)


def _same_statistics(ray: SampleStatistics | None, local: SampleStatistics | None) -> None:
    assert ray is not None and local is not None
    assert ray.names == local.names and set(ray.columns) == set(local.columns)
    for name, values in local.columns.items():
        np.testing.assert_array_equal(ray.columns[name], values, err_msg=name)  # the same pixels measured


@pytest.fixture(scope="module")
def frames(ray_two_nodes: TwoNodeCluster, videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Both:
    out = tmp_path_factory.mktemp("ray_frames")
    params = RunParameters(input_path=videos, out_dir=out / "out", n_samples=3, embedding_dim=8, frame_stride=STRIDE)
    return _embed_both(ray_two_nodes, params, out / "shards")


def test_video_frames_on_ray_equal_the_local_engines(frames: Both) -> None:
    local, ray = frames.local, frames.ray
    assert local.videos is not None and ray.videos is not None

    assert sorted(local.corrupt) == ["cut.mkv", "zz_broken.mov"]
    assert ray.input.names == local.input.names and len(local.input.names) > 6 + 3 + 2  # cam, b, grey, cut
    assert ray.corrupt == local.corrupt
    assert ray.videos.videos == local.videos.videos  # frame counts, sampled indices, pts, sizes, faults
    assert ray.videos.frames == local.videos.frames
    _same_statistics(ray.videos.statistics, local.videos.statistics)
    blank = blank_rows(local.videos.statistics.columns)  # type: ignore[union-attr]
    assert [local.videos.statistics.names[i] for i in blank] == ["grey-0-mp4.png", "grey-2-mp4.png"]  # type: ignore[union-attr]
    np.testing.assert_array_equal(blank_rows(ray.videos.statistics.columns), blank)  # type: ignore[union-attr]
    np.testing.assert_allclose(ray.input.vectors, local.input.vectors, rtol=0, atol=1e-5)
    assert frames.details["embedEngine"] == "ray"
    assert frames.details["samplesEmbedded"] == len(local.input.names)


def test_a_rerun_after_a_lost_shard_embeds_only_that_shards_frames(
    ray_two_nodes: TwoNodeCluster, frames: Both, videos: Path, tmp_path: Path
) -> None:
    shard_dir = Path(str(frames.details["shardDir"]))
    marker = next(shard_dir.glob("video-*.json"))
    lost = json.loads(marker.read_text())["shards"][0]
    marker.unlink()  # as if the run had stopped mid-video
    (shard_dir / lost).unlink()
    kept = {path: path.stat().st_mtime_ns for path in list_shards(shard_dir, "frames")}
    params = RunParameters(input_path=videos, out_dir=tmp_path / "out", n_samples=3, embedding_dim=8,
                           frame_stride=STRIDE)

    rerun = _embed_on_ray(ray_two_nodes, stages.ingest(params, SilentProgress()), params, shard_dir)

    assert rerun.details["modelCalls"] == 1 and 0 < int(rerun.details["samplesEmbedded"]) <= SAMPLES_PER_SHARD
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in kept.items())  # finished shards not rewritten
    assert rerun.ray.input.names == frames.local.input.names
    np.testing.assert_allclose(rerun.ray.input.vectors, frames.local.input.vectors, rtol=0, atol=1e-5)


def test_object_crops_on_ray_equal_the_local_engines(
    ray_two_nodes: TwoNodeCluster, objects: Path, tmp_path: Path
) -> None:
    params = RunParameters(input_path=objects, out_dir=tmp_path / "out", n_samples=3, embedding_dim=4,
                           coco_path=objects.parent / "boxes.json", object_level_task="boxes", min_crop_size=4)

    both = _embed_both(ray_two_nodes, params, tmp_path / "shards")

    local, ray = both.local, both.ray
    assert local.crops is not None and ray.crops is not None
    assert set(local.crops.skipped) == {"d-1-png.png", "t-0-jpg.png"}
    assert "could not be decoded" in local.crops.skipped["t-0-jpg.png"]
    assert ray.input.names == local.input.names and len(local.input.names) == 8
    assert ray.crops.crops == local.crops.crops  # the same boxes cut
    assert ray.crops.skipped == local.crops.skipped
    assert (ray.corrupt, ray.duplicates) == (local.corrupt, local.duplicates)
    _same_statistics(ray.crops.statistics, local.crops.statistics)
    np.testing.assert_allclose(ray.input.vectors, local.input.vectors, rtol=0, atol=1e-5)
    assert both.details["samplesEmbedded"] == 8 and both.details["samples"] == 9


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_run_on_a_video_folder_with_the_ray_engine_writes_the_local_engines_files(
    ray_two_nodes: TwoNodeCluster, videos: Path, frames: Both, tmp_path: Path
) -> None:
    common = ["run", str(videos), "--n-samples", "4", "--embedding-dim", "8", "--frame-stride", str(STRIDE),
              "--random-seeds", "1", "--quiet"]

    assert main([*common, "--out", str(tmp_path / "local")]) == 0
    assert main([*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--ray-address", ray_two_nodes.address,
                 "--shard-dir", str(frames.details["shardDir"])]) == 0

    assert _files(tmp_path / "ray") == _files(tmp_path / "local")
    engine = read_report_dict(tmp_path / "ray/report_v2.json")["embedscope"]["engine"]
    assert engine["embedEngine"] == "ray" and engine["samplesEmbedded"] == 0  # every frame from the shards
    for name in ("corrupt_filenames.txt", "duplicate_filenames.txt"):
        assert (tmp_path / "ray/filenames" / name).read_text() == (tmp_path / "local/filenames" / name).read_text()
    local_csv = read_lightly_csv(tmp_path / "local/data/embeddings.csv")
    ray_csv = read_lightly_csv(tmp_path / "ray/data/embeddings.csv")
    assert ray_csv.names == local_csv.names and len(local_csv.names) >= len(frames.local.input.names) - 2
    np.testing.assert_allclose(ray_csv.vectors, local_csv.vectors, rtol=0, atol=1e-5)
