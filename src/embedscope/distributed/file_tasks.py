"""Per-file work (header check, content hash) over a list of file names, as plain Ray tasks of a few hundred
files each, with a bounded number of tasks in flight.

Plain tasks rather than a Ray Data pipeline: the work is one short pass with no downstream stage to stream into,
and a Ray Data execution costs seconds of start-up per dataset (measured on the 2-core machine: 3.6 s for a
500-file scan on warm workers, against 0.17 s for the same chunks as tasks; ``benchmarks/README.md``, "Ray
engine"). The window keeps the driver's pending task arguments bounded (names of ``window × files_per_task``
files), so 100M files stream through as they would through Ray Data.

Ray tasks: https://docs.ray.io/en/latest/ray-core/tasks.html
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

FILES_PER_TASK = 256  # header check + hash of this many files per task: ~0.1-1 s, small scheduling overhead
TASK_RETRIES = 3  # a task lost with its worker or node is run again (the work is idempotent)
TASKS_PER_CPU_IN_FLIGHT = 4  # enough queued work per CPU to hide scheduling latency, few pending arguments

Result = TypeVar("Result")


def map_file_chunks(
    function: Callable[..., list[Result]],
    names: Sequence[str],
    *,
    files_per_task: int = FILES_PER_TASK,
    **kwargs: Any,
) -> list[Result]:
    """``function(chunk, **kwargs)`` over consecutive chunks of ``names`` in Ray tasks; the concatenated results.

    Args:
        function: a module-level function taking a list of ``files_per_task`` names (fewer in the last chunk)
            and returning one result per name, in order.
        names: the file names (relative to a folder the function knows through ``kwargs``).
        files_per_task: names per task; at most ``TASKS_PER_CPU_IN_FLIGHT`` tasks per cluster CPU are in flight.
        kwargs: passed to every call (small: they travel with each task).

    Returns:
        One result per name, in the order of ``names``.

    Raises:
        Whatever ``function`` raises (Ray re-raises it on the driver); tasks whose worker dies are retried
        ``TASK_RETRIES`` times.
    """
    import ray

    task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(function)
    chunks = [list(names[start : start + files_per_task]) for start in range(0, len(names), files_per_task)]
    window = max(1, TASKS_PER_CPU_IN_FLIGHT * int(ray.cluster_resources().get("CPU", 1)))
    results: list[list[Result] | None] = [None] * len(chunks)
    pending: dict[Any, int] = {}
    submitted = 0
    while submitted < len(chunks) or pending:
        while submitted < len(chunks) and len(pending) < window:
            pending[task.remote(chunks[submitted], **kwargs)] = submitted
            submitted += 1
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            results[pending.pop(ref)] = ray.get(ref)
    return [result for chunk in results for result in (chunk or [])]
