"""embed stage: image-model features (EfficientNet-Lite0 by default, or any ONNX image model, float32 or int8,
CPU or CUDA; see :mod:`embedscope.embed.model_choice`), PCA to the embedding dimension, a feature cache keyed
on the model.

Importing this package never imports torch; torch is needed once, to export the model to ONNX.
"""

from embedscope.embed.image_embedder import embed_image_files, embed_images
from embedscope.embed.image_folder_embedding import ImageFolderEmbeddings, embed_image_folder
from embedscope.embed.projection import project_features

__all__ = [
    "ImageFolderEmbeddings",
    "embed_image_files",
    "embed_image_folder",
    "embed_images",
    "project_features",
]
