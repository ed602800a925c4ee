"""The map's colour-by columns from the run's hygiene findings: near-duplicate group and outlier flag."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embedscope.report.sample_map import MapColumn, categorical_column
from embedscope.select.hygiene import HygieneFindings

NEAR_DUPLICATE_LABEL = "near-duplicate group"
OUTLIER_LABEL = "outlier (k-center with outliers)"


def hygiene_map_columns(hygiene: HygieneFindings | None, input_names: Sequence[str], *, n_datapool: int) -> list[MapColumn]:
    """Columns for the map, one value per input then per datapool row (datapool rows missing).

    - ``near-duplicate group``: "group g (m samples)" for members of a near-duplicate group (groups numbered
      from 1 in the order of ``near_duplicates.json``), missing for every other sample; only when the run found
      groups. Matched by name, so it also holds after ``--remove-near-duplicates`` (the kept samples).
    - ``outlier (k-center with outliers)``: "outlier" / "inlier" under ``--outliers``.

    Args:
        hygiene: the select stage's findings (None: no columns).
        input_names: (n_input,) the names of the run's input rows (after any removal).
        n_datapool: datapool rows following the input rows.
    """
    if hygiene is None:
        return []
    columns: list[MapColumn] = []
    groups = hygiene.groups
    if len(groups.groups):
        row_of = {name: i for i, name in enumerate(hygiene.names_before_removal)}
        labels: list[str | None] = []
        for name in input_names:
            row = row_of.get(name, -1)
            group = int(groups.group_of[row]) if row >= 0 else -1
            labels.append(None if group < 0 else f"group {group + 1} ({len(groups.groups[group])} samples)")
        columns.append(categorical_column(NEAR_DUPLICATE_LABEL, [*labels, *([None] * n_datapool)]))
    if hygiene.robust is not None:
        is_outlier = np.zeros(len(input_names), dtype=bool)
        is_outlier[hygiene.robust.outliers] = True
        flags = ["outlier" if flag else "inlier" for flag in is_outlier]
        columns.append(categorical_column(OUTLIER_LABEL, [*flags, *([None] * n_datapool)]))
    return columns
