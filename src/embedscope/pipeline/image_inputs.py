"""INPUT as an image folder: scan, embed, then the same preparation as an embeddings file."""

from __future__ import annotations

from pathlib import Path

from embedscope.pipeline.inputs import LoadedInputs
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.progress import Progress


def is_image_folder(path: Path) -> bool:
    """INPUT is a folder (embeddings files are files)."""
    return Path(path).is_dir()


def load_image_folder_inputs(params: RunParameters, progress: Progress) -> LoadedInputs:
    """Scan and embed the images of ``params.input_path``."""
    from embedscope.errors import InputFileError

    raise InputFileError(params.input_path, "image folders are not supported yet; pass an embeddings file")
