"""The ``auto_tasks`` entries of a selection config, as LightlyOne's schema has them (``AutoTaskTiling``:
``type: TILING``, ``name``, ``num_rows``, ``num_cols``, ``overlap``; ``AutoTaskCrop``: ``type: CROP``, ``name``,
``bboxs``). Their meaning and the boxes they generate: :mod:`embedscope.ingest.predictions.auto_tasks`.
Docs: https://docs.lightly.ai/docs/auto-tasks
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from embedscope.ingest.auto_task_boxes import AutoTaskSpec
from embedscope.select.config_inputs import Fraction, PositiveInt, _located, _Strict

TASK_NAME_PATTERN = r"^[a-zA-Z0-9_+=,.@:\/-]+$"  # LightlyOne's pattern for task names (non-empty here)
AUTO_TASK_TYPES = ("TILING", "CROP")
TYPE_ALIASES = {"AutoTaskTiling": "TILING", "AutoTaskCrop": "CROP"}  # lightly's from_json takes both spellings

TaskName = Annotated[str, Field(strict=True, pattern=TASK_NAME_PATTERN)]
RelativeBox = Annotated[list[Fraction], Field(min_length=4, max_length=4)]


class TilingAutoTask(_Strict):
    """A ``num_rows`` x ``num_cols`` grid of tiles on every image; neighbours overlap by ``overlap`` x the
    tile size (0 ≤ overlap < 1)."""

    type: Literal["TILING"]
    name: TaskName
    num_rows: PositiveInt
    num_cols: PositiveInt
    overlap: Annotated[Fraction, Field(lt=1.0)] = 0.0

    def spec(self) -> AutoTaskSpec:
        return AutoTaskSpec(
            name=self.name, kind="TILING", num_rows=self.num_rows, num_cols=self.num_cols, overlap=self.overlap
        )


class CropAutoTask(_Strict):
    """The same boxes on every image: ``bboxs``, each ``[x, y, width, height]`` as fractions of the image."""

    type: Literal["CROP"]
    name: TaskName
    bboxs: Annotated[list[RelativeBox], Field(min_length=1)]

    @field_validator("bboxs")
    @classmethod
    def _inside_and_not_empty(cls, boxes: list[list[float]]) -> list[list[float]]:
        for number, (x, y, width, height) in enumerate(boxes):
            if width <= 0 or height <= 0:
                raise ValueError(f"box {number} has no area; give [x, y, width, height] with width, height > 0")
            if x + width > 1.0 or y + height > 1.0:
                raise ValueError(f"box {number} reaches past the image: x + width and y + height must be ≤ 1")
        return boxes

    def spec(self) -> AutoTaskSpec:
        boxes = tuple((x, y, w, h) for x, y, w, h in self.bboxs)
        return AutoTaskSpec(name=self.name, kind="CROP", boxes=boxes)


AutoTask = Annotated[TilingAutoTask | CropAutoTask, Field(discriminator="type")]


def check_unique_names(tasks: list[TilingAutoTask | CropAutoTask]) -> None:
    """Raises a located validation error when two auto tasks share a name."""
    seen: set[str] = set()
    for number, task in enumerate(tasks):
        if task.name in seen:
            raise _located(f"auto_tasks[{number}].name", f"'{task.name}' is used twice; task names must be unique")
        seen.add(task.name)


def with_type_aliases(tasks: Any) -> Any:
    """``type: AutoTaskTiling`` / ``AutoTaskCrop`` (the schema's class names, which lightly's client also
    accepts) read as ``TILING`` / ``CROP``."""
    if not isinstance(tasks, list):
        return tasks
    return [
        {**task, "type": TYPE_ALIASES[task["type"]]} if isinstance(task, dict) and task.get("type") in TYPE_ALIASES
        else task
        for task in tasks
    ]
