"""Write and read ``report_v2.json``."""

from __future__ import annotations

from pathlib import Path

from embedscope.io.atomic import atomic_write_text
from embedscope.report.model import ReportV2


def write_report_json(report: ReportV2, path: Path) -> None:
    """Serialise with camelCase keys, omitting absent optional sets, atomically."""
    atomic_write_text(path, report.model_dump_json(by_alias=True, exclude_none=True, indent=1))


def read_report_json(path: Path) -> ReportV2:
    """Parse a ``report_v2.json`` back into the model (validates every field)."""
    return ReportV2.model_validate_json(Path(path).read_text(encoding="utf-8"))
