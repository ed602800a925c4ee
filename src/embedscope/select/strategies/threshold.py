"""THRESHOLD: keep only samples whose value satisfies a comparison; applied before every other strategy."""

from __future__ import annotations

import logging

import numpy as np

from embedscope.errors import ConfigError
from embedscope.select.config import (
    MetadataInput,
    PredictionsInput,
    ScoresInput,
    StrategyEntry,
    ThresholdOperation,
    ThresholdStrategy,
)
from embedscope.select.sample_data import SampleData, numeric_input

logger = logging.getLogger(__name__)


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


def apply_thresholds(
    entries: list[tuple[int, StrategyEntry]], sample_data: SampleData, *, n: int, prefix: str
) -> np.ndarray:
    """(n,) bool: the samples that every THRESHOLD entry of ``entries`` ((index in the config, entry) pairs) keeps.

    Raises:
        ConfigError: a THRESHOLD whose input is not SCORES, METADATA or PREDICTIONS (CATEGORY_COUNT), or whose values are missing
            (messages start with ``prefix`` and name ``strategies[i]``).
    """
    keep = np.ones(n, dtype=bool)
    for i, entry in entries:
        strategy = entry.strategy
        if not isinstance(strategy, ThresholdStrategy):
            continue
        source = entry.input
        if not isinstance(source, (ScoresInput, MetadataInput, PredictionsInput)):
            raise ConfigError(f"{prefix}strategies[{i}].input: THRESHOLD needs SCORES, METADATA or PREDICTIONS")
        values = numeric_input(sample_data, source, where=f"{prefix}strategies[{i}]")
        passes = threshold_mask(values, threshold=strategy.threshold, operation=strategy.operation)
        logger.info("strategies[%d] THRESHOLD keeps %d of %d samples", i, int(passes.sum()), n)
        keep &= passes
    return keep
