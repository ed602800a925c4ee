"""The row removals both engines' hygiene share: blank video frames out, --remove-near-duplicates' kept rows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from embedscope.errors import ConfigError
from embedscope.ingest.sample_statistics import BLANK_CONTRAST, CONTRAST
from embedscope.select.hygiene import blank_frames_out, rows_left_by_removal


def _frames(contrast: list[float], *, videos: bool = True) -> tuple[Any, dict[str, np.ndarray]]:
    names = [f"v.mp4-{i:03d}.png" for i in range(len(contrast))]
    samples = SimpleNamespace(input=SimpleNamespace(names=names), videos=object() if videos else None)
    return samples, {CONTRAST: np.asarray(contrast, dtype=np.float64)}


def test_blank_frames_are_named_and_the_rest_kept_in_order() -> None:
    low, high = BLANK_CONTRAST / 2, BLANK_CONTRAST * 10
    samples, statistics = _frames([high, low, high, np.nan, low, high])
    names, keep = blank_frames_out(samples, statistics, "in")
    assert names == ["v.mp4-001.png", "v.mp4-004.png"]  # NaN contrast is not blank
    np.testing.assert_array_equal(keep, [0, 2, 3, 5])


def test_no_blank_frame_keeps_every_row_and_no_videos_says_nothing() -> None:
    samples, statistics = _frames([BLANK_CONTRAST * 2] * 3)
    assert blank_frames_out(samples, statistics, "in") == ([], None)
    samples, statistics = _frames([0.0] * 3, videos=False)
    assert blank_frames_out(samples, statistics, "in") == (None, None)


def test_fewer_than_two_frames_left_is_one_clear_error() -> None:
    samples, statistics = _frames([0.0, 0.0, BLANK_CONTRAST * 2])
    with pytest.raises(ConfigError, match=r"^in: 2 of 3 frames are blank, uniform or grey; fewer than 2 frames"):
        blank_frames_out(samples, statistics, "in")


def test_near_duplicate_removal_keeps_the_other_rows_or_refuses() -> None:
    np.testing.assert_array_equal(rows_left_by_removal(6, np.array([4, 1])), [0, 2, 3, 5])
    with pytest.raises(ConfigError, match="--remove-near-duplicates leaves fewer than 2 samples"):
        rows_left_by_removal(3, np.array([0, 2]))
