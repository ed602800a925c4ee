"""Tiny ONNX models exported from torch in the tests (2 layers, milliseconds to run)."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

SIDE = 32  # input height and width of the tiny image models


class TwoLayerImageNet(torch.nn.Module):
    """(batch, 3, 32, 32) float → conv 3x3 stride 2 → ReLU → conv 1x1 → (batch, 6) spatial mean, or the map."""

    def __init__(self, *, pooled: bool = True) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.conv1 = torch.nn.Conv2d(3, 8, kernel_size=3, stride=2)
        self.conv2 = torch.nn.Conv2d(8, 6, kernel_size=1)
        self.pooled = pooled

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        maps = self.conv2(torch.relu(self.conv1(images)))
        return maps.mean(dim=(2, 3)) if self.pooled else maps


def export(module: torch.nn.Module, path: Path, dummy: torch.Tensor, *, dynamic_hw: bool = False) -> Path:
    """Export ``module`` to ``path`` with input ``x`` and output ``y`` (batch axis dynamic)."""
    axes = {0: "batch", 2: "height", 3: "width"} if dynamic_hw else {0: "batch"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module.eval(),
            (dummy,),
            str(path),
            dynamo=False,
            input_names=["x"],
            output_names=["y"],
            dynamic_axes={"x": axes, "y": {0: "batch"}},
            opset_version=17,
        )
    return path


def tiny_image_model(path: Path, *, pooled: bool = True, dynamic_hw: bool = False) -> Path:
    """Export :class:`TwoLayerImageNet` (float NCHW, 32x32) to ``path``."""
    return export(TwoLayerImageNet(pooled=pooled), path, torch.zeros(2, 3, SIDE, SIDE), dynamic_hw=dynamic_hw)
