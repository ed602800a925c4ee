"""Nearest-candidate search over chosen blocks of a point set, in float32 tiles on all cores.

The shared engine of exact search (every query against every point) and of the approximate search
(each cluster of queries against a few nearby clusters). A task pairs one range of queries with ranges of
candidate points; tiles of dot products come from single-threaded BLAS on each worker thread and are
folded into each query's (best, second, arg) state by :mod:`embedscope.neighbors.tile_min`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from embedscope.neighbors.tile_min import update_columns

TILE = 1024
"""Points per side of a float32 tile: a 4 MiB tile stays in one core's L2 cache between BLAS and the scan."""

FLOAT32_UNIT_ROUNDOFF = 2.0**-24
"""u for float32: bounds the relative error of each rounded operation."""

WINDOW_SAFETY = 2.0
"""Extra factor on the float32 error bound of a score before a query counts as settled."""

Task = tuple[int, int, Sequence[tuple[int, int]]]
"""(query start, query stop, [(candidate start, candidate stop), ...])."""

T = TypeVar("T")


def new_state(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh (best, second, arg) for n queries: +inf scores, arg 0."""
    return (
        np.full(n, np.inf, dtype=np.float32),
        np.full(n, np.inf, dtype=np.float32),
        np.zeros(n, dtype=np.int64),
    )


def settle_window(queries: np.ndarray, points: np.ndarray) -> float:
    """Twice (times WINDOW_SAFETY) the worst float32 error of a score |p|² - 2q·p.

    Each of |p|² and q·p, summed over d products in any order, errs by at most ~(d+2)·u times the sum of
    the absolute products (≤ |p|², |q||p|); the final subtraction adds u·|score|. A query whose second-best
    score exceeds its best by more than this has provably found its exact nearest candidate.
    """
    q_max = float(np.sqrt(np.max(np.einsum("ij,ij->i", queries, queries, dtype=np.float64))))
    p_max = float(np.sqrt(np.max(np.einsum("ij,ij->i", points, points, dtype=np.float64))))
    d = points.shape[1]
    bound = (d + 4) * FLOAT32_UNIT_ROUNDOFF * (p_max * p_max + 2.0 * q_max * p_max)
    return 2.0 * WINDOW_SAFETY * bound


def n_workers() -> int:
    """Worker threads: numba's thread count (the cores this process may use)."""
    return max(1, numba.get_num_threads())


def run_workers(work: Callable[[int, int], T], workers: int) -> list[T]:
    """Run ``work(worker, workers)`` for each worker on its own thread with single-threaded BLAS."""
    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1:
            return [work(0, 1)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda w: work(w, workers), range(workers)))


def search_blocks(
    queries: np.ndarray, points: np.ndarray, tasks: Sequence[Task], own: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per query, the best candidate among the candidate ranges of its task (float32 scores).

    Args:
        queries: (m, d) float32 C-contiguous; points: (n, d) float32 C-contiguous.
        tasks: query ranges must not overlap (each query's state is owned by one task).
        own: (m,) int64 index in ``points`` of the query itself (excluded), or -1.

    Returns:
        (best, second, arg): (m,) float32 best score |p|² - 2q·p, (m,) float32 best score of any other
        candidate (exact when within :func:`settle_window` of best), (m,) int64 index of the best candidate.

    Memory: one TILE × TILE float32 tile per worker.
    """
    sq = np.einsum("ij,ij->i", points, points)
    return search_blocks_with_offsets(queries, points, tasks, own, [sq])[0]


def search_blocks_with_offsets(
    queries: np.ndarray, points: np.ndarray, tasks: Sequence[Task], own: np.ndarray, offsets: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`search_blocks` for several scores ``offsets[s][p] - 2q·p`` that share each tile of products.

    With ``offsets[0] = |p|²`` the first state is the nearest neighbour's; another offset such as
    ``|p|² - r_p²`` ranks the same products by a second criterion (the deepest ball, for PRDC) at the cost of
    one more scan of the tile, not one more matrix product.

    Args:
        offsets: each (n,) float32, one per state returned.

    Returns:
        One (best, second, arg) state per offset, as :func:`search_blocks` returns.
    """
    states = [new_state(queries.shape[0]) for _ in offsets]

    def work(worker: int, workers: int) -> None:
        tile = np.empty((TILE, TILE), dtype=np.float32)
        for q_start, q_stop, ranges in tasks[worker::workers]:
            for a in range(q_start, q_stop, TILE):
                cols = queries[a : min(q_stop, a + TILE)]
                for p_start, p_stop in ranges:
                    for b in range(p_start, p_stop, TILE):
                        rows = points[b : min(p_stop, b + TILE)]
                        out = tile[: rows.shape[0], : cols.shape[0]]
                        np.matmul(rows, cols.T, out=out)
                        for offset, (best, second, arg) in zip(offsets, states, strict=True):
                            update_columns(out, offset[b : b + rows.shape[0]], b, best, second, arg, a, own)

    run_workers(work, min(n_workers(), max(1, len(tasks))))
    return states
