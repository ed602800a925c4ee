"""Read any supported embeddings file; the one boundary where their format is checked."""

from __future__ import annotations

from pathlib import Path

from embedscope.errors import InputFileError
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.lightly_csv import read_lightly_csv
from embedscope.io.npy_file import read_npy
from embedscope.io.parquet_file import read_parquet

SUPPORTED_EXTENSIONS = (".csv", ".npy", ".parquet")


def read_embeddings(path: Path, *, filenames_path: Path | None = None) -> EmbeddingTable:
    """Read a Lightly CSV, ``.npy`` (names from ``filenames_path``) or ``.parquet`` embeddings file.

    Raises:
        InputFileError: missing or empty file, unknown extension, or any format problem of the readers.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "file not found")
    if path.is_dir():
        raise InputFileError(path, "is a folder, expected an embeddings file (.csv, .npy, .parquet)")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise InputFileError(
            path, f"unknown extension '{path.suffix}'; expected one of {', '.join(SUPPORTED_EXTENSIONS)}"
        )
    if path.stat().st_size == 0:
        raise InputFileError(path, "the file is empty")
    if filenames_path is not None and suffix != ".npy":
        raise InputFileError(filenames_path, "--filenames applies only to .npy embeddings")
    if suffix == ".csv":
        return read_lightly_csv(path)
    if suffix == ".npy":
        return read_npy(path, filenames_path=filenames_path)
    return read_parquet(path)
