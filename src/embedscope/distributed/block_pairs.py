"""Searches that compare every block of the input with every other, as Ray tasks: the exact nearest other
sample of every input row, the pairs closer than a threshold (near-duplicates), and the nearest unselected row
of a few queries (the report's example pairs).

One task per query block streams the other blocks through its memory one at a time (``ray.get`` inside the
task), so a task holds two blocks and the driver only the per-row results. Every distance is the local exact
search's float64 number (:mod:`embedscope.neighbors.exact`, :mod:`embedscope.neighbors.range_search`), so the
results equal the local engine's exact ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embedscope.analyze.example_pairs import ExamplePair, nearest_unselected_rows
from embedscope.distributed.block_maps import TASK_RETRIES, rows_at
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.neighbors.exact import exact_nearest_in_other_set, exact_nearest_in_set
from embedscope.neighbors.range_search import RangePairs, pairs_across, pairs_within
from embedscope.neighbors.result import NearestNeighbors

METHOD = "exact (ray block pairs)"


def _nearest_in_set_task(
    block: tuple[np.ndarray, np.ndarray], own: int, refs: list[Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import ray

    positions, queries = block
    best = np.full(len(positions), np.inf)
    best_index = np.zeros(len(positions), dtype=np.int64)
    for b, ref in enumerate(refs):  # in row order: a later block replaces only a strictly smaller distance
        if b == own:
            if len(positions) < 2:
                continue
            found = exact_nearest_in_set(queries)
            other_positions = positions
        else:
            other_positions, points = ray.get(ref)
            found = exact_nearest_in_other_set(queries, points)
        better = found.distances < best
        best[better] = found.distances[better]
        best_index[better] = other_positions[found.indices[better]]
    return positions, best, best_index


def exact_nearest_in_set_on_blocks(blocks: VectorBlocks) -> NearestNeighbors:
    """For each input row, the nearest *other* row (exact; the distances are
    :func:`~embedscope.neighbors.exact.exact_nearest_in_set`'s float64 numbers).

    Cost: O(n²·d) over the cluster, one task per block; memory per task two blocks; on the driver (n,) results.
    """
    import ray

    refs = list(blocks.refs)
    task = ray.remote(max_retries=TASK_RETRIES)(_nearest_in_set_task)
    distances = np.empty(blocks.n_rows, dtype=np.float64)
    indices = np.empty(blocks.n_rows, dtype=np.int64)
    for positions, best, best_index in get_unwrapped([task.remote(ref, b, refs) for b, ref in enumerate(refs)]):
        distances[positions], indices[positions] = best, best_index
    return NearestNeighbors(distances=distances, indices=indices, method=METHOD, recall=None, recall_sample_size=None)


def _pairs_task(
    block: tuple[np.ndarray, np.ndarray], later_refs: list[Any], threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import ray

    positions, queries = block
    found = [pairs_within(queries, threshold=threshold, exact=True)]
    targets = [positions]
    for ref in later_refs:
        other_positions, points = ray.get(ref)
        found.append(pairs_across(queries, points, threshold=threshold, exact=True))
        targets.append(other_positions)
    first = np.concatenate([positions[f.first] for f in found])
    second = np.concatenate([t[f.second] for f, t in zip(found, targets)])
    distances = np.concatenate([f.distances for f in found])
    swap = first > second
    first[swap], second[swap] = second[swap], first[swap]
    return first, second, distances


def pairs_within_on_blocks(blocks: VectorBlocks, *, threshold: float) -> RangePairs:
    """Every pair (i < j) of input rows closer than ``threshold`` (exact, sorted by (i, j), float64 distances as
    :func:`~embedscope.neighbors.range_search.pairs_within`): block i against itself and every later block.

    Cost: O(n²·d/2) over the cluster at worst (the range search prunes by k-means inside each block pair);
    memory on the driver O(pairs).
    """
    import ray

    refs = list(blocks.refs)
    task = ray.remote(max_retries=TASK_RETRIES)(_pairs_task)
    results = get_unwrapped([task.remote(ref, refs[b + 1:], float(threshold)) for b, ref in enumerate(refs)])
    first = np.concatenate([r[0] for r in results]).astype(np.int64)
    second = np.concatenate([r[1] for r in results]).astype(np.int64)
    distances = np.concatenate([r[2] for r in results]).astype(np.float64)
    order = np.lexsort((second, first))
    return RangePairs(first=first[order], second=second[order], distances=distances[order], method="exact",
                      recall=None, recall_sample_size=None)


def _example_task(
    block: tuple[np.ndarray, np.ndarray], queries: np.ndarray, selected: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per query, the smallest float64 squared distance to an unselected row of the block and that row (the
    formula of :func:`embedscope.analyze.example_pairs.selected_and_removed_pairs`)."""
    positions, vectors = block
    best, best_row = nearest_unselected_rows(queries, vectors, np.isin(positions, selected))
    found = np.isfinite(best)
    best_row[found] = positions[best_row[found]]
    return best, best_row


def example_pairs_on_blocks(
    blocks: VectorBlocks, selected: np.ndarray, selected_vectors: np.ndarray, *, limit: int
) -> list[ExamplePair]:
    """:func:`embedscope.analyze.example_pairs.selected_and_removed_pairs` with the input on the cluster: for the
    first ``limit`` picks, the nearest unselected input row (one task per block, the best kept on the driver).

    Args:
        selected: (k,) int64 input rows in pick order; selected_vectors: (k, D) float32 their rows.
    """
    import ray

    if len(selected) == 0 or len(selected) >= blocks.n_rows:
        return []
    shown = np.asarray(selected[:limit], dtype=np.int64)
    queries = np.asarray(selected_vectors[:limit], dtype=np.float64)
    queries_ref, selected_ref = ray.put(queries), ray.put(np.sort(np.asarray(selected, dtype=np.int64)))
    task = ray.remote(max_retries=TASK_RETRIES)(_example_task)
    best = np.full(len(shown), np.inf)
    best_row = np.zeros(len(shown), dtype=np.int64)
    for value, row in get_unwrapped([task.remote(ref, queries_ref, selected_ref) for ref in blocks.refs]):
        better = (value < best) | ((value == best) & (row < best_row))
        best[better], best_row[better] = value[better], row[better]
    distances = np.linalg.norm(rows_at(blocks, best_row).astype(np.float64) - queries, axis=1)
    return [ExamplePair(selected=int(s), removed=int(j), distance=float(d)) for s, j, d in zip(shown, best_row, distances)]
