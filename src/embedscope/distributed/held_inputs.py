"""Which embeddings-file INPUT ``run --engine ray`` leaves on the cluster: one whose N × D × 4 bytes exceed
``--memory-budget`` (a ``.npy`` or Parquet file by its header, a CSV by its size), read by the reader of its
format into :class:`~embedscope.distributed.cluster_input.InputOnCluster`."""

from __future__ import annotations

from pathlib import Path

from embedscope.distributed.cluster_input import InputOnCluster


def embeddings_on_cluster(
    path: Path, *, datapool_path: Path | None, filenames_path: Path | None, normalize: bool, memory_budget: int,
) -> InputOnCluster | None:
    """``path`` read onto the cluster when its matrix may exceed ``memory_budget``; None: read it on the driver
    (:func:`embedscope.ingest.samples.load_inputs`), which also reports any file the readers below leave to it.

    A CSV goes to the cluster when its size could hold more than the budget (at least 2 bytes of text per value):
    its row count is only known once it is read.

    Raises:
        InputFileError: as :func:`embedscope.ingest.samples.load_inputs`.
    """
    from embedscope.distributed.csv_blocks import csv_matrix_bytes_bound, load_csv_on_cluster
    from embedscope.distributed.npy_blocks import load_npy_on_cluster, npy_matrix_bytes
    from embedscope.distributed.parquet_blocks import load_parquet_on_cluster, parquet_matrix_bytes

    suffix = path.suffix.lower()
    if not path.is_file() or (filenames_path is not None and suffix != ".npy"):
        return None
    if suffix == ".npy" and (npy_matrix_bytes(path) or 0) > memory_budget:
        return load_npy_on_cluster(path, datapool_path=datapool_path, filenames_path=filenames_path,
                                   normalize=normalize, memory_budget=memory_budget)
    if suffix == ".parquet" and (parquet_matrix_bytes(path) or 0) > memory_budget:
        return load_parquet_on_cluster(path, datapool_path=datapool_path, normalize=normalize,
                                       memory_budget=memory_budget)
    if suffix == ".csv" and (csv_matrix_bytes_bound(path) or 0) > memory_budget:
        return load_csv_on_cluster(path, datapool_path=datapool_path, normalize=normalize,
                                   memory_budget=memory_budget)
    return None
