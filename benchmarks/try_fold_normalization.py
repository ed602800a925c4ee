"""Experiment (not shipped): the int8 model with the input normalisation folded into its first convolution.

Usage: .venv/bin/python benchmarks/try_fold_normalization.py [--views 16] [--repeats 4]

With every convolution quantised ("all-convs" in ``bench_int8_recipes.py``) onnxruntime runs the float input
normalisation (Cast, Mul, Sub over a (1, 1, 1, 3) constant) in NHWC layout, which costs a fifth of the int8
network's time. Here that normalisation is removed: the uint8 pixels go straight into the first QLinearConv as
its quantised input (scale 1, zero point Z = 116, near the ImageNet mean), and the normalisation x * a_c - b_c
moves into that convolution's weights (W * a_c, re-quantised per output channel to 7 bits) and bias
(b + sum W * (a_c Z - b_c)). Exact except on the one-pixel padded border, where the padding now stands for the
pixel value Z instead of the normalised 0. Prints CPU ms per image (network alone, one thread, median of
``--repeats`` interleaved rounds) and 1-NN accuracy on the labelled set of ``bench_models.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_int8_recipes import quantized_models
from bench_models import build_labelled_set, quality

from embedscope.embed.feature_extractor import FeatureExtractor, ensure_onnx_model
from embedscope.embed.preprocess import model_input_from_file

PAD_PIXEL = 116  # the zero point of the raw pixels: padding then stands for a mid-grey pixel
WEIGHT_MAX = 63  # 7-bit weights: no overflow in AVX2's u8*s8 pairwise 16-bit sums with 0-255 inputs
BATCH = 32


def fold_normalization(source: Path, target: Path) -> None:
    """Write ``source`` (an all-convs QOperator model: Transpose, Cast, Mul, Sub, QuantizeLinear, QLinearConv
    first) with Cast..QuantizeLinear removed and folded into the first QLinearConv."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    tensors = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    nodes = list(graph.node)
    transpose, cast, mul, sub, quantize, conv = nodes[:6]
    assert [n.op_type for n in nodes[:6]] == [
        "Transpose",
        "Cast",
        "Mul",
        "Sub",
        "QuantizeLinear",
        "QLinearConv",
    ]
    a = tensors[mul.input[1]].reshape(3).astype(np.float64)
    b = tensors[sub.input[1]].reshape(3).astype(np.float64)
    x_scale = float(tensors[conv.input[1]])
    w_scale = tensors[conv.input[4]].astype(np.float64)
    weights = w_scale[:, None, None, None] * tensors[conv.input[3]].astype(np.float64)  # zero points are 0
    bias = tensors[conv.input[8]].astype(np.float64) * x_scale * w_scale
    folded = weights * a[None, :, None, None]
    folded_bias = bias + (weights * (a * PAD_PIXEL - b)[None, :, None, None]).sum(axis=(1, 2, 3))
    new_scale = np.maximum(np.abs(folded).reshape(len(folded), -1).max(axis=1) / WEIGHT_MAX, 1e-12)
    new_scale = np.maximum(new_scale, np.abs(folded_bias) / 2**30)  # an all-zero filter keeps a usable scale
    new_tensors = {
        "folded_w": np.clip(
            np.rint(folded / new_scale[:, None, None, None]), -WEIGHT_MAX - 1, WEIGHT_MAX
        ).astype(np.int8),
        "folded_w_scale": new_scale.astype(np.float32),
        "folded_w_zero_point": np.zeros(len(new_scale), np.int8),
        "folded_bias": np.rint(folded_bias / new_scale).astype(np.int32),
        "pixel_scale": np.array(1.0, np.float32),
        "pixel_zero_point": np.array(PAD_PIXEL, np.uint8),
    }
    graph.initializer.extend(numpy_helper.from_array(value, name) for name, value in new_tensors.items())
    conv.input[0], conv.input[1], conv.input[2] = transpose.output[0], "pixel_scale", "pixel_zero_point"
    conv.input[3], conv.input[4], conv.input[5] = "folded_w", "folded_w_scale", "folded_w_zero_point"
    conv.input[8] = "folded_bias"
    for node in (cast, mul, sub, quantize):
        graph.node.remove(node)
    onnx.save(model, str(target))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--views", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        quantized = quantized_models(["shipped", "all-convs"], folder)
        fold_normalization(quantized["all-convs"], folder / "folded.onnx")
        models = {
            "float32": ensure_onnx_model(),
            **quantized,
            "all-convs, normalisation folded": folder / "folded.onnx",
        }
        extractors = {name: FeatureExtractor(path, num_threads=1) for name, path in models.items()}
        pixels = np.random.default_rng(0).integers(0, 256, (BATCH, 224, 224, 3), dtype=np.uint8)
        cpu: dict[str, list[float]] = {name: [] for name in extractors}
        for _ in range(args.repeats):
            for name, extractor in extractors.items():
                started = time.process_time()
                extractor(pixels)
                cpu[name].append((time.process_time() - started) / BATCH)
        paths, labels = build_labelled_set(folder / "set", views_per_class=args.views)
        inputs = np.stack([model_input_from_file(path) for path in paths])
        print(f"\n{len(paths)} labelled images; network alone, 1 thread, median of {args.repeats} rounds\n")
        print("| model | CPU ms/image | vs float32 | 1-NN (32-d) | 1-NN (raw) |")
        print("|---|---|---|---|---|")
        base = np.median(cpu["float32"])
        for name, extractor in extractors.items():
            features = np.concatenate(
                [extractor(inputs[i : i + BATCH]) for i in range(0, len(inputs), BATCH)]
            )
            q = quality(features, labels)
            print(
                f"| {name} | {np.median(cpu[name]) * 1e3:.1f} | {base / np.median(cpu[name]):.2f}x | "
                f"{q['1nn_32d']:.4f} | {q['1nn_raw']:.4f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
