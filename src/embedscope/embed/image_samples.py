"""The embed stage of an image folder: the scanned images → vectors → :class:`LoadedInputs`."""

from __future__ import annotations

import numpy as np

from embedscope.ingest.image_folder import ImageFolderScan
from embedscope.ingest.samples import LoadedInputs, prepare_inputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters


def embed_scanned_images(scan: ImageFolderScan, params: RunParameters, progress: Progress) -> LoadedInputs:
    """Embed the usable images of ``scan`` (files that fail to decode now join ``corrupt``), attach the datapool.

    The vectors are already L2-normalised by the embedding; ``--no-normalize`` keeps them as they are.

    Raises:
        InputFileError: every image is corrupt, fewer than 2 samples, a bad datapool.
    """
    from embedscope.embed.image_folder_embedding import embed_image_folder
    from embedscope.embed.model_choice import model_choice_of

    model = model_choice_of(params)
    progress.stage(f"embedding {len(scan.names):,} images ({model.label})", total=len(scan.names))
    embedded = embed_image_folder(scan, embedding_dim=params.embedding_dim, progress=progress.advance, model=model)
    return samples_of_embedded_images(embedded.scan, embedded.vectors, params)


def samples_of_embedded_images(final: ImageFolderScan, vectors: np.ndarray, params: RunParameters) -> LoadedInputs:
    """The embedded images (``final.names``, one row of ``vectors`` each) with the datapool attached.

    Raises:
        InputFileError: fewer than 2 samples, a bad datapool.
    """
    table = EmbeddingTable(
        names=list(final.names),
        vectors=np.asarray(vectors, dtype=np.float32),
        source=params.input_path,
        labels=np.zeros(len(final.names), dtype=np.int64),
    )
    return prepare_inputs(
        table,
        datapool_path=params.datapool_path,
        normalize=params.normalize,
        corrupt=final.corrupt,
        duplicates=final.duplicates,
        image_root=params.input_path,
    )
