"""What the Ray memory-budget tests share: generated embeddings, float64 references, and a CLI run on Ray with every
way of gathering the matrix on the driver refused and what ``ray.get`` delivered counted."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import ray

from embedscope.cli.app import main
from embedscope.distributed import ray_executor
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.embed import image_samples


def clustered(rng: np.random.Generator, n: int, dim: int, clusters: int = 50) -> np.ndarray:
    centres = rng.normal(size=(clusters, dim))
    return (centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


def normalized(points: np.ndarray) -> np.ndarray:
    as64 = points.astype(np.float64)
    return (as64 / np.linalg.norm(as64, axis=1, keepdims=True)).astype(np.float32)


def nearest_other(points: np.ndarray) -> np.ndarray:
    """float64 brute force, in blocks: each row's distance to its nearest other row."""
    as64 = points.astype(np.float64)
    squared = np.einsum("ij,ij->i", as64, as64)
    out = np.empty(len(points))
    for start in range(0, len(points), 2_000):
        block = as64[start:start + 2_000]
        d2 = squared[start:start + 2_000, None] + squared[None, :] - 2.0 * block @ as64.T
        d2[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest = np.argmin(d2, axis=1)
        out[start:start + len(block)] = np.linalg.norm(as64[nearest] - block, axis=1)
    return out


def array_bytes(value: Any) -> int:
    """Bytes of the numpy arrays in a ``ray.get`` result (nested tuples / lists)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (list, tuple)):
        return sum(array_bytes(item) for item in value)
    return 0


def report_keys(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return set().union(*[{f"{prefix}.{k}"} | report_keys(v, f"{prefix}.{k}") for k, v in value.items()]) if value else set()
    return set()


def rows_of_width(value: Any, dim: int) -> int:
    """Rows of the (m, dim) float32 arrays in a ``ray.get`` result: rows of an input matrix of that width."""
    if isinstance(value, np.ndarray):
        return int(value.shape[0]) if value.dtype == np.float32 and value.ndim == 2 and value.shape[1] == dim else 0
    if isinstance(value, (list, tuple)):
        return sum(rows_of_width(item, dim) for item in value)
    return 0


def ray_run(argv: list[str], *, budget: int, dim: int) -> tuple[int, Any, list[int], list[int]]:
    """``main(argv + --memory-budget budget)`` with every way of gathering the matrix on the driver refused: its exit
    code, the executor's outcome, and the bytes of numpy arrays and the rows of width ``dim`` each ``ray.get``
    delivered to the driver."""
    received: list[int] = []
    rows: list[int] = []
    real_get = ray.get

    def counted_get(refs: Any, *args: Any, **kwargs: Any) -> Any:
        values = real_get(refs, *args, **kwargs)
        received.append(array_bytes(values))
        rows.append(rows_of_width(values, dim))
        return values

    captured: dict[str, Any] = {}
    real = ray_executor.execute_run_on_ray

    def kept(*args: Any, **kwargs: Any) -> Any:
        captured["outcome"] = real(*args, **kwargs)
        return captured["outcome"]

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the driver gathered the N × D matrix")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ray_executor, "execute_run_on_ray", kept)
        patch.setattr(VectorBlocks, "gather", refuse)
        patch.setattr(ray_executor, "load_inputs", refuse)
        patch.setattr(image_samples, "samples_of_embedded_images", refuse)
        patch.setattr(ray, "get", counted_get)
        code = main([*argv, "--memory-budget", str(budget / 2**30)])
    return code, captured.get("outcome"), received, rows
