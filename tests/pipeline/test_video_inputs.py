"""``embedscope.embed.video_samples`` on generated videos: frame samples and names, embeddings equal to
those of independently decoded frames, unreadable videos, ``videoLevelSizes`` and timelines."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from embedscope.embed.image_embedder import embed_images
from embedscope.embed.projection import project_features
from embedscope.embed.video_samples import load_video_inputs
from embedscope.errors import InputFileError
from embedscope.report.assemble.videos import frame_timelines, video_level_sizes
from tests.ingest.test_video_frames import write_video

EMBEDDING_DIM = 8


@pytest.fixture
def video_root(tmp_path: Path) -> Path:
    root = tmp_path / "videos"
    write_video(root / "a.mp4", n_frames=12)
    write_video(root / "sub" / "b.mkv", n_frames=8, size=(48, 32))
    (root / "broken.mp4").write_bytes(b"\x00" * 1000)
    (root / "notes.txt").write_text("not a video")
    return root


def _reference_frames(path: Path, stride: int) -> list[np.ndarray]:
    """Frames decoded here, independently of the reader, at the network's input size."""
    with av.open(str(path)) as container:
        return [
            frame.to_ndarray(width=224, height=224, format="rgb24")
            for index, frame in enumerate(container.decode(video=0))
            if index % stride == 0
        ]


def test_frames_become_named_embedded_samples(video_root: Path) -> None:
    videos = load_video_inputs(video_root, frame_stride=2, embedding_dim=EMBEDDING_DIM)

    expected_names = [f"a-{i:02d}-mp4.png" for i in range(0, 12, 2)] + [
        f"sub/b-{i}-mkv.png" for i in range(0, 8, 2)
    ]
    assert videos.inputs.input.names == expected_names
    assert set(videos.inputs.corrupt) == {"broken.mp4"}
    assert videos.inputs.image_root is None
    assert [summary.video for summary in videos.videos] == ["a.mp4", "broken.mp4", "sub/b.mkv"]
    assert videos.refs(["sub/b-6-mkv.png"])[0].index == 6
    frames = _reference_frames(video_root / "a.mp4", 2) + _reference_frames(video_root / "sub" / "b.mkv", 2)
    reference = project_features(embed_images(frames), embedding_dim=EMBEDDING_DIM)
    np.testing.assert_allclose(videos.inputs.input.vectors, reference, atol=1e-5)


def test_video_level_sizes_and_timelines(video_root: Path) -> None:
    videos = load_video_inputs(video_root, frame_stride=3, embedding_dim=EMBEDDING_DIM)
    selected = ["a-03-mp4.png", "a-09-mp4.png", "sub/b-3-mkv.png"]

    sizes = video_level_sizes(videos, selected_names=selected)
    timelines = frame_timelines(videos, selected_names=selected)

    assert {k: v for k, v in sizes.items() if k != "videos"} == {
        "nVideos": 3,
        "nVideosWithFault": 1,
        "nVideosUnreadable": 1,
        "frameStride": 3,
        "nFramesDecoded": 20,
        "nFramesInput": 4 + 3,
        "nFramesSelected": 3,
    }
    per_video = {entry["video"]: entry for entry in sizes["videos"]}
    assert per_video["a.mp4"] == {
        "video": "a.mp4",
        "nFramesDecoded": 12,
        "nFramesInput": 4,
        "nFramesSelected": 2,
        "fps": 10.0,
        "width": 96,
        "height": 64,
        "fault": None,
    }
    assert (per_video["sub/b.mkv"]["nFramesInput"], per_video["sub/b.mkv"]["nFramesSelected"]) == (3, 1)
    assert (
        per_video["broken.mp4"]["nFramesDecoded"] == 0 and "cannot open" in per_video["broken.mp4"]["fault"]
    )
    assert list(timelines) == ["a.mp4", "sub/b.mkv"]
    for png in timelines.values():
        assert Image.open(io.BytesIO(png)).size[0] > 300
    assert list(frame_timelines(videos, selected_names=selected, limit=1)) == ["a.mp4"]


def test_folders_without_usable_videos_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.mp4").write_bytes(b"")
    with pytest.raises(InputFileError, match="no video files found"):
        load_video_inputs(tmp_path / "empty")
    with pytest.raises(InputFileError, match="none of the 1 video"):
        load_video_inputs(tmp_path / "bad")
