"""Running an ONNX image model with onnxruntime: the default EfficientNet-Lite0 or one the user brings."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.execution_device import check_session_device, providers_for
from embedscope.embed.image_model import LAYOUT_NHWC_UINT8, ImageModelSpec, describe_image_model
from embedscope.embed.model_spec import onnx_model_path
from embedscope.errors import InputFileError

logger = logging.getLogger(__name__)

INFERENCE_THREADS = 2  # the target machine has 2 cores; more threads only add contention
ORT_ERRORS_ONLY = 3  # onnxruntime log level: the model is checked here, its warnings are noise
ORT_FATAL_ONLY = 4  # for the GPU: a provider that fails to start is reported by embedscope, in one line
PIXEL_MAX = 255.0
FEATURE_MAP_RANK = 4  # (batch, channels, h, w): averaged over h, w like a global average pool
FEATURES_RANK = 2  # (batch, dim)


def _session(model_path: Path, device: str, num_threads: int) -> ort.InferenceSession:
    if not model_path.is_file():
        raise InputFileError(model_path, "model file not found")
    providers = providers_for(device, ort.get_available_providers())
    options = ort.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    # Decode threads share the cores: idle inference threads sleep instead of spinning on them.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = ORT_FATAL_ONLY if device == "cuda" else ORT_ERRORS_ONLY
    try:
        session = ort.InferenceSession(str(model_path), options, providers=providers)
    except Exception as error:  # onnxruntime raises its own pybind11 types (InvalidProtobuf, Fail, ...)
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputFileError(model_path, f"cannot be loaded as an ONNX model ({first_line})") from error
    check_session_device(session, device)
    return session


class FeatureExtractor:
    """An onnxruntime session of an image model, fed with uint8 RGB batches of the model's input size.

    Args:
        model_path: the ``.onnx`` file (with an optional spec file next to it, see
            :mod:`embedscope.embed.image_model`).
        device: ``cpu`` or ``cuda`` (onnxruntime's CUDA execution provider; no fall-back to the CPU).
        num_threads: intra-op threads of the session.

    Raises:
        InputFileError: a missing file, not an ONNX model, not an image model (input rank, channels), or an
            output that is not (batch, D) features or a (batch, C, h, w) map.
        ConfigError: ``cuda`` asked for but not available.
    """

    def __init__(
        self, model_path: Path, *, device: str = "cpu", num_threads: int = INFERENCE_THREADS
    ) -> None:
        self.model_path = Path(model_path)
        self._session = _session(self.model_path, device, num_threads)
        self.spec: ImageModelSpec = describe_image_model(
            self.model_path, self._session.get_inputs(), self._session.get_outputs()
        )
        height, width = self.spec.input_size
        try:
            probe = self._run(np.zeros((1, height, width, 3), dtype=np.uint8))
        except Exception as error:  # a model that runs only on other inputs fails here, not mid-dataset
            message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise InputFileError(
                self.model_path, f"fails on a {height}x{width} RGB image ({message})"
            ) from error
        self.feature_dim = int(probe.shape[1])

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) the images are resized to."""
        return self.spec.input_size

    def model_inputs(self, batch: np.ndarray) -> np.ndarray:
        """A uint8 (n, H, W, 3) RGB batch as the graph wants it: as it is, or float32 NCHW normalised."""
        if self.spec.layout == LAYOUT_NHWC_UINT8:
            return np.ascontiguousarray(batch)
        mean = np.asarray(self.spec.mean, dtype=np.float32) * PIXEL_MAX
        inverse_std = 1.0 / (np.asarray(self.spec.std, dtype=np.float32) * PIXEL_MAX)
        normalized = (batch.astype(np.float32) - mean) * inverse_std
        return np.ascontiguousarray(normalized.transpose(0, 3, 1, 2))

    def _run(self, batch: np.ndarray) -> np.ndarray:
        (output,) = self._session.run(
            [self.spec.output_name], {self.spec.input_name: self.model_inputs(batch)}
        )
        output = np.asarray(output)
        if output.ndim == FEATURE_MAP_RANK:
            output = output.mean(axis=(2, 3))
        if output.ndim != FEATURES_RANK or output.shape[0] != len(batch):
            raise InputFileError(
                self.model_path,
                f"output '{self.spec.output_name}' has shape {list(output.shape)}; expected pooled features "
                "(batch, dim) or a feature map (batch, channels, h, w)",
            )
        return output.astype(np.float32, copy=False)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Features of a batch.

        Args:
            batch: (n, H, W, 3) uint8 RGB, (H, W) = :attr:`input_size`.

        Returns:
            (n, feature_dim) float32 features (a feature map output is averaged over its spatial grid).
        """
        height, width = self.input_size
        if batch.shape[1:] != (height, width, 3) or batch.dtype != np.uint8:
            raise ValueError(
                f"expected a uint8 batch of shape (n, {height}, {width}, 3), got {batch.shape} {batch.dtype}"
            )
        return self._run(batch)


def ensure_onnx_model(cache_dir: Path | None = None) -> Path:
    """The default model's exported path, exporting it first (with torch) when the cache does not hold it yet."""
    path = onnx_model_path(resolve_cache_dir(cache_dir))
    if not path.is_file():
        from embedscope.embed.onnx_export import export_onnx_model

        export_onnx_model(path)
    return path


@functools.lru_cache(maxsize=4)
def extractor_for(model_path: Path, device: str = "cpu", modified_ns: int = 0) -> FeatureExtractor:
    """A shared :class:`FeatureExtractor` per model file, device and file modification time."""
    del modified_ns  # part of the cache key only: a rewritten file gets a new session
    return FeatureExtractor(model_path, device=device)
