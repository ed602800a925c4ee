"""Shared-bin histograms and summaries against numpy computed independently."""

from __future__ import annotations

import numpy as np

from embedscope.analyze.distribution import shared_histogram, summarize


def test_counts_sum_to_set_sizes_and_bins_are_shared(rng: np.random.Generator) -> None:
    sets = {"a": rng.uniform(0, 1, 137), "b": rng.uniform(0.5, 3, 41), "c": np.array([2.0])}
    histogram = shared_histogram(sets, bins=7)
    assert histogram.value_range == (min(v.min() for v in sets.values()), max(v.max() for v in sets.values()))
    for name, values in sets.items():
        assert histogram.counts[name].sum() == len(values)
        expected, _ = np.histogram(values, bins=7, range=histogram.value_range)
        np.testing.assert_array_equal(histogram.counts[name], expected)


def test_constant_values_get_a_non_empty_range() -> None:
    histogram = shared_histogram({"a": np.zeros(5)}, bins=3)
    lo, hi = histogram.value_range
    assert hi > lo and histogram.counts["a"].sum() == 5


def test_summary_uses_population_std(rng: np.random.Generator) -> None:
    values = rng.normal(size=101)
    summary = summarize(values)
    assert np.isclose(summary.std, np.sqrt(np.mean((values - values.mean()) ** 2)), rtol=1e-12)
    assert summary.median == sorted(values)[50]
    assert (summary.min, summary.max) == (values.min(), values.max())
