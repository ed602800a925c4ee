"""``report.html``: one self-contained interactive page (plotly.js inlined once, no network) with every
section of the PDF: zoomable scatter plots whose hover shows the filename (and a thumbnail when given),
histograms and bar charts whose legend toggles sets, and the metrics tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import plotly
from plotly.offline import get_plotlyjs

from embedscope.io.atomic import atomic_write_text
from embedscope.report import texts
from embedscope.report.comparison_notes import (
    coverage_zero_note,
    is_plain_k_center,
    k_center_note,
    random_baseline_text,
    random_row_label,
    random_seed_note,
    worse_than_random_note,
)
from embedscope.report.constant_values import constant_value
from embedscope.report.coverage_histogram import covering_counts, without_covering_samples
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.figures import figure_names
from embedscope.report.folder_sections import (
    BOUNDING_BOXES_PREFIX,
    TIMELINE_PREFIX,
    object_level_text,
    prediction_summary_table,
    skipped_predictions_note,
    skipped_predictions_table,
    video_summary,
    video_table,
    video_table_note,
)
from embedscope.report.html_figures import (
    MAX_POINTS_PER_TRACE,
    ScatterNames,
    categorical_figure,
    comparison_figure,
    histogram_figure,
    scatter_figure,
)
from embedscope.report.html_map import map_explanation, map_markup
from embedscope.report.html_map_export_script import EXPORT_SCRIPT
from embedscope.report.html_map_script import MAP_SCRIPT
from embedscope.report.html_page import Page, escape, script_json
from embedscope.report.html_style import CSS, NAV_HEIGHT_SCRIPT, THUMBNAIL_SCRIPT
from embedscope.report.hygiene_json import near_duplicates_none_note
from embedscope.report.model import EmbeddingInformation, ExtraMetrics, MetadataKeyInformation, ReportV2
from embedscope.report.sample_map import SampleMap, sample_map_from_report
from embedscope.report.sections import (
    HeadlineRow,
    categorical_table,
    distribution_notes,
    distribution_table,
    fmt,
    headline_rows,
    headline_table,
    k_center_table,
    own_crop_analysis,
    parameters_table,
    prdc_table,
    random_baseline_table,
    run_notes,
    sizes_table,
    stage_table,
    vendi_table,
)

MAP_ID = "sample-map"
N_HEADLINE_CARDS = 4  # the first headline rows shown as cards at the top
_VERDICT_CLASS = {"better": "verdict-better", "worse": "verdict-worse"}


def _cards(rows: list[HeadlineRow]) -> str:
    cards = []
    for row in rows[:N_HEADLINE_CARDS]:
        verdict = _VERDICT_CLASS.get(row.verdict, "verdict-noise")
        cards.append(
            f'<div class="card"><div class="label">{escape(row.metric)} ({escape(row.better)} is better)</div>'
            f'<div class="value">{escape(row.selected)}</div>'
            f'<div class="cmp">random {escape(row.random)} · <span class="{verdict}">{escape(row.ratio)}, '
            f"{escape(row.verdict)}</span></div></div>"
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _cover(report: ReportV2, extra: ExtraMetrics | None) -> tuple[str, list[HeadlineRow]]:
    general = report.general_information
    sizes = general.dataset_information.dataset_sizes
    run = general.run_information
    started = datetime.fromtimestamp(run.start_timestamp, tz=UTC)
    share = 100.0 * sizes.n_selected / sizes.n_input if sizes.n_input else 0.0
    pool = f", on top of a datapool of {sizes.n_preselected_datapool:,}" if sizes.n_preselected_datapool else ""
    rows = headline_rows(report, extra)
    header = (
        f'<header class="cover"><div class="wrap"><h1>{escape(texts.REPORT_TITLE)}</h1>'
        f'<p class="subtitle">Dataset <b>{escape(general.dataset_information.dataset_name)}</b></p>'
        f'<p class="small">Run {escape(run.run_id)} · {started:%Y-%m-%d %H:%M} UTC · {run.total_processing_time_s:,.1f} s'
        f" · embedscope {escape(general.worker_information.build_version)}</p>"
        f'<p class="headline">Selected <b>{sizes.n_selected:,}</b> of <b>{sizes.n_input:,}</b> input samples '
        f"({share:.1f} %){escape(pool)}.</p><p>{escape(texts.INTRO)}</p>{_cards(rows)}</div></header>"
    )
    return header, rows


def _scatter_figures(page: Page, info: EmbeddingInformation, *, names: ScatterNames | None) -> None:
    """PCA and UMAP as two plotly figures (a task's object crops: a few thousand points, no selection tools)."""
    page.paragraph("Input samples in grey, selected in blue. Drag to zoom, double-click to reset, click a legend "
                   "entry to hide or show a set.", "note")
    scatter = info.scatter_plot_data
    for data, title in ((scatter.pca_embedding_data, "PCA of the embeddings"),
                        (scatter.umap_embedding_data, "UMAP of the embeddings")):
        drawn = scatter_figure(data, title=title, names=names, max_points=page.max_points)
        if drawn.note:
            page.paragraph(f"{title}: {drawn.note}", "note")
        page.plot(drawn.figure, hover_thumbnails=True)


def _sample_map(page: Page, info: EmbeddingInformation, *, names: ScatterNames | None,
                sample_map: SampleMap | None) -> None:
    """The interactive map of every sample: colour-by, lasso / box selection, list and downloads."""
    scatter = info.scatter_plot_data
    if sample_map is None:
        sample_map = sample_map_from_report(scatter.umap_embedding_data, scatter.pca_embedding_data, names=names)
    page.paragraph(map_explanation(sample_map), "note")
    page.parts.append(map_markup(sample_map, map_id=MAP_ID))


def _embedding_sections(page: Page, info: EmbeddingInformation, *, names: ScatterNames | None,
                        report: ReportV2 | None, sample_map: SampleMap | None = None,
                        extra: ExtraMetrics | None = None) -> None:
    """Scatter plots, diversity and coverage of one embedding analysis (samples, or a task's crops); ``extra``:
    the random baseline of these samples (None for a task's crops)."""
    page.section("Scatter plots", texts.SCATTER)
    scatter = info.scatter_plot_data
    if report is None:
        _scatter_figures(page, info, names=names)
    else:
        _sample_map(page, info, names=names, sample_map=sample_map)
    examples = [e.filename for e in scatter.umap_embedding_data.example_images]
    if examples and any(n in page.thumbnails for n in examples):
        page.subsection("Example images (the first picks)")
        page.gallery(examples)
    cover = without_covering_samples(info.distance_to_cover_input, covering_counts(info))
    for title, explanation, distribution, drawn, label, notes in (
        ("Diversity: distance to nearest neighbour in set", texts.DIVERSITY, info.distance_to_nearest_neighbor_in_set,
         info.distance_to_nearest_neighbor_in_set, "Distance to nearest neighbour in set",
         [random_seed_note(extra, metric="diversity")]),
        ("Coverage: distance to cover input", texts.COVERAGE, info.distance_to_cover_input, cover,
         "Distance to cover input, covering samples left out",
         [coverage_zero_note(covering_counts(info)), random_seed_note(extra, metric="coverage")]),
    ):
        page.section(title, explanation)
        page.plot(histogram_figure(drawn, title=label, xlabel="Euclidean distance",
                                   random_label=random_row_label(extra)))
        page.table(distribution_table(distribution, random_label=random_row_label(extra)))
        page.notes([n for n in notes if n] + distribution_notes(distribution))
    if report is not None:
        _examples(page, report)


def _examples(page: Page, report: ReportV2) -> None:
    examples = report.general_information.selected_and_removed_image_examples
    if not examples:
        return
    page.subsection("Selected samples and their nearest removed sample",
                    "The first picks of the selection with the most similar input sample that was not selected.")

    def cell(name: str) -> str:
        thumb = page.thumbnails.get(name)
        image = f'<img class="inline-thumb" alt="" src="{thumb}">' if thumb else ""
        return f"<td>{image}{escape(name)}</td>"

    rows = "".join(f'<tr>{cell(e.selected_image)}{cell(e.removed_image)}<td class="num">{escape(fmt(e.distance))}</td></tr>'
                   for e in examples)
    page.parts.append("<table><thead><tr><th>selected</th><th>nearest not selected</th>"
                      f'<th class="num">distance</th></tr></thead><tbody>{rows}</tbody></table>')


def _beyond_lightlyone(page: Page, extra: ExtraMetrics) -> None:
    page.section("Selected against random subsets", random_baseline_text(extra))
    page.paragraph("The figure of the summary shows these numbers.", "note")
    page.table(random_baseline_table(extra))
    page.subsection("k-center and facility-location objectives", texts.K_CENTER)
    page.table(k_center_table(extra))
    page.paragraph(k_center_note(extra), "note")
    page.section("Distribution match and diversity: PRDC and Vendi score", texts.PRDC)
    if extra.prdc is not None:
        page.table(prdc_table(extra))
        page.paragraph(f"Method: {extra.prdc.method}.", "note")
    else:
        page.paragraph(f"PRDC not computed: {extra.prdc_absent_reason}.", "note")
    page.subsection("Vendi score", texts.VENDI)
    page.table(vendi_table(extra))
    page.paragraph(f"Kernel: {extra.vendi_score.kernel}.", "note")


def _distribution_entry(page: Page, title: str, entry: MetadataKeyInformation) -> None:
    page.subsection(title)
    if entry.category_distribution is not None:
        page.plot(categorical_figure(entry.category_distribution, title=title))
        page.table(categorical_table(entry.category_distribution))
    elif entry.numeric_distribution is not None:
        if constant_value(entry.numeric_distribution) is None:
            page.plot(histogram_figure(entry.numeric_distribution, title=title, xlabel=title))
        page.table(distribution_table(entry.numeric_distribution))
        page.notes(distribution_notes(entry.numeric_distribution))


def _sample_data(page: Page, report: ReportV2) -> None:
    analysis = report.dataset_analysis
    if analysis.metadata_information or analysis.score_information:
        page.section("Metadata and scores", texts.METADATA)
        for key, entry in (analysis.metadata_information or {}).items():
            _distribution_entry(page, f"metadata: {key}", entry)
        for key, entry in (analysis.score_information or {}).items():
            _distribution_entry(page, f"score: {key}", entry)
    for task, information in report.prediction_task_information.items():
        page.section(f"Predictions: {task} ({information.task_type})", texts.PREDICTIONS)
        if information.category_distribution is not None:
            page.plot(categorical_figure(information.category_distribution, title=f"{task}: predicted categories"))
            page.table(categorical_table(information.category_distribution))
        crops = own_crop_analysis(report, information)
        if crops is not None:
            page.paragraph(texts.CROPS)
            _embedding_sections(page, crops, names=None, report=None)
        elif information.detection_task_information is not None:
            page.paragraph(texts.CROPS_ARE_MAIN)


def _folder_sections(page: Page, report: ReportV2, images: dict[str, str], titles: Mapping[str, str]) -> None:
    """Videos and predictions read, as in the PDF; takes the timelines and box examples out of ``images``."""
    summary = video_summary(report)
    if summary is not None:
        page.section("Videos", texts.VIDEOS)
        page.paragraph(summary)
        page.table(video_table(report))
        page.notes([note] if (note := video_table_note(report)) else [])
        for key in [k for k in images if k.startswith(TIMELINE_PREFIX)]:
            page.image(images.pop(key), titles.get(key, key))
    summary_table = prediction_summary_table(report)
    if summary_table is not None:
        page.section("Predictions read", texts.PREDICTIONS_READ)
        if (crops := object_level_text(report)) is not None:
            page.paragraph(crops)
        page.table(summary_table)
        page.table(skipped_predictions_table(report))
        page.notes([note] if (note := skipped_predictions_note(report)) else [])
        for key in [k for k in images if k.startswith(BOUNDING_BOXES_PREFIX)]:
            page.image(images.pop(key), titles.get(key, key))


def _other_images(page: Page, report: ReportV2, images: Mapping[str, str], titles: Mapping[str, str]) -> None:
    none_found = near_duplicates_none_note(report.embedscope)
    if images or none_found is not None:
        page.section("Other figures", texts.OTHER_FIGURES)
        if none_found is not None:
            page.paragraph(none_found)
        for key, uri in images.items():
            page.image(uri, titles.get(key, key.replace("_", " ")))


def render_html(
    report: ReportV2,
    path: Path,
    *,
    names: ScatterNames | None = None,
    thumbnails: Mapping[str, str] | None = None,
    other_images: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
    max_points_per_trace: int = MAX_POINTS_PER_TRACE,
    sample_map: SampleMap | None = None,
) -> None:
    """Write ``report.html`` atomically.

    Args:
        names: filenames of the scatter points of the samples' projections (hover labels); without them the
            hover shows the point's number.
        thumbnails: filename → image data URI (``data:image/jpeg;base64,…``), for image inputs: shown when
            hovering a point with that filename, in the example gallery and in the examples table.
        other_images: figure name → PNG data URI of figures without an interactive version (e.g. the
            bounding-box examples); shown under "Other figures" (see :func:`thumbnails.png_data_uri`).
        titles: figure name → caption of the ``other_images`` (default: the name).
        max_points_per_trace: the scatter plots of object crops draw each set above this as a seeded
            subsample (the page says so).
        sample_map: every sample with its set, 2-D positions and colour-by columns, for the map (lasso
            selection and export); without it the map holds the points listed in the report's scatter data.
    """
    extra = read_extra_metrics(report)
    page = Page(thumbnails or {}, max_points_per_trace)
    cover, rows = _cover(report, extra)
    page.section("Summary", texts.HEADLINE, numbered=False)
    if extra is not None:
        page.plot(comparison_figure(extra))
    page.table(headline_table(rows, n_seeds=len(extra.random_baseline.seeds) if extra else None))
    if (worse := worse_than_random_note(rows, plain_k_center=is_plain_k_center(extra))) is not None:
        page.paragraph(worse, "note")
    page.section("Run summary")
    page.table(sizes_table(report))
    page.notes(run_notes(report))
    page.subsection("Parameters and strategies")
    page.table(parameters_table(report))
    page.subsection("Time per stage")
    page.table(stage_table(report))
    _embedding_sections(page, report.dataset_analysis.embedding_information, names=names, report=report,
                        sample_map=sample_map, extra=extra)
    if extra is not None:
        _beyond_lightlyone(page, extra)
    _sample_data(page, report)
    rest = dict(other_images or {})
    _folder_sections(page, report, rest, titles or {})
    _other_images(page, report, rest, titles or {})
    page.close()
    numbers = iter(range(1, len(page.toc) + 1))
    toc = "".join(f'<a href="#{anchor}">{f"{next(numbers)}. " if numbered else ""}{escape(title)}</a>'
                  for anchor, title, numbered in page.toc)
    thumbnails_script = (f"<script>var EMBEDSCOPE_THUMBNAILS = {script_json(dict(thumbnails))};</script>"
                         if thumbnails else "")
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(texts.REPORT_TITLE)} · {escape(report.general_information.dataset_information.dataset_name)}</title>"
        f"<style>{CSS}</style><script>{get_plotlyjs()}</script><script>{NAV_HEIGHT_SCRIPT}{THUMBNAIL_SCRIPT}{MAP_SCRIPT}{EXPORT_SCRIPT}</script>"
        f'{thumbnails_script}</head><body><div id="thumbnail-box"><img alt=""><span></span></div>{cover}'
        f'<nav class="toc"><div class="wrap">{toc}</div></nav><main class="wrap">{"".join(page.parts)}</main>'
        f'<footer class="wrap">Written by embedscope {escape(report.general_information.worker_information.build_version)}'
        f" with plotly {escape(plotly.__version__)}; self-contained, works offline. The same numbers are in "
        "report_v2.json and report.pdf.</footer></body></html>"
    )
    atomic_write_text(path, document)


def interactive_figure_names(report: ReportV2) -> set[str]:
    """The figures of :func:`embedscope.report.figures.report_figures` that the page draws interactively
    (every other PNG belongs in ``other_images``)."""
    return set(figure_names(report))
