"""The image model of a Ray run: the file the local engine would run (``--model``, ``--checkpoint``,
``--model-precision int8`` resolved by :func:`embedscope.embed.model_choice.resolve_model_file`), shipped to the
actors as bytes with its spec file, and the device they run it on.

The model is identified by the key the local feature cache uses (:attr:`ImageModelSpec.key`: a hash of the
file and of its spec), so shards of two models never mix: the default shard folder is named after it, and a
``--shard-dir`` remembers it in ``model.json`` and refuses another model.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embedscope.distributed.cluster import ClusterInfo
from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.execution_device import CPU_PROVIDER, CUDA_PROVIDER, NO_CUDA_DEVICE
from embedscope.embed.image_model import spec_file
from embedscope.embed.model_choice import ModelChoice, load_feature_extractor, resolve_model_file
from embedscope.errors import ConfigError
from embedscope.io.atomic import atomic_path

MODEL_MARKER = "model.json"
MODEL_FILE = "model.onnx"


@dataclass(frozen=True)
class RayModel:
    """A model ready to ship to Ray actors.

    Attributes:
        onnx: the ONNX file's bytes; spec_suffix, spec: its spec file's suffix and bytes ("" / b"": none).
        key: the model's identity (the local feature cache's key); label: a short name for messages.
        input_size: (height, width) of its input; feature_dim: D of its features.
        device: ``cuda`` (GPU actors, onnxruntime's CUDA provider, no fall-back) or ``auto`` (GPU actors
            when the cluster has GPUs, CPU actors otherwise).
    """

    onnx: bytes
    spec_suffix: str
    spec: bytes
    key: str
    label: str
    input_size: tuple[int, int]
    feature_dim: int
    device: str

    def providers(self, cluster: ClusterInfo) -> tuple[str, ...]:
        """The onnxruntime providers the actors ask for on ``cluster``."""
        if self.device == "cuda":
            return (CUDA_PROVIDER,)
        return (CUDA_PROVIDER, CPU_PROVIDER) if cluster.gpus else (CPU_PROVIDER,)

    def write(self) -> Path:
        """The model (and its spec) written into a new temporary folder of this process; its path."""
        folder = Path(tempfile.mkdtemp(prefix="embedscope-actor-"))
        path = folder / MODEL_FILE
        path.write_bytes(self.onnx)
        if self.spec_suffix:
            path.with_suffix(self.spec_suffix).write_bytes(self.spec)
        return path


def ray_model(
    choice: ModelChoice | RayModel | None, cluster: ClusterInfo, cache_dir: Path | None = None
) -> RayModel:
    """Resolve ``choice`` on the driver (export, checkpoint conversion or int8 quantisation into the cache, as
    the local engine) and load it once on the CPU to learn its key, input size and feature width; a
    :class:`RayModel` (loaded earlier, e.g. during the folder scan) is returned as it is.

    Raises:
        ConfigError: ``--device cuda`` on a cluster without GPUs (the local engine's line).
        InputFileError: a missing or unusable model (as the local engine).
    """
    if isinstance(choice, RayModel):
        return choice
    choice = choice or ModelChoice()
    if choice.device == "cuda" and not cluster.gpus:
        raise ConfigError(NO_CUDA_DEVICE)
    path = resolve_model_file(choice, resolve_cache_dir(cache_dir)).resolve()
    extractor = load_feature_extractor(ModelChoice(path=path), cache_dir)
    spec = spec_file(path)
    return RayModel(
        onnx=path.read_bytes(), spec_suffix=spec.suffix if spec is not None else "",
        spec=spec.read_bytes() if spec is not None else b"", key=extractor.spec.key, label=choice.label,
        input_size=extractor.input_size, feature_dim=extractor.feature_dim,
        device="cuda" if choice.device == "cuda" else "auto",
    )


def claim_shard_dir(shard_dir: Path, model: RayModel) -> None:
    """Record ``model`` in ``shard_dir/model.json``, or check the one recorded there is the same model.

    Raises:
        ConfigError: the folder holds shards of another model.
    """
    shard_dir.mkdir(parents=True, exist_ok=True)
    marker = shard_dir / MODEL_MARKER
    if marker.is_file():
        try:
            recorded = json.loads(marker.read_text(encoding="utf-8")).get("key")
        except (OSError, ValueError, AttributeError):
            recorded = None
        if recorded != model.key:
            raise ConfigError(
                f"--shard-dir {shard_dir}: holds shards of another model ({recorded}); this run embeds with "
                f"{model.label} ({model.key}): give another --shard-dir"
            )
        return
    with atomic_path(marker) as tmp:
        Path(tmp).write_text(json.dumps({"key": model.key, "model": model.label}) + "\n", encoding="utf-8")
