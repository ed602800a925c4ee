"""Summaries and histograms of per-sample distances, with bins shared across sets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

DEFAULT_BINS = 50  # fine enough to show shape, coarse enough for 100 samples to fill several bins


@dataclass(frozen=True)
class Summary:
    """Summary statistics of one set's values (std is the population standard deviation)."""

    mean: float
    std: float
    min: float
    median: float
    max: float


@dataclass(frozen=True)
class SharedHistogram:
    """Histograms of several sets over one shared binning.

    Attributes:
        bins: number of bins.
        value_range: (lo, hi) of the shared bins.
        counts: set name → (bins,) int64 counts; each sums to that set's number of values.
        summaries: set name → :class:`Summary`.
    """

    bins: int
    value_range: tuple[float, float]
    counts: dict[str, np.ndarray]
    summaries: dict[str, Summary]


def summarize(values: np.ndarray) -> Summary:
    """Mean, population std, min, median, max of a non-empty 1-D array (computed in float64)."""
    values = np.asarray(values, dtype=np.float64)
    return Summary(
        mean=float(values.mean()),
        std=float(values.std()),
        min=float(values.min()),
        median=float(np.median(values)),
        max=float(values.max()),
    )


def shared_range(values_per_set: Mapping[str, np.ndarray]) -> tuple[float, float]:
    """The smallest range holding every value of every set; widened when all values are equal."""
    lo = min(float(np.min(v)) for v in values_per_set.values())
    hi = max(float(np.max(v)) for v in values_per_set.values())
    if hi <= lo:
        hi = lo + max(abs(lo), 1.0) * 1e-6
    return lo, hi


def shared_histogram(values_per_set: Mapping[str, np.ndarray], *, bins: int = DEFAULT_BINS) -> SharedHistogram:
    """Histogram every set over the same ``bins`` equal-width bins spanning all values.

    Args:
        values_per_set: set name → 1-D array of values (non-empty).
    """
    value_range = shared_range(values_per_set)
    counts = {
        name: np.histogram(np.asarray(values, dtype=np.float64), bins=bins, range=value_range)[0].astype(np.int64)
        for name, values in values_per_set.items()
    }
    summaries = {name: summarize(values) for name, values in values_per_set.items()}
    return SharedHistogram(bins=bins, value_range=value_range, counts=counts, summaries=summaries)
