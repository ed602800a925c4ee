"""Running the exported network with onnxruntime."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort

from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.model_spec import FEATURE_DIM, INPUT_SIZE, ONNX_INPUT, onnx_model_path

logger = logging.getLogger(__name__)

INFERENCE_THREADS = 2  # the target machine has 2 cores; more threads only add contention
CPU_PROVIDERS = ("CPUExecutionProvider",)


class FeatureExtractor:
    """An onnxruntime session of the feature network.

    Args:
        model_path: the exported ``.onnx`` file, or its bytes (Ray actors get the model through the object store).
        num_threads: intra-op threads of the session.
        providers: onnxruntime execution providers in order of preference (e.g. CUDA, then CPU).
    """

    def __init__(
        self,
        model_path: Path | bytes,
        *,
        num_threads: int = INFERENCE_THREADS,
        providers: tuple[str, ...] = CPU_PROVIDERS,
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = num_threads
        options.inter_op_num_threads = 1
        # Decode threads share the cores: idle inference threads sleep instead of spinning on them.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: the model is known, its warnings are noise
        model = model_path if isinstance(model_path, bytes) else str(model_path)
        self._session = ort.InferenceSession(model, options, providers=list(providers))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        """Features of a batch.

        Args:
            batch: (n, 224, 224, 3) uint8 RGB (the model normalises with ImageNet mean/std).

        Returns:
            (n, 1280) float32 globally average-pooled features.
        """
        if batch.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3) or batch.dtype != np.uint8:
            raise ValueError(
                f"expected a uint8 batch of shape (n, {INPUT_SIZE}, {INPUT_SIZE}, 3), got {batch.shape} {batch.dtype}"
            )
        (features,) = self._session.run(None, {ONNX_INPUT: np.ascontiguousarray(batch)})
        return np.asarray(features, dtype=np.float32).reshape(len(batch), FEATURE_DIM)


def ensure_onnx_model(cache_dir: Path | None = None) -> Path:
    """The exported model's path, exporting it first (with torch) when the cache does not hold it yet."""
    path = onnx_model_path(resolve_cache_dir(cache_dir))
    if not path.is_file():
        from embedscope.embed.onnx_export import export_onnx_model

        export_onnx_model(path)
    return path


@functools.lru_cache(maxsize=4)
def _extractor_for(model_path: Path) -> FeatureExtractor:
    return FeatureExtractor(model_path)


def load_feature_extractor(cache_dir: Path | None = None) -> FeatureExtractor:
    """A shared :class:`FeatureExtractor` for the cache folder (model exported on first use)."""
    return _extractor_for(ensure_onnx_model(cache_dir).resolve())
