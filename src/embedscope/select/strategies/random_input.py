"""RANDOM input: a seeded uniform value per sample, e.g. for WEIGHTS that add randomness to a selection."""

from __future__ import annotations

import numpy as np


def random_values(n_samples: int, *, seed: int) -> np.ndarray:
    """(n_samples,) float64 uniform in [0, 1) from ``numpy.random.default_rng(seed)``.

    Drawn for every input sample (before thresholds), so a sample's value depends only on the seed and
    its input position.
    """
    return np.random.default_rng(seed).random(n_samples)
