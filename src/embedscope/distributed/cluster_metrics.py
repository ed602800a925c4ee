"""The analyze stage's metrics with the input on the cluster (above ``--memory-budget``).

Per set, as :func:`embedscope.analyze.embedding_metrics.compute_embedding_metrics` and
:func:`embedscope.analyze.extra_metrics.summary.compute_extra_metrics` compute them locally:

- the input's nearest other sample: Ray block pairs (exact) up to the local exact limit or with ``--exact``,
  above it the inverted file on Ray with its recall measured (:mod:`embedscope.distributed.ray_ivf`);
- coverage of the input by selected / random subsets (∪ datapool): exact Ray maps with the small set broadcast
  (every input sample, also for the extra random seeds, where the local engine samples 100k queries above that);
- the small sets (selected, random subsets, datapool, k rows each) gathered to the driver and measured by the
  local functions;
- Vendi of the input from the D × D Gram matrix summed over blocks; PRDC on a seeded sample of the input of the
  local size (10,000), or fewer rows when the memory budget is smaller
  (:func:`~embedscope.distributed.vector_blocks.driver_sample_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.analyze.embedding_metrics import MIN_SET_SIZE_FOR_NEIGHBORS, EmbeddingMetrics, given_cover
from embedscope.analyze.extra_metrics.k_center import k_center_objectives
from embedscope.analyze.extra_metrics.prdc import (
    DEFAULT_K,
    MAX_SAMPLES,
    RealReference,
    judge_against,
    knn_radii,
    subsample_rows,
)
from embedscope.analyze.extra_metrics.random_baseline import SubsetMetrics, subset_metrics
from embedscope.analyze.extra_metrics.summary import ExtraMetricsResult
from embedscope.analyze.sets import DATAPOOL, INPUT, RANDOM, SELECTED, SELECTED_WITH_DATAPOOL, random_subset
from embedscope.distributed.block_maps import rows_at, vendi_on_blocks
from embedscope.distributed.coverage import cover_nearest
from embedscope.distributed.ray_ivf import input_nearest_on_blocks
from embedscope.distributed.vector_blocks import VectorBlocks, driver_sample_rows
from embedscope.neighbors.result import NearestNeighbors, SearchMethod
from embedscope.neighbors.search import nearest_neighbor_in_set
from embedscope.progress import Progress


@dataclass(frozen=True)
class SmallSets:
    """The sets gathered on the driver: selected (k, D), random (k, D) (the run's seed), datapool (p, D) or None."""

    selected: np.ndarray
    random: np.ndarray
    datapool: np.ndarray | None

    def with_datapool(self, vectors: np.ndarray) -> np.ndarray:
        """``vectors`` stacked on the datapool (datapool rows last), as :meth:`AnalysisSets.with_datapool`."""
        if self.datapool is None or len(self.datapool) == 0:
            return vectors
        return np.concatenate([vectors, self.datapool], axis=0)


def metrics_on_cluster(
    blocks: VectorBlocks, small: SmallSets, *, selected_cover: np.ndarray | None, exact: bool, seed: int,
    memory_budget: int, progress: Progress, selected_cover_method: str | None = None,
) -> EmbeddingMetrics:
    """``distanceToNearestNeighborInSet`` and ``distanceToCoverInput`` of every set (see the module docstring).

    Args:
        selected_cover: (n,) distances of the input to selected ∪ datapool when the selection measured them.
        selected_cover_method: how it measured them (recorded as ``search["cover:selected"]``, as locally);
            required with ``selected_cover``.

    Raises:
        ValueError: ``selected_cover`` without ``selected_cover_method``.
    """
    members: dict[str, np.ndarray | None] = {INPUT: None, SELECTED: small.selected, RANDOM: small.random}
    if small.datapool is not None:
        members[DATAPOOL] = small.datapool
        members[SELECTED_WITH_DATAPOOL] = small.with_datapool(small.selected)
    nearest: dict[str, np.ndarray] = {}
    absent: dict[str, str] = {}
    search: dict[str, NearestNeighbors | SearchMethod] = {}
    for name, vectors in members.items():
        size = blocks.n_rows if vectors is None else len(vectors)
        if size < MIN_SET_SIZE_FOR_NEIGHBORS:
            absent[name] = f"the set has {size} sample(s); a nearest other sample needs at least 2"
            continue
        progress.stage(f"nearest neighbour within {name}" + (" on Ray" if vectors is None else ""))
        if vectors is None:
            result = input_nearest_on_blocks(blocks, exact=exact, seed=seed, memory_budget=memory_budget)
        else:
            result = nearest_neighbor_in_set(vectors, exact=exact, seed=seed)
        nearest[name] = result.distances
        search[name] = result
    cover: dict[str, np.ndarray] = {}
    if selected_cover is None:
        progress.stage("coverage by selected on Ray")
        found = cover_nearest(blocks, small.with_datapool(small.selected))
        selected_cover = found.distances
        search[f"cover:{SELECTED}"] = found
    else:
        selected_cover = given_cover(search, selected_cover, selected_cover_method)
    cover[SELECTED] = np.asarray(selected_cover, dtype=np.float64)
    progress.stage("coverage by random on Ray")
    found = cover_nearest(blocks, small.with_datapool(small.random))
    cover[RANDOM] = found.distances
    search[f"cover:{RANDOM}"] = found
    if small.datapool is not None and DATAPOOL not in nearest and DATAPOOL not in absent:
        absent[DATAPOOL] = "no datapool"
    return EmbeddingMetrics(nearest_in_set=nearest, cover_input=cover, absent=absent, search=search)


def extra_metrics_on_cluster(
    blocks: VectorBlocks, small: SmallSets, metrics: EmbeddingMetrics, *,
    from_greedy: bool, normalized: bool, seed: int, exact: bool, n_random_seeds: int, memory_budget: int,
    progress: Progress, k: int = DEFAULT_K,
) -> tuple[ExtraMetricsResult, int]:
    """:func:`embedscope.analyze.extra_metrics.summary.compute_extra_metrics` with the input on the cluster.

    Returns:
        The result, and the PRDC reference sample's size (the local engine's 10,000 unless the budget is smaller).
    """
    n, subset_size = blocks.n_rows, len(small.selected)
    rows = np.arange(subset_size)
    selected_cover, random_cover = metrics.cover_input[SELECTED], metrics.cover_input[RANDOM]
    selected = subset_metrics(small.selected, rows, datapool=small.datapool, exact=exact, seed=seed,
                              nearest_in_set=metrics.nearest_in_set.get(SELECTED), cover=selected_cover)
    subsets: dict[int, SubsetMetrics] = {}
    random_sets: dict[int, np.ndarray] = {seed: small.random}
    progress.stage(f"{n_random_seeds} random subsets (mean ± sd) on Ray")
    for random_seed in range(seed, seed + n_random_seeds):
        if random_seed == seed:
            subsets[seed] = subset_metrics(small.random, rows, datapool=small.datapool, exact=exact, seed=seed,
                                           nearest_in_set=metrics.nearest_in_set.get(RANDOM), cover=random_cover)
            continue
        vectors = rows_at(blocks, random_subset(n, subset_size, seed=random_seed))
        random_sets[random_seed] = vectors
        cover = cover_nearest(blocks, small.with_datapool(vectors)).distances
        subsets[random_seed] = subset_metrics(vectors, rows, datapool=small.datapool, exact=exact, seed=random_seed,
                                              cover=cover)
    progress.stage("PRDC coverage and recall")
    reference_size = driver_sample_rows(MAX_SAMPLES, dim=blocks.dim, memory_budget=memory_budget)
    selected_fake = small.with_datapool(small.selected)
    absent_reason = None
    prdc_selected, prdc_random = None, {}
    if min(n, len(selected_fake)) <= k:
        absent_reason = f"PRDC with k={k} needs more than {k} input and selected samples"
    else:
        reference_rows = subsample_rows(n, max_size=reference_size, seed=seed)
        points = rows_at(blocks, reference_rows)
        reference = RealReference(points=points, rows=reference_rows, radii=knn_radii(points, k=k), n_total=n)
        prdc_selected = judge_against(reference, selected_fake, k=k, max_samples=MAX_SAMPLES, seed=seed)
        for random_seed, vectors in random_sets.items():
            prdc_random[random_seed] = judge_against(reference, small.with_datapool(vectors), k=k,
                                                     max_samples=MAX_SAMPLES, seed=seed)
    progress.stage("Vendi score on Ray")
    result = ExtraMetricsResult(
        selected=selected, random_subsets=subsets, input_vendi=vendi_on_blocks(blocks), prdc_selected=prdc_selected,
        prdc_random=prdc_random, prdc_absent_reason=absent_reason,
        k_center=k_center_objectives(np.asarray(selected_cover), from_greedy=from_greedy),
        random_k_center=k_center_objectives(np.asarray(random_cover), from_greedy=False),
        normalized=normalized, k=k, seed=seed, subset_size=subset_size,
    )
    return result, min(n, reference_size)
