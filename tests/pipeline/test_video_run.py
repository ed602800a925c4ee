"""``execute_run`` on a folder of videos generated here (frame i has a known colour): frame samples and names,
``videoLevelSizes``, timelines, the unreadable video in the corrupt list, and ``--export-frames``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.folder_samples import FolderInputs
from embedscope.errors import ConfigError
from embedscope.pipeline.local_executor import execute_run
from embedscope.report.write_outputs import image_thumbnails, write_side_outputs
from embedscope.run_parameters import RunParameters
from tests.ingest.test_video_frames import identify, write_video

STRIDE = 3


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    root = tmp_path_factory.mktemp("video_run") / "videos"
    colours = {
        "drive/cam.mp4": write_video(root / "drive" / "cam.mp4", n_frames=20),
        "b.mkv": write_video(root / "b.mkv", n_frames=10, size=(48, 32)),
    }
    (root / "zz_broken.mov").write_bytes(b"\x00\x01" * 500)
    write_video(root / "full.mkv", size=(160, 120))
    data = (root / "full.mkv").read_bytes()
    (root / "full.mkv").unlink()
    (root / "cut.mkv").write_bytes(data[: len(data) // 2])  # truncated: the first frames decode
    return root, colours


def test_video_folder_run(videos: tuple[Path, dict[str, np.ndarray]], tmp_path: Path) -> None:
    root, colours = videos
    params = RunParameters(
        input_path=root, out_dir=tmp_path / "out", n_samples=4, embedding_dim=4, frame_stride=STRIDE,
        export_frames=True,
    )
    outcome = execute_run(params)
    assert isinstance(outcome.inputs, FolderInputs)
    names = outcome.inputs.input.names
    per_video = {entry["video"]: entry for entry in outcome.report.embedscope["videoLevelSizes"]["videos"]}
    n_cut = per_video["cut.mkv"]["nFramesDecoded"]
    assert 0 < n_cut < 24
    expected = (
        [f"b-{i:02d}-mkv.png" for i in range(0, 10, STRIDE)]
        + [f"cut-{i:0{len(str(n_cut))}d}-mkv.png" for i in range(0, n_cut, STRIDE)]
        + [f"drive/cam-{i:02d}-mp4.png" for i in range(0, 20, STRIDE)]
    )
    assert names == expected
    assert sorted(outcome.inputs.corrupt) == ["cut.mkv", "zz_broken.mov"]
    assert f"the {n_cut} frame(s) that decoded are used" in outcome.inputs.corrupt["cut.mkv"]
    sizes = outcome.report.general_information.dataset_information.dataset_sizes
    assert (sizes.n_input, sizes.n_corrupt, sizes.n_selected) == (len(expected), 2, 4)

    level = outcome.report.embedscope["videoLevelSizes"]
    assert (level["nVideos"], level["nVideosUnreadable"], level["nVideosWithFault"]) == (4, 1, 2)
    assert level["frameStride"] == STRIDE
    assert (level["nFramesDecoded"], level["nFramesInput"], level["nFramesSelected"]) == (30 + n_cut, len(names), 4)
    selected = [names[int(i)] for i in outcome.selection.indices]
    assert per_video["b.mkv"]["nFramesSelected"] == sum(n.startswith("b-") for n in selected)
    assert per_video["drive/cam.mp4"]["nFramesInput"] == 7
    assert per_video["zz_broken.mov"]["fault"]

    timelines = sorted(name for name in outcome.extra_plots if name.startswith("timeline_"))  # + hygiene figures
    assert timelines == ["timeline_b_mkv", "timeline_cut_mkv", "timeline_drive_cam_mp4"]
    assert all(png.startswith(b"\x89PNG") for png in outcome.extra_plots.values())

    out = tmp_path / "out"
    out.mkdir()
    write_side_outputs(outcome.side_outputs, out)
    written = sorted(p.relative_to(out / "frames").as_posix() for p in (out / "frames").rglob("*.png"))
    assert written == sorted(selected)
    shapes = {"b.mkv": (32, 48, 3), "cut.mkv": (120, 160, 3), "drive/cam.mp4": (64, 96, 3)}
    for name in selected:
        stem, index, extension = name.removesuffix(".png").rsplit("-", 2)
        video = f"{stem}.{extension}"
        pixels = np.asarray(Image.open(out / "frames" / name).convert("RGB"))
        assert pixels.shape == shapes[video]
        if video in colours:  # the truncated video's frames after a gap are not numbered by their colour
            assert identify(pixels, colours[video]) == int(index)

    thumbnails = image_thumbnails(outcome)  # selected frames first, then the others; all decoded again
    assert sorted(thumbnails) == sorted(names)  # example pairs, selected, then the rest: all here
    for name, jpeg in thumbnails.items():
        thumb = Image.open(io.BytesIO(jpeg)).convert("RGB")
        stem, index, extension = name.removesuffix(".png").rsplit("-", 2)
        video = f"{stem}.{extension}"
        full = shapes[video]
        assert max(thumb.size) == min(96, max(full[:2])) and thumb.size[0] / thumb.size[1] == pytest.approx(full[1] / full[0], rel=0.05)
        if video in colours:
            assert identify(np.asarray(thumb), colours[video]) == int(index)


def test_videos_refuse_predictions(videos: tuple[Path, dict[str, np.ndarray]], tmp_path: Path) -> None:
    root, _ = videos
    params = RunParameters(
        input_path=root, out_dir=tmp_path / "out", n_samples=2, coco_path=tmp_path / "c.json",
    )
    with pytest.raises(ConfigError, match="holds videos; predictions"):
        execute_run(params)
