"""Computed image metadata of samples that are not files — video frames and object crops — collected while
the embed stage decodes them (no second decode).

What is measured (see :mod:`embedscope.ingest.image_statistics` for every statistic):

- a video frame: the frame as decoded for the network (224x224 RGB, upright, one libswscale pass), so the
  values describe what was embedded; ``width``/``height``/``aspect_ratio`` are the video's upright frame size;
- an object crop: the cut crop at its own pixel size (padded box, before the network's resize).

A frame is *blank* (blank, uniform or grey: a content-based corruptness check, as LightlyOne's for video
frames) when its grey-level contrast (``lightly.contrast``, the standard deviation of the 0-1 grey levels) is
below :data:`BLANK_CONTRAST`: under 1 % of the range is one colour to the eye, H.264/VP9 noise on a flat
frame included (black and mid-grey frames encoded by libx264 measure 0.0000-0.0001). Entropy is deliberately
not used for frames: one small object on a flat background (4 % of the pixels) already has under half a bit
of grey-level entropy — ``lightly.low_information`` flags it, but it is a real frame, not a broken one — while
its contrast is well above 1 %.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from embedscope.ingest.image_statistics import PREFIX, UNIFORM_CONTRAST, column_names, image_statistics

CONTRAST = PREFIX + "contrast"
"""The column the blank-frame check reads."""

BLANK_CONTRAST = UNIFORM_CONTRAST
"""Grey-level standard deviation (0-1 range) below which a frame is blank, uniform or grey."""


def blank_rows(statistics: dict[str, np.ndarray]) -> np.ndarray:
    """(b,) int64 rows whose ``lightly.contrast`` is below :data:`BLANK_CONTRAST` (NaN: not blank)."""
    contrast = statistics[CONTRAST]
    return np.flatnonzero(np.nan_to_num(contrast, nan=np.inf) < BLANK_CONTRAST).astype(np.int64)


@dataclass(frozen=True)
class SampleStatistics:
    """Computed statistics of named samples.

    Attributes:
        names: (m,) sample names, in the order they were measured.
        columns: ``lightly.<name>`` → (m,) float64, row i belongs to ``names[i]``.
    """

    names: list[str]
    columns: dict[str, np.ndarray]

    def aligned(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """``lightly.<name>`` → (len(names),) float64 in the order of ``names``; NaN for a name not measured."""
        row_of = {name: row for row, name in enumerate(self.names)}
        rows = np.array([row_of.get(name, -1) for name in names], dtype=np.int64)
        found = rows >= 0
        out = {}
        for key, values in self.columns.items():
            column = np.full(rows.size, np.nan)
            column[found] = values[rows[found]]
            out[key] = column
        return out


def size_columns(size: tuple[int, int]) -> dict[str, float]:
    """The ``lightly.width``, ``lightly.height`` and ``lightly.aspect_ratio`` values of a (width, height) size
    (a video's upright frame size, reported for each of its frames)."""
    width, height = size
    return {
        PREFIX + "width": float(width),
        PREFIX + "height": float(height),
        PREFIX + "aspect_ratio": width / height if height else float("nan"),
    }


class StatisticsCollector:
    """Gathers :func:`~embedscope.ingest.image_statistics.image_statistics` sample by sample.

    Cost: O(h·w) per image (a few ms for 224x224); memory: 9 floats per sample.
    """

    def __init__(self) -> None:
        self._names: list[str] = []
        self._rows: list[list[float]] = []

    def add(self, name: str, image: Image.Image | np.ndarray) -> None:
        """Measure one sample: a Pillow image or an (h, w, 3) uint8 RGB array."""
        values = image_statistics(image)
        self._names.append(name)
        self._rows.append([values[key] for key in column_names()])

    @property
    def n_measured(self) -> int:
        """Samples measured so far."""
        return len(self._rows)

    def set_size_since(self, first_row: int, size: tuple[int, int]) -> None:
        """Report (width, height) for the samples measured from row ``first_row`` on (a video's frames: its
        size is known once it is decoded)."""
        columns = column_names()
        for key, value in size_columns(size).items():
            for row in self._rows[first_row:]:
                row[columns.index(key)] = value

    def result(self) -> SampleStatistics:
        """Everything measured so far."""
        table = np.asarray(self._rows, dtype=np.float64).reshape(len(self._rows), len(column_names()))
        return SampleStatistics(
            names=list(self._names), columns={key: table[:, j].copy() for j, key in enumerate(column_names())}
        )
