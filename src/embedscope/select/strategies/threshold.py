"""THRESHOLD: keep only samples whose value satisfies a comparison; applied before every other strategy."""

from __future__ import annotations

import numpy as np

from embedscope.select.config import ThresholdOperation


def threshold_mask(values: np.ndarray, *, threshold: float, operation: ThresholdOperation) -> np.ndarray:
    """(n,) bool, True where ``values <operation> threshold``; a missing value (NaN) never passes.

    Args:
        values: (n,) float64, NaN where the sample has no value.
    """
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if operation is ThresholdOperation.SMALLER:
            passes = values < threshold
        elif operation is ThresholdOperation.SMALLER_EQUAL:
            passes = values <= threshold
        elif operation is ThresholdOperation.BIGGER:
            passes = values > threshold
        else:
            passes = values >= threshold
    return passes & ~np.isnan(values)
