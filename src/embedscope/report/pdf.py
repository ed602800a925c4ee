"""``report.pdf``: a cover with the headline numbers, then the numbered sections, each with its explanation
(a section starts a new page only when less than :data:`MIN_SECTION_START_HEIGHT` of the page is left).

Built with reportlab from the :class:`ReportV2` model and the figures of :func:`report_figures`; the text
is real (extractable) text, tables wrap inside the page, and every page has a numbered footer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from reportlab.lib.units import cm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from embedscope.io.atomic import atomic_path
from embedscope.report import texts
from embedscope.report.comparison_notes import (
    coverage_zero_note,
    is_plain_k_center,
    k_center_note,
    random_baseline_text,
    random_row_label,
    random_seed_note,
    set_colours_text,
    worse_than_random_note,
)
from embedscope.report.coverage_histogram import covering_counts
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.figures import slug
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
from embedscope.report.hygiene_figures import NEAR_DUPLICATE_GROUPS_FIGURE
from embedscope.report.hygiene_json import near_duplicates_none_note
from embedscope.report.model import EmbeddingInformation, ExtraMetrics, MetadataKeyInformation, ReportV2
from embedscope.report.pdf_layout import (
    MARGIN,
    MAX_FIGURE_HEIGHT,
    PAGE_HEIGHT,
    PAGE_SIZE,
    PAGE_WIDTH,
    example_pairs,
    gallery,
    image,
    numbered_canvas,
    styles,
    table,
    text,
)
from embedscope.report.sections import (
    TableData,
    categorical_table,
    distribution_notes,
    distribution_table,
    examples_table,
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

MIN_SECTION_START_HEIGHT = 0.45 * PAGE_HEIGHT  # a section title, its text and a first figure or table fit in it
HISTOGRAM_WIDTH = 0.8 * PAGE_WIDTH
HISTOGRAM_MAX_HEIGHT = 0.26 * PAGE_HEIGHT  # the diversity and the coverage section (figure, table, notes) share a page
HISTOGRAM_SECTION_HEIGHT = 0.42 * PAGE_HEIGHT  # title, explanation and figure of a histogram section
GROUPS_FIGURE_MAX_HEIGHT = 0.9 * PAGE_HEIGHT  # the near-duplicate groups: full width, captions at their own size
SCATTER_WIDTH = 0.8 * PAGE_WIDTH
SCATTER_MAX_HEIGHT = 0.4 * PAGE_HEIGHT  # two scatter plots with the section's text fit one page
SCATTER_WITH_GALLERY_MAX_HEIGHT = 0.33 * PAGE_HEIGHT  # ... and with a row of example thumbnails


class _Builder:
    """Collects the story and remembers which figures it used (the rest go to "Other figures").

    A sub-section's title and explanation are held back and kept on one page with the first figure or table
    that follows them, so a title never ends a page alone.
    """

    def __init__(self, plots: Mapping[str, bytes], thumbnails: Mapping[str, bytes]) -> None:
        self.sheet = styles()
        self.plots = plots
        self.thumbnails = thumbnails
        self.used: set[str] = set()
        self.story: list[Flowable] = []
        self.section_number = 0
        self._pending: list[Flowable] = []

    def _add(self, *flowables: Flowable) -> None:
        if self._pending:
            self.story.append(KeepTogether([*self._pending, flowables[0]]))
            self.story += flowables[1:]
            self._pending = []
        else:
            self.story += flowables

    def flush(self) -> None:
        self.story += self._pending
        self._pending = []

    def section(self, title: str, explanation: str | None = None, *, new_page: bool = False,
                min_height: float = MIN_SECTION_START_HEIGHT) -> None:
        """A numbered title and the section's explanation, on a new page when little of this one is left (or
        always, with ``new_page``: the scatter plots fill a page of their own)."""
        self.flush()
        self.section_number += 1
        self.story += [PageBreak() if new_page else CondPageBreak(min_height), Spacer(1, 0.4 * cm), Paragraph(f"{self.section_number}&nbsp;&nbsp;{text(title)}", self.sheet["h1"])]
        if explanation:
            self.paragraph(explanation)

    def subsection(self, title: str, explanation: str | None = None) -> None:
        self.flush()
        self._pending = [Paragraph(text(title), self.sheet["h2"])]
        if explanation:
            self._pending.append(Paragraph(text(explanation), self.sheet["body"]))

    def paragraph(self, value: str, style: str = "body") -> None:
        self.flush()
        self.story.append(Paragraph(text(value), self.sheet[style]))

    def notes(self, values: list[str]) -> None:
        for value in values:
            self.paragraph(value, "small")

    def table(self, data: TableData | None, *, width: float = PAGE_WIDTH) -> None:
        if data is not None and data.rows:
            self._add(table(data, self.sheet, width=width), Spacer(1, 0.3 * cm))

    def add_flowable(self, flowable: Flowable) -> None:
        self._add(flowable, Spacer(1, 0.2 * cm))

    def figure(self, key: str, *, width: float = PAGE_WIDTH, max_height: float = MAX_FIGURE_HEIGHT) -> None:
        if key in self.plots:
            self.used.add(key)
            self._add(image(self.plots[key], width=width, max_height=max_height), Spacer(1, 0.2 * cm))


def _cover(b: _Builder, report: ReportV2, extra: ExtraMetrics | None) -> None:
    general = report.general_information
    sizes = general.dataset_information.dataset_sizes
    run = general.run_information
    started = datetime.fromtimestamp(run.start_timestamp, tz=UTC)
    share = 100.0 * sizes.n_selected / sizes.n_input if sizes.n_input else 0.0
    pool = (f", on top of a datapool of {sizes.n_preselected_datapool:,}" if sizes.n_preselected_datapool else "")
    b.story += [
        Paragraph(text(texts.REPORT_TITLE), b.sheet["title"]),
        Paragraph(f"Dataset <b>{text(general.dataset_information.dataset_name)}</b>", b.sheet["subtitle"]),
        Paragraph(text(f"Run {run.run_id} · {started:%Y-%m-%d %H:%M} UTC · {run.total_processing_time_s:,.1f} s · "
                       f"embedscope {general.worker_information.build_version}"), b.sheet["small"]),
        Spacer(1, 0.5 * cm),
        Paragraph(f"Selected <b>{sizes.n_selected:,}</b> of <b>{sizes.n_input:,}</b> input samples "
                  f"({share:.1f} %){text(pool)}.", b.sheet["big"]),
    ]
    b.story.append(Paragraph("Summary", b.sheet["h2"]))
    rows = headline_rows(report, extra)
    radius = rows[0]
    if radius.verdict != "n/a":
        b.paragraph(f"Coverage radius {radius.selected} against {radius.random} for random subsets of the same "
                    f"size ({radius.ratio}). {texts.INTRO}")
    else:
        b.paragraph(texts.INTRO)
    b.figure("selected_vs_random")
    b.table(headline_table(rows, n_seeds=len(extra.random_baseline.seeds) if extra else None))
    b.paragraph(texts.HEADLINE, "small")
    if (worse := worse_than_random_note(rows, plain_k_center=is_plain_k_center(extra))) is not None:
        b.paragraph(worse, "small")
    b.story.append(PageBreak())


def _run_summary(b: _Builder, report: ReportV2) -> None:
    b.section("Run summary")
    b.table(sizes_table(report), width=0.6 * PAGE_WIDTH)
    b.notes(run_notes(report))
    b.subsection("Parameters and strategies")
    b.table(parameters_table(report))
    stages = stage_table(report)
    if stages is not None:
        b.subsection("Time per stage")
        b.table(stages, width=0.6 * PAGE_WIDTH)


def _embedding_sections(b: _Builder, info: EmbeddingInformation, *, prefix: str, examples: bool,
                        report: ReportV2, extra: ExtraMetrics | None = None, colours: str | None = None) -> None:
    """Scatter plots, diversity and coverage (for the samples, or for one task's object crops); ``extra``: the
    random baseline of these samples (None for a task's crops); ``colours``: the scatter plots' colour sentence
    when they are not coloured by set."""
    projection = info.scatter_plot_data.umap_embedding_data.projection
    b.section("Scatter plots", texts.SCATTER, new_page=True)
    b.paragraph(colours or set_colours_text(info.scatter_plot_data.umap_embedding_data), "small")
    if projection is not None and projection.n_input_listed < projection.n_input_total:
        b.paragraph(f"{projection.n_input_listed:,} of {projection.n_input_total:,} input samples are shown "
                    f"(a seeded uniform subsample); every selected sample is shown.", "small")
    shown = [e.filename for e in info.scatter_plot_data.umap_embedding_data.example_images
             if e.filename in b.thumbnails]
    height = SCATTER_MAX_HEIGHT
    if shown:
        b.subsection("Example images (the first picks)")
        b.add_flowable(gallery([(name, b.thumbnails[name]) for name in shown], b.sheet))
        height = SCATTER_WITH_GALLERY_MAX_HEIGHT
    b.figure(f"{prefix}scatter_pca", width=SCATTER_WIDTH, max_height=height)
    b.figure(f"{prefix}scatter_umap", width=SCATTER_WIDTH, max_height=height)
    b.section("Diversity: distance to nearest neighbour in set", texts.DIVERSITY, min_height=HISTOGRAM_SECTION_HEIGHT)
    b.figure(f"{prefix}hist_nearest_neighbor", width=HISTOGRAM_WIDTH, max_height=HISTOGRAM_MAX_HEIGHT)
    b.table(distribution_table(info.distance_to_nearest_neighbor_in_set, random_label=random_row_label(extra)))
    b.notes([n for n in (random_seed_note(extra, metric="diversity"),) if n]
            + distribution_notes(info.distance_to_nearest_neighbor_in_set))
    b.section("Coverage: distance to cover input", texts.COVERAGE, min_height=HISTOGRAM_SECTION_HEIGHT)
    b.figure(f"{prefix}hist_cover", width=HISTOGRAM_WIDTH, max_height=HISTOGRAM_MAX_HEIGHT)
    b.table(distribution_table(info.distance_to_cover_input, random_label=random_row_label(extra)))
    b.notes([n for n in (coverage_zero_note(covering_counts(info)), random_seed_note(extra, metric="coverage")) if n]
            + distribution_notes(info.distance_to_cover_input))
    pairs = examples_table(report) if examples else None
    if pairs is not None:
        b.subsection("Selected samples and their nearest removed sample",
                     "The first picks of the selection with the most similar input sample that was not selected.")
        if any(row[0] in b.thumbnails or row[1] in b.thumbnails for row in pairs.rows):
            b.add_flowable(example_pairs([(row[0], row[1], row[2]) for row in pairs.rows], b.thumbnails, b.sheet))
        else:
            b.table(pairs)


def _beyond_lightlyone(b: _Builder, extra: ExtraMetrics) -> None:
    b.section("Selected against random subsets", random_baseline_text(extra))
    b.table(random_baseline_table(extra))
    b.subsection("k-center and facility-location objectives", texts.K_CENTER)
    b.table(k_center_table(extra), width=0.8 * PAGE_WIDTH)
    b.paragraph(k_center_note(extra), "small")
    b.section("Distribution match and diversity: PRDC and Vendi score", texts.PRDC)
    prdc = prdc_table(extra)
    if prdc is not None and extra.prdc is not None:
        b.table(prdc, width=0.6 * PAGE_WIDTH)
        b.paragraph(f"Method: {extra.prdc.method}.", "small")
    else:
        b.paragraph(f"PRDC not computed: {extra.prdc_absent_reason}.", "small")
    b.subsection("Vendi score", texts.VENDI)
    b.table(vendi_table(extra), width=0.6 * PAGE_WIDTH)
    b.paragraph(f"Kernel: {extra.vendi_score.kernel}.", "small")


def _distribution_entry(b: _Builder, title: str, entry: MetadataKeyInformation, key: str) -> None:
    b.subsection(title)
    b.figure(key, width=0.85 * PAGE_WIDTH)
    if entry.category_distribution is not None:
        b.table(categorical_table(entry.category_distribution))
    elif entry.numeric_distribution is not None:
        b.table(distribution_table(entry.numeric_distribution))
        b.notes(distribution_notes(entry.numeric_distribution))


def _sample_data(b: _Builder, report: ReportV2) -> None:
    analysis = report.dataset_analysis
    if analysis.metadata_information or analysis.score_information:
        b.section("Metadata and scores", texts.METADATA)
        for key, entry in (analysis.metadata_information or {}).items():
            _distribution_entry(b, f"metadata: {key}", entry, f"metadata_{slug(key)}")
        for key, entry in (analysis.score_information or {}).items():
            _distribution_entry(b, f"score: {key}", entry, f"score_{slug(key)}")
    for task, information in report.prediction_task_information.items():
        b.section(f"Predictions: {task} ({information.task_type})", texts.PREDICTIONS)
        if information.category_distribution is not None:
            b.figure(f"task_{slug(task)}_categories", width=0.85 * PAGE_WIDTH)
            b.table(categorical_table(information.category_distribution))
        crops = own_crop_analysis(report, information)
        if crops is not None:
            b.paragraph(texts.CROPS)
            _embedding_sections(b, crops, prefix=f"task_{slug(task)}_", examples=False, report=report)
        elif information.detection_task_information is not None:
            b.paragraph(texts.CROPS_ARE_MAIN)


def _folder_sections(b: _Builder, report: ReportV2, titles: Mapping[str, str]) -> None:
    """Videos (sizes, faults, timelines) and the predictions read (skips, object-level crops, box examples)."""
    summary = video_summary(report)
    if summary is not None:
        b.section("Videos", texts.VIDEOS)
        b.paragraph(summary)
        b.table(video_table(report))
        b.notes([note] if (note := video_table_note(report)) else [])
        for key in [k for k in b.plots if k.startswith(TIMELINE_PREFIX)]:
            b.subsection(titles.get(key, key))
            b.figure(key, width=0.85 * PAGE_WIDTH)
    summary_table = prediction_summary_table(report)
    if summary_table is not None:
        b.section("Predictions read", texts.PREDICTIONS_READ)
        if (crops := object_level_text(report)) is not None:
            b.paragraph(crops)
        b.table(summary_table)
        skipped = skipped_predictions_table(report)
        if skipped is not None:
            b.table(skipped)
            b.notes([note] if (note := skipped_predictions_note(report)) else [])
        for key in [k for k in b.plots if k.startswith(BOUNDING_BOXES_PREFIX)]:
            b.subsection(titles.get(key, key))
            b.figure(key, width=0.75 * PAGE_WIDTH, max_height=0.38 * PAGE_HEIGHT)


def _other_figures(b: _Builder, report: ReportV2, titles: Mapping[str, str]) -> None:
    """The figures no section used (full width for the near-duplicate groups, whose thumbnails carry captions),
    and the sentence that stands for the near-duplicate figure when there are none."""
    rest = [key for key in b.plots if key not in b.used]
    none_found = near_duplicates_none_note(report.embedscope)
    if not rest and none_found is None:
        return
    b.section("Other figures", texts.OTHER_FIGURES)
    if none_found is not None:
        b.paragraph(none_found)
    for key in rest:
        full = key == NEAR_DUPLICATE_GROUPS_FIGURE
        picture = image(b.plots[key], width=PAGE_WIDTH if full else 0.85 * PAGE_WIDTH,
                        max_height=GROUPS_FIGURE_MAX_HEIGHT if full else MAX_FIGURE_HEIGHT)
        b.story.append(KeepTogether([Paragraph(text(titles.get(key, key.replace("_", " "))), b.sheet["h2"]), picture]))
        b.used.add(key)


def render_pdf(
    report: ReportV2,
    plots: Mapping[str, bytes],
    path: Path,
    *,
    thumbnails: Mapping[str, bytes] | None = None,
    titles: Mapping[str, str] | None = None,
    scatter_colours: str | None = None,
) -> None:
    """Write ``report.pdf`` atomically.

    Args:
        plots: figure name → PNG bytes, as :func:`embedscope.report.figures.report_figures` names them; a
            missing figure is left out, and figures no section uses are shown under "Other figures".
        thumbnails: filename → small JPEG/PNG (image inputs); the example images are shown as a gallery.
        titles: figure name → caption of the figures under "Other figures" (default: the name).
        scatter_colours: the sentence on the scatter plots' colours when ``plots`` colour them otherwise than by
            set (e.g. by folder); None: input grey, selected blue.
    """
    extra = read_extra_metrics(report)
    b = _Builder(plots, thumbnails or {})
    _cover(b, report, extra)
    _run_summary(b, report)
    _embedding_sections(b, report.dataset_analysis.embedding_information, prefix="", examples=True, report=report,
                        extra=extra, colours=scatter_colours)
    if extra is not None:
        _beyond_lightlyone(b, extra)
    _sample_data(b, report)
    _folder_sections(b, report, titles or {})
    _other_figures(b, report, titles or {})
    b.flush()
    name = report.general_information.dataset_information.dataset_name
    footer = f"embedscope · {name} · run {report.general_information.run_information.run_id[:8]}"
    with atomic_path(path) as tmp:
        document = SimpleDocTemplate(
            str(tmp), pagesize=PAGE_SIZE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=1.8 * cm,
            bottomMargin=1.8 * cm, title=texts.REPORT_TITLE, author="embedscope", subject=name,
        )
        document.build(b.story, canvasmaker=numbered_canvas(footer))
