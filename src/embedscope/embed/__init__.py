"""embed stage: EfficientNet-Lite0 features (ONNX, offline), PCA to the embedding dimension, a feature cache.

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
