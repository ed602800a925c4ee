"""Which image model embeds a run: the default EfficientNet-Lite0, an ONNX file, or a fine-tuned checkpoint,
in float32 or int8, on the CPU or the GPU."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.execution_device import check_device
from embedscope.embed.feature_extractor import FeatureExtractor, ensure_onnx_model, extractor_for
from embedscope.errors import ConfigError, InputFileError
from embedscope.run_parameters import RunParameters

PRECISIONS = ("float32", "int8")
DEFAULT_MODEL_LABEL = "EfficientNet-Lite0"


@dataclass(frozen=True)
class ModelChoice:
    """The embedding model of a run (the CLI's ``--model``, ``--checkpoint``, ``--model-precision``,
    ``--device``).

    Attributes:
        path: an ONNX image model (see :mod:`embedscope.embed.image_model`); None for the default.
        checkpoint: a checkpoint written by ``embedscope train`` (exported to ONNX once, in the cache).
        precision: ``float32``, or ``int8`` (the model quantised with onnxruntime, cached).
        device: ``cpu`` or ``cuda``.

    Raises:
        ConfigError: both ``path`` and ``checkpoint``, an unknown precision or device.
    """

    path: Path | None = None
    checkpoint: Path | None = None
    precision: str = "float32"
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.path is not None and self.checkpoint is not None:
            raise ConfigError("--model and --checkpoint both name a model; give one")
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"--model-precision must be one of {', '.join(PRECISIONS)}, got '{self.precision}'"
            )
        check_device(self.device)

    @property
    def label(self) -> str:
        """A short name for messages: ``EfficientNet-Lite0``, the file name, plus ``int8`` / ``cuda``."""
        source = self.path or self.checkpoint
        name = Path(source).name if source is not None else DEFAULT_MODEL_LABEL
        details = [
            d
            for d in (
                self.precision if self.precision != "float32" else "",
                self.device if self.device != "cpu" else "",
            )
            if d
        ]
        return f"{name} ({', '.join(details)})" if details else name


def resolve_model_file(choice: ModelChoice, cache_dir: Path | None = None) -> Path:
    """The ONNX file that runs for ``choice``: exported, converted or quantised into the cache when needed.

    Raises:
        InputFileError: a missing model or checkpoint file, or a checkpoint that cannot be read.
    """
    cache = resolve_cache_dir(cache_dir)
    if choice.path is not None:
        if not Path(choice.path).is_file():
            raise InputFileError(choice.path, "model file not found")
        base = Path(choice.path)
    elif choice.checkpoint is not None:
        if not Path(choice.checkpoint).is_file():
            raise InputFileError(choice.checkpoint, "checkpoint file not found")
        from embedscope.train.checkpoint import checkpoint_onnx_model

        base = checkpoint_onnx_model(Path(choice.checkpoint), cache)
    else:
        base = ensure_onnx_model(cache)
    if choice.precision == "int8":
        from embedscope.embed.quantize import ensure_int8_model

        return ensure_int8_model(base, cache)
    return base


def load_feature_extractor(
    choice: ModelChoice | None = None, cache_dir: Path | None = None
) -> FeatureExtractor:
    """A shared :class:`FeatureExtractor` for ``choice`` (default model when None)."""
    choice = choice or ModelChoice()
    path = resolve_model_file(choice, cache_dir).resolve()
    return extractor_for(path, choice.device, path.stat().st_mtime_ns)


def model_choice_of(params: RunParameters) -> ModelChoice:
    """The image model a run's parameters name (``--model``, ``--checkpoint``, ``--model-precision``, ``--device``).

    Raises:
        ConfigError: both a model and a checkpoint, an unknown precision or device.
    """
    return ModelChoice(
        path=params.model_path, checkpoint=params.checkpoint_path, precision=params.model_precision,
        device=params.device,
    )
