"""INPUT as an image folder: scan, embed, then the same preparation as an embeddings file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedscope.io.embedding_table import EmbeddingTable
from embedscope.pipeline.inputs import LoadedInputs, prepare_inputs
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.progress import Progress


def is_image_folder(path: Path) -> bool:
    """INPUT is a folder (embeddings files are files)."""
    return Path(path).is_dir()


def load_image_folder_inputs(params: RunParameters, progress: Progress) -> LoadedInputs:
    """Scan ``params.input_path`` (corrupt files and exact duplicates are set aside), embed the rest.

    The vectors are already L2-normalised by the embedding stage; ``--no-normalize`` keeps them as they are.
    """
    from embedscope.embed.image_folder_embedding import embed_image_folder
    from embedscope.ingest.image_folder import scan_image_folder

    progress.stage("scanning images (corrupt and duplicate check)")
    scan = scan_image_folder(params.input_path)
    model = params.model_choice()
    progress.stage(f"embedding {len(scan.names):,} images ({model.label})", total=len(scan.names))
    embedded = embed_image_folder(scan, embedding_dim=params.embedding_dim, progress=progress.advance, model=model)
    final = embedded.scan
    table = EmbeddingTable(
        names=list(final.names),
        vectors=np.asarray(embedded.vectors, dtype=np.float32),
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
