"""Rich progress for the pipeline's :class:`~embedscope.progress.Progress` protocol."""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class RichProgress:
    """One line per stage on stderr: spinner, description, bar (when the total is known), elapsed time.

    Shown only on a terminal, and cleared when the run ends, so that an error stays the only line on stderr.
    """

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
            console=self._console, transient=True,
            disable=not self._console.is_terminal,
        )
        self._task: TaskID | None = None
        self._started = time.perf_counter()

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._finish_current()
        self._progress.stop()

    def _finish_current(self) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            total = task.total if task.total is not None else 1
            self._progress.update(self._task, total=total, completed=total)

    def stage(self, description: str, total: int | None = None) -> None:
        self._finish_current()
        self._task = self._progress.add_task(description, total=total)

    def advance(self, completed: int, total: int | None = None) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=completed, total=total)
