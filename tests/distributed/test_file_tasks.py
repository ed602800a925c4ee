"""Per-file work in Ray tasks with a bounded window: every name's result, in the names' order."""

from __future__ import annotations

import hashlib
import os

from embedscope.distributed.file_tasks import TASKS_PER_CPU_IN_FLIGHT, map_file_chunks
from tests.distributed.conftest import TwoNodeCluster


def _tagged(names: list[str], *, salt: str) -> list[tuple[str, int]]:
    """Each name's salted blake2b hex digest and the worker's pid (which worker ran it: scheduling decides, so
    it is not asserted; tiny tasks may all land on one worker)."""
    return [(hashlib.blake2b((salt + name).encode()).hexdigest(), os.getpid()) for name in names]


def test_results_follow_the_names_order_across_more_chunks_than_the_window(ray_two_nodes: TwoNodeCluster) -> None:
    names = [f"dir/{i:05d}.jpg" for i in range(1_003)]
    files_per_task = 7  # 144 chunks, far more than the window of TASKS_PER_CPU_IN_FLIGHT × 2 CPUs
    assert -(-len(names) // files_per_task) > 4 * TASKS_PER_CPU_IN_FLIGHT * 2
    results = map_file_chunks(_tagged, names, files_per_task=files_per_task, salt="s")
    assert [digest for digest, _ in results] == [hashlib.blake2b(("s" + n).encode()).hexdigest() for n in names]
    assert all(pid > 0 for _, pid in results)


def test_no_names_gives_no_results(ray_two_nodes: TwoNodeCluster) -> None:
    assert map_file_chunks(_tagged, [], salt="s") == []
