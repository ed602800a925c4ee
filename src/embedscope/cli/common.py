"""Options shared by several commands, and running the pipeline with or without progress."""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from embedscope.run_parameters import RunParameters

if TYPE_CHECKING:
    from embedscope.distributed.options import RayEngineOptions
    from embedscope.report.model import ReportV2
    from embedscope.report.write_outputs import OutputPaths



def input_paths(params: RunParameters) -> list[Path]:
    """Every input file or folder the run reads (INPUT and each ``*_path`` side file)."""
    given = [getattr(params, item.name) for item in dataclasses.fields(params) if item.name.endswith("_path")]
    return [path for path in given if path is not None]


def run_and_write(params: RunParameters, *, quiet: bool, ray_options: RayEngineOptions | None = None) -> OutputPaths:
    """Check the output folder, run the stages with progress on stderr (unless quiet), and write the outputs into
    a staging folder that replaces the output folder only when complete (side files are checked by the ingest
    stage, before any embedding). ``ray_options``: run on a Ray cluster
    (:mod:`embedscope.distributed.ray_executor`); None runs locally."""
    from rich.console import Console

    from embedscope.cli.progress_display import RichProgress
    from embedscope.io.output_folder import output_folder
    from embedscope.pipeline.local_executor import execute_run
    from embedscope.progress import SilentProgress
    from embedscope.report.write_outputs import OutputPaths, write_outputs

    with output_folder(params.out_dir, overwrite=params.overwrite, inputs=input_paths(params)) as folder:
        display = SilentProgress() if quiet else RichProgress()
        with display if isinstance(display, RichProgress) else nullcontext():
            if ray_options is None:
                outcome = execute_run(params, progress=display)
            else:
                from embedscope.distributed.ray_executor import execute_run_on_ray

                outcome = execute_run_on_ray(params, options=ray_options, progress=display, out_dir=folder.staging)
            display.stage("writing report.pdf, report.html, report_v2.json and data files")
            engine_config = None
            if ray_options is not None:
                from embedscope.cli.engine_options import ray_config

                engine_config = ray_config(ray_options, outcome.report.embedscope.get("engine"))
            staged = write_outputs(outcome, folder.staging, final_dir=params.out_dir, engine_config=engine_config)
    final = {name: params.out_dir / Path(path).relative_to(folder.staging) for name, path in vars(staged).items()}
    paths = OutputPaths(**final)
    if not quiet:
        Console(stderr=True).print(run_summary_line(outcome.report), highlight=False)
    print(f"report: {paths.report_pdf.resolve()}")
    print(f"interactive report: {paths.report_html.resolve()}")
    return paths


def apply_lightly_files(
    params: RunParameters, *, worker_config: Path | None, annotation_costs: Path | None
) -> RunParameters:
    """``params`` with ``--worker-config`` (LightlyOne's run config) and ``--annotation-costs`` applied."""
    if annotation_costs is not None:
        from embedscope.io.annotation_costs import read_annotation_costs

        params = dataclasses.replace(params, annotation_costs=read_annotation_costs(annotation_costs))
    if worker_config is not None:
        from embedscope.select.worker_config import apply_worker_config

        params = apply_worker_config(params, worker_config)
    return params


def run_summary_line(report: ReportV2) -> str:
    """What ``run`` says at the end: how many were selected (and why fewer than asked), and which files of the
    input were set aside, as ``select`` and ``embed`` say it."""
    sizes = report.general_information.dataset_information.dataset_sizes
    line = (f"selected {sizes.n_selected:,} of {sizes.n_input:,} samples in "
            f"{report.general_information.run_information.total_processing_time_s:.1f} s")
    if report.embedscope.get("selectionStoppedEarly"):
        line += f" (stopped early: {report.embedscope.get('selectionStoppedReason') or 'a stopping condition'})"
    if sizes.n_corrupt or sizes.n_duplicate:
        line += (f"; set aside {sizes.n_corrupt:,} corrupt and {sizes.n_duplicate:,} duplicate files "
                 "(filenames/corrupt_filenames.txt, filenames/duplicate_filenames.txt)")
    return line


def resolve_out(out: Path) -> Path:
    """The output folder as given (kept relative for messages)."""
    return Path(out)
