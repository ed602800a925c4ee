"""The ``embedscope.extraMetrics`` (ext) block: built from the analysis result, read back from a report."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embedscope.analyze.extra_metrics.prdc import PrdcResult
from embedscope.analyze.extra_metrics.summary import ExtraMetricsResult
from embedscope.report.engine_summary import engine_record
from embedscope.report.model import (
    ExtraMetrics,
    KCenterInformation,
    MeanSd,
    PrdcInformation,
    PrdcScores,
    RandomBaseline,
    ReportV2,
    SelectedMetrics,
    VendiScores,
)

EXTRA_METRICS_KEY = "extraMetrics"  # key of the block in ``report.embedscope``

COSINE_KERNEL = "cosine: k(x, y) = x·y / (|x| |y|); the vectors are L2-normalised, so k(x, y) = x·y"
RAW_COSINE_KERNEL = (
    "cosine: k(x, y) = x·y / (|x| |y|) on the raw (not normalised, --no-normalize) vectors; lengths are ignored"
)
GREEDY_BOUND_NOTE = (
    "k-center greedy is a 2-approximation (Gonzalez 1985): no subset of the same size (with the same "
    "datapool) covers the input with a radius below radius / 2"
)
NO_BOUND_NOTE = "no bound: the selection is not the plain k-center greedy (strategies or a given list)"
RAY_BOUND_NOTE = (
    "no bound: on Ray the selection is the two-round composable k-center (Ceccarello, Pietracaprina, Pucci 2019), "
    "a (2 + ε)-approximation whose ε depends on k′ and the data's unknown doubling dimension, so the single "
    "greedy's radius / 2 is not certified"
)


def _mean_sd(values: Sequence[float]) -> MeanSd:
    """Mean and sample sd (ddof=1; 0 for a single value)."""
    array = np.asarray(values, dtype=np.float64)
    sd = float(array.std(ddof=1)) if len(array) > 1 else 0.0
    return MeanSd(mean=float(array.mean()), sd=sd, values=[float(v) for v in array])


def _optional_mean_sd(values: Sequence[float | None]) -> MeanSd | None:
    """:func:`_mean_sd`, or None when a value is missing (subsets too small for the statistic)."""
    present = [v for v in values if v is not None]
    return _mean_sd(present) if present and len(present) == len(values) else None


def _prdc(selected: PrdcResult, random: PrdcResult, *, k: int) -> PrdcInformation:
    parts = []
    for label, used, total in (("real (input)", selected.n_real, selected.n_real_total),
                               ("fake (covering set)", selected.n_fake, selected.n_fake_total)):
        if used < total:
            parts.append(f"{label}: seeded uniform subsample of {used:,} of {total:,}")
        else:
            parts.append(f"{label}: all {total:,}")
    return PrdcInformation(
        k=k,
        n_real=selected.n_real,
        n_real_total=selected.n_real_total,
        n_fake=selected.n_fake,
        n_fake_total=selected.n_fake_total,
        method="exact k-NN radii; " + "; ".join(parts),
        selected=PrdcScores(coverage=selected.scores.coverage, recall=selected.scores.recall),
        random=PrdcScores(coverage=random.scores.coverage, recall=random.scores.recall),
    )


def extra_metrics_model(result: ExtraMetricsResult) -> ExtraMetrics:
    """The pydantic block written under ``report.embedscope["extraMetrics"]``."""
    seeds = sorted(result.random_subsets)
    subsets = [result.random_subsets[s] for s in seeds]
    random_k_center = result.random_k_center
    prdc = None
    if result.prdc_selected is not None and result.prdc_random:
        prdc = _prdc(result.prdc_selected, result.prdc_random[result.seed], k=result.k)
    random_prdc = [result.prdc_random[s].scores for s in seeds if s in result.prdc_random]
    return ExtraMetrics(
        selected=SelectedMetrics(
            diversity_mean=result.selected.diversity_mean,
            coverage_mean=result.selected.coverage_mean,
            coverage_max=result.selected.coverage_max,
            vendi_score=result.selected.vendi,
        ),
        random_baseline=RandomBaseline(
            seeds=seeds,
            subset_size=result.subset_size,
            diversity_mean=_optional_mean_sd([s.diversity_mean for s in subsets]),
            coverage_mean=_mean_sd([s.coverage_mean for s in subsets]),
            coverage_max=_mean_sd([s.coverage_max for s in subsets]),
            vendi_score=_optional_mean_sd([s.vendi for s in subsets]),
            prdc_coverage=_mean_sd([p.coverage for p in random_prdc]) if random_prdc else None,
            prdc_recall=_mean_sd([p.recall for p in random_prdc]) if random_prdc else None,
            coverage_queries=max((s.coverage_queries for s in subsets if s.coverage_queries), default=None),
        ),
        prdc=prdc,
        prdc_absent_reason=result.prdc_absent_reason,
        vendi_score=VendiScores(
            kernel=COSINE_KERNEL if result.normalized else RAW_COSINE_KERNEL,
            input=result.input_vendi,
            selected=result.selected.vendi,
            random=result.random_subsets[result.seed].vendi,
        ),
        k_center=KCenterInformation(
            radius=result.k_center.radius,
            optimal_radius_lower_bound=result.k_center.optimal_radius_lower_bound,
            lower_bound_note=GREEDY_BOUND_NOTE if result.k_center.optimal_radius_lower_bound is not None
            else NO_BOUND_NOTE,
            facility_location_objective=result.k_center.facility_location,
            random_radius=random_k_center.radius,
            random_facility_location_objective=random_k_center.facility_location,
        ),
    )


def read_extra_metrics(report: ReportV2) -> ExtraMetrics | None:
    """The block of a report, or None for reports written without it."""
    block = report.embedscope.get(EXTRA_METRICS_KEY)
    return ExtraMetrics.model_validate(block) if block is not None else None


def note_composable_bound(report: ReportV2) -> None:
    """Give the k-center block of a Ray run (one with ``report.embedscope["engine"]``) the composable k-center's
    reason for having no lower bound, in place of the generic :data:`NO_BOUND_NOTE`. The Ray executor analyses
    with ``from_greedy=False`` and calls this once it has added its engine record to the assembled report. Other
    reports are left as they are."""
    block = report.embedscope.get(EXTRA_METRICS_KEY)
    if engine_record(report) is None or not isinstance(block, dict):
        return
    k_center = block.get("kCenter")
    if isinstance(k_center, dict) and k_center.get("lowerBoundNote") == NO_BOUND_NOTE:
        k_center["lowerBoundNote"] = RAY_BOUND_NOTE
