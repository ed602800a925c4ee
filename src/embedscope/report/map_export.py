"""What the map of ``report.html`` needs to export a selection as a Lightly CSV with a ``selected`` column.

The export holds the input rows of the map in input order, the rows of ``data/embeddings.csv``:

* ``filenames,embedding_0..embedding_{D-1},selected,labels`` when the input's embeddings fit
  :data:`EMBEDDINGS_BUDGET_BYTES` (n_input × D × 4 bytes of float32; base64 adds a third to the page). The
  page carries the exact float32 values and writes each in the shortest decimal form that reads back as the
  same float32, so the file equals ``data/embeddings.csv`` plus the ``selected`` column (LightlyOne counts
  ``selected`` rows as already selected; lightly's ``check_embeddings`` accepts the column before ``labels``).
* ``filenames,labels,selected`` above the budget (1M × 32 floats would be 128 MB): join it with
  ``data/embeddings.csv`` on ``filenames`` (:data:`JOIN_NOTE`); ``embedscope report --selected`` reads both.

The embeddings sit base64-encoded in a ``<script type="application/octet-stream">`` element that the page
reads only when the user downloads the CSV, so they cost the first paint nothing but parsing the HTML.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from embedscope.report.sample_map import SampleMap

EMBEDDINGS_BUDGET_BYTES = 16 * 2**20  # float32 embeddings carried by the page: ≤ 16 MiB (≤ 21.3 MiB of base64)
EMBEDDINGS_CSV = "data/embeddings.csv"
JOIN_NOTE = (
    "This run's embeddings are too large to carry in the page (over {budget} MiB), so the CSV holds "
    "filenames, labels and selected: join it with {csv} on the filenames column to get the Lightly CSV with a "
    "selected column (pandas: embeddings.merge(selection, on=\"filenames\")); "
    "\"embedscope report INPUT --selected selection.csv\" reads it as it is."
)


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")


def _labels_spec(labels: np.ndarray) -> dict[str, Any]:
    """The labels in the smallest typed array that holds them (u1, u2, i4; f8 beyond int32: exact to 2**53)."""
    labels = np.asarray(labels, dtype=np.int64)
    lo, hi = (int(labels.min()), int(labels.max())) if len(labels) else (0, 0)
    for dtype, numpy_dtype in (("u1", np.uint8), ("u2", np.uint16), ("i4", np.int32)):
        info = np.iinfo(numpy_dtype)
        if info.min <= lo and hi <= info.max:
            return {"dtype": dtype, "bdata": _b64(labels.astype(np.dtype(numpy_dtype).newbyteorder("<")))}
    return {"dtype": "f8", "bdata": _b64(labels.astype("<f8"))}


def carries_embeddings(sample_map: SampleMap) -> bool:
    """Whether the page carries the input's embeddings (they exist and fit :data:`EMBEDDINGS_BUDGET_BYTES`)."""
    vectors = sample_map.vectors
    return vectors is not None and vectors.size * 4 <= EMBEDDINGS_BUDGET_BYTES


def export_spec(sample_map: SampleMap) -> dict[str, Any]:
    """The export part of the map payload.

    Keys: ``rows`` (input rows exported: the first rows of the map), ``dim`` (D, 0 without embeddings),
    ``labels`` (typed-array spec, absent without labels), ``note`` (how to use the CSV; the join note above the
    budget).
    """
    spec: dict[str, Any] = {"rows": sample_map.n_input, "dim": 0}
    if sample_map.labels is not None:
        spec["labels"] = _labels_spec(sample_map.labels)
    if carries_embeddings(sample_map):
        spec["dim"] = int(sample_map.vectors.shape[1])  # type: ignore[union-attr]
        spec["note"] = ("The CSV is a Lightly embeddings CSV (the rows of data/embeddings.csv) with a selected "
                        "column, 1 for the chosen samples: \"embedscope report INPUT --selected selection.csv\" reports "
                        "that selection, and \"embedscope run selection.csv\" counts those rows as already selected.")
    elif sample_map.vectors is not None:
        spec["note"] = JOIN_NOTE.format(budget=EMBEDDINGS_BUDGET_BYTES // 2**20, csv=EMBEDDINGS_CSV)
    else:
        spec["note"] = "The CSV holds filenames and a selected column, 1 for the chosen samples."
    return spec


def embeddings_base64(sample_map: SampleMap) -> str | None:
    """Base64 of the (n_input, D) little-endian float32 embeddings, row-major; None above the budget."""
    if not carries_embeddings(sample_map):
        return None
    return _b64(np.asarray(sample_map.vectors, dtype="<f4"))
