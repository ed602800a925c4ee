"""Write the output folder (ARCHITECTURE.md): reports, data/, filenames/, plots/, config.yaml."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from embedscope.analyze.scatter import listed_input_rows
from embedscope.analyze.sets import INPUT, SELECTED
from embedscope.errors import ConfigError
from embedscope.io.atomic import atomic_write_bytes, atomic_write_text
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.io.filename_list import write_filename_list
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.report.assemble.side_files import FrameExport, SideFile, SideOutput
from embedscope.report.figures import report_figures
from embedscope.report.folder_scatter import folder_colours_text, folder_scatter_plots
from embedscope.report.html import ScatterNames, interactive_figure_names, render_html
from embedscope.report.hygiene_map_columns import hygiene_map_columns
from embedscope.report.json_writer import write_report_json
from embedscope.report.pdf import render_pdf
from embedscope.report.platform_fields import platform_fields
from embedscope.report.run_outcome import EMBEDDINGS_CSV, RunOutcome
from embedscope.report.run_sample_map import run_sample_map
from embedscope.report.sample_map import SampleMap
from embedscope.report.thumbnails import jpeg_data_uri, png_data_uris

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutputPaths:
    """Where the main files of a run were written."""

    out_dir: Path
    report_pdf: Path
    report_json: Path
    report_html: Path


def check_output_folder(out_dir: Path, *, overwrite: bool) -> None:
    """Refuse a file, or a non-empty folder without ``overwrite`` (checked before any heavy work)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: --out is a file; give a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
        raise ConfigError(f"{out_dir}: output folder is not empty; pass --overwrite or choose another --out")


def make_plots(outcome: RunOutcome, replaced: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Figure name → PNG bytes for the PDF and ``plots/``: the report's figures (those in ``replaced``, e.g. the
    scatter plots coloured by folder of :mod:`folder_scatter`, drawn instead), then the run's own (video frame
    timelines, bounding-box examples)."""
    return {**report_figures(outcome.report), **(replaced or {}), **outcome.extra_plots}


def scatter_names(outcome: RunOutcome) -> ScatterNames:
    """Filenames of the scatter plots' points, in the order of ``scatterPlotData`` (hover labels)."""
    names = outcome.inputs.input.names
    listed = listed_input_rows(len(names), seed=outcome.parameters.seed)
    return ScatterNames(
        input=[names[int(i)] for i in listed],
        selected=[names[int(i)] for i in outcome.selection.indices],
        datapool=list(outcome.inputs.datapool.names) if outcome.inputs.datapool is not None else [],
    )


def sample_map(outcome: RunOutcome) -> SampleMap | None:
    """Every sample with its projections and colour-by columns, for the map of report.html."""
    if outcome.scatter is None or any(s.all_xy is None for s in outcome.scatter):
        return None
    pca, umap = outcome.scatter
    inputs, metrics, data = outcome.inputs, outcome.metrics, outcome.sample_data
    return run_sample_map(
        inputs.input.names, inputs.datapool.names if inputs.datapool is not None else [],
        selected=outcome.selection.indices, random=outcome.sets.random_indices,
        projections={"UMAP": umap.all_xy, "PCA": pca.all_xy},  # type: ignore[dict-item]
        cover_distance=metrics.cover_input.get(SELECTED), nearest_neighbor_distance=metrics.nearest_in_set.get(INPUT),
        sample_data=(data.input, data.datapool) if data is not None and not data.is_empty else None,
        vectors=inputs.input.vectors if outcome.input_off_driver is None else None, labels=_labels(inputs.input),
        extra_columns=hygiene_map_columns(outcome.hygiene, inputs.input.names,
                                          n_datapool=len(inputs.datapool.names) if inputs.datapool is not None else 0),
    )


def image_thumbnails(outcome: RunOutcome) -> dict[str, bytes]:
    """Sample name → JPEG thumbnail when the samples are images, object crops or video frames: the example
    pairs of the report first, then the selected samples (pick order), then input samples in a seeded random
    order, up to the thumbnail budget of report.html."""
    from embedscope.report.assemble.sample_thumbnails import sample_thumbnails

    names = outcome.inputs.input.names
    examples = outcome.report.general_information.selected_and_removed_image_examples

    def wanted() -> Iterator[str]:  # lazy: thumbnails stop at their budget, and embeddings files need none
        for example in examples:
            yield from (example.selected_image, example.removed_image)
        yield from (names[int(i)] for i in outcome.selection.indices)
        yield from (names[int(i)] for i in np.random.default_rng(outcome.parameters.seed).permutation(len(names)))

    return sample_thumbnails(outcome.inputs, wanted(), input_path=outcome.parameters.input_path)


def write_outputs(outcome: RunOutcome, out_dir: Path, *, final_dir: Path | None = None,
                  engine_config: Mapping[str, Any] | None = None) -> OutputPaths:
    """Write every output file, each atomically, into ``out_dir``. INPUT files are never touched.

    ``final_dir``: where the folder will live once complete (the run's ``--out`` when ``out_dir`` is a staging
    folder that replaces it, :mod:`embedscope.io.output_folder`); the URLs recorded in the report point there.
    None: ``out_dir`` itself. ``engine_config``: the engine's settings for config.yaml (``--engine ray``:
    :func:`embedscope.cli.engine_options.ray_config`); None for the local engine, whose config.yaml has none."""
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs, selection = outcome.inputs, outcome.selection
    names = inputs.input.names
    selected_names = [names[int(i)] for i in selection.indices]
    selected_mask = np.zeros(len(names), dtype=bool)
    selected_mask[selection.indices] = True

    report_json = out_dir / "report_v2.json"
    platform = platform_fields(
        input_path=outcome.parameters.input_path, out_dir=final_dir or out_dir, n_not_selected=len(names) - len(selected_names),
        costs=outcome.parameters.annotation_costs,
    )
    write_report_json(outcome.report, report_json, platform)
    input_labels = _labels(inputs.input)
    off_driver = outcome.input_off_driver
    if off_driver is None or EMBEDDINGS_CSV not in off_driver.written:
        write_lightly_csv(out_dir / EMBEDDINGS_CSV, names, inputs.input.vectors, input_labels)
    chosen_vectors = inputs.input.vectors[selection.indices] if off_driver is None else off_driver.selected_vectors
    chosen_names = list(selected_names)
    chosen_labels = input_labels[selection.indices]
    if inputs.datapool is not None:
        chosen_vectors = np.concatenate([chosen_vectors, inputs.datapool.vectors])
        chosen_names += inputs.datapool.names
        chosen_labels = np.concatenate([chosen_labels, _labels(inputs.datapool)])
    write_lightly_csv(
        out_dir / "data" / "selected_embeddings_including_datapool.csv", chosen_names, chosen_vectors, chosen_labels
    )

    filenames = out_dir / "filenames"
    write_filename_list(filenames / "sampled_filenames_excluding_datapool.txt", selected_names)
    write_filename_list(filenames / "removed_filenames.txt", [n for n, s in zip(names, selected_mask) if not s])
    if outcome.parameters.input_path.is_dir():  # files of a folder; an embeddings file has none to set aside
        write_filename_list(filenames / "corrupt_filenames.txt", sorted(inputs.corrupt))
        write_filename_list(filenames / "duplicate_filenames.txt", sorted(inputs.duplicates))
        corrupt_info = {"corrupt_samples": dict(sorted(inputs.corrupt.items()))}
        atomic_write_text(out_dir / "corruptness_check_information.json", json.dumps(corrupt_info, indent=1))

    the_map = sample_map(outcome)
    folder_plots = folder_scatter_plots(the_map, seed=outcome.parameters.seed)
    plots = make_plots(outcome, folder_plots)
    for name, png in plots.items():
        atomic_write_bytes(out_dir / "plots" / f"{name}.png", png)
    report_pdf = out_dir / "report.pdf"
    thumbnails = image_thumbnails(outcome)
    folder_colours = folder_colours_text(the_map) if the_map is not None and folder_plots else None
    render_pdf(outcome.report, plots, report_pdf, thumbnails=thumbnails, titles=outcome.extra_plot_titles,
               scatter_colours=folder_colours)
    report_html = out_dir / "report.html"
    interactive = interactive_figure_names(outcome.report)
    render_html(
        outcome.report, report_html, names=scatter_names(outcome),
        thumbnails={name: jpeg_data_uri(jpeg) for name, jpeg in thumbnails.items()},
        other_images=png_data_uris({k: v for k, v in plots.items() if k not in interactive}),
        titles=outcome.extra_plot_titles, sample_map=the_map,
    )
    resolved = {**outcome.parameters.as_config(), **(engine_config or {})}
    if outcome.report.embedscope.get("selectionConfig") is not None:
        resolved["selection"] = outcome.report.embedscope["selectionConfig"]
    atomic_write_text(out_dir / "config.yaml", yaml.safe_dump(resolved, sort_keys=False))
    write_side_outputs(outcome.side_outputs, out_dir)
    return OutputPaths(out_dir=out_dir, report_pdf=report_pdf, report_json=report_json, report_html=report_html)


def _labels(table: EmbeddingTable) -> np.ndarray:
    """(n,) int64 labels of ``table`` as read (Lightly CSV ``labels``); zeros for inputs without labels."""
    if len(table.labels) == len(table.names):
        return np.asarray(table.labels, dtype=np.int64)
    return np.zeros(len(table.names), dtype=np.int64)


def write_side_outputs(side_outputs: Sequence[SideOutput], out_dir: Path) -> None:
    """Write the run's extra files into ``out_dir``: text files (skipped predictions, hygiene files) and
    ``--export-frames``."""
    for side_output in side_outputs:
        if isinstance(side_output, SideFile):
            path = out_dir / side_output.relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, side_output.text)
        elif isinstance(side_output, FrameExport):
            from embedscope.ingest.frame_access import export_frames  # PyAV: video runs only

            written = export_frames(side_output.video_root, side_output.refs, out_dir / side_output.folder)
            logger.info("exported %d selected frames to %s", len(written), out_dir / side_output.folder)
