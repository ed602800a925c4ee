"""How the reports state the engine a run used: ``report.embedscope["engine"]``, the record
:func:`embedscope.distributed.ray_executor.execute_run_on_ray` adds (name, address, nodes, cpus, gpus, selection,
driverHoldsMatrix, …). Local runs have no record and nothing is said."""

from __future__ import annotations

from typing import Any

from embedscope.report.model import ReportV2
from embedscope.report.number_format import fmt

ENGINE_KEY = "engine"  # key of the record in ``report.embedscope``
ENGINE_NAMES = {"ray": "Ray"}
LOCAL_INSTANCE = "local"  # the record's address when the run started its own Ray instance


def engine_record(report: ReportV2) -> dict[str, Any] | None:
    """The run's engine record, or None for a local run (or a malformed record)."""
    record = report.embedscope.get(ENGINE_KEY)
    return record if isinstance(record, dict) else None


def _count(n: object, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def engine_line(report: ReportV2) -> str | None:
    """One sentence for the run summary of report.pdf and report.html, e.g. "Engine: Ray (local instance) —
    2 nodes, 2 CPUs, 0 GPUs; selection: two-round composable k-center (P = 2 partitions, k′ = 160), radius
    0.5300; driver held the matrix: no." (the matrix clause only when the driver did not hold it). None for a
    local run."""
    record = engine_record(report)
    if record is None:
        return None
    name = str(record.get("name", "unknown"))
    address = record.get("address")
    where = "local instance" if address == LOCAL_INSTANCE else address
    head = f"Engine: {ENGINE_NAMES.get(name, name)}" + (f" ({where})" if where else "")
    parts = [", ".join(_count(record[key], noun) for key, noun in (("nodes", "node"), ("cpus", "CPU"), ("gpus", "GPU"))
                       if key in record)]
    selection = record.get("selection")
    if isinstance(selection, dict):
        parts.append(f"selection: two-round composable k-center (P = {_count(selection.get('partitions'), 'partition')}, "
                     f"k′ = {selection.get('kPrime')}), radius {fmt(selection.get('radius'))}")
    if record.get("driverHoldsMatrix") is False:
        parts.append("driver held the matrix: no")
    return f"{head} — {'; '.join(p for p in parts if p)}."
