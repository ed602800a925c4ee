"""Object-detection predictions of one task, as read from a Lightly predictions folder, COCO or YOLO files.

Coordinates are pixels of the upright image: the image as :func:`embedscope.ingest.image_decode.decode_image`
returns it (EXIF orientation applied), origin at the top-left corner, x to the right, y down.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

BoxXYWH = tuple[float, float, float, float]
"""(x, y, width, height) in pixels: top-left corner and size."""

ImageSize = tuple[int, int]
"""(width, height) in pixels of the upright image."""


@dataclass(frozen=True)
class ObjectPrediction:
    """One predicted (or labelled) object.

    Attributes:
        image: the image's name, relative to the image folder with ``/`` separators.
        index: the object's position among the image's predictions in the source (0-based, counting skipped
            ones too), so crop names stay the same when other predictions of the image are fixed or removed.
        category_id: a key of :attr:`TaskPredictions.categories`.
        bbox: (x, y, width, height) in pixels; width and height > 0; inside the image (see
            :data:`~embedscope.ingest.predictions.boxes.BOX_TOLERANCE_PX`).
        score: the model's confidence, or None when the source has none (e.g. labels).
    """

    image: str
    index: int
    category_id: int
    bbox: BoxXYWH
    score: float | None = None


@dataclass(frozen=True)
class TaskPredictions:
    """The usable predictions of one object-detection task, and the ones that were skipped.

    Attributes:
        task: the task's name (Lightly: its folder name; COCO/YOLO: given by the caller).
        categories: category id → name, every category of the task (also those without objects).
        predictions: image name → its usable objects, ordered by ``index``; an image whose prediction file
            lists no object (or only skipped ones) maps to an empty list; images without any prediction
            file are absent.
        skipped: where → why, one entry per skipped prediction or file. ``where`` names a place in the
            source a user can find: a Lightly file ``a/b.json`` or object ``a/b.json#2`` (0-based), a COCO
            entry ``annotations[17]`` / ``images[3]`` / ``categories[1]``, a YOLO file ``a/b.txt`` or line
            ``a/b.txt:3`` (1-based).
        source: the file or folder the predictions were read from.
    """

    task: str
    categories: dict[int, str]
    predictions: dict[str, list[ObjectPrediction]]
    skipped: dict[str, str] = field(default_factory=dict)
    source: Path = Path("<predictions>")

    @property
    def n_objects(self) -> int:
        """Number of usable objects over all images."""
        return sum(len(objects) for objects in self.predictions.values())

    @property
    def n_skipped(self) -> int:
        """Number of skipped predictions and files."""
        return len(self.skipped)

    def objects(self) -> Iterator[ObjectPrediction]:
        """Every usable object, images in name order, objects in ``index`` order."""
        for image in sorted(self.predictions):
            yield from self.predictions[image]

    def category_names(self) -> list[str]:
        """Category names in id order, each once (a name shared by two ids is listed at its first id)."""
        return list(dict.fromkeys(self.categories[key] for key in sorted(self.categories)))

    def object_categories(self, image: str) -> tuple[str, ...]:
        """The category name of each usable object of ``image`` (empty for an image without objects)."""
        return tuple(self.categories[obj.category_id] for obj in self.predictions.get(image, []))
