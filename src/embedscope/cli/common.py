"""Options shared by several commands, and running the pipeline with or without progress."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from rich.console import Console

from embedscope.cli.progress_display import RichProgress
from embedscope.pipeline.outputs import OutputPaths, check_output_folder, write_outputs
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.progress import SilentProgress
from embedscope.pipeline.run import execute_run
from embedscope.report.model import ReportV2


def run_and_write(params: RunParameters, *, quiet: bool) -> OutputPaths:
    """Check the output folder, run the pipeline with progress on stderr (unless quiet), write the outputs."""
    check_output_folder(params.out_dir, overwrite=params.overwrite)
    display = SilentProgress() if quiet else RichProgress()
    with display if isinstance(display, RichProgress) else nullcontext():
        outcome = execute_run(params, progress=display)
        display.stage("writing report.pdf, report.html, report_v2.json and data files")
        paths = write_outputs(outcome, params.out_dir)
    if not quiet:
        Console(stderr=True).print(run_summary_line(outcome.report), highlight=False)
    print(f"report: {paths.report_pdf.resolve()}")
    print(f"interactive report: {paths.report_html.resolve()}")
    return paths


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
