"""What embedscope needs to know about an ONNX image model: input layout and size, normalisation, output.

A model is described by its graph (input shape and type) plus, where the graph cannot say it, a small spec
file next to it: ``<model>.yaml``, ``<model>.yml`` or ``<model>.json`` (same stem), e.g.::

    input_size: 224               # or [height, width]; needed when the graph's height/width are dynamic
    mean: [0.485, 0.456, 0.406]   # per-channel RGB mean in [0, 1] (float inputs only); default ImageNet's
    std: [0.229, 0.224, 0.225]    # per-channel RGB standard deviation in [0, 1]; default ImageNet's
    output: features              # which output holds the features; default the first one

Two input layouts are understood: ``(batch, 3, H, W)`` float32 (NCHW, pixels/255 normalised with mean/std in
numpy) and ``(batch, H, W, 3)`` uint8 (NHWC, the model normalises itself, as embedscope's own exports do).
The output must be pooled features ``(batch, D)``; a ``(batch, C, h, w)`` map is averaged over h, w.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from embedscope.embed.model_spec import IMAGENET_MEAN, IMAGENET_STD
from embedscope.errors import InputFileError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
LAYOUT_NCHW_FLOAT = "nchw-float32"
LAYOUT_NHWC_UINT8 = "nhwc-uint8"
IMAGE_CHANNELS = 3
HASH_CHUNK_BYTES = 1 << 20  # model files are read in 1 MiB pieces for hashing
MODEL_KEY_BYTES = 12  # 96-bit digest: collisions between a user's models are out of reach
SPEC_KEYS = {"input_size", "mean", "std", "output"}


@dataclass(frozen=True)
class ImageModelSpec:
    """An ONNX image model ready to run.

    Attributes:
        path: the ``.onnx`` file.
        input_name: the graph input fed with images.
        layout: :data:`LAYOUT_NCHW_FLOAT` or :data:`LAYOUT_NHWC_UINT8`.
        input_size: (height, width) in pixels the images are resized to.
        mean, std: per-channel RGB normalisation in [0, 1] units (used for float inputs only).
        output_name: the graph output holding the features.
        key: names the model for the feature cache: hash of the file's bytes and of this spec.
    """

    path: Path
    input_name: str
    layout: str
    input_size: tuple[int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    output_name: str
    key: str


def file_hash(path: Path) -> str:
    """BLAKE2b digest (hex, :data:`MODEL_KEY_BYTES` bytes) of a file's content."""
    digest = hashlib.blake2b(digest_size=MODEL_KEY_BYTES)
    with Path(path).open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def spec_file(model_path: Path) -> Path | None:
    """The spec file next to ``model_path`` (same stem, .yaml/.yml/.json), or None."""
    for suffix in SPEC_SUFFIXES:
        candidate = Path(model_path).with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _read_spec(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise InputFileError(path, f"cannot read the model spec ({error})") from error
    if data is None:
        return {}
    if not isinstance(data, dict) or not set(data) <= SPEC_KEYS:
        raise InputFileError(path, f"a model spec is a mapping with keys among {sorted(SPEC_KEYS)}")
    return data


def _triple(
    spec_path: Path | None, spec: dict[str, Any], key: str, default: tuple[float, ...]
) -> tuple[float, float, float]:
    value = spec.get(key, default)
    if not isinstance(value, list | tuple) or len(value) != IMAGE_CHANNELS:
        raise InputFileError(
            spec_path or Path(key), f"'{key}' must be a list of 3 numbers (R, G, B), got {value!r}"
        )
    numbers = tuple(float(v) for v in value)
    if key == "std" and min(numbers) <= 0:
        raise InputFileError(spec_path or Path(key), f"'std' must be positive, got {value!r}")
    return numbers  # type: ignore[return-value]


def _fixed(dim: Any) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


def _layout_and_size(
    model_path: Path, shape: list[Any], element_type: str
) -> tuple[str, int | None, int | None]:
    """The layout and the graph's (possibly dynamic) height and width of an image input."""
    if len(shape) != 4:
        raise InputFileError(
            model_path,
            f"is not an image model: its input has rank {len(shape)} (shape {shape}); expected "
            "(batch, 3, height, width) float32 or (batch, height, width, 3) uint8",
        )
    if shape[1] == IMAGE_CHANNELS and element_type == "tensor(float)":
        return LAYOUT_NCHW_FLOAT, _fixed(shape[2]), _fixed(shape[3])
    if shape[3] == IMAGE_CHANNELS and element_type == "tensor(uint8)":
        return LAYOUT_NHWC_UINT8, _fixed(shape[1]), _fixed(shape[2])
    raise InputFileError(
        model_path,
        f"is not an RGB image model: input shape {shape} of {element_type}; expected (batch, 3, height, width) "
        "float32 or (batch, height, width, 3) uint8",
    )


def _input_size(
    model_path: Path, spec_path: Path | None, spec: dict[str, Any], graph: tuple[int | None, int | None]
) -> tuple[int, int]:
    stated = spec.get("input_size")
    if stated is not None:
        size = (stated, stated) if isinstance(stated, int) else tuple(stated)
        if len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
            raise InputFileError(
                spec_path or model_path,
                f"'input_size' must be a positive int or [height, width], got {stated!r}",
            )
        if any(g is not None and g != s for g, s in zip(graph, size)):
            raise InputFileError(
                spec_path or model_path,
                f"'input_size' {list(size)} differs from the model's input {list(graph)}",
            )
        return (int(size[0]), int(size[1]))
    if graph[0] is None or graph[1] is None:
        raise InputFileError(
            model_path,
            "the model's input height/width are dynamic: state them in a spec file next to it "
            f"({Path(model_path).with_suffix('.yaml').name} with 'input_size: 224')",
        )
    return (graph[0], graph[1])


def describe_image_model(model_path: Path, inputs: list[Any], outputs: list[Any]) -> ImageModelSpec:
    """Check an ONNX session's inputs/outputs and combine them with the spec file next to the model.

    Args:
        model_path: the ``.onnx`` file.
        inputs, outputs: ``session.get_inputs()`` / ``session.get_outputs()`` of onnxruntime (``name``,
            ``shape``, ``type``).

    Raises:
        InputFileError: not exactly one input, an input that is not an RGB image batch, an unknown output
            name, or a bad spec file.
    """
    spec_path = spec_file(model_path)
    spec = _read_spec(spec_path)
    if len(inputs) != 1:
        raise InputFileError(
            model_path, f"has {len(inputs)} inputs ({[i.name for i in inputs]}); an image model has one"
        )
    layout, height, width = _layout_and_size(model_path, list(inputs[0].shape), inputs[0].type)
    input_size = _input_size(model_path, spec_path, spec, (height, width))
    output_names = [o.name for o in outputs]
    output_name = spec.get("output", output_names[0])
    if output_name not in output_names:
        raise InputFileError(
            spec_path or model_path, f"output '{output_name}' is not among the model's outputs {output_names}"
        )
    mean = _triple(spec_path, spec, "mean", IMAGENET_MEAN)
    std = _triple(spec_path, spec, "std", IMAGENET_STD)
    described = {"layout": layout, "input_size": input_size, "mean": mean, "std": std, "output": output_name}
    spec_digest = hashlib.blake2b(json.dumps(described, sort_keys=True).encode(), digest_size=4).hexdigest()
    return ImageModelSpec(
        path=Path(model_path),
        input_name=inputs[0].name,
        layout=layout,
        input_size=input_size,
        mean=mean,
        std=std,
        output_name=output_name,
        key=f"onnx-{file_hash(model_path)}-{spec_digest}",
    )


def spec_as_dict(spec: ImageModelSpec) -> dict[str, Any]:
    """The spec as plain data (paths as strings), for logs and config files."""
    data = asdict(spec)
    data["path"] = str(spec.path)
    return data
