"""LightlyOne's auto tasks: tile boxes satisfy the documented fields (equal tiles, neighbours overlapping by
``overlap`` x the tile size, spanning the image), fixed crops scale with the image, the config as lightly's own
models write it is read with the same values, and a run with a tiling task selects crops that are tiles."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.folder_samples import FolderInputs
from embedscope.errors import InputFileError
from embedscope.ingest.auto_task_boxes import crop_boxes, tiling_boxes
from embedscope.pipeline.local_executor import load_and_select
from embedscope.run_parameters import RunParameters
from embedscope.select.config_file import load_selection_config
from tests.report.lightly_models import lightly_models

SIZES = {"a.png": (90, 60), "b.png": (64, 64), "sub/c.png": (50, 80)}


@pytest.mark.parametrize(("width", "height", "rows", "cols", "overlap"),
                         [(90, 60, 2, 3, 0.2), (640, 480, 3, 2, 0.0), (101, 37, 1, 4, 0.5), (64, 64, 1, 1, 0.3)])
def test_tiles_satisfy_the_documented_fields(width: int, height: int, rows: int, cols: int, overlap: float) -> None:
    boxes = np.array(tiling_boxes(width, height, num_rows=rows, num_cols=cols, overlap=overlap), dtype=np.float64)
    assert boxes.shape == (rows * cols, 4)
    grid = boxes.reshape(rows, cols, 4)
    for side, count, axis, size_column, start_column in ((width, cols, 1, 2, 0), (height, rows, 0, 3, 1)):
        lengths = grid[..., size_column]
        tile = lengths.flat[0]
        np.testing.assert_allclose(lengths, tile, rtol=1e-12)  # equal tiles
        starts = np.moveaxis(grid[..., start_column], axis, 0)[:, 0]  # along this side
        ends = starts + tile
        assert starts[0] == 0.0 and ends[-1] == pytest.approx(side, rel=1e-12)  # the tiles span the side
        np.testing.assert_allclose(ends[:-1] - starts[1:], overlap * tile, atol=1e-9)  # documented overlap
        assert len(starts) == count
    # row by row: tile k is (row k // cols, column k % cols)
    for k, (row, col) in enumerate(itertools.product(range(rows), range(cols))):
        assert boxes[k, 0] == grid[0, col, 0] and boxes[k, 1] == grid[row, 0, 1]


def test_fixed_crops_scale_with_the_image() -> None:
    assert crop_boxes(200, 100, [(0.25, 0.5, 0.5, 0.25)]) == [(50.0, 50.0, 100.0, 25.0)]


AUTO_TASKS = [
    {"type": "TILING", "name": "tiles", "num_rows": 2, "num_cols": 3, "overlap": 0.2},
    {"type": "CROP", "name": "center", "bboxs": [[0.25, 0.25, 0.5, 0.5]]},
]


def _config(tmp_path: Path, task: str, n_samples: int = 5) -> Path:
    raw = {"n_samples": n_samples, "auto_tasks": AUTO_TASKS,
           "strategies": [{"input": {"type": "EMBEDDINGS", "task": task}, "strategy": {"type": "DIVERSITY"}}]}
    path = tmp_path / "selection.json"
    path.write_text(json.dumps(raw))
    return path


def test_lightlys_models_write_what_we_read(tmp_path: Path) -> None:
    lightly_models()  # sets lightly's offline switch before lightly.api is imported
    from lightly.api.api_workflow_compute_worker import selection_config_from_dict

    raw = json.loads(_config(tmp_path, "tiles").read_text())
    tiling_only = {**raw, "auto_tasks": AUTO_TASKS[:1]}  # lightly 1.5.26's client parses TILING tasks only
    wire = selection_config_from_dict(tiling_only).to_dict(by_alias=True)  # what LightlyOne's client sends
    crop = lightly_models().AutoTaskCrop(type="CROP", name="center", bboxs=[[0.25, 0.25, 0.5, 0.5]])
    wire["autoTasks"].append(crop.to_dict(by_alias=True))  # the schema's fixed-crop task, from its own model
    assert wire["autoTasks"][0]["numRows"] == 2 and wire["strategies"][0]["input"]["task"] == "tiles"
    path = tmp_path / "wire.json"
    path.write_text(json.dumps(wire))
    config = load_selection_config(path)
    tiling, crop = config.auto_tasks
    assert (tiling.name, tiling.num_rows, tiling.num_cols, tiling.overlap) == ("tiles", 2, 3, 0.2)
    assert crop.bboxs == [[0.25, 0.25, 0.5, 0.5]] and config.object_task == "tiles"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**raw, "auto_tasks": [{**AUTO_TASKS[1], "bboxs": [[0.6, 0.0, 0.5, 0.5]]}]}))
    with pytest.raises(InputFileError, match=r"auto_tasks\[0\].bboxs: .*box 0 reaches past the image"):
        load_selection_config(bad)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(8)
    root = tmp_path_factory.mktemp("auto_tasks") / "images"
    for name, (width, height) in SIZES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(root / name)
    return root


def test_a_tiling_task_selects_tiles(folder: Path, tmp_path: Path) -> None:
    params = RunParameters(input_path=folder, out_dir=tmp_path / "out", embedding_dim=4,
                           selection_config_path=_config(tmp_path, "tiles"))
    inputs, _, _, selection = load_and_select(params)
    assert isinstance(inputs, FolderInputs) and inputs.crops is not None and inputs.crops.task == "tiles"
    assert len(inputs.input) == len(SIZES) * 6  # every tile of every image is a sample
    specs = inputs.crops.by_name()
    assert len(selection.indices) == 5
    for row in selection.indices:
        spec = specs[inputs.input.names[int(row)]]
        width, height = SIZES[spec.image]
        tiles = tiling_boxes(width, height, num_rows=2, num_cols=3, overlap=0.2)
        assert spec.bbox == tiles[spec.index]  # a tile of its image
        x, y, w, h = spec.bbox  # cut without padding: the tile rounded outwards to whole pixels, inside the image
        right, bottom = min(width, int(np.ceil(x + w))), min(height, int(np.ceil(y + h)))
        assert tuple(spec.box) == (int(np.floor(x)), int(np.floor(y)), right, bottom)


def test_auto_tasks_on_a_video_folder_are_refused_by_name(tmp_path: Path) -> None:
    """The cause is named (the config's auto_tasks), not the --coco/--yolo/--object-level flags the user never gave."""
    from embedscope.errors import ConfigError
    from embedscope.pipeline import stages
    from embedscope.progress import SilentProgress
    from tests.ingest.test_video_frames import write_video

    videos = tmp_path / "videos"
    write_video(videos / "a.mp4", n_frames=3)
    params = RunParameters(input_path=videos, out_dir=tmp_path / "out", selection_config_path=_config(tmp_path, "tiles"))
    with pytest.raises(ConfigError, match=r"holds videos; the selection config's auto_tasks \(tiling, fixed crops\) "
                                          "work on image folders$"):
        stages.ingest(params, SilentProgress())
