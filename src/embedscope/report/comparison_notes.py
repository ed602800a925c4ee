"""Sentences both documents print next to a comparison with random subsets: which seeds, which seed a
histogram shows, why k-center can look worse than random on a mean, and the k-center bound (once)."""

from __future__ import annotations

from collections.abc import Sequence

from embedscope.report import texts
from embedscope.report.model import EmbeddingData2D, ExtraMetrics, MeanSd
from embedscope.report.sections import HeadlineRow, fmt, fmt_mean_sd


def seeds_text(seeds: Sequence[int]) -> str:
    """"seeds 0–4" for consecutive seeds, else "seeds 0, 3, 9"."""
    seeds = list(seeds)
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return "seeds " + ", ".join(map(str, seeds))


def random_baseline_text(extra: ExtraMetrics | None) -> str:
    """:data:`texts.RANDOM_BASELINE` with the run's number of subsets and seeds filled in."""
    if extra is None:
        return texts.RANDOM_BASELINE.format(subsets="several uniform random subsets", seeds="")
    seeds = extra.random_baseline.seeds
    text = texts.RANDOM_BASELINE.format(subsets=f"{len(seeds)} uniform random subsets", seeds=f" ({seeds_text(seeds)})")
    if extra.random_baseline.coverage_queries:
        text += " " + texts.RANDOM_COVERAGE_SAMPLE.format(queries=extra.random_baseline.coverage_queries,
                                                          seed=seeds[0])
    return text


def random_row_label(extra: ExtraMetrics | None) -> str:
    """The label of the random row of a distribution table: the one subset it holds."""
    return f"random (seed {extra.random_baseline.seeds[0]})" if extra is not None else "random"


def random_seed_note(extra: ExtraMetrics | None, *, metric: str) -> str | None:
    """Which seed a diversity (``metric="diversity"``) or coverage (``"coverage"``) histogram shows, and the
    seeds' mean ± sd of its headline statistics."""
    if extra is None:
        return None
    baseline = extra.random_baseline
    stats: list[tuple[str, MeanSd | None]] = (
        [("mean", baseline.diversity_mean)] if metric == "diversity"
        else [("mean", baseline.coverage_mean), ("max", baseline.coverage_max)]
    )
    over = " and the ".join(f"{name} is {fmt_mean_sd(stat)}" for name, stat in stats if stat is not None)
    return (f"The random line and row show one random subset (seed {baseline.seeds[0]}); over all "
            f"{len(baseline.seeds)} random subsets ({seeds_text(baseline.seeds)}) the {over} (mean ± sd).")


def is_plain_k_center(extra: ExtraMetrics | None) -> bool:
    """True when the selection is the plain k-center greedy (the report then states its 2-approximation bound);
    False for a selection read from a file (``--selected``), made by strategies of a config, or unknown."""
    return extra is not None and extra.k_center.optimal_radius_lower_bound is not None


def worse_than_random_note(rows: Sequence[HeadlineRow], *, plain_k_center: bool) -> str | None:
    """One sentence on why the selection is worse than random on some metrics, when it is and when the
    selection is the plain k-center greedy (the explanation is about that algorithm)."""
    worse = [row.metric.split(":")[0] for row in rows if row.verdict == "worse"]
    if not worse or not plain_k_center:
        return None
    return f"Worse than random on {', '.join(worse)}: {texts.WORST_CASE_NOT_MEAN}"


def k_center_note(extra: ExtraMetrics) -> str:
    """The 2-approximation bound (said once), or why there is none."""
    bound = extra.k_center.optimal_radius_lower_bound
    if bound is None:
        return extra.k_center.lower_bound_note[:1].upper() + extra.k_center.lower_bound_note[1:] + "."
    return (f"The k-center greedy is a 2-approximation (Gonzalez 1985): no selection of "
            f"{extra.random_baseline.subset_size:,} samples (with the same datapool) can bring the coverage radius "
            f"below {fmt(bound)}, half of this one's {fmt(extra.k_center.radius)}; random subsets reach "
            f"{fmt_mean_sd(extra.random_baseline.coverage_max)}.")


def coverage_zero_note(n_covering: dict[str, int]) -> str | None:
    """Says that the covering samples themselves (distance 0) are left out of the coverage histogram."""
    if not n_covering:
        return None
    counts = ", ".join(f"{n:,} {name}" for name, n in n_covering.items())
    return (f"The covering samples themselves ({counts}) are at distance 0 and are left out of the histogram, "
            "so its y-axis shows the other input samples; the table counts every input sample.")


def set_colours_text(data: EmbeddingData2D) -> str:
    """Which colour is which set in the scatter plots (the datapool only when there is one)."""
    pool = ", datapool in orange" if data.datapool2d_embeddings else ""
    return f"Input samples in grey, selected in blue{pool}."
