"""Options shared by several commands, and running the pipeline with or without progress."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from embedscope.run_parameters import RunParameters

if TYPE_CHECKING:
    from embedscope.distributed.options import RayEngineOptions
    from embedscope.report.write_outputs import OutputPaths



def run_and_write(params: RunParameters, *, quiet: bool, ray_options: RayEngineOptions | None = None) -> OutputPaths:
    """Check the output folder, run the pipeline with progress on stderr (unless quiet), write the outputs.

    ``ray_options``: run on a Ray cluster (:mod:`embedscope.distributed.ray_executor`); None runs locally.
    """
    from rich.console import Console

    from embedscope.cli.progress_display import RichProgress
    from embedscope.pipeline.local_executor import execute_run
    from embedscope.progress import SilentProgress
    from embedscope.report.write_outputs import check_output_folder, write_outputs

    check_output_folder(params.out_dir, overwrite=params.overwrite)
    display = SilentProgress() if quiet else RichProgress()
    with display if isinstance(display, RichProgress) else nullcontext():
        if ray_options is None:
            outcome = execute_run(params, progress=display)
        else:
            from embedscope.distributed.ray_executor import execute_run_on_ray

            outcome = execute_run_on_ray(params, options=ray_options, progress=display)
        display.stage("writing report.pdf, report_v2.json and data files")
        paths = write_outputs(outcome, params.out_dir)
    if not quiet:
        sizes = outcome.report.general_information.dataset_information.dataset_sizes
        Console(stderr=True).print(
            f"selected {sizes.n_selected:,} of {sizes.n_input:,} samples in "
            f"{outcome.report.general_information.run_information.total_processing_time_s:.1f} s"
        )
    print(f"report: {paths.report_pdf.resolve()}")
    print(f"interactive report: {paths.report_html.resolve()}")
    return paths


def resolve_out(out: Path) -> Path:
    """The output folder as given (kept relative for messages)."""
    return Path(out)
