"""``run --engine ray`` with video frames and object crops above ``--memory-budget``: the projected rows stay on the
cluster (nothing gathers the matrix, no ``ray.get`` brings back more input rows than the budget holds, and fewer
than the input), blank frames and the datapool
leave the input as locally, and the run writes the local engine's files, lists, selection and embeddings, with
metrics equal to float64 references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.cli.app import main
from embedscope.distributed import vector_blocks
from embedscope.distributed.block_maps import rows_at, subset_blocks
from embedscope.distributed.cluster_input import inputs_within_budget
from embedscope.distributed.vector_blocks import MemoryBudgetError, VectorBlocks
from embedscope.embed.cache_location import CACHE_DIR_ENV
from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from tests.distributed.budget_runs import nearest_other, normalized, ray_run, report_keys
from tests.distributed.conftest import TwoNodeCluster
from tests.distributed.sample_folders import Box, flat_video, make_object_folder
from tests.ingest.test_video_frames import write_video

VIDEO_DIM, VIDEO_BUDGET = 32, 4 * 2**10  # 50 frames × 32 × 4 = 6.2 KiB; blocks of 8 frames
VIDEO_POOL = ("b-10-mkv.png", "cam-04-mp4.png")
BLANK = [f"a_grey-{i:02d}-mp4.png" for i in range(0, 16, 2)]  # the first block: it leaves the blocks
CROP_DIM, CROP_BUDGET = 8, 2**10  # 53 crops × 8 × 4 = 1.7 KiB; blocks of 8 crops
CROP_POOL = ("img_00-0-png.png", "img_05-2-png.png")
DRIVER_SAMPLE = 8  # the driver-side samples (PCA / UMAP fits, PRDC reference): 8 rows, so that they are samples


def _boxes(n_images: int, per_image: int, seed: int) -> dict[str, list[Box]]:
    rng = np.random.default_rng(seed)
    return {f"img_{i:02d}.png": [(int(rng.integers(1, 3)), int(rng.integers(0, 40)), int(rng.integers(0, 30)),
                                  int(rng.integers(8, 40)), int(rng.integers(8, 30))) for _ in range(per_image)]
            for i in range(n_images)}


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _both(cluster: TwoNodeCluster, cache: Path, root: Path, common: list[str], *, budget: int, dim: int) -> dict[str, Any]:
    """``common`` run locally (``root/local``) and on Ray under ``budget`` (``root/ray``, every gather refused)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(cache))
        assert main([*common, "--out", str(root / "local")]) == 0
        patch.setattr(vector_blocks, "MIN_DRIVER_SAMPLE", DRIVER_SAMPLE)
        code, outcome, _, rows = ray_run(
            [*common, "--out", str(root / "ray"), "--engine", "ray", "--ray-address", cluster.address,
             "--shard-dir", str(root / "shards"), "--shard-files", "8"], budget=budget, dim=dim)
    assert code == 0
    return {"root": root, "outcome": outcome, "rows": rows, "dim": dim, "budget": budget}


@pytest.fixture(scope="module")
def video_runs(ray_two_nodes: TwoNodeCluster, ray_model_cache: Path,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four videos (one all grey: 8 blank frames) at stride 2, a datapool naming 2 frames, under a 4 KiB budget."""
    root = tmp_path_factory.mktemp("budget_videos")
    videos = root / "videos"
    write_video(videos / "cam.mp4", n_frames=27)
    write_video(videos / "b.mkv", n_frames=27, size=(48, 32))
    write_video(videos / "d.mkv", n_frames=27, size=(80, 60))
    flat_video(videos / "a_grey.mp4", n_frames=16)
    write_lightly_csv(root / "pool.csv", list(VIDEO_POOL),
                      normalized(np.random.default_rng(3).normal(size=(len(VIDEO_POOL), VIDEO_DIM))))
    common = ["run", str(videos), "-n", "2", "--embedding-dim", str(VIDEO_DIM), "--frame-stride", "2",
              "--random-seeds", "1", "--quiet", "--datapool", str(root / "pool.csv")]
    return _both(ray_two_nodes, ray_model_cache, root, common, budget=VIDEO_BUDGET, dim=VIDEO_DIM)


@pytest.fixture(scope="module")
def crop_runs(ray_two_nodes: TwoNodeCluster, ray_model_cache: Path,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The object crops of 10 images (6 boxes each; one image truncated: its 6 crops skipped, one box under the
    minimum size; one box twice), a datapool naming 2 crops, near-duplicates removed, under a 1 KiB budget."""
    root = tmp_path_factory.mktemp("budget_crops")
    boxes = _boxes(10, 6, seed=8)
    boxes["img_03.png"][0] = (1, 2, 2, 3, 3)
    boxes["img_02.png"][1] = boxes["img_02.png"][0]  # the same crop twice: a near-duplicate group of 2
    images = make_object_folder(root / "images", boxes, seed=9, truncated=["img_07.png"])
    write_lightly_csv(root / "pool.csv", list(CROP_POOL),
                      normalized(np.random.default_rng(6).normal(size=(len(CROP_POOL), CROP_DIM))))
    common = ["run", str(images), "-n", "2", "--embedding-dim", str(CROP_DIM), "--coco", str(root / "boxes.json"),
              "--object-level", "boxes", "--random-seeds", "1", "--quiet", "--remove-near-duplicates",
              "--datapool", str(root / "pool.csv")]
    return _both(ray_two_nodes, ray_model_cache, root, common, budget=CROP_BUDGET, dim=CROP_DIM)


def _stayed_on_the_cluster(runs: dict[str, Any]) -> int:
    """Checks that the run held the input on the cluster; the number of input samples."""
    outcome, dim, budget = runs["outcome"], runs["dim"], runs["budget"]
    engine = read_report_dict(runs["root"] / "ray/report_v2.json")["embedscope"]["engine"]
    assert engine["driverHoldsMatrix"] is False and engine["embedEngine"] == "ray"
    n_input = len(outcome.inputs.input.names)
    assert outcome.inputs.input.vectors.shape == (0, dim)
    assert n_input * dim * 4 > budget
    # input rows reached the driver in pieces of at most the budget, fewer than the input: a block (a quarter of the
    # budget: embeddings.csv), the 8-row samples, the k picks and round 1's P·k′ = 2 · 8 · 2 centres
    assert max(runs["rows"]) <= 2 * 8 * 2 < n_input and max(runs["rows"]) * dim * 4 <= budget
    return n_input


def _same_outputs_as_local(runs: dict[str, Any]) -> None:
    """The local engine's files, report keys, lists, selection and embeddings (1e-5)."""
    root = runs["root"]
    assert _files(root / "ray") == _files(root / "local")
    local, on_ray = (read_report_dict(root / name / "report_v2.json") for name in ("local", "ray"))
    ignored = (".embedscope.engine", ".embedscope.stageSeconds")
    assert ({k for k in report_keys(on_ray) if not k.startswith(ignored)}
            == {k for k in report_keys(local) if not k.startswith(ignored)})
    for name in ("sampled_filenames_excluding_datapool.txt", "removed_filenames.txt", "corrupt_filenames.txt"):
        assert (root / "ray/filenames" / name).read_text() == (root / "local/filenames" / name).read_text(), name
    assert (root / "ray/data/computed_metadata.csv").read_bytes() == (root / "local/data/computed_metadata.csv").read_bytes()
    local_csv, ray_csv = (read_lightly_csv(root / name / "data/embeddings.csv") for name in ("local", "ray"))
    assert ray_csv.names == local_csv.names == runs["outcome"].inputs.input.names
    np.testing.assert_allclose(ray_csv.vectors, local_csv.vectors, rtol=0, atol=1e-5)
    for key in ("nearDuplicates", "computedMetadata"):
        assert on_ray["embedscope"].get(key) == local["embedscope"].get(key), key


def _metrics_equal_float64(runs: dict[str, Any]) -> None:
    """Coverage of the selection (with the datapool) and each sample's nearest other: float64 brute force on the
    rows the run wrote."""
    outcome = runs["outcome"]
    points = read_lightly_csv(runs["root"] / "ray/data/embeddings.csv").vectors.astype(np.float64)
    centres = points[outcome.selection.indices]
    if outcome.inputs.datapool is not None:
        centres = np.concatenate([centres, outcome.inputs.datapool.vectors.astype(np.float64)])
    np.testing.assert_allclose(outcome.metrics.cover_input["selected"], cKDTree(centres).query(points)[0],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(outcome.metrics.nearest_in_set["input"], nearest_other(points), rtol=0, atol=1e-9)


def test_video_frames_above_the_budget_stay_on_the_cluster(video_runs: dict[str, Any]) -> None:
    n_input = _stayed_on_the_cluster(video_runs)
    assert n_input == 3 * 14 - len(VIDEO_POOL)  # 14 frames of each coloured video; the grey frames are blank
    outcome = video_runs["outcome"]
    assert outcome.hygiene.blank_frames == BLANK
    assert sorted(outcome.inputs.removed_from_input) == sorted(VIDEO_POOL)
    assert not (set(BLANK) | set(VIDEO_POOL)) & set(outcome.inputs.input.names)


def test_video_frames_above_the_budget_give_the_local_engines_outputs(video_runs: dict[str, Any]) -> None:
    _same_outputs_as_local(video_runs)
    root = video_runs["root"]
    assert (root / "ray/filenames/blank_frame_filenames.txt").read_text().split() == BLANK
    local, on_ray = (read_report_dict(root / name / "report_v2.json")["embedscope"] for name in ("local", "ray"))
    assert on_ray["blankFrames"] == local["blankFrames"] and on_ray["videoLevelSizes"] == local["videoLevelSizes"]
    _metrics_equal_float64(video_runs)


def test_object_crops_above_the_budget_give_the_local_engines_outputs(crop_runs: dict[str, Any]) -> None:
    n_input = _stayed_on_the_cluster(crop_runs)
    outcome = crop_runs["outcome"]
    assert outcome.inputs.crops is not None and len(outcome.inputs.crops.skipped) == 7  # 6 undecodable, 1 small
    assert sorted(outcome.inputs.removed_from_input) == sorted(CROP_POOL)
    assert len(outcome.hygiene.groups.removed) == 1 and outcome.hygiene.removed_from_input
    assert n_input == len(outcome.inputs.crops.crops) - len(CROP_POOL) - 1 == 60 - 7 - 2 - 1
    _same_outputs_as_local(crop_runs)
    root = crop_runs["root"]
    local, on_ray = (read_report_dict(root / name / "report_v2.json")["embedscope"] for name in ("local", "ray"))
    assert on_ray["objectLevel"] == local["objectLevel"] and on_ray["predictions"] == local["predictions"]
    _metrics_equal_float64(crop_runs)


def test_without_a_holder_the_budget_refuses_before_fetching(
    ray_two_nodes: TwoNodeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = VectorBlocks.from_array(normalized(np.random.default_rng(4).normal(size=(10, 4))), n_blocks=2)

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a block was fetched")

    monkeypatch.setattr("ray.get", refuse)
    with pytest.raises(MemoryBudgetError, match="--memory-budget"):
        inputs_within_budget([f"s{i}" for i in range(10)], blocks, source=Path("x"), datapool_path=None,
                             normalize=True, memory_budget=100, on_cluster=None)


def test_a_subset_drops_the_blocks_it_empties(ray_two_nodes: TwoNodeCluster) -> None:
    points = normalized(np.random.default_rng(5).normal(size=(12, 4)))
    blocks = VectorBlocks.from_array(points, n_blocks=3)  # rows 0-3, 4-7, 8-11
    kept = np.array([0, 2, 8, 9, 11])

    subset = subset_blocks(blocks, kept)

    assert len(subset.refs) == 2 and (subset.n_rows, subset.dim) == (5, 4)
    np.testing.assert_array_equal(rows_at(subset, np.arange(5)), points[kept])
