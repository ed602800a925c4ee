"""Small video and object-crop folders for the Ray frame and crop tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import av
import numpy as np
from av.video.stream import VideoStream
from PIL import Image

Box = tuple[int, int, int, int, int]
"""(category id, x, y, w, h) of one COCO box."""


def flat_video(path: Path, n_frames: int = 4) -> None:
    """A mid-grey 64 × 48 video: every frame is blank."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        assert isinstance(stream, VideoStream)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(n_frames):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 128, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_object_folder(root: Path, boxes: Mapping[str, Sequence[Box]], *, seed: int,
                       truncated: Sequence[str] = ()) -> Path:
    """``root`` with one random 80 × 60 image per name of ``boxes`` (those in ``truncated`` cut in half: the header
    parses, the pixels do not decode) and ``root.parent/boxes.json``, a COCO file of the boxes (categories 1 car,
    2 person; score 0.9)."""
    rng = np.random.default_rng(seed)
    for name in boxes:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(root / name)
    for name in truncated:
        whole = (root / name).read_bytes()
        (root / name).write_bytes(whole[: len(whole) // 2])
    names = list(boxes)
    coco = {
        "images": [{"id": i, "file_name": n, "width": 80, "height": 60} for i, n in enumerate(names)],
        "annotations": [{"image_id": names.index(image), "category_id": c, "bbox": [x, y, w, h], "score": 0.9}
                        for image, image_boxes in boxes.items() for c, x, y, w, h in image_boxes],
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    }
    (root.parent / "boxes.json").write_text(json.dumps(coco))
    return root
