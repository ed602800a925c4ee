"""The local executor: runs the stages of :mod:`embedscope.pipeline.stages` in order, in this process."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from embedscope.ingest.samples import LoadedInputs
from embedscope.pipeline import stages
from embedscope.progress import Progress, SilentProgress
from embedscope.report.assemble.run_report import RunClock
from embedscope.report.run_outcome import RunOutcome
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection

Result = TypeVar("Result")


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - start


def _stage(timings: dict[str, float], name: str, run: Callable[[], Result]) -> Result:
    with _timed(timings, name):
        return run()


def load_and_select(
    params: RunParameters, *, progress: Progress | None = None, timings: dict[str, float] | None = None
) -> tuple[LoadedInputs, SelectionConfig | None, RunSampleData, Selection]:
    """The first three stages (ingest, embed, select); ``timings`` receives their seconds.

    Raises:
        EmbedscopeError: any input or parameter problem (before heavy work where possible).
    """
    ingested, samples, selected = _first_stages(params, progress or SilentProgress(), timings or {})
    return stages.samples_of(samples, selected), ingested.config, selected.sample_data, selected.selection


def _first_stages(
    params: RunParameters, progress: Progress, timings: dict[str, float]
) -> tuple[stages.Ingested, LoadedInputs, stages.Selected]:
    ingested = _stage(timings, "ingest", lambda: stages.ingest(params, progress))
    samples = _stage(timings, "embed", lambda: stages.embed(ingested, params, progress))
    selected = _stage(timings, "select", lambda: stages.select(ingested, samples, params, progress))
    return ingested, samples, selected


def execute_run(params: RunParameters, *, progress: Progress | None = None) -> RunOutcome:
    """Run every stage, up to the report model (writing the folder is :mod:`embedscope.report.write_outputs`).

    Raises:
        EmbedscopeError: any input or parameter problem (before heavy work where possible).
    """
    progress = progress or SilentProgress()
    clock = RunClock(start_wall=time.time(), start_perf=time.perf_counter())
    timings: dict[str, float] = {}
    ingested, samples, selected = _first_stages(params, progress, timings)
    # sequence selection and k-center with outliers are not the farthest-first greedy over the input: their
    # radius certifies no lower bound
    from_greedy = (ingested.config is None and params.selected_path is None and params.selected_sequence_length == 1
                   and selected.hygiene.robust is None)
    analysis = stages.analyze(samples, selected, params, from_greedy=from_greedy, progress=progress)
    timings.update(analysis.seconds)
    assembled = stages.report(ingested, samples, selected, analysis, params, timings=timings, clock=clock)
    return RunOutcome(
        parameters=params, inputs=stages.samples_of(samples, selected), selection=selected.selection, sets=analysis.sets,
        metrics=analysis.metrics, report=assembled.report, timings=timings, extra_plots=assembled.extra_plots,
        extra_plot_titles=assembled.extra_plot_titles, side_outputs=assembled.side_outputs,
        scatter=(analysis.pca, analysis.umap), sample_data=selected.sample_data, hygiene=selected.hygiene,
    )
