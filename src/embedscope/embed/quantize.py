"""An int8 copy of an ONNX image model (onnxruntime static quantisation, calibrated on bundled photos).

Static quantisation (Jacob et al., "Quantization and Training of Neural Networks for Efficient
Integer-Arithmetic-Only Inference", CVPR 2018, https://arxiv.org/abs/1712.05877) as onnxruntime implements it
(https://onnxruntime.ai/docs/performance/model-optimizations/quantization.html): weights int8 per output
channel (7-bit range), activations uint8 per tensor with ranges calibrated (MinMax) on
:data:`CALIBRATION_IMAGES` views of scikit-image's bundled photos, operators fused to QLinearConv/QLinearAdd.
The input normalisation and the first and last convolutions stay float: quantising the normalisation too makes
it the slowest part of the graph, and with every convolution quantised onnxruntime runs the normalisation in NHWC
layout, about 7x slower (see ``benchmarks/README.md``). On the 864 labelled photos of
``benchmarks/bench_models.py`` this recipe's 1-NN accuracy is within 0.1 point of the float model's.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from embedscope.embed.feature_extractor import FeatureExtractor
from embedscope.embed.image_model import file_hash
from embedscope.embed.preprocess import model_input_from_image
from embedscope.io.atomic import atomic_path

logger = logging.getLogger(__name__)

QUANTIZATION_REVISION = 2  # bump when the recipe below changes: cached int8 models are then rebuilt
CALIBRATION_IMAGES = 48  # enough views for stable MinMax ranges; quantising takes ~20 s on 2 cores
CALIBRATION_SEED = 0
CALIBRATION_MIN_SIDE = 0.4  # random crops keep 40-100 % of each side of a photo
# Operators turned into integer kernels; the float input normalisation (Cast, Mul, Sub) is left alone, since
# quantising it costs more than it saves.
MIN_CONVOLUTIONS_FOR_FLOAT_ENDS = 4  # a network this deep keeps its first and last convolution float
QUANTIZED_OPS = ["Conv", "Add", "Clip", "Relu", "ReduceMean", "GlobalAveragePool", "MatMul", "Gemm"]


def int8_model_path(float_model: Path, cache_dir: Path) -> Path:
    """Where the int8 copy of ``float_model`` lives: ``<cache>/models/int8-<content hash>-q<revision>.onnx``."""
    return Path(cache_dir) / "models" / f"int8-{file_hash(float_model)}-q{QUANTIZATION_REVISION}.onnx"


def calibration_views(
    size: tuple[int, int], *, n_images: int = CALIBRATION_IMAGES, seed: int = CALIBRATION_SEED
) -> np.ndarray:
    """Random crops and mirrors of scikit-image's bundled colour photos, as the model's input.

    Returns:
        (n_images, height, width, 3) uint8, the same for the same arguments.
    """
    from PIL import Image

    from embedscope.ingest.sample_dataset import PHOTO_NAMES, bundled_photo

    rng = np.random.default_rng(seed)
    photos = [bundled_photo(name) for name in PHOTO_NAMES]
    views = []
    for index in range(n_images):
        photo = photos[index % len(photos)]
        height, width = photo.shape[:2]
        crop_h = int(height * rng.uniform(CALIBRATION_MIN_SIDE, 1.0))
        crop_w = int(width * rng.uniform(CALIBRATION_MIN_SIDE, 1.0))
        top = int(rng.integers(0, height - crop_h + 1))
        left = int(rng.integers(0, width - crop_w + 1))
        view = Image.fromarray(photo[top : top + crop_h, left : left + crop_w])
        if rng.random() < 0.5:
            view = view.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        views.append(model_input_from_image(view, size))
    return np.stack(views)


@contextlib.contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """onnxruntime's quantiser logs advice and warnings on the root logger; a user sees none of it."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _first_and_last_convolutions(model_path: Path) -> list[str]:
    import onnx

    convolutions = [node.name for node in onnx.load(str(model_path)).graph.node if node.op_type == "Conv"]
    if len(convolutions) < MIN_CONVOLUTIONS_FOR_FLOAT_ENDS:
        return []
    return [convolutions[0], convolutions[-1]]


def quantize_model(float_model: Path, out_path: Path) -> Path:
    """Write an int8 copy of ``float_model`` to ``out_path`` (atomically).

    Takes about 20 s for EfficientNet-Lite0 on 2 cores (calibration runs the float model on
    :data:`CALIBRATION_IMAGES` images).

    Raises:
        InputFileError: ``float_model`` is not a usable image model.
    """
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    extractor = FeatureExtractor(float_model)
    views = calibration_views(extractor.input_size)
    name = extractor.spec.input_name

    class Views(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self._batches = iter([{name: extractor.model_inputs(view[None])} for view in views])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._batches, None)

    logger.info("quantising %s to int8 (one time)", float_model)
    with tempfile.TemporaryDirectory() as scratch, _quiet_quantizer():
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(float_model), str(prepared))
        with atomic_path(Path(out_path)) as tmp:
            quantize_static(
                str(prepared),
                str(tmp),
                Views(),
                quant_format=QuantFormat.QOperator,
                per_channel=True,
                reduce_range=True,  # 7-bit weights: no overflow in AVX2's u8*s8 pairwise sums
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                op_types_to_quantize=QUANTIZED_OPS,
                nodes_to_exclude=_first_and_last_convolutions(prepared),
            )
    return Path(out_path)


def ensure_int8_model(float_model: Path, cache_dir: Path) -> Path:
    """The cached int8 copy of ``float_model``, quantised first when missing. The spec file of a user's
    model (input size, mean/std) is copied next to the int8 copy."""
    path = int8_model_path(float_model, cache_dir)
    if not path.is_file():
        quantize_model(float_model, path)
        from embedscope.embed.image_model import spec_file

        spec = spec_file(float_model)
        if spec is not None:
            path.with_suffix(spec.suffix).write_bytes(spec.read_bytes())
    return path
