"""The select stage on Ray: strategies the composable k-center can run, the selection, and its coverage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.distributed.block_maps import rows_at
from embedscope.distributed.composable_k_center import DEFAULT_OVERSAMPLING, composable_k_center
from embedscope.distributed.coverage import cover_distances
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.errors import ConfigError
from embedscope.select.config import SelectionConfig

RAY_STRATEGIES = frozenset({"DIVERSITY", "THRESHOLD"})
"""Strategies the Ray engine runs: THRESHOLD filters (row by row, so per partition), then DIVERSITY on EMBEDDINGS
(the composable k-center); the others weigh every sample's objective in one greedy pass over all samples and
are refused with a line naming them."""


def check_ray_strategies(config: SelectionConfig | None) -> None:
    """Refuse a selection config the Ray engine cannot run, naming the strategies.

    Raises:
        ConfigError: any strategy other than THRESHOLD and DIVERSITY on EMBEDDINGS.
    """
    if config is None:
        return
    refused = sorted(
        {f"{e.strategy.type} on {e.input.type}" for e in config.strategies
         if e.strategy.type not in RAY_STRATEGIES or (e.strategy.type == "DIVERSITY" and e.input.type != "EMBEDDINGS")}
    )
    if refused:
        raise ConfigError(
            f"--engine ray runs THRESHOLD filters and DIVERSITY on EMBEDDINGS (composable k-center) only; the "
            f"selection config also asks for {', '.join(refused)}: run it with --engine local, or drop those strategies"
        )


def diversity_min_distance(config: SelectionConfig | None, cli_min_distance: float | None) -> float | None:
    """The stopping distance: --min-distance, else the config's DIVERSITY stopping condition."""
    if cli_min_distance is not None or config is None:
        return cli_min_distance
    for entry in config.strategies:
        stop = getattr(entry.strategy, "stopping_condition_minimum_distance", None)
        if stop is not None:
            return float(stop)
    return None


@dataclass(frozen=True)
class RaySelection:
    """The composable k-center's picks and their coverage.

    Attributes:
        indices: (k,) int64 input rows in pick order.
        vectors: (k, d) float32 their rows.
        cover: (n,) float64 every input row's distance to selected ∪ datapool (exact, from the coverage map).
        radius: cover.max(), the k-center radius reached; k_prime, partitions: of round 1.
        stopped_by_min_distance: the stopping distance ended the selection early.
    """

    indices: np.ndarray
    vectors: np.ndarray
    cover: np.ndarray
    radius: float
    k_prime: int
    partitions: int
    stopped_by_min_distance: bool

    def as_json(self) -> dict[str, object]:
        """The selection's fields of embedscope's engine JSON."""
        return {
            "algorithm": "two-round composable k-center (Ceccarello, Pietracaprina, Pucci, PVLDB 2019)",
            "radius": self.radius, "kPrime": self.k_prime, "partitions": self.partitions,
        }


def select_on_blocks(
    blocks: VectorBlocks,
    *,
    n_samples: int,
    partitions: int,
    datapool: np.ndarray | None = None,
    min_distance: float | None = None,
    oversampling: int = DEFAULT_OVERSAMPLING,
) -> RaySelection:
    """Composable k-center over ``blocks``, then the exact coverage of every row (a map over the blocks).

    Memory on the driver: the P·k′ × d round-2 union, the k × d picks and the (n,) float64 cover; never n × d.

    Raises:
        ConfigError: bad n_samples; ``min_distance`` stopped the selection before its first pick.
    """
    selection = composable_k_center(
        blocks, n_samples=n_samples, partitions=partitions, datapool=datapool, min_distance=min_distance,
        oversampling=oversampling,
    )
    if len(selection.indices) == 0:
        raise ConfigError(f"--min-distance {min_distance} stopped the selection before its first pick; use a smaller value")
    picked = rows_at(blocks, selection.indices)
    centres = picked
    if datapool is not None and len(datapool):
        centres = np.concatenate([centres, np.asarray(datapool, dtype=np.float32)])
    cover = cover_distances(blocks, centres)
    return RaySelection(
        indices=selection.indices, vectors=picked, cover=cover, radius=float(cover.max()), k_prime=selection.k_prime,
        partitions=selection.partitions, stopped_by_min_distance=selection.stopped_by_min_distance,
    )
