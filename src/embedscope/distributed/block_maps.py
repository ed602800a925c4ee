"""Maps over the blocks of an input held on the cluster (:class:`VectorBlocks`): a function of each block, with
small arrays broadcast through the object store, whose per-row results are put back in row order on the driver.

Each task holds one block (m × D float32) and the broadcast values; the driver holds the per-row results
(n × a few values), never n × D.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from embedscope.analyze.extra_metrics.vendi import ROW_BLOCK_BYTES, ZERO_NORM
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.vector_blocks import VectorBlocks

TASK_RETRIES = 3

Block = tuple[np.ndarray, np.ndarray]
"""(positions (m,) int64, vectors (m, D) float32)."""


def _apply(block: Block, function: Callable[..., Any], *arguments: Any) -> tuple[np.ndarray, Any]:
    positions, vectors = block
    return positions, function(vectors, *arguments)


def map_blocks(blocks: VectorBlocks, function: Callable[..., Any], *broadcast: Any) -> list[tuple[np.ndarray, Any]]:
    """``(positions, function(vectors, *broadcast))`` of every block, in block order (one Ray task per block;
    each broadcast value is put in the object store once)."""
    import ray

    shared = [ray.put(value) for value in broadcast]
    task = ray.remote(max_retries=TASK_RETRIES)(_apply)
    return get_unwrapped([task.remote(ref, function, *shared) for ref in blocks.refs])


def per_row(blocks: VectorBlocks, function: Callable[..., np.ndarray], *broadcast: Any) -> np.ndarray:
    """The (n_rows, ...) array whose rows are ``function(vectors, *broadcast)`` of each block's rows, in row order.

    Args:
        function: (m, D) float32 block, broadcast values → (m, ...) array (the same trailing shape and dtype for
            every block).
    """
    results = map_blocks(blocks, function, *broadcast)
    first = np.asarray(results[0][1])
    out = np.empty((blocks.n_rows, *first.shape[1:]), dtype=first.dtype)
    for positions, values in results:
        out[positions] = values
    return out


def _hits(vectors: np.ndarray, positions: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    slot = np.minimum(np.searchsorted(wanted, positions), len(wanted) - 1)
    hit = wanted[slot] == positions
    return positions[hit], vectors[hit]


def _rows_of_block(block: Block, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _hits(block[1], block[0], wanted)


def rows_at(blocks: VectorBlocks, positions: np.ndarray) -> np.ndarray:
    """(len(positions), D) float32 rows at ``positions`` (any order, repeats allowed): each block task returns
    only its wanted rows, so the driver receives len(positions) rows, never the matrix."""
    import ray

    wanted = np.asarray(positions, dtype=np.int64)
    out = np.empty((len(wanted), blocks.dim), dtype=np.float32)
    if len(wanted) == 0:
        return out
    unique = np.unique(wanted)
    shared = ray.put(unique)
    task = ray.remote(max_retries=TASK_RETRIES)(_rows_of_block)
    found = np.empty((len(unique), blocks.dim), dtype=np.float32)
    for hit_positions, vectors in get_unwrapped([task.remote(ref, shared) for ref in blocks.refs]):
        found[np.searchsorted(unique, hit_positions)] = vectors
    out[:] = found[np.searchsorted(unique, wanted)]
    return out


def _subset_block(block: Block, kept: np.ndarray) -> tuple[Block, int]:
    positions, vectors = _hits(block[1], block[0], kept)
    return (np.searchsorted(kept, positions).astype(np.int64), vectors), len(positions)


def subset_blocks(blocks: VectorBlocks, kept: np.ndarray) -> VectorBlocks:
    """The rows ``kept`` (sorted, unique, at least one) as new blocks, renumbered 0..len(kept)-1 in that order, the
    blocks left without a row dropped (the searches and the k-center take no empty block). One task per block;
    only each new block's row count comes back to the driver."""
    import ray

    kept = np.asarray(kept, dtype=np.int64)
    shared = ray.put(kept)
    task = ray.remote(max_retries=TASK_RETRIES, num_returns=2)(_subset_block)
    subsets: list[Any] = [task.remote(ref, shared) for ref in blocks.refs]  # each a (block, row count) pair of refs
    counts = get_unwrapped([count for _, count in subsets])
    return VectorBlocks.from_position_refs([ref for (ref, _), n in zip(subsets, counts, strict=True) if n],
                                           n_rows=len(kept), dim=blocks.dim)


def _unit_gram(vectors: np.ndarray) -> np.ndarray:
    dim = vectors.shape[1]
    gram = np.zeros((dim, dim), dtype=np.float64)
    rows = max(1, ROW_BLOCK_BYTES // (8 * dim))
    for start in range(0, len(vectors), rows):
        block = vectors[start:start + rows].astype(np.float64)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        block = np.divide(block, norms, out=np.zeros_like(block), where=norms > ZERO_NORM)
        gram += block.T @ block
    return gram


def vendi_on_blocks(blocks: VectorBlocks) -> float:
    """The Vendi score of the whole input (:func:`embedscope.analyze.extra_metrics.vendi.vendi_score`): the
    D × D Gram matrix of the unit rows of each block (a task), summed on the driver one block's at a time, then
    its eigenvalues. Equal to the local score up to the float64 summation order."""
    import ray

    task = ray.remote(max_retries=TASK_RETRIES)(_apply)
    pending = [task.remote(ref, _unit_gram) for ref in blocks.refs]
    gram = np.zeros((blocks.dim, blocks.dim), dtype=np.float64)
    for ref in pending:  # one D × D matrix on the driver at a time
        gram += get_unwrapped([ref])[0][1]
    eigenvalues = np.linalg.eigvalsh(gram / blocks.n_rows)
    eigenvalues = eigenvalues[eigenvalues > 0]
    eigenvalues = eigenvalues / eigenvalues.sum()
    return float(np.exp(-np.sum(eigenvalues * np.log(eigenvalues))))
