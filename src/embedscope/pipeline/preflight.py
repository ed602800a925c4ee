"""Reading every side file of a run before any heavy work, so a malformed one fails in seconds.

Side files are the selection config, ``--metadata``/``--scores``/``--predictions``, the ``--selected`` list,
and for a folder INPUT the ``--datapool`` file and the detection predictions (Lightly folder, COCO, YOLO). They are read here in full and checked on
their own (syntax, structure, a ``--object-level`` task that exists); matching their names against the
samples needs the embedded input and happens later. Small files are read twice; that costs far less than
an embedding pass that ends in their error.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.filename_list import read_filename_list
from embedscope.io.sample_data_files import read_metadata_file, read_predictions_file, read_scores_file
from embedscope.pipeline.parameters import RunParameters
from embedscope.select.config import load_selection_config


@contextlib.contextmanager
def _without_warnings() -> Iterator[None]:
    """The readers' warnings (e.g. a skipped Lightly task) are shown once, during the real read."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def check_side_files(params: RunParameters) -> None:
    """Read each side file of ``params`` and raise its first problem.

    Raises:
        EmbedscopeError: the first problem of a side file (naming it), or prediction flags that do not fit.
    """
    if params.selection_config_path is not None:
        load_selection_config(params.selection_config_path)
    for path, read in (
        (params.metadata_path, read_metadata_file),
        (params.scores_path, read_scores_file),
        (params.predictions_path, read_predictions_file),
    ):
        if path is not None:
            read(path)
    if params.selected_path is not None:
        read_filename_list(params.selected_path)
    if not params.input_path.is_dir():
        return
    if params.datapool_path is not None:  # read after the embedding of a folder: check it before
        read_embeddings(params.datapool_path)
    from embedscope.pipeline.prediction_inputs import (
        check_prediction_flags,
        has_predictions,
        read_run_predictions,
    )

    check_prediction_flags(params)
    if has_predictions(params):
        with _without_warnings():
            read_run_predictions(params, image_root=params.input_path, names=[])
