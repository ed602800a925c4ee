"""Where the ONNX model runs: onnxruntime's CPU or CUDA execution provider, never a silent fall-back."""

from __future__ import annotations

from typing import Any

from embedscope.errors import ConfigError

DEVICES = ("cpu", "cuda")
CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"
NO_CUDA_DEVICE = (
    "--device cuda: onnxruntime's CUDA execution provider did not start (no usable NVIDIA GPU or CUDA "
    "libraries); use --device cpu"
)


def check_device(device: str) -> None:
    """Raise :class:`ConfigError` unless ``device`` is one of :data:`DEVICES`."""
    if device not in DEVICES:
        raise ConfigError(f"--device must be one of {', '.join(DEVICES)}, got '{device}'")


def providers_for(device: str, available: list[str]) -> list[str]:
    """The onnxruntime providers to ask for on ``device``, given ``ort.get_available_providers()``.

    Raises:
        ConfigError: an unknown device, or ``cuda`` when this onnxruntime has no CUDA provider.
    """
    check_device(device)
    if device == "cpu":
        return [CPU_PROVIDER]
    if CUDA_PROVIDER not in available:
        raise ConfigError(
            f"--device cuda: this onnxruntime has no CUDA execution provider (it has {', '.join(available)}); "
            "install the GPU build with 'pip install embedscope[gpu]' on a machine with an NVIDIA GPU, "
            "or use --device cpu"
        )
    return [CUDA_PROVIDER]


def check_session_device(session: Any, device: str) -> None:
    """Raise :class:`ConfigError` when onnxruntime fell back to the CPU although the GPU was asked for.

    onnxruntime drops a provider that fails to start (no GPU, missing CUDA libraries) and carries on with the
    CPU; a user who asked for the GPU gets an error instead.
    """
    if device == "cuda" and CUDA_PROVIDER not in session.get_providers():
        raise ConfigError(NO_CUDA_DEVICE)
