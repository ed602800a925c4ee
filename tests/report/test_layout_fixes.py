"""A new user's layout findings: captions keep the start of a name, the near-duplicate gallery prints at
full width, empty near-duplicate figures become a sentence, the worst-case sentence only for the k-center
greedy, the set legend says what it counts, constant columns are not offered for colouring."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
from reportlab.pdfbase.pdfmetrics import stringWidth

from embedscope.report.caption_lines import MIN_CAPTION_SIZE, caption_lines, name_pieces
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.figures import FIGURE_DPI, report_figures
from embedscope.report.html import render_html
from embedscope.report.hygiene_json import near_duplicates_none_note, nothing_near_zero
from embedscope.report.map_payload import map_payload, set_legend_labels
from embedscope.report.near_duplicate_gallery import (
    CAPTION_SIZE,
    FIGURE_WIDTH,
    example_groups_gallery_png,
    packed_rows,
)
from embedscope.report.pdf import GROUPS_FIGURE_MAX_HEIGHT, render_pdf
from embedscope.report.pdf_layout import PAGE_WIDTH, image
from embedscope.report.run_sample_map import run_sample_map
from embedscope.report.sample_map import MapColumn
from embedscope.report.sections import headline_rows
from tests.report.synthetic import synthetic_run

LONG = "immunohistochemistry/immunohistochemistry_0179.jpg"
WORST_CASE = "k-center greedy minimises the worst case"


def _helvetica(value: str, size: float) -> float:
    return stringWidth(value, "Helvetica", size)


def test_captions_keep_the_start_and_break_after_separators() -> None:
    assert name_pieces("day/coffee_0067.jpg") == ["day/", "coffee_", "0067.jpg"]
    lines, size = caption_lines("day/coffee_0067.jpg", 60.0, _helvetica, size=7.0)
    assert lines == ["day/coffee_", "0067.jpg"] and size == 7.0  # fits: no shrinking
    width = 70.0  # "immunohistochemistry_" is 73.5 pt wide at 7 pt Helvetica
    lines, size = caption_lines(LONG, width, _helvetica, size=7.0)
    assert "".join(lines) == LONG and lines[0].startswith("immunohistochemistry")  # nothing cut, start first
    assert lines[1] == "immunohistochemistry_"  # the long piece shrinks instead of breaking inside
    assert size == max(MIN_CAPTION_SIZE, 7.0 * width / _helvetica("immunohistochemistry_", 7.0)) > 6.6
    assert all(_helvetica(line, size) <= width + 1e-9 for line in lines)
    lines, size = caption_lines("a" * 40 + ".jpg", 30.0, _helvetica, size=7.0)  # too wide even at 6 pt
    assert size == MIN_CAPTION_SIZE and "".join(lines) == "a" * 40 + ".jpg"
    assert all(_helvetica(line, size) <= 30.0 for line in lines)


def test_groups_pack_into_rows_without_splitting() -> None:
    assert packed_rows([3, 2, 3, 3, 2, 9]) == [[0, 1], [2, 3], [4], [5]]
    assert packed_rows([3, 2, 3, 3, 2, 9], max_rows=3) == [[0, 1], [2, 3], [4]]
    assert packed_rows([]) == []


def test_near_duplicate_gallery_prints_at_full_width(tmp_path: Path, rng: np.random.Generator) -> None:
    groups = []
    for g in range(8):
        members = [f"immunohistochemistry/immunohistochemistry_{g:02d}{m}.jpg" if g % 2 else f"day/coffee_{g:02d}{m}.jpg"
                   for m in range(2 + g % 2)]
        for name in members:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(tmp_path / name)
        groups.append({"members": members, "kept": members[0]})
    png = example_groups_gallery_png(groups, tmp_path)
    width_px, height_px = Image.open(io.BytesIO(png)).size
    assert width_px / FIGURE_DPI <= FIGURE_WIDTH + 0.05 and 72 * height_px / FIGURE_DPI <= GROUPS_FIGURE_MAX_HEIGHT
    drawn = image(png, width=PAGE_WIDTH, max_height=GROUPS_FIGURE_MAX_HEIGHT)
    scale = drawn.drawWidth / (72 * width_px / FIGURE_DPI)  # page points per figure point
    assert drawn.drawWidth >= 0.95 * PAGE_WIDTH  # full width (was a third of it)
    assert scale >= 0.99 and CAPTION_SIZE * scale >= 6.0 and MIN_CAPTION_SIZE * scale >= 5.9


def _near_duplicates(n_groups: int, counts: list[int]) -> dict:
    return {"threshold": 0.05, "nGroups": n_groups, "nPairs": n_groups,
            "nearestNeighborDistanceNearZero": {"edges": [0.0, 0.1, 0.2], "counts": counts}}


def test_nothing_to_draw_gives_a_sentence_and_no_figure(tmp_path: Path, rng: np.random.Generator) -> None:
    assert nothing_near_zero(_near_duplicates(0, [0, 0])) and not nothing_near_zero(_near_duplicates(0, [0, 3]))
    assert not nothing_near_zero(_near_duplicates(2, [0, 0]))
    assert near_duplicates_none_note({}) is None
    run = synthetic_run(rng, n_input=80, n_selected=8)
    report = run.report.model_copy(update={"embedscope": {**run.report.embedscope,
                                                          "nearDuplicates": _near_duplicates(0, [0, 0])}})
    sentence = near_duplicates_none_note(report.embedscope)
    assert sentence is not None and sentence.startswith("Near-duplicates: none") and "0.05" in sentence
    render_pdf(report, report_figures(report), tmp_path / "report.pdf")
    render_html(report, tmp_path / "report.html")
    assert sentence in _flat_pdf_text(tmp_path / "report.pdf")
    assert sentence in (tmp_path / "report.html").read_text(encoding="utf-8")


def _flat_pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", " ", text)


def test_worst_case_sentence_only_for_the_k_center_greedy(tmp_path: Path, rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=300, n_selected=30)
    extra = read_extra_metrics(run.report)
    assert extra is not None and extra.k_center.optimal_radius_lower_bound is not None
    assert any(row.verdict == "worse" for row in headline_rows(run.report, extra))  # random wins on a mean
    block = {**run.report.embedscope["extraMetrics"]}
    block["kCenter"] = {**block["kCenter"], "optimalRadiusLowerBound": None}  # what a --selected report holds
    given = run.report.model_copy(update={"embedscope": {**run.report.embedscope, "extraMetrics": block}})
    for name, report, expected in (("greedy", run.report, True), ("given", given, False)):
        render_pdf(report, report_figures(report), tmp_path / f"{name}.pdf")
        render_html(report, tmp_path / f"{name}.html")
        assert (WORST_CASE in _flat_pdf_text(tmp_path / f"{name}.pdf")) is expected, name
        assert (WORST_CASE in (tmp_path / f"{name}.html").read_text(encoding="utf-8")) is expected, name


def test_set_legend_says_what_it_counts_and_constant_columns_are_left_out(rng: np.random.Generator) -> None:
    assert set_legend_labels([324, 36, 0, 40]) == ["input, not selected or random", "random, not selected",
                                                   "datapool", "selected"]
    assert set_legend_labels([360, 0, 0, 40])[0] == "input, not selected"
    names = [f"{'day' if i % 2 else 'night'}/img_{i}.jpg" for i in range(10)]
    constant = MapColumn("metadata: lightly.width", np.full(11, 320.0))
    constant_with_missing = MapColumn("metadata: lightly.height", np.r_[np.full(10, 240.0), np.nan])
    one_class = MapColumn("prediction: class", np.zeros(11, dtype=np.int32), ("cat",))
    varying = MapColumn("metadata: sharpness", np.r_[np.linspace(0, 1, 10), np.nan])
    sample_map = run_sample_map(names, ["pool/x.jpg"], selected=np.array([1, 2]), random=np.array([2, 3, 4]),
                                projections={"PCA": rng.normal(size=(11, 2))},
                                extra_columns=[constant, constant_with_missing, one_class, varying])
    labels = [column.label for column in sample_map.columns]
    assert labels == ["folder", "metadata: sharpness"]
    payload = map_payload(sample_map)
    set_spec = payload["columns"][0]
    assert set_spec["counts"] == [6, 2, 1, 2]  # 10 input = 6 + 2 random (the third is selected) + 2 selected
    assert set_spec["categories"][:2] == ["input, not selected or random", "random, not selected"]
