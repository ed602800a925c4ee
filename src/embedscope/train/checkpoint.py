"""The fine-tuned model on disk: a torch checkpoint (``checkpoint.pt``) and its ONNX export (``model.onnx``)."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedscope.embed.image_model import file_hash
from embedscope.embed.model_spec import model_key
from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_path

if TYPE_CHECKING:
    import torch

CHECKPOINT_FORMAT = 1  # bump when the stored fields change
CHECKPOINT_KIND = "embedscope-simclr"


def save_checkpoint(
    path: Path, backbone: torch.nn.Module, head: torch.nn.Module, details: dict[str, Any]
) -> Path:
    """Write the feature network's and projection head's weights plus ``details`` (plain data) atomically."""
    import torch

    payload = {
        "format": CHECKPOINT_FORMAT,
        "kind": CHECKPOINT_KIND,
        "base_model": model_key(),
        "backbone": {k: v.detach().cpu() for k, v in backbone.state_dict().items()},
        "head": {k: v.detach().cpu() for k, v in head.state_dict().items()},
        "details": details,
    }
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def read_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint's contents (tensors and plain data only: loaded with ``weights_only``).

    Raises:
        InputFileError: missing, unreadable, or not a checkpoint written by ``embedscope train``.
    """
    import torch

    if not Path(path).is_file():
        raise InputFileError(path, "checkpoint file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError) as error:
        raise InputFileError(
            path, f"cannot be read as a torch checkpoint ({str(error).splitlines()[0]})"
        ) from error
    if not isinstance(payload, dict) or payload.get("kind") != CHECKPOINT_KIND:
        raise InputFileError(path, "is not a checkpoint written by 'embedscope train'")
    if payload.get("format") != CHECKPOINT_FORMAT:
        raise InputFileError(
            path, f"has checkpoint format {payload.get('format')}; this embedscope reads {CHECKPOINT_FORMAT}"
        )
    return payload


def load_feature_network(path: Path) -> torch.nn.Module:
    """The fine-tuned feature network of a checkpoint, in eval mode: (batch, 224, 224, 3) uint8 →
    (batch, 1280) float32, as :func:`~embedscope.embed.onnx_export.build_torch_feature_network`."""
    from embedscope.embed.onnx_export import build_torch_feature_network

    payload = read_checkpoint(path)
    network = build_torch_feature_network()
    try:
        network.load_state_dict(payload["backbone"], strict=True)
    except (RuntimeError, KeyError) as error:
        raise InputFileError(
            path, f"its weights do not fit EfficientNet-Lite0 ({str(error).splitlines()[0]})"
        ) from error
    return network.eval()


def export_checkpoint(path: Path, onnx_path: Path) -> Path:
    """Export the checkpoint's feature network to ONNX (same graph and input as the default model)."""
    from embedscope.embed.onnx_export import export_onnx_model

    return export_onnx_model(onnx_path, load_feature_network(path))


def checkpoint_onnx_model(path: Path, cache_dir: Path) -> Path:
    """The ONNX export of a checkpoint, cached as ``<cache>/models/checkpoint-<content hash>.onnx``."""
    onnx_path = Path(cache_dir) / "models" / f"checkpoint-{file_hash(path)}.onnx"
    if not onnx_path.is_file():
        export_checkpoint(path, onnx_path)
    return onnx_path
