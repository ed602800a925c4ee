"""LightlyOne's sum stopping conditions of a WEIGHTS strategy: ``stopping_condition_max_sum`` and
``target_range {min_sum, max_sum}``.

The selection stops before the pick that would take the sum of the WEIGHTS input over the selected samples
above ``max_sum`` (so the sum never exceeds it); ``min_sum`` is the lower end of the target range: a selection
that ends below it (sample budget used up, or no sample left) says so in its stop reason.
Source: lightly's generated ``SelectionConfigV4EntryStrategy`` ("When the sum of inputs reaches this, the
selection stops. Only compatible with the WEIGHTS strategy.") and ``target_range`` ("Target minimum / maximum
sum of inputs").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class SumStop:
    """The running sum of one WEIGHTS input over the picks.

    Attributes:
        values: (m,) float64 input value of each candidate (NaN counts as 0: a sample without a value adds
            nothing).
        max_sum: the sum never exceeds this; None for no upper end.
        min_sum: the lower end of a target range, or None.
        where: the config entry, for the stop reason (``"strategies[1]"``).
        total: the sum over the picks so far.
    """

    values: np.ndarray
    max_sum: float | None
    min_sum: float | None
    where: str
    total: float = 0.0

    def __post_init__(self) -> None:
        self.values = np.nan_to_num(np.asarray(self.values, dtype=np.float64), nan=0.0)

    def would_exceed(self, row: int) -> bool:
        """True when picking candidate ``row`` would take the sum above ``max_sum``."""
        return self.max_sum is not None and self.total + float(self.values[row]) > self.max_sum

    def add(self, row: int) -> None:
        """Count candidate ``row`` as picked."""
        self.total += float(self.values[row])

    def stop_reason(self) -> str:
        """Why the selection ended here, for the report."""
        return f"{self.where}: the next pick would take the WEIGHTS sum {self.total:g} above {self.max_sum:g}"

    def shortfall(self) -> str | None:
        """A note when the final sum is below ``min_sum``, else None."""
        if self.min_sum is not None and self.total < self.min_sum:
            return f"{self.where}: WEIGHTS sum {self.total:g} is below target_range.min_sum {self.min_sum:g}"
        return None


def first_exceeding(stops: list[SumStop], row: int) -> SumStop | None:
    """The first of ``stops`` that picking candidate ``row`` would take above its maximum, or None."""
    return next((stop for stop in stops if stop.would_exceed(row)), None)


def shortfalls(stops: list[SumStop], reason: str | None) -> str | None:
    """``reason`` with the notes of every stop whose sum ended below its ``min_sum`` appended."""
    notes = [note for stop in stops if (note := stop.shortfall()) is not None]
    return "; ".join(([reason] if reason else []) + notes) or None
