"""This process's peak resident memory (Linux VmHWM), resettable so each measured phase gets its own peak."""

from __future__ import annotations

from pathlib import Path


def reset_peak_rss() -> None:
    """Reset this process's VmHWM to its current RSS (Linux ≥ 4.0, ``/proc/PID/clear_refs``)."""
    Path("/proc/self/clear_refs").write_text("5")


def peak_rss_mib() -> float:
    """VmHWM of this process since the last :func:`reset_peak_rss`, MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise OSError("no VmHWM in /proc/self/status")
