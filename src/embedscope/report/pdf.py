"""``report.pdf``: a readable multi-page document with real (extractable) text, built with reportlab."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from embedscope.io.atomic import atomic_path
from embedscope.report.colors import SET_LABELS
from embedscope.report.model import NumericDistributionPerSet, ReportV2

PAGE_WIDTH = A4[0] - 4 * cm  # usable width between the margins
_DIST_FIELDS = {
    "input": "input",
    "selected": "selected",
    "random": "random",
    "preselectedDatapool": "preselected_datapool",
    "selectedWithDatapool": "selected_with_datapool",
}

DIVERSITY_TEXT = (
    "Diversity is each sample's distance to its nearest other sample within the same set. Higher is better: "
    "a diverse subset holds few near-duplicates, so every labelled sample adds new information."
)
COVERAGE_TEXT = (
    "Coverage is each input sample's distance to its nearest sample in the covering set (selected or random, "
    "plus the datapool). Lower is better: the maximum coverage distance bounds the loss in model quality from "
    "training on the subset instead of the full input (Sener &amp; Savarese 2017, core-set)."
)


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    return {
        "title": sheet["Title"],
        "h1": sheet["Heading1"],
        "h2": sheet["Heading2"],
        "body": sheet["BodyText"],
        "small": ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10),
    }


def _table(rows: list[list[str]], *, col_widths: list[float] | None = None, header_color: str = "#263238") -> Table:
    table = Table(rows, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(header_color)),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f4f5")]),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#b0bec5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _image(png: bytes, width: float) -> Image:
    image = Image(io.BytesIO(png))
    scale = width / image.imageWidth
    image.drawWidth = width
    image.drawHeight = image.imageHeight * scale
    return image


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def _metrics_rows(distribution: NumericDistributionPerSet) -> list[list[str]]:
    rows = [["set", "mean", "std", "min", "median", "max", "n"]]
    for name, field in _DIST_FIELDS.items():
        dist = getattr(distribution, field)
        if dist is None:
            continue
        m = dist.metrics
        rows.append([SET_LABELS[name], _fmt(m.mean), _fmt(m.std), _fmt(m.min), _fmt(m.median), _fmt(m.max),
                     f"{sum(dist.counts):,}"])
    return rows


def _absent_notes(distribution: NumericDistributionPerSet, styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    return [
        Paragraph(f"<i>{SET_LABELS.get(name, name)}</i>: not shown because {reason}.", styles["small"])
        for name, reason in distribution.absent_sets.items()
    ]


def _search_notes(distribution: NumericDistributionPerSet, styles: dict[str, ParagraphStyle]) -> list[Paragraph]:
    notes = []
    for name, info in distribution.neighbor_search.items():
        if info.method != "exact":
            notes.append(Paragraph(
                f"{SET_LABELS.get(name, name)}: approximate search ({info.method}), recall@1 "
                f"{info.recall:.3f} measured on {info.recall_sample_size} samples.", styles["small"]))
    return notes


def _selection_results(report: ReportV2) -> list[list[str]]:
    info = report.dataset_analysis.embedding_information
    nn, cover = info.distance_to_nearest_neighbor_in_set, info.distance_to_cover_input

    def mean(dist: object) -> str:
        return _fmt(dist.metrics.mean) if dist is not None else "n/a"  # type: ignore[attr-defined]

    def maximum(dist: object) -> str:
        return _fmt(dist.metrics.max) if dist is not None else "n/a"  # type: ignore[attr-defined]

    return [
        ["metric", "selected", "random", "better"],
        ["diversity: mean distance to nearest neighbour in set", mean(nn.selected), mean(nn.random), "higher"],
        ["coverage: mean distance to cover input", mean(cover.selected), mean(cover.random), "lower"],
        ["coverage: max distance to cover input (k-center radius)", maximum(cover.selected), maximum(cover.random),
         "lower"],
    ]


def render_pdf(report: ReportV2, plots: dict[str, bytes], path: Path) -> None:
    """Write ``report.pdf`` atomically.

    Args:
        plots: figure name → PNG bytes (``scatter_pca``, ``scatter_umap``, ``hist_nearest_neighbor``,
            ``hist_cover``), as written to ``plots/``.
    """
    styles = _styles()
    general = report.general_information
    sizes = general.dataset_information.dataset_sizes
    run = general.run_information
    params = report.embedscope.get("parameters", {})
    info = report.dataset_analysis.embedding_information
    story: list[object] = [
        Paragraph("embedscope embedding analysis report", styles["title"]),
        Paragraph(f"Dataset: <b>{general.dataset_information.dataset_name}</b>", styles["body"]),
        Paragraph(
            f"Run {run.run_id} · started {datetime.fromtimestamp(run.start_timestamp, tz=UTC):%Y-%m-%d %H:%M} UTC"
            f" · {run.total_processing_time_s:.1f} s · embedscope {general.worker_information.build_version}",
            styles["small"],
        ),
        Spacer(1, 0.4 * cm),
        Paragraph("Summary", styles["h1"]),
        _table([
            ["", "samples"],
            ["input (selectable)", f"{sizes.n_input:,}"],
            ["selected", f"{sizes.n_selected:,}"],
            ["not selected (removed)", f"{sizes.n_removed:,}"],
            ["preselected datapool", f"{sizes.n_preselected_datapool:,}"],
            ["selected + datapool", f"{sizes.n_selected_with_datapool:,}"],
            ["corrupt files skipped", f"{sizes.n_corrupt:,}"],
            ["exact duplicates skipped", f"{sizes.n_duplicate:,}"],
        ], col_widths=[7 * cm, 4 * cm]),
        Spacer(1, 0.4 * cm),
        Paragraph("Parameters", styles["h2"]),
        _table([["parameter", "value"]] + [
            [key, str(value)] for key, value in params.items() if value not in (None, {}, "")
        ], col_widths=[5 * cm, PAGE_WIDTH - 5 * cm]),
        PageBreak(),
        Paragraph("Selection results", styles["h1"]),
        _table(_selection_results(report), col_widths=[8.5 * cm, 2.6 * cm, 2.6 * cm, 2.2 * cm]),
        Spacer(1, 0.3 * cm),
        Paragraph(DIVERSITY_TEXT, styles["body"]),
        Paragraph(COVERAGE_TEXT, styles["body"]),
        Paragraph(
            f"The random set is a uniform random subset of the input of the same size as the selection "
            f"(seed {params.get('seed', 0)}).", styles["body"],
        ),
        PageBreak(),
        Paragraph("Scatter plots", styles["h1"]),
        Paragraph("Input samples in grey, selected in blue, datapool in orange.", styles["body"]),
        _image(plots["scatter_pca"], PAGE_WIDTH * 0.78),
        _image(plots["scatter_umap"], PAGE_WIDTH * 0.78),
        PageBreak(),
        Paragraph("Diversity: distance to nearest neighbour in set", styles["h1"]),
        Paragraph(DIVERSITY_TEXT, styles["body"]),
        _image(plots["hist_nearest_neighbor"], PAGE_WIDTH),
        _table(_metrics_rows(info.distance_to_nearest_neighbor_in_set)),
        *_absent_notes(info.distance_to_nearest_neighbor_in_set, styles),
        *_search_notes(info.distance_to_nearest_neighbor_in_set, styles),
        PageBreak(),
        Paragraph("Coverage: distance to cover input", styles["h1"]),
        Paragraph(COVERAGE_TEXT, styles["body"]),
        _image(plots["hist_cover"], PAGE_WIDTH),
        _table(_metrics_rows(info.distance_to_cover_input)),
        *_search_notes(info.distance_to_cover_input, styles),
    ]
    examples = general.selected_and_removed_image_examples
    if examples:
        story += [
            Spacer(1, 0.5 * cm),
            Paragraph("Selected samples and their nearest removed sample", styles["h2"]),
            _table([["selected", "nearest not selected", "distance"]] + [
                [e.selected_image, e.removed_image, _fmt(e.distance)] for e in examples
            ], col_widths=[6.5 * cm, 6.5 * cm, 2.5 * cm]),
        ]
    with atomic_path(path) as tmp:
        document = SimpleDocTemplate(
            str(tmp), pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.8 * cm, bottomMargin=1.8 * cm,
            title="embedscope embedding analysis report", author="embedscope",
        )
        document.build(story)  # type: ignore[arg-type]
