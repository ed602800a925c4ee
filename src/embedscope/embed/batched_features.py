"""Parallel decoding feeding batched inference, with a bounded number of decoded images in memory."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from embedscope.embed.feature_extractor import FeatureExtractor
from embedscope.ingest.image_decode import ImageDecodeError

Item = TypeVar("Item")

DECODE_WORKERS = 2  # Pillow decodes and resizes without the GIL; one thread per core of the 2-core target
PREFETCH_BATCHES = 2  # decode the next batch while the current one runs through the network


@dataclass(frozen=True)
class BatchedFeatures:
    """Features of the items that could be prepared.

    Attributes:
        features: (len(ok), extractor.feature_dim) float32, row i belongs to item ``ok[i]``.
        ok: (n_ok,) int64 indices into the items, ascending.
        failures: item index → reason, for items whose preparation raised :class:`ImageDecodeError`.
    """

    features: np.ndarray
    ok: np.ndarray
    failures: dict[int, str]


def _prepare_or_reason(prepare: Callable[[Item], np.ndarray], item: Item) -> np.ndarray | str:
    try:
        return prepare(item)
    except ImageDecodeError as error:
        return error.reason


def batched_features(
    items: Sequence[Item],
    prepare: Callable[[Item], np.ndarray],
    extractor: FeatureExtractor,
    *,
    batch_size: int,
    progress: Callable[[int], None] | None = None,
) -> BatchedFeatures:
    """Run ``prepare`` over ``items`` in a thread pool and the network over the results in batches.

    Args:
        items: anything ``prepare`` accepts (paths, images).
        prepare: item → (H, W, 3) uint8 RGB of the extractor's input size; raises :class:`ImageDecodeError` for a bad item.
        extractor: the network.
        batch_size: images per network call.
        progress: called with the number of items done after each batch.

    Memory: at most (PREFETCH_BATCHES + 1) * batch_size prepared inputs (150 KB each at 224x224)
    plus the (n, feature_dim) float32 result.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    n_items = len(items)
    features = np.empty((n_items, extractor.feature_dim), dtype=np.float32)
    ok: list[int] = []
    failures: dict[int, str] = {}
    starts = list(range(0, n_items, batch_size))
    workers = max(1, min(DECODE_WORKERS, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:

        def submit(start: int) -> list[tuple[int, Future[np.ndarray | str]]]:
            stop = min(start + batch_size, n_items)
            return [(i, pool.submit(_prepare_or_reason, prepare, items[i])) for i in range(start, stop)]

        pending = deque(submit(start) for start in starts[:PREFETCH_BATCHES])
        for batch_number in range(len(starts)):
            batch = pending.popleft()
            if batch_number + PREFETCH_BATCHES < len(starts):
                pending.append(submit(starts[batch_number + PREFETCH_BATCHES]))
            inputs: list[np.ndarray] = []
            indices: list[int] = []
            for index, future in batch:
                result = future.result()
                if isinstance(result, str):
                    failures[index] = result
                else:
                    inputs.append(result)
                    indices.append(index)
            if inputs:
                features[indices] = extractor(np.stack(inputs))
                ok.extend(indices)
            if progress is not None:
                progress(batch[-1][0] + 1)
    ok_array = np.asarray(ok, dtype=np.int64)
    return BatchedFeatures(features=features[ok_array], ok=ok_array, failures=failures)
