"""The tables both documents show, built from the :class:`ReportV2` model only (no computation of metrics).

Every table is a :class:`TableData` of plain strings; the PDF and the HTML renderer lay it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from embedscope.report.colors import SET_LABELS
from embedscope.report.constant_values import constant_note, spread
from embedscope.report.engine_summary import engine_line
from embedscope.report.model import (
    CategoricalDistributionPerSet,
    EmbeddingInformation,
    ExtraMetrics,
    MeanSd,
    NumericDistributionPerSet,
    PredictionTaskInformation,
    ReportV2,
)
from embedscope.report.number_format import fmt, fmt_mean_sd

SET_FIELDS = {
    "input": "input",
    "selected": "selected",
    "random": "random",
    "preselectedDatapool": "preselected_datapool",
    "selectedWithDatapool": "selected_with_datapool",
}
"""REPORT_V2 set name → attribute of the per-set models, in the documents' order."""

NOISE_SDS = 2.0
"""A selection differs from random only when it is more than this many standard deviations from the mean."""

MAX_CATEGORY_ROWS = 25  # categories listed per table (most frequent in the input first)


@dataclass(frozen=True)
class TableData:
    """A table of strings.

    Attributes:
        header: column titles.
        rows: one tuple per row, as long as ``header``.
        widths: relative column widths (the renderer scales them to the page).
        first_numeric: columns from this index on hold numbers (right-aligned) ...
        last_numeric: ... up to this index (inclusive); None = the last column.
    """

    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    widths: tuple[float, ...]
    first_numeric: int = 1
    last_numeric: int | None = None

    def is_numeric(self, column: int) -> bool:
        """Whether ``column`` holds numbers (right-aligned)."""
        return self.first_numeric <= column <= (len(self.header) - 1 if self.last_numeric is None else self.last_numeric)


@dataclass(frozen=True)
class HeadlineRow:
    """One headline comparison of the selection with random subsets.

    Attributes:
        metric: what is compared. better: "lower" or "higher".
        selected: the selection's value. random: mean ± sd (or the single random value).
        ratio: e.g. "2.27× lower". verdict: "better", "worse" or "within noise".
    """

    metric: str
    better: str
    selected: str
    random: str
    ratio: str
    verdict: str


def _compare(selected: float | None, random_mean: float | None, random_sd: float | None, *, lower_is_better: bool
             ) -> tuple[str, str]:
    """(ratio text, verdict) of a selected value against random."""
    if selected is None or random_mean is None:
        return "n/a", "n/a"
    if selected == random_mean:
        return "equal", "within noise"
    low, high = sorted((abs(selected), abs(random_mean)))
    ratio = f"{high / low:.2f}× {'lower' if selected < random_mean else 'higher'}" if low > 0 else (
        "lower" if selected < random_mean else "higher")
    if random_sd is not None and abs(selected - random_mean) <= NOISE_SDS * random_sd:
        return ratio, "within noise"
    return ratio, "better" if (selected < random_mean) == lower_is_better else "worse"


@dataclass(frozen=True)
class RandomComparison:
    """One statistic of the selection against the random subsets (the cover's table and the bar charts).

    Attributes:
        name: short name for a chart panel; description: the table's wording.
        selected: the selection's value; random: mean ± sd over the random seeds (None when not computed).
    """

    name: str
    description: str
    lower_is_better: bool
    selected: float | None
    random: MeanSd | None


def random_comparisons(extra: ExtraMetrics) -> list[RandomComparison]:
    """Coverage radius, mean coverage distance, diversity and Vendi score: selected against random."""
    baseline = extra.random_baseline
    return [
        RandomComparison("coverage radius", "coverage radius: largest distance of an input sample to the selection",
                         True, extra.selected.coverage_max, baseline.coverage_max),
        RandomComparison("mean coverage distance", "mean distance of an input sample to the selection",
                         True, extra.selected.coverage_mean, baseline.coverage_mean),
        RandomComparison("diversity: mean NN distance", "diversity: mean distance to the nearest other selected sample",
                         False, extra.selected.diversity_mean, baseline.diversity_mean),
        RandomComparison("Vendi score", "Vendi score: effective number of distinct samples",
                         False, extra.selected.vendi_score, baseline.vendi_score),
    ]


def headline_rows(report: ReportV2, extra: ExtraMetrics | None) -> list[HeadlineRow]:
    """The cover's comparison of the selection with random subsets (the extra metrics when present)."""
    info = report.dataset_analysis.embedding_information
    nn, cover = info.distance_to_nearest_neighbor_in_set, info.distance_to_cover_input
    rows: list[tuple[str, str, float | None, MeanSd | float | None]] = []
    if extra is not None:
        baseline = extra.random_baseline
        rows += [
            (c.description, "lower" if c.lower_is_better else "higher", c.selected, c.random)
            for c in random_comparisons(extra)
        ]
        if extra.prdc is not None:
            rows += [
                (f"PRDC coverage (k={extra.prdc.k})", "higher", extra.prdc.selected.coverage,
                 baseline.prdc_coverage or extra.prdc.random.coverage),
                (f"PRDC recall (k={extra.prdc.k})", "higher", extra.prdc.selected.recall,
                 baseline.prdc_recall or extra.prdc.random.recall),
            ]
    else:
        rows += [
            ("coverage radius: largest distance of an input sample to the selection", "lower",
             cover.selected.metrics.max if cover.selected else None, cover.random.metrics.max if cover.random else None),
            ("mean distance of an input sample to the selection", "lower",
             cover.selected.metrics.mean if cover.selected else None,
             cover.random.metrics.mean if cover.random else None),
            ("diversity: mean distance to the nearest other selected sample", "higher",
             nn.selected.metrics.mean if nn.selected else None, nn.random.metrics.mean if nn.random else None),
        ]
    result = []
    for metric, better, selected, random in rows:
        mean = random.mean if isinstance(random, MeanSd) else random
        sd = random.sd if isinstance(random, MeanSd) else None
        ratio, verdict = _compare(selected, mean, sd, lower_is_better=better == "lower")
        random_text = fmt_mean_sd(random) if isinstance(random, MeanSd) else fmt(random)
        result.append(HeadlineRow(metric, better, fmt(selected), random_text, ratio, verdict))
    return result


def headline_table(rows: list[HeadlineRow], *, n_seeds: int | None) -> TableData:
    random_title = f"random (mean ± sd, {n_seeds} seeds)" if n_seeds else "random"
    return TableData(
        header=("metric", "better", "selected", random_title, "selected vs random", "verdict"),
        rows=[(r.metric, r.better, r.selected, r.random, r.ratio, r.verdict) for r in rows],
        widths=(5.2, 1.2, 1.6, 2.6, 2.0, 1.6),
        first_numeric=2,
        last_numeric=4,
    )


def sizes_table(report: ReportV2) -> TableData:
    sizes = report.general_information.dataset_information.dataset_sizes
    rows = [
        ("input (selectable)", sizes.n_input),
        ("selected", sizes.n_selected),
        ("not selected (removed)", sizes.n_removed),
        ("preselected datapool", sizes.n_preselected_datapool),
        ("selected + datapool", sizes.n_selected_with_datapool),
        ("corrupt files skipped", sizes.n_corrupt),
        ("exact duplicates skipped", sizes.n_duplicate),
    ]
    removed = report.embedscope.get("removedFromInputBecauseInDatapool")
    if removed:
        rows.append(("input names already in the datapool", int(removed)))
    return TableData(header=("samples", "count"), rows=[(k, f"{v:,}") for k, v in rows], widths=(3.0, 1.2))


def parameter_text(value: object) -> str:
    """A parameter value as a person reads it: a mapping as ``key: value`` pairs (nested ones in parentheses),
    a list comma-separated, anything else as ``str``."""
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_nested_text(item)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_nested_text(item) for item in value)
    return str(value)


def _nested_text(value: object) -> str:
    return f"({parameter_text(value)})" if isinstance(value, dict) else parameter_text(value)


def parameters_table(report: ReportV2) -> TableData:
    """Every parameter that is set, plus the strategies."""
    params = report.embedscope.get("parameters", {})
    rows = [(str(key), parameter_text(value)) for key, value in params.items() if value not in (None, {}, "", [])]
    if params.get("selected_path"):
        rows.append(("selection", f"read from {params['selected_path']} (made elsewhere; embedscope did not select)"))
        return TableData(header=("parameter", "value"), rows=rows, widths=(1.0, 3.0), first_numeric=2)
    for number, line in enumerate(report.embedscope.get("strategies") or [], start=1):
        rows.append((f"strategy {number}", str(line)))
    return TableData(header=("parameter", "value"), rows=rows, widths=(1.0, 3.0), first_numeric=2)


def stage_table(report: ReportV2) -> TableData | None:
    stages = report.embedscope.get("stageSeconds") or {}
    if not stages:
        return None
    rows = [(str(name), f"{float(seconds):,.2f}") for name, seconds in stages.items()]
    rows.append(("total", f"{report.general_information.run_information.total_processing_time_s:,.2f}"))
    return TableData(header=("stage", "seconds"), rows=rows, widths=(3.0, 1.2))


def run_notes(report: ReportV2) -> list[str]:
    """Sentences on how the run was made when unusual (the Ray engine) and anything unusual about it (early stop,
    thresholds)."""
    notes = [line] if (line := engine_line(report)) is not None else []
    if report.embedscope.get("selectionStoppedEarly"):
        reason = report.embedscope.get("selectionStoppedReason") or "a stopping condition"
        notes.append(f"The selection stopped before the requested number of samples: {reason}.")
    filtered = report.embedscope.get("nFilteredOutByThresholds")
    if filtered:
        notes.append(f"{int(filtered):,} input samples were filtered out by thresholds before selection.")
    return notes


def distribution_table(distribution: NumericDistributionPerSet, *, random_label: str = SET_LABELS["random"]
                       ) -> TableData:
    """mean/std/min/median/max and count per set (``random_label`` names the random row, e.g. its seed)."""
    rows = []
    for name, field in SET_FIELDS.items():
        dist = getattr(distribution, field)
        if dist is None:
            continue
        m = dist.metrics
        rows.append((random_label if name == "random" else SET_LABELS[name], fmt(m.mean), fmt(spread(m.std, m.mean)), fmt(m.min), fmt(m.median), fmt(m.max),
                     f"{sum(dist.counts):,}"))
    return TableData(header=("set", "mean", "std", "min", "median", "max", "n"), rows=rows,
                     widths=(2.4, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3))


def distribution_notes(distribution: NumericDistributionPerSet) -> list[str]:
    """A value every input sample shares, why a set is missing, and how approximate searches performed."""
    notes = [note] if (note := constant_note(distribution)) is not None else []
    notes += [f"{SET_LABELS.get(name, name)}: not shown because {reason}."
              for name, reason in distribution.absent_sets.items()]
    for name, info in distribution.neighbor_search.items():
        if info.recall is not None:  # only an approximate search measures a recall; exact ones have none
            notes.append(f"{SET_LABELS.get(name, name)}: approximate search ({info.method}), recall@1 "
                         f"{info.recall:.3f} measured on {info.recall_sample_size} samples.")
    return notes


def examples_table(report: ReportV2) -> TableData | None:
    examples = report.general_information.selected_and_removed_image_examples
    if not examples:
        return None
    return TableData(
        header=("selected", "nearest not selected", "distance"),
        rows=[(e.selected_image, e.removed_image, fmt(e.distance)) for e in examples],
        widths=(3.0, 3.0, 1.0),
        first_numeric=2,
    )


def random_baseline_table(extra: ExtraMetrics) -> TableData:
    """Selected value, random mean ± sd, and every seed's value."""
    baseline = extra.random_baseline
    stats = [
        ("coverage radius (max distance to cover)", extra.selected.coverage_max, baseline.coverage_max),
        ("mean distance to cover input", extra.selected.coverage_mean, baseline.coverage_mean),
        ("diversity (mean nearest-neighbour distance)", extra.selected.diversity_mean, baseline.diversity_mean),
        ("Vendi score", extra.selected.vendi_score, baseline.vendi_score),
    ]
    if extra.prdc is not None:
        stats += [("PRDC coverage", extra.prdc.selected.coverage, baseline.prdc_coverage),
                  ("PRDC recall", extra.prdc.selected.recall, baseline.prdc_recall)]
    rows = [
        (label, fmt(selected), fmt_mean_sd(random), ", ".join(fmt(v) for v in random.values) if random else "n/a")
        for label, selected, random in stats
    ]
    return TableData(header=("statistic", "selected", "random mean ± sd", f"per seed ({', '.join(map(str, baseline.seeds))})"),
                     rows=rows, widths=(3.4, 1.3, 1.9, 3.8), first_numeric=1)


def prdc_table(extra: ExtraMetrics) -> TableData | None:
    if extra.prdc is None:
        return None
    prdc, baseline = extra.prdc, extra.random_baseline
    rows = [(SET_LABELS["selected"], fmt(prdc.selected.coverage), fmt(prdc.selected.recall))]
    if baseline.prdc_coverage is not None:
        rows.append((f"random (mean ± sd, {len(baseline.seeds)} seeds)", fmt_mean_sd(baseline.prdc_coverage),
                     fmt_mean_sd(baseline.prdc_recall)))
    else:
        rows.append((f"{SET_LABELS['random']} (seed {baseline.seeds[0]})", fmt(prdc.random.coverage),
                     fmt(prdc.random.recall)))
    return TableData(header=("set", "PRDC coverage", "PRDC recall"), rows=rows, widths=(2.4, 1.5, 1.5))


def vendi_table(extra: ExtraMetrics) -> TableData:
    vendi = extra.vendi_score
    rows = [(SET_LABELS["input"], fmt(vendi.input)), (SET_LABELS["selected"], fmt(vendi.selected))]
    seeds = extra.random_baseline.seeds
    if extra.random_baseline.vendi_score is not None:
        rows.append((f"random (mean ± sd, {len(seeds)} seeds)", fmt_mean_sd(extra.random_baseline.vendi_score)))
    else:
        rows.append((f"{SET_LABELS['random']} (seed {seeds[0]})", fmt(vendi.random)))
    return TableData(header=("set", "Vendi score"), rows=rows, widths=(2.6, 1.5))


def k_center_table(extra: ExtraMetrics) -> TableData:
    k_center, baseline = extra.k_center, extra.random_baseline
    return TableData(
        header=("objective", "selected", f"random (mean ± sd, {len(baseline.seeds)} seeds)"),
        rows=[
            ("k-center radius (max coverage distance)", fmt(k_center.radius), fmt_mean_sd(baseline.coverage_max)),
            ("lower bound on the best possible radius", fmt(k_center.optimal_radius_lower_bound), ""),
            ("facility location (mean coverage distance)", fmt(k_center.facility_location_objective),
             fmt_mean_sd(baseline.coverage_mean)),
        ],
        widths=(3.6, 1.4, 2.2),
    )


def categorical_table(distribution: CategoricalDistributionPerSet, *, max_rows: int = MAX_CATEGORY_ROWS
                      ) -> TableData:
    """Share of each category per set (most frequent input categories first), then the balance metrics."""
    present = [(name, getattr(distribution, field)) for name, field in SET_FIELDS.items()
               if getattr(distribution, field) is not None]
    reference = present[0][1] if present else None
    categories = sorted(reference.counts, key=lambda c: (-reference.counts[c], c)) if reference else []
    shown = categories[:max_rows]
    rows: list[tuple[str, ...]] = []
    for category in shown:
        cells = [category]
        for _, dist in present:
            total = sum(dist.counts.values())
            count = dist.counts.get(category, 0)
            cells.append(f"{count:,} ({100.0 * count / total:.1f} %)" if total else "0")
        rows.append(tuple(cells))
    if len(categories) > max_rows:
        rows.append((f"… {len(categories) - max_rows} more categories",) + ("",) * len(present))
    for metric in ("giniImbalance", "normalizedEntropy"):
        rows.append((metric,) + tuple(fmt(dist.metrics.get(metric)) for _, dist in present))
    return TableData(header=("category",) + tuple(SET_LABELS[name] for name, _ in present), rows=rows,
                     widths=(2.6,) + (1.6,) * len(present))


def own_crop_analysis(report: ReportV2, information: PredictionTaskInformation) -> EmbeddingInformation | None:
    """A task's crop embedding analysis when the documents must show it; None when the task has none, or
    when it is the report's main analysis (object-level runs select the crops of that task)."""
    detection = information.detection_task_information
    crops = detection.crop_embedding_information if detection is not None else None
    if crops is None or crops == report.dataset_analysis.embedding_information:
        return None
    return crops
