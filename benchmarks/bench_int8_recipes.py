"""int8 quantisation recipes for EfficientNet-Lite0: network speed and 1-NN accuracy against the float model.

Usage: .venv/bin/python benchmarks/bench_int8_recipes.py [--recipes shipped,qdq,...] [--views 48] [--repeats 4]

Each recipe is one onnxruntime ``quantize_static`` call on the same pre-processed float graph with the same
calibration views as ``--model-precision int8`` (:mod:`embedscope.embed.quantize`); only the keyword arguments
of :data:`RECIPES` differ. Speed: the network alone on 32 random 224x224 images per call, one intra-op thread
(so that other jobs on a shared machine disturb one thread, not a pool's barriers), interleaved over
``--repeats`` rounds; the table gives the median CPU seconds per image (the work, steadier than wall time
under load) and the best wall time. Accuracy: leave-one-out 1-NN label accuracy on the labelled photo set of
``bench_models.py`` (``--views`` images per class), on the 32-d PCA + L2 embedding and on the raw features.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_models import build_labelled_set, quality

from embedscope.embed import quantize
from embedscope.embed.feature_extractor import FeatureExtractor, ensure_onnx_model
from embedscope.embed.preprocess import model_input_from_file

BATCH = 32


def recipes(ends: list[str]) -> dict[str, dict[str, object]]:
    """Recipe name → ``quantize_static`` keywords (``ends``: the first and last convolution's node names)."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

    shipped = {
        "quant_format": QuantFormat.QOperator,
        "per_channel": True,
        "reduce_range": True,
        "weight_type": QuantType.QInt8,
        "nodes_to_exclude": ends,
    }
    return {
        "shipped": shipped,
        "qdq": {**shipped, "quant_format": QuantFormat.QDQ},
        "no-reduce-range": {**shipped, "reduce_range": False},
        "per-tensor": {**shipped, "per_channel": False},
        "all-convs": {**shipped, "nodes_to_exclude": []},
        "first-float": {**shipped, "nodes_to_exclude": ends[:1]},
        "u8u8": {**shipped, "reduce_range": False, "weight_type": QuantType.QUInt8},
        "u8u8-first-float": {
            **shipped,
            "reduce_range": False,
            "weight_type": QuantType.QUInt8,
            "nodes_to_exclude": ends[:1],
        },
        "u8u8-qdq": {
            **shipped,
            "reduce_range": False,
            "weight_type": QuantType.QUInt8,
            "quant_format": QuantFormat.QDQ,
        },
        "u8u8-all-convs": {
            **shipped,
            "reduce_range": False,
            "weight_type": QuantType.QUInt8,
            "nodes_to_exclude": [],
        },
        "percentile": {**shipped, "calibrate_method": CalibrationMethod.Percentile},
    }


def quantized_models(names: list[str], folder: Path) -> dict[str, Path]:
    """Quantise the default float model with each named recipe into ``folder``."""
    from onnxruntime.quantization import CalibrationDataReader, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    float_model = ensure_onnx_model()
    extractor = FeatureExtractor(float_model)
    views = quantize.calibration_views(extractor.input_size)
    prepared = folder / "prepared.onnx"
    quant_pre_process(str(float_model), str(prepared))
    table = recipes(quantize._first_and_last_convolutions(prepared))
    paths = {}
    for name in names:

        class Views(CalibrationDataReader):  # type: ignore[misc]
            def __init__(self) -> None:
                self._batches = iter(
                    [{extractor.spec.input_name: extractor.model_inputs(v[None])} for v in views]
                )

            def get_next(self) -> dict[str, np.ndarray] | None:
                return next(self._batches, None)

        paths[name] = folder / f"{name}.onnx"
        started = time.perf_counter()
        with quantize._quiet_quantizer():
            quantize_static(
                str(prepared),
                str(paths[name]),
                Views(),
                activation_type=QuantType.QUInt8,
                op_types_to_quantize=quantize.QUANTIZED_OPS,
                **table[name],
            )
        print(f"{name}: quantised in {time.perf_counter() - started:.0f} s", flush=True)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipes", default="shipped,qdq,no-reduce-range,first-float,u8u8,u8u8-first-float")
    parser.add_argument("--views", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        models = {"float32": ensure_onnx_model(), **quantized_models(args.recipes.split(","), Path(scratch))}
        extractors = {name: FeatureExtractor(path, num_threads=1) for name, path in models.items()}
        pixels = np.random.default_rng(0).integers(0, 256, (BATCH, 224, 224, 3), dtype=np.uint8)
        cpu: dict[str, list[float]] = {name: [] for name in extractors}
        wall: dict[str, list[float]] = {name: [] for name in extractors}
        for _ in range(args.repeats):
            for name, extractor in extractors.items():
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                extractor(pixels)
                cpu[name].append((time.process_time() - cpu_start) / BATCH)
                wall[name].append((time.perf_counter() - wall_start) / BATCH)
        paths, labels = build_labelled_set(Path(scratch) / "set", views_per_class=args.views)
        inputs = np.stack([model_input_from_file(path) for path in paths])
        print(f"\n{len(paths)} labelled images; network alone, 1 thread, {args.repeats} interleaved rounds\n")
        print(
            "| recipe | CPU ms/image (median) | vs float32 | wall ms/image (best) | vs float32 | 1-NN (32-d) | 1-NN (raw) |"
        )
        print("|---|---|---|---|---|---|---|")
        base_cpu, base_wall = np.median(cpu["float32"]), min(wall["float32"])
        for name, extractor in extractors.items():
            features = np.concatenate(
                [extractor(inputs[i : i + BATCH]) for i in range(0, len(inputs), BATCH)]
            )
            q = quality(features, labels)
            print(
                f"| {name} | {np.median(cpu[name]) * 1e3:.1f} | {base_cpu / np.median(cpu[name]):.2f}x | "
                f"{min(wall[name]) * 1e3:.1f} | {base_wall / min(wall[name]):.2f}x | {q['1nn_32d']:.4f} | "
                f"{q['1nn_raw']:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
