"""Numeric metadata that every input sample shares (the demo's ``lightly.width`` = 320): a histogram of one
value is a spike on an axis of float noise (320 to 320.0003), so the report says the value instead."""

from __future__ import annotations

from embedscope.report.model import NumericDistributionPerSet
from embedscope.report.number_format import fmt

RELATIVE_TOLERANCE = 1e-6  # float32 noise of a computed ratio (4/3 read back as 1.3333334 and 1.3333333)


def constant_value(distribution: NumericDistributionPerSet) -> float | None:
    """The input's single value when its min and max agree to :data:`RELATIVE_TOLERANCE`; else None."""
    if distribution.input is None:
        return None
    metrics = distribution.input.metrics
    if metrics.max - metrics.min > RELATIVE_TOLERANCE * max(1.0, abs(metrics.mean)):
        return None
    return metrics.mean


def constant_note(distribution: NumericDistributionPerSet) -> str | None:
    """The sentence shown instead of the histogram of a constant value; None for a varying one."""
    value = constant_value(distribution)
    if value is None:
        return None
    return f"Every input sample has the value {fmt(value)} (to float precision), so no histogram is drawn."


def spread(std: float, mean: float) -> float:
    """``std``, or 0 when it is float rounding noise of a constant (2.22e-16 beside a mean of 1.3333)."""
    return 0.0 if abs(std) <= 1e-12 * max(1.0, abs(mean)) else std
