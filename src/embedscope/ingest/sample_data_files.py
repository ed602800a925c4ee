"""The ingest stage's per-sample side files (``--metadata``, ``--scores``, ``--predictions``), read before any
sample is embedded so that a malformed file fails fast."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedscope.io.sample_data_files import (
    MetadataRecords,
    PredictionRecords,
    ScoreRecords,
    read_metadata_file,
    read_predictions_file,
    read_scores_file,
)


@dataclass(frozen=True)
class SampleDataFiles:
    """The parsed side files of a run (None where no file was given); plain data, not yet aligned with samples."""

    metadata: MetadataRecords | None = None
    scores: ScoreRecords | None = None
    predictions: PredictionRecords | None = None


def read_sample_data_files(
    *, metadata_path: Path | None, scores_path: Path | None, predictions_path: Path | None
) -> SampleDataFiles:
    """Read the given side files (see :mod:`embedscope.io.sample_data_files` for the formats).

    Raises:
        InputFileError: a format problem (names the file and the row).
    """
    return SampleDataFiles(
        metadata=read_metadata_file(metadata_path) if metadata_path is not None else None,
        scores=read_scores_file(scores_path) if scores_path is not None else None,
        predictions=read_predictions_file(predictions_path) if predictions_path is not None else None,
    )
