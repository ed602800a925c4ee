"""Every extra metric of one run, from its sets and the distances the core metrics already computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from embedscope.analyze.embedding_metrics import EmbeddingMetrics
from embedscope.analyze.extra_metrics.k_center import KCenterObjectives, k_center_objectives
from embedscope.analyze.extra_metrics.prdc import DEFAULT_K, MAX_SAMPLES, PrdcResult, real_reference
from embedscope.analyze.extra_metrics.random_baseline import (
    PrdcRequest,
    SubsetMetrics,
    random_baseline,
    subset_metrics,
)
from embedscope.analyze.extra_metrics.vendi import vendi_score
from embedscope.analyze.sets import RANDOM, SELECTED, AnalysisSets

DEFAULT_RANDOM_SEEDS = 5  # equal to pipeline.parameters.DEFAULT_RANDOM_SEEDS
"""Random subsets drawn (seeds seed, seed+1, …): enough for a mean ± sd, each costs one coverage search."""


@dataclass(frozen=True)
class ExtraMetricsResult:
    """The extra metrics of one run.

    Attributes:
        selected: the selection's own metrics (coverage over selected ∪ datapool).
        random_subsets: seed → metrics of that seed's random subset; the run's seed is the report's random set.
        input_vendi: Vendi score of the whole input.
        prdc_selected: PRDC of selected ∪ datapool, or None when a set has at most k samples
            (``prdc_absent_reason`` says so).
        prdc_random: seed → PRDC of that seed's random subset ∪ datapool (empty when PRDC is absent); all
            judged against the same real samples as the selection.
        k_center, random_k_center: k-center / facility-location objectives of the selection and of the
            run's random set.
        normalized: the vectors were L2-normalised (the Vendi kernel is then the dot product).
        k: neighbours of the PRDC balls.
        seed: the run's seed (its random subset is the report's random set).
        subset_size: size of every random subset (= the number of selected samples).
    """

    selected: SubsetMetrics
    random_subsets: dict[int, SubsetMetrics]
    input_vendi: float
    prdc_selected: PrdcResult | None
    prdc_random: dict[int, PrdcResult]
    prdc_absent_reason: str | None
    k_center: KCenterObjectives
    random_k_center: KCenterObjectives
    normalized: bool
    k: int
    seed: int
    subset_size: int


def compute_extra_metrics(
    sets: AnalysisSets,
    metrics: EmbeddingMetrics,
    *,
    from_greedy: bool,
    normalized: bool,
    seed: int,
    exact: bool = False,
    n_random_seeds: int = DEFAULT_RANDOM_SEEDS,
    k: int = DEFAULT_K,
    on_step: Callable[[str], None] | None = None,
) -> ExtraMetricsResult:
    """Random-subset error bars, PRDC, Vendi scores and k-center objectives.

    Args:
        sets: the run's sets; ``sets.random_indices`` must be ``random_subset(n, k, seed=seed)``.
        metrics: the run's core metrics (their selected/random distances are reused, not recomputed).
        from_greedy: the selection is the k-center greedy (its radius then certifies a lower bound).
        normalized: whether the vectors were L2-normalised (recorded for the Vendi kernel's description).
        seed: the run's seed; random subsets use seed, seed + 1, …
        exact: force exact neighbour search for the extra random subsets (as the core metrics).

    Cost: per extra random subset one coverage search of the input (blocked); PRDC on at most
    ``prdc.MAX_SAMPLES`` samples per set (real radii once, fake radii per set); Vendi O(n d²).
    """
    step = on_step or (lambda _label: None)
    selected_cover = metrics.cover_input[SELECTED]
    random_cover = metrics.cover_input[RANDOM]
    selected = subset_metrics(
        sets.input, sets.selected_indices, datapool=sets.datapool, exact=exact, seed=seed,
        nearest_in_set=metrics.nearest_in_set.get(SELECTED), cover=selected_cover,
    )
    run_random = subset_metrics(
        sets.input, sets.random_indices, datapool=sets.datapool, exact=exact, seed=seed,
        nearest_in_set=metrics.nearest_in_set.get(RANDOM), cover=random_cover,
    )
    selected_fake = sets.with_datapool(sets.selected)
    absent_reason = None
    prdc_selected, prdc_request = None, None
    if min(len(sets.input), len(selected_fake)) <= k:
        absent_reason = f"PRDC with k={k} needs more than {k} input and selected samples"
    else:
        step("PRDC reference (k-NN radii of the input)")
        reference = real_reference(sets.input, k=k, max_samples=MAX_SAMPLES, seed=seed)
        prdc_request = PrdcRequest(reference=reference, k=k, max_samples=MAX_SAMPLES, seed=seed)
        prdc_selected = prdc_request.judge(selected_fake)
    step(f"{n_random_seeds} random subsets (mean ± sd, PRDC)")
    subsets = random_baseline(
        sets.input, subset_size=len(sets.selected_indices), seeds=range(seed, seed + n_random_seeds),
        datapool=sets.datapool, exact=exact, known={seed: run_random}, prdc=prdc_request,
    )
    prdc_random = {} if prdc_request is None else dict(sorted(prdc_request.results.items()))
    step("Vendi score")
    return ExtraMetricsResult(
        selected=selected,
        random_subsets=subsets,
        input_vendi=vendi_score(sets.input),
        prdc_selected=prdc_selected,
        prdc_random=prdc_random,
        prdc_absent_reason=absent_reason,
        k_center=k_center_objectives(np.asarray(selected_cover), from_greedy=from_greedy),
        random_k_center=k_center_objectives(np.asarray(random_cover), from_greedy=False),
        normalized=normalized,
        k=k,
        seed=seed,
        subset_size=len(sets.selected_indices),
    )
