"""Per-sample data (metadata, scores, predictions) aligned with the run's samples, for the strategies and the report."""

from __future__ import annotations

from dataclasses import dataclass

from embedscope.ingest.sample_data_files import SampleDataFiles
from embedscope.ingest.samples import LoadedInputs
from embedscope.select.sample_data import SampleData, align_sample_data


@dataclass(frozen=True)
class RunSampleData:
    """Per-sample data of the input and of the datapool (None where no file was given)."""

    input: SampleData
    datapool: SampleData | None

    @property
    def is_empty(self) -> bool:
        data = self.input
        return not (data.numeric or data.categorical or data.scores or data.predictions)


def align_run_sample_data(files: SampleDataFiles, inputs: LoadedInputs) -> RunSampleData:
    """Align the parsed side files with the input (and the datapool).

    Raises:
        InputFileError: filenames that are neither input nor datapool samples.
    """
    metadata, scores, predictions = files.metadata, files.scores, files.predictions
    pool_names = inputs.datapool.names if inputs.datapool is not None else []
    known = [*inputs.input.names, *pool_names, *inputs.removed_from_input]
    input_data = align_sample_data(
        inputs.input.names, metadata=metadata, scores=scores, predictions=predictions, known_names=known
    )
    pool_data = None
    if inputs.datapool is not None:
        pool_data = align_sample_data(
            pool_names, metadata=metadata, scores=scores, predictions=predictions, known_names=known
        )
    return RunSampleData(input=input_data, datapool=pool_data)
