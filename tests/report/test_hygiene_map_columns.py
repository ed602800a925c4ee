"""The map colours by near-duplicate group and outlier flag: the columns of a real run equal a scipy brute force
(pairs under the threshold → connected components) and the run's own outlier list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import pdist, squareform

from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.pipeline.local_executor import execute_run
from embedscope.report.hygiene_map_columns import NEAR_DUPLICATE_LABEL, OUTLIER_LABEL
from embedscope.report.write_outputs import sample_map
from embedscope.run_parameters import RunParameters


def test_map_columns_equal_brute_force_groups_and_the_outlier_list(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((150, 8))
    x = np.vstack([base, base[:12] + 0.001 * rng.standard_normal((12, 8)), 30 * rng.standard_normal((3, 8))])
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    names = [f"s{i:03d}.png" for i in range(len(x))]
    write_lightly_csv(tmp_path / "in.csv", names, x)
    params = RunParameters(input_path=tmp_path / "in.csv", out_dir=tmp_path / "out", n_samples=10, seed=1,
                           extra={"near_duplicate_threshold": 0.05, "outliers": "3"})

    outcome = execute_run(params)
    columns = {column.label: column for column in sample_map(outcome).columns}  # type: ignore[union-attr]

    distances = squareform(pdist(x.astype(np.float64)))
    close = np.triu(distances < 0.05, k=1)
    rows, cols = np.nonzero(close)
    _, component = connected_components(coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(x),) * 2))
    in_pair = np.zeros(len(x), dtype=bool)
    in_pair[rows] = in_pair[cols] = True
    groups = columns[NEAR_DUPLICATE_LABEL]
    shown = np.asarray(groups.values)
    order = [outcome.inputs.input.names.index(name) for name in names]
    assert np.array_equal(shown[order] >= 0, in_pair) and in_pair.sum() == 24
    for i in np.flatnonzero(in_pair):  # same group exactly when the same component
        same = in_pair & (component == component[i])
        assert np.array_equal(shown[order][same], np.full(same.sum(), shown[order][i]))
        assert groups.categories[shown[order][i]].endswith(f"({same.sum()} samples)")  # type: ignore[index]

    flags = columns[OUTLIER_LABEL]
    outlier_rows = np.flatnonzero(np.asarray(flags.categories)[flags.values] == "outlier")  # type: ignore[index]
    robust = outcome.hygiene.robust  # type: ignore[union-attr]
    assert robust is not None and set(outlier_rows) == set(robust.outliers.tolist())
