"""Videos generated here with PyAV, frame i filled with a known colour: frame counts, indices, names,
strides, pixel content, display rotation, truncated and corrupt files, and exporting frames."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from av.video.stream import VideoStream
from PIL import Image

from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.frame_access import export_frames, read_frames
from embedscope.ingest.video_frames import (
    FrameRef,
    VideoFrameReader,
    find_video_files,
    frame_name,
)

N_FRAMES = 24
WIDTH, HEIGHT = 96, 64


def palette(n: int) -> np.ndarray:
    """(n, 3) uint8 colours far apart from each other (a 3x3x3 grid of levels, then repeats shifted)."""
    levels = np.array([30, 128, 225])
    grid = np.array([(r, g, b) for r in levels for g in levels for b in levels], dtype=np.uint8)
    return grid[:n]


def write_video(
    path: Path,
    n_frames: int = N_FRAMES,
    *,
    codec: str = "libx264",
    rotation: int | None = None,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> np.ndarray:
    """Write a video whose frame i is a solid palette[i] with a white square in the top-left corner;
    returns the colours."""
    colours = palette(n_frames)
    width, height = size
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=10)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for colour in colours:
            pixels = np.empty((height, width, 3), dtype=np.uint8)
            pixels[:] = colour
            pixels[:16, :16] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return colours


def identify(pixels: np.ndarray, colours: np.ndarray) -> int:
    """The palette index nearest to the frame's colour, measured in its bottom-right quarter."""
    height, width = pixels.shape[:2]
    mean = pixels[height // 2 :, width // 2 :].reshape(-1, 3).mean(axis=0)
    return int(np.argmin(np.linalg.norm(colours.astype(float) - mean, axis=1)))


def read_all(path: Path, **kwargs: object) -> tuple[list[int], np.ndarray, VideoFrameReader]:
    reader = VideoFrameReader(path, **kwargs)  # type: ignore[arg-type]
    batches = list(reader.batches())
    indices = [int(i) for batch in batches for i in batch.indices]
    pixels = np.concatenate([batch.pixels for batch in batches]) if batches else np.empty((0,))
    return indices, pixels, reader


def test_find_video_files(tmp_path: Path) -> None:
    for name in ["b.mp4", "a/c.MOV", "a/d.mkv", "e.avi", "f.webm", "g.m4v", "notes.txt", "h.jpg", "i.mpg"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert find_video_files(tmp_path) == ["a/c.MOV", "a/d.mkv", "b.mp4", "e.avi", "f.webm", "g.m4v"]
    with pytest.raises(InputFileError, match="folder not found"):
        find_video_files(tmp_path / "missing")


def test_frame_names_are_lightlyone_names() -> None:
    assert frame_name("drive/cam.mp4", 153, n_frames=1000) == "drive/cam-0153-mp4.png"
    assert frame_name("v.MOV", 3, n_frames=9) == "v-3-MOV.png"
    assert frame_name("clip.mkv", 7, n_frames=24) == "clip-07-mkv.png"
    assert frame_name("x.webm", 0, n_frames=10) == "x-00-webm.png"


@pytest.mark.parametrize(
    ("file_name", "codec"), [("clip.mp4", "libx264"), ("clip.mkv", "libx264"), ("clip.avi", "mpeg4")]
)
def test_every_frame_in_order_with_known_content(tmp_path: Path, file_name: str, codec: str) -> None:
    colours = write_video(tmp_path / file_name, codec=codec)

    indices, pixels, reader = read_all(tmp_path / file_name, name=file_name, size=(224, 224), batch_size=10)

    assert indices == list(range(N_FRAMES))
    assert pixels.shape == (N_FRAMES, 224, 224, 3) and pixels.dtype == np.uint8
    assert [identify(frame, colours) for frame in pixels] == list(range(N_FRAMES))
    assert (pixels[:, :20, :20] > 200).all()  # the white corner, scaled from 16 of 64 px to 56 of 224
    summary = reader.summary
    assert (summary.n_frames, summary.fps, summary.width, summary.height, summary.fault) == (
        N_FRAMES,
        10.0,
        WIDTH,
        HEIGHT,
        None,
    )
    stem = file_name.split(".")[0]
    extension = file_name.split(".")[1]
    assert [ref.name for ref in summary.frame_refs()][:2] == [
        f"{stem}-00-{extension}.png",
        f"{stem}-01-{extension}.png",
    ]


def test_stride_batches_and_full_size(tmp_path: Path) -> None:
    colours = write_video(tmp_path / "v.mp4")

    reader = VideoFrameReader(tmp_path / "v.mp4", frame_stride=5, batch_size=2)
    batches = list(reader.batches())

    assert [list(batch.indices) for batch in batches] == [[0, 5], [10, 15], [20]]
    assert all(batch.pixels.shape[1:] == (HEIGHT, WIDTH, 3) for batch in batches)
    pixels = np.concatenate([batch.pixels for batch in batches])
    assert [identify(frame, colours) for frame in pixels] == [0, 5, 10, 15, 20]
    assert reader.summary.sampled == [0, 5, 10, 15, 20]
    assert [ref.name for ref in reader.summary.frame_refs()] == [
        "v-00-mp4.png",
        "v-05-mp4.png",
        "v-10-mp4.png",
        "v-15-mp4.png",
        "v-20-mp4.png",
    ]


def test_display_rotation_is_applied(tmp_path: Path) -> None:
    write_video(tmp_path / "turned.mp4", n_frames=3, rotation=90)

    _, pixels, reader = read_all(tmp_path / "turned.mp4")

    assert pixels.shape == (3, WIDTH, HEIGHT, 3)  # shown upright: 64 wide, 96 high
    assert (reader.summary.width, reader.summary.height) == (HEIGHT, WIDTH)
    # counter-clockwise by 90 degrees: the stored top-left white corner ends up bottom-left
    assert (pixels[:, -16:, :16] > 200).all() and (pixels[:, :16, :16] < 200).any()


def test_truncated_video_keeps_the_readable_frames(tmp_path: Path) -> None:
    colours = write_video(tmp_path / "full.mkv", size=(160, 120))
    data = (tmp_path / "full.mkv").read_bytes()
    (tmp_path / "cut.mkv").write_bytes(data[: len(data) // 2])

    indices, pixels, reader = read_all(tmp_path / "cut.mkv", size=(32, 32))

    summary = reader.summary
    assert 0 < summary.n_frames < N_FRAMES
    assert indices == list(range(summary.n_frames))  # indices count the frames that decoded
    shown = [identify(frame, colours) for frame in pixels]
    assert shown[:3] == [0, 1, 2]  # the start is intact
    assert shown == sorted(set(shown))  # real frames of the video, in order (frames after a gap may follow)
    assert summary.fault is not None and "duration implies about 24" in summary.fault


@pytest.mark.parametrize(
    ("content", "reason"), [(b"", "cannot open"), (bytes(range(256)) * 40, "cannot open")]
)
def test_corrupt_video_gives_no_frames_and_a_fault(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "bad.mp4").write_bytes(content)

    indices, _, reader = read_all(tmp_path / "bad.mp4")

    assert indices == []
    assert reader.summary.n_frames == 0 and reader.summary.sampled == []
    assert reader.summary.fault is not None and reason in reader.summary.fault


def test_bad_stride_and_early_summary(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--frame-stride must be at least 1"):
        VideoFrameReader(tmp_path / "v.mp4", frame_stride=0)
    with pytest.raises(RuntimeError, match="to the end"):
        _ = VideoFrameReader(tmp_path / "v.mp4").summary


def test_export_and_read_selected_frames(tmp_path: Path) -> None:
    colours = write_video(tmp_path / "in" / "v.mp4")
    refs = [FrameRef(name=frame_name("v.mp4", i, n_frames=N_FRAMES), video="v.mp4", index=i) for i in (17, 3)]

    written = export_frames(tmp_path / "in", refs, tmp_path / "out")

    assert written == [tmp_path / "out" / "v-03-mp4.png", tmp_path / "out" / "v-17-mp4.png"]
    for path, index in zip(written, (3, 17), strict=True):
        image = np.asarray(Image.open(path))
        assert image.shape == (HEIGHT, WIDTH, 3)
        assert identify(image, colours) == index
    assert [ref.index for ref, _ in read_frames(tmp_path / "in", refs)] == [3, 17]
    with pytest.raises(InputFileError, match="has no frame 99"):
        export_frames(tmp_path / "in", [FrameRef("v-99-mp4.png", "v.mp4", 99)], tmp_path / "out")
