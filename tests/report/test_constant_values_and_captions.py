"""A value every sample shares gets a sentence instead of a histogram; PDF captions break after "/" and "_"."""

from __future__ import annotations

import numpy as np
from reportlab.pdfbase.pdfmetrics import stringWidth

from embedscope.report.constant_values import constant_note, constant_value, spread
from embedscope.report.figures import figure_names
from embedscope.report.html_page import breakable
from embedscope.report.model import Dist, DistMetrics, MetadataKeyInformation, NumericDistributionPerSet
from embedscope.report.pdf_layout import PAGE_WIDTH, filename_caption, styles


def _distribution(values: np.ndarray) -> NumericDistributionPerSet:
    metrics = DistMetrics(mean=float(values.mean()), std=float(values.std()), min=float(values.min()),
                          median=float(np.median(values)), max=float(values.max()))
    return NumericDistributionPerSet(bins=10, range=(float(values.min()), float(values.max())),
                                     input=Dist(counts=[len(values)], metrics=metrics))


def test_a_shared_value_is_named_and_a_varying_one_is_not() -> None:
    ratio = np.array([4 / 3, np.float32(4 / 3), 4 / 3])  # float32 noise: 1.3333334 next to 1.3333333
    assert constant_value(_distribution(ratio)) == ratio.mean()
    assert constant_note(_distribution(np.full(5, 320.0))) == (
        "Every input sample has the value 320.0000 (to float precision), so no histogram is drawn.")
    assert constant_value(_distribution(np.array([320.0, 320.5]))) is None
    assert constant_note(_distribution(np.array([0.0, 1e-3]))) is None
    assert spread(2.22e-16, 4 / 3) == 0.0 and spread(1e-5, 4 / 3) == 1e-5  # noise, not a small real spread


def test_constant_metadata_has_no_figure(rng: np.random.Generator) -> None:
    from tests.report.synthetic import synthetic_run

    report = synthetic_run(rng, n_input=60, n_selected=6).report
    metadata = {"width": MetadataKeyInformation(type="numeric", numeric_distribution=_distribution(np.full(60, 320.0))),
                "brightness": MetadataKeyInformation(type="numeric",
                                                     numeric_distribution=_distribution(rng.uniform(size=60)))}
    analysis = report.dataset_analysis.model_copy(update={"metadata_information": metadata})
    names = figure_names(report.model_copy(update={"dataset_analysis": analysis}))
    assert "metadata_brightness" in names and "metadata_width" not in names


def test_captions_break_between_words_where_they_must() -> None:
    style, width = styles()["small"], PAGE_WIDTH / 6 - 12
    caption = filename_caption("day/astronaut_0372.jpg", width=width, style=style)
    assert caption == "day/<br/>astronaut_<br/>0372.jpg"
    assert all(stringWidth(line, style.fontName, style.fontSize) <= width for line in caption.split("<br/>"))
    assert filename_caption("night/cat_1.jpg", width=width, style=style) == "night/<br/>cat_1.jpg"
    assert breakable("night/motorcycle_0280.jpg") == "night/<wbr>motorcycle_<wbr>0280.jpg"
    assert breakable("a<b>_c.jpg") == "a&lt;b&gt;_<wbr>c.jpg"
