"""The sentences next to comparisons with random subsets, and the coverage histogram without its spike at 0."""

from __future__ import annotations

import numpy as np

from embedscope.report.comparison_notes import (
    k_center_note,
    random_baseline_text,
    random_seed_note,
    seeds_text,
    set_colours_text,
    worse_than_random_note,
)
from embedscope.report.coverage_histogram import covering_counts, without_covering_samples
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.sections import (
    HeadlineRow,
    fmt,
    fmt_mean_sd,
    headline_rows,
    headline_table,
    parameter_text,
    parameters_table,
)
from tests.report.synthetic import synthetic_run


def test_seeds_are_named_not_templated() -> None:
    assert seeds_text([0, 1, 2, 3, 4]) == "seeds 0–4"
    assert seeds_text([7]) == "seed 7" and seeds_text([0, 3, 9]) == "seeds 0, 3, 9"


def test_random_numbers_are_mean_and_sd_over_seeds(rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=200, n_selected=20)
    extra = read_extra_metrics(run.report)
    assert extra is not None
    baseline = extra.random_baseline
    rows = headline_rows(run.report, extra)
    assert headline_table(rows, n_seeds=len(baseline.seeds)).header[3] == f"random (mean ± sd, {len(baseline.seeds)} seeds)"
    assert [row.random for row in rows[:3]] == [fmt_mean_sd(baseline.coverage_max), fmt_mean_sd(baseline.coverage_mean),
                                                fmt_mean_sd(baseline.diversity_mean)]
    values = np.asarray(baseline.coverage_max.values)
    assert fmt_mean_sd(baseline.coverage_max) == f"{fmt(values.mean())} ± {values.std(ddof=1):.4f}"
    assert "seeds seed" not in random_baseline_text(extra) and "5 uniform random subsets (seeds 0–4)" in random_baseline_text(extra)
    note = random_seed_note(extra, metric="coverage")
    assert note is not None and "(seed 0)" in note and fmt_mean_sd(baseline.coverage_mean) in note
    assert k_center_note(extra).count("2-approximation") == 1 and fmt(extra.k_center.radius) in k_center_note(extra)


def test_worse_than_random_is_explained() -> None:
    rows = [HeadlineRow("mean distance of an input sample to the selection", "lower", "0.3", "0.2 ± 0.01", "1.5× higher",
                        "worse"),
            HeadlineRow("coverage radius: largest distance", "lower", "0.5", "0.9 ± 0.1", "1.8× lower", "better")]
    note = worse_than_random_note(rows, plain_k_center=True)
    assert note is not None and note.startswith("Worse than random on mean distance of an input sample")
    assert "worst case" in note and "not the mean" in note
    assert worse_than_random_note(rows[1:], plain_k_center=True) is None
    # a selection read from a file or made by a config's strategies is not the k-center greedy: no such sentence
    assert worse_than_random_note(rows, plain_k_center=False) is None


def test_coverage_histogram_leaves_out_the_covering_samples(rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=200, n_selected=20)
    info = run.report.dataset_analysis.embedding_information
    counts = covering_counts(info)
    assert counts == {"selected": 20, "random": 20}
    cover = info.distance_to_cover_input
    drawn = without_covering_samples(cover, counts)
    for name in ("selected", "random"):
        before, after = getattr(cover, name).counts, getattr(drawn, name).counts
        assert after[0] == before[0] - 20 and after[1:] == before[1:] and sum(after) == 200 - 20
    assert drawn.input == cover.input


def test_colours_and_selection_source(rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=60, n_selected=6)
    data = run.report.dataset_analysis.embedding_information.scatter_plot_data.pca_embedding_data
    assert "datapool" not in set_colours_text(data)
    report = run.report.model_copy(update={"embedscope": {**run.report.embedscope, "parameters": {
        "seed": 0, "selected_path": "my_selection.txt"}, "strategies": ["DIVERSITY on EMBEDDINGS (k-center greedy)"]}})
    rows = dict(parameters_table(report).rows)
    assert rows["selection"].startswith("read from my_selection.txt") and "strategy 1" not in rows


def test_parameters_read_as_text_not_python() -> None:
    costs = {"cost_per_hour": 40.0, "seconds_per_label": {"classification": 3.6, "detection": 12.0}, "tags": ["a", "b"]}
    assert parameter_text(costs) == ("cost_per_hour: 40.0; seconds_per_label: (classification: 3.6; detection: 12.0); "
                                     "tags: a, b")
    assert parameter_text(0.25) == "0.25" and "{" not in parameter_text(costs) and "'" not in parameter_text(costs)
