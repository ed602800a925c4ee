"""Two-round composable k-center on Ray (Ceccarello, Pietracaprina, Pucci, "Solving k-center Clustering (with
Outliers) in MapReduce and Streaming, almost as Accurately as Sequentially", PVLDB 12(7) 2019,
https://arxiv.org/abs/1802.09205).

Round 1: every partition runs the pruned k-center greedy (:func:`embedscope.select.k_center_greedy.k_center_greedy`)
to k′ ≥ k centres, with the datapool broadcast as pre-selected centres; the partition's k′ centres cover it
within its k′-radius. Round 2: the union of the P·k′ centres goes through the same greedy for k picks (datapool
again pre-selected). The picks cover the input within (final radius on the union) + (largest round-1 radius):
at most 2·r*(k) + that, and the paper shows k′ = k·(4/ε)^D (D the doubling dimension) makes it (2 + ε)·r*(k).
The radius actually reached is measured exactly afterwards by :func:`embedscope.distributed.coverage.cover_distances`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.errors import ConfigError
from embedscope.select.k_center_greedy import k_center_greedy

DEFAULT_OVERSAMPLING = 8
"""k′ = 8·k centres per partition. On 50,000 clustered 32-d points (P = 2, k = 500) the radius over one greedy's
was 1.15 / 1.10 / 1.10 / 1.09 / 1.04 for k′ = 1, 2, 4, 8, 16 · k (1.06-1.07 at 8·k on two more seeds); larger k′
costs round-1 picks and P·k′ rows in round 2 (benchmarks/simulate_composable_kcenter.py)."""
TASK_RETRIES = 3


@dataclass(frozen=True)
class ComposableSelection:
    """Result of the two rounds.

    Attributes:
        indices: (k,) int64 rows of the whole input, in the final greedy's pick order.
        pick_distances: (k,) float64 each pick's distance to the earlier picks ∪ datapool within the union.
        k_prime: centres per partition in round 1; partitions: P.
        partition_radii: (P,) float64 each partition's round-1 radius (its farthest point from its centres).
        stopped_by_min_distance: the final round stopped before k picks.
    """

    indices: np.ndarray
    pick_distances: np.ndarray
    k_prime: int
    partitions: int
    partition_radii: np.ndarray
    stopped_by_min_distance: bool


def _partition_centres(
    block_refs: list[Any], k_prime: int, datapool: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Round 1 on one partition: (global positions (k″,), vectors (k″, d), radius) with k″ = min(k′, rows)."""
    import ray

    blocks = ray.get(block_refs)
    positions = np.concatenate([b[0] for b in blocks])
    vectors = np.concatenate([b[1] for b in blocks])
    result = k_center_greedy(vectors, n_samples=min(k_prime, len(vectors)), datapool=datapool)
    return positions[result.indices], vectors[result.indices], float(result.min_distances.max())


def composable_k_center(
    blocks: VectorBlocks,
    *,
    n_samples: int,
    partitions: int,
    datapool: np.ndarray | None = None,
    min_distance: float | None = None,
    oversampling: int = DEFAULT_OVERSAMPLING,
) -> ComposableSelection:
    """Select ``n_samples`` rows of ``blocks`` by the two-round composable k-center greedy.

    Args:
        blocks: the input, in the Ray object store.
        n_samples: k, 1 ≤ k ≤ n_rows.
        partitions: P; blocks are dealt round-robin to P round-1 tasks.
        datapool: (p, d) float32 pre-selected samples (broadcast to every task), or None.
        min_distance: the final round stops before a pick closer than this to the selection.
        oversampling: k′ = oversampling · k.

    Memory: a round-1 task holds its partition (n/P × d float32) plus the greedy's O(n/P·d) state; the driver
    holds the P·k′ × d union only.

    Raises:
        ConfigError: n_samples outside 1..n_rows, partitions < 1 or oversampling < 1.
    """
    import ray

    if not 1 <= n_samples <= blocks.n_rows:
        raise ConfigError(f"n_samples must be between 1 and the number of samples ({blocks.n_rows}), got {n_samples}")
    if partitions < 1 or oversampling < 1:
        raise ConfigError(f"partitions and oversampling must be at least 1, got {partitions} and {oversampling}")
    partitions = min(partitions, len(blocks.refs))
    k_prime = oversampling * n_samples
    pool_ref = ray.put(datapool)
    round_one = ray.remote(num_returns=1, max_retries=TASK_RETRIES)(_partition_centres)
    pending = [round_one.remote(blocks.refs[p::partitions], k_prime, pool_ref) for p in range(partitions)]
    outcomes = ray.get(pending)
    union_positions = np.concatenate([o[0] for o in outcomes])
    union_vectors = np.concatenate([o[1] for o in outcomes])
    final = k_center_greedy(
        union_vectors, n_samples=min(n_samples, len(union_vectors)), datapool=datapool, min_distance=min_distance
    )
    return ComposableSelection(
        indices=union_positions[final.indices].astype(np.int64),
        pick_distances=final.pick_distances,
        k_prime=k_prime,
        partitions=partitions,
        partition_radii=np.asarray([o[2] for o in outcomes], dtype=np.float64),
        stopped_by_min_distance=final.stopped_by_min_distance,
    )
