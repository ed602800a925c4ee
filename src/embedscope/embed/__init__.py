"""embed stage: image-model features (EfficientNet-Lite0 by default, or any ONNX image model, float32 or int8,
CPU or CUDA; see :mod:`embedscope.embed.model_choice`), PCA to the embedding dimension, a feature cache keyed
on the model.

Importing this package never imports torch; torch is needed once, to export the model to ONNX. The names below
are imported on first use (PEP 562), so that a process needing only a submodule — a Ray model actor or decode
task importing :mod:`embedscope.embed.preprocess` and :mod:`embedscope.embed.feature_extractor` — does not pay
for scikit-learn and SciPy (~2.5 s of start-up per worker process on the 2-core machine).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from embedscope.embed.image_embedder import embed_image_files, embed_images
    from embedscope.embed.image_folder_embedding import ImageFolderEmbeddings, embed_image_folder
    from embedscope.embed.projection import project_features

_EXPORTS = {
    "ImageFolderEmbeddings": "embedscope.embed.image_folder_embedding",
    "embed_image_files": "embedscope.embed.image_embedder",
    "embed_image_folder": "embedscope.embed.image_folder_embedding",
    "embed_images": "embedscope.embed.image_embedder",
    "project_features": "embedscope.embed.projection",
}

__all__ = [
    "ImageFolderEmbeddings",
    "embed_image_files",
    "embed_image_folder",
    "embed_images",
    "project_features",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
