"""PDF figures: one PNG per named figure, named the same whether drawn or only listed."""

from __future__ import annotations

import numpy as np

from embedscope.report.figures import figure_names, report_figures, slug
from tests.report.synthetic import synthetic_run

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_every_listed_figure_is_drawn(rng: np.random.Generator) -> None:
    report = synthetic_run(rng, n_input=150, n_selected=15, n_datapool=3, with_sample_data=True).report
    figures = report_figures(report)
    assert list(figures) == figure_names(report)
    assert set(figures) == {"scatter_pca", "scatter_umap", "hist_nearest_neighbor", "hist_cover", "selected_vs_random",
                            "metadata_weather", "metadata_brightness", "task_weather-classifier_categories"}
    assert all(png.startswith(PNG_SIGNATURE) for png in figures.values())


def test_slug() -> None:
    assert slug("task/score: a b") == "task_score__a_b"
    assert slug("") == "unnamed"
