"""report.html: self-contained, drawn by a real browser (headless Chromium) without errors, hover thumbnails."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
from PIL import Image
from plotly.offline import get_plotlyjs

from embedscope.report.html import interactive_figure_names, render_html
from embedscope.report.html_figures import ScatterNames
from embedscope.report.thumbnails import png_data_uri, thumbnail_data_uris
from tests.report.browser import console_errors, dump_dom, instrumented_copy, probe_result
from tests.report.synthetic import synthetic_run

HOSTILE_NAME = "evil</script><script>window.__errors.push('injected')</script>.jpg"


def _png(rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_page_draws_every_plot_and_shows_thumbnails_on_hover(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=300, n_selected=30, n_datapool=5, with_sample_data=True)
    first_pick = run.names.selected[0]
    image_root = tmp_path / "images"
    for name in run.names.selected[:3]:
        (image_root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)).save(image_root / name)
    thumbnails = thumbnail_data_uris(image_root, run.names.selected)
    names = ScatterNames(input=[HOSTILE_NAME, *run.names.input[1:]], selected=run.names.selected,
                         datapool=run.names.datapool)
    page = tmp_path / "report.html"
    render_html(run.report, page, names=names, thumbnails=thumbnails,
                other_images={"bounding_box_example": png_data_uri(_png(rng))}, max_points_per_trace=100)

    text = page.read_text(encoding="utf-8")
    assert text.count(get_plotlyjs()[:500]) == 1  # plotly.js inlined exactly once
    assert re.search(r"<(script|link|img)[^>]*\s(src|href)=[\"']?https?:", text) is None  # no network
    assert "Input: 100 of 300 points drawn (a seeded uniform subsample)" in text
    assert len(thumbnails) == 3

    dom, stderr = dump_dom(instrumented_copy(page, tmp_path / "probe.html", hover_trace="selected (30)"),
                           tmp_path / "profile")
    probe = probe_result(dom)
    assert probe["errors"] == [] and "probeError" not in probe
    assert console_errors(stderr) == []
    assert probe["resources"] == []  # the browser fetched nothing (no CDN, no fonts)
    assert probe["plots"] == 8  # summary, PCA, UMAP, 2 histograms, weather, brightness, task categories
    assert len(re.findall(r'class="main-svg"', dom)) >= 2 * probe["plots"]
    assert "scatterlayer" in dom and "gl-canvas" in dom
    assert probe["hovered"] == first_pick
    assert probe["display"] == "block" and probe["caption"] == first_pick
    assert probe["src"] == thumbnails[first_pick] and probe["src"].startswith("data:image/jpeg;base64,")
    for title in ("Summary", "Run summary", "Selection results", "Scatter plots", "Diversity: distance",
                  "Coverage: distance", "Selected against random subsets", "PRDC", "Vendi score",
                  "Metadata and scores", "Predictions: weather-classifier", "Other figures", "bounding box example"):
        assert title in dom, title


def test_page_without_extras_names_or_thumbnails(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=120, n_selected=12)
    report = run.report.model_copy(update={"embedscope": {"parameters": {"seed": 0}}})
    page = tmp_path / "report.html"
    render_html(report, page)
    text = page.read_text(encoding="utf-8")
    assert "#%{pointNumber}" in text  # hover falls back to the point's number
    assert "var EMBEDSCOPE_THUMBNAILS" not in text
    assert "Selected against random subsets</h2>" not in text and "Coverage: distance to cover input</h2>" in text


def test_thumbnail_uris_skip_missing_and_broken_files(tmp_path: Path, rng: np.random.Generator) -> None:
    Image.fromarray(rng.integers(0, 255, (300, 150, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(rng.integers(0, 255, (50, 50, 3), dtype=np.uint8)).save(tmp_path / "b.jpg")
    (tmp_path / "broken.jpg").write_bytes(b"not an image")
    uris = thumbnail_data_uris(tmp_path, ["a.png", "missing.jpg", "broken.jpg", "a.png", "b.jpg"], limit=5)
    assert list(uris) == ["a.png", "b.jpg"]
    decoded = Image.open(io.BytesIO(base64.b64decode(uris["a.png"].split(",", 1)[1])))
    assert decoded.format == "JPEG" and decoded.size == (48, 96)
    assert list(thumbnail_data_uris(tmp_path, ["a.png", "b.jpg"], limit=1)) == ["a.png"]


def test_interactive_figures_are_the_pdf_figures(rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=100, n_selected=10, with_sample_data=True)
    assert interactive_figure_names(run.report) >= {"scatter_pca", "hist_cover", "selected_vs_random",
                                                    "metadata_weather", "task_weather-classifier_categories"}


def test_large_scatter_is_subsampled_for_display(tmp_path: Path, rng: np.random.Generator) -> None:
    """50,000 listed input points (the JSON's cap, also for 1M inputs) are drawn as 20,000 and the page says so."""
    run = synthetic_run(rng, n_input=100, n_selected=10)
    many = [(float(x), float(y)) for x, y in rng.normal(size=(50_000, 2))]
    info = run.report.dataset_analysis.embedding_information
    data = info.scatter_plot_data.pca_embedding_data.model_copy(update={"input2d_embeddings": many})
    scatter = info.scatter_plot_data.model_copy(update={"pca_embedding_data": data, "umap_embedding_data": data})
    report = run.report.model_copy(update={"dataset_analysis": run.report.dataset_analysis.model_copy(
        update={"embedding_information": info.model_copy(update={"scatter_plot_data": scatter})})})
    names = ScatterNames(input=[f"n{i}.jpg" for i in range(50_000)], selected=run.names.selected)
    page = tmp_path / "report.html"
    render_html(report, page, names=names)
    text = page.read_text(encoding="utf-8")
    assert text.count("Input: 20,000 of 50,000 points drawn (a seeded uniform subsample)") == 2
    drawn = {int(n) for n in re.findall(r'"n(\d+)\.jpg"', text)}
    assert len(drawn) == 20_000 and drawn <= set(range(50_000))
    assert page.stat().st_size < 10 * 2**20
