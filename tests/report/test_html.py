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
from embedscope.report.map_payload import drawn_coordinates
from embedscope.report.thumbnails import png_data_uri, thumbnail_data_uris
from tests.report.browser import (
    console_errors,
    dump_dom,
    instrumented_copy,
    page_payload,
    payload_names,
    probe_result,
)
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
    assert "The map draws all 300 input samples, coloured by set" in text
    assert payload_names(page_payload(text))[0] == HOSTILE_NAME
    assert len(thumbnails) == 3

    dom, stderr = dump_dom(instrumented_copy(page, tmp_path / "probe.html", hover_name=first_pick),
                           tmp_path / "profile")
    probe = probe_result(dom)
    assert probe["errors"] == [] and "probeError" not in probe
    assert console_errors(stderr) == []
    assert probe["resources"] == []  # the browser fetched nothing (no CDN, no fonts)
    assert probe["plots"] == 7  # summary, map, 2 histograms, weather, brightness, task categories
    assert len(re.findall(r'class="main-svg"', dom)) >= 2 * probe["plots"]
    assert "scatterlayer" in dom and "gl-canvas" in dom
    assert probe["hovered"] == first_pick
    assert probe["display"] == "block" and probe["caption"] == f"{first_pick} · set: selected"
    assert probe["src"] == thumbnails[first_pick] and probe["src"].startswith("data:image/jpeg;base64,")
    for title in ("Summary", "Run summary", "Scatter plots", "Diversity: distance",
                  "Coverage: distance", "Selected against random subsets", "PRDC", "Vendi score",
                  "Metadata and scores", "Predictions: weather-classifier", "Other figures", "bounding box example"):
        assert title in dom, title


def test_page_without_extras_names_or_thumbnails(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=120, n_selected=12)
    report = run.report.model_copy(update={"embedscope": {"parameters": {"seed": 0}}})
    page = tmp_path / "report.html"
    render_html(report, page)
    text = page.read_text(encoding="utf-8")
    assert payload_names(page_payload(text))[:2] == ["#0", "#1"]  # without names: the point's number
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


def test_every_listed_point_is_on_the_map(tmp_path: Path, rng: np.random.Generator) -> None:
    """50,000 listed input points (the JSON's cap when no SampleMap is given) are all on the map, as typed arrays."""
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
    payload = page_payload(text)
    assert payload["n"] == 50_000 + 10 and payload_names(payload)[:50_000] == names.input
    expected = np.concatenate([np.asarray(many), np.asarray(data.selected_excluding_datapool2d_embeddings)])
    assert np.abs(drawn_coordinates(payload) - expected).max() <= np.ptp(expected, axis=0).max() / 65_534
    assert re.search(r'"n\d+\.jpg"', text) is None  # no JSON list of names or numbers
    assert page.stat().st_size < 10 * 2**20
