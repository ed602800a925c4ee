"""report.pdf: page count, extractable text of every section, footer, tables within the page, small files."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image

from embedscope.report.figures import report_figures
from embedscope.report.model import EmbeddingData2D, ReportV2
from embedscope.report.pdf import render_pdf
from embedscope.report.pdf_layout import MARGIN, PAGE_SIZE
from embedscope.report.sections import fmt
from tests.report.synthetic import LONG_NAME, synthetic_run

MAX_PDF_BYTES = 5 * 2**20  # the budget at 1M input points


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    assert found is not None
    return int(found.group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _word_boxes(pdf: Path) -> list[tuple[str, float]]:
    """(word, right edge in points) of every word."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [(word, float(x_max)) for x_max, word in re.findall(r'<word xMin="[^"]+" yMin="[^"]+" xMax="([^"]+)" '
                                                                 r'yMax="[^"]+">([^<]*)</word>', xhtml)]


def _render(report: ReportV2, path: Path) -> Path:
    render_pdf(report, report_figures(report), path)
    return path


def test_every_section_is_in_the_pdf(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=300, n_selected=30, n_datapool=5, with_sample_data=True)
    pdf = _render(run.report, tmp_path / "report.pdf")
    pages = _pages(pdf)
    text = _text(pdf)
    flat = re.sub(r"\s+", " ", text)
    extra = run.report.embedscope["extraMetrics"]
    assert pages == text.count("\f") == 8  # sections share pages (11 with a page each; 9 with "Selection results")
    bodies = [re.sub(r"embedscope · synthetic · run \S+\s+page \d+ of \d+", "", page).strip()
              for page in text.split("\f")[:pages]]
    assert all(len(body) > 100 for body in bodies)  # no page holds only its footer
    for title in ("embedscope embedding analysis report", ("Selected 30 of 300 input samples (10.0 %), on top of "
                  "a datapool of 5"), "1 Run summary", "2 Scatter plots",
                  "3 Diversity: distance to nearest neighbour in set", "4 Coverage: distance to cover input",
                  "5 Selected against random subsets", "6 Distribution match and diversity: PRDC and Vendi score",
                  "7 Metadata and scores", "8 Predictions: weather-classifier (CLASSIFICATION)",
                  "Sener & Savarese 2017", "Naeem et al. 2020", "Friedman & Dieng 2022", "Gonzalez 1985"):
        assert title in flat, title
    assert f"page 1 of {pages}" in text and f"page {pages} of {pages}" in text
    headline = flat[: flat.index("1 Run summary")]
    assert fmt(extra["selected"]["coverageMax"]) in headline
    assert f"{fmt(extra['randomBaseline']['coverageMax']['mean'])} ± {fmt(extra['randomBaseline']['coverageMax']['sd'])}" in headline
    assert fmt(extra["vendiScore"]["selected"]) in flat and fmt(extra["prdc"]["selected"]["recall"]) in flat
    seeds = extra["randomBaseline"]["seeds"]
    assert f"{len(seeds)} uniform random subsets (seeds {seeds[0]}–{seeds[-1]})" in flat  # no "seed, seed + 1"
    assert f"random line and row show one random subset (seed {seeds[0]})" in flat
    assert flat.count("2-approximation") == 1
    assert "covering samples themselves (30 selected, 30 random) are at distance 0" in flat


def test_tables_stay_inside_the_page(tmp_path: Path, rng: np.random.Generator) -> None:
    """The long filename and parameter value wrap inside their columns; no word crosses the right margin."""
    run = synthetic_run(rng, n_input=120, n_selected=12)
    pdf = _render(run.report, tmp_path / "report.pdf")
    right_edge = PAGE_SIZE[0] - MARGIN + 1.0
    boxes = _word_boxes(pdf)
    assert [word for word, x_max in boxes if x_max > right_edge] == []
    assert "with_an_extremely_long_filename" in "".join(word for word, _ in boxes)
    assert LONG_NAME.startswith("a/very/deeply")


def test_pdf_without_extra_metrics(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=80, n_selected=8)
    report = run.report.model_copy(update={"embedscope": {"parameters": {"seed": 0}}})
    pdf = _render(report, tmp_path / "report.pdf")
    text = re.sub(r"\s+", " ", _text(pdf))
    assert "5 Selected against random subsets" not in text and "PRDC" not in text
    assert "4 Coverage: distance to cover input" in text and _pages(pdf) == 5


def test_unknown_figures_go_to_other_figures(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=80, n_selected=8)
    plots = report_figures(run.report)
    plots["bounding_box_example_1"] = plots["hist_cover"]
    render_pdf(run.report, plots, tmp_path / "report.pdf")
    assert "Other figures" in _text(tmp_path / "report.pdf")


def test_pdf_stays_small_with_fifty_thousand_listed_points(tmp_path: Path, rng: np.random.Generator) -> None:
    """report_v2.json lists at most 50,000 input points (also for 1M inputs); rasterised scatter plots keep the
    PDF far below the budget."""
    run = synthetic_run(rng, n_input=200, n_selected=20)
    many = [(float(x), float(y)) for x, y in rng.normal(size=(50_000, 2))]
    selected = [(float(x), float(y)) for x, y in rng.normal(size=(10_000, 2))]
    data = EmbeddingData2D(input2d_embeddings=many, selected_excluding_datapool2d_embeddings=selected)
    info = run.report.dataset_analysis.embedding_information
    scatter = info.scatter_plot_data.model_copy(update={"pca_embedding_data": data, "umap_embedding_data": data})
    report = run.report.model_copy(update={"dataset_analysis": run.report.dataset_analysis.model_copy(
        update={"embedding_information": info.model_copy(update={"scatter_plot_data": scatter})})})
    pdf = _render(report, tmp_path / "report.pdf")
    assert pdf.stat().st_size < MAX_PDF_BYTES / 4


def test_example_thumbnails_are_shown_with_the_scatter_plots(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=120, n_selected=12)
    examples = [e.filename for e in run.report.dataset_analysis.embedding_information.scatter_plot_data
                .umap_embedding_data.example_images]
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8)).save(buffer, format="JPEG")
    pdf = tmp_path / "report.pdf"
    render_pdf(run.report, report_figures(run.report), pdf, thumbnails={name: buffer.getvalue() for name in examples})
    scatter_page = next(page for page in _text(pdf).split("\f") if "2 Scatter plots" in page)
    assert "2 Scatter plots" in scatter_page and "Example images (the first picks)" in scatter_page
    assert all(name in scatter_page for name in examples)
    without = _render(run.report, tmp_path / "without.pdf")
    assert _pages(pdf) == _pages(without)  # the gallery shares the scatter page
