"""A plain image folder's computed image statistics (``lightly.sharpness``, …) measured in Ray tasks, so that the
driver of ``run --engine ray`` never decodes the folder: each task decodes its chunk of files on the node that runs
it (:func:`embedscope.ingest.image_statistics.statistics_rows`), and only (n, 9) float64 values come back.

The values are the local engine's (:func:`~embedscope.ingest.image_statistics.folder_image_statistics`): the same
decode and kernel per file, NaN for a file that no longer decodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.distributed.file_tasks import map_file_chunks

FILES_PER_STATISTICS_TASK = 64  # ~5 ms a 640×480 JPEG: ~0.3 s tasks, enough of them to spread over the cluster


def image_statistics_on_ray(image_root: Path, names: Sequence[str]) -> dict[str, np.ndarray]:
    """``lightly.<name>`` → (n,) float64 statistics of the images ``image_root / name``, in the order of
    ``names``, measured by Ray tasks of ``FILES_PER_STATISTICS_TASK`` files on the connected cluster (every node
    must see ``image_root``).

    Memory on the driver: the names in flight and the (n, 9) result. Cost: one full decode per image, spread
    over the cluster's CPUs.
    """
    from embedscope.ingest.image_statistics import columns_of_rows, statistics_rows  # Pillow: the image extra

    rows = map_file_chunks(statistics_rows, names, files_per_task=FILES_PER_STATISTICS_TASK, root=str(image_root))
    return columns_of_rows(rows)
