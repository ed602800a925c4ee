"""WEIGHTS: prefer samples with high values of a numeric input (scores, metadata, random values)."""

from __future__ import annotations

import numpy as np


def weights_objective(values: np.ndarray) -> np.ndarray:
    """(n,) float64 objective in [0, 1], increasing with the value.

    Non-negative values are divided by their maximum, so ratios are kept: LightlyOne's product of
    objectives is then invariant to the scale of the values, as its documentation states. When some value
    is negative, values are shifted and scaled to [0, 1] (min → 0, max → 1). Equal values give 1 everywhere
    (no preference). A missing value (NaN) gets 0, the least preferred.

    Args:
        values: (n,) float64 over the candidate samples, NaN where missing.
    """
    values = np.asarray(values, dtype=np.float64)
    present = ~np.isnan(values)
    objective = np.zeros(values.shape[0])
    if not present.any():
        return objective
    low, high = float(values[present].min()), float(values[present].max())
    if high == low:
        objective[present] = 1.0
    elif low >= 0.0:
        objective[present] = values[present] / high
    else:
        objective[present] = (values[present] - low) / (high - low)
    return objective
