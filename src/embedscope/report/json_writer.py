"""Write and read ``report_v2.json`` (LightlyOne's schema) and its sibling ``report_embedscope.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedscope.errors import InputFileError
from embedscope.io.atomic import atomic_write_text
from embedscope.report.lightly_split import join_report, split_report
from embedscope.report.model import ReportV2
from embedscope.report.platform_fields import PlatformFields

EXT_FILE_NAME = "report_embedscope.json"  # beside report_v2.json


def ext_path(report_json: Path) -> Path:
    """Where the sibling of ``report_json`` lives."""
    return Path(report_json).with_name(EXT_FILE_NAME)


def write_report_json(report: ReportV2, path: Path, platform: PlatformFields) -> None:
    """Write ``path`` (exactly LightlyOne's ``ReportV2``, camelCase) and its sibling, each atomically."""
    lightly, ext = split_report(report, platform)
    atomic_write_text(ext_path(path), json.dumps(ext, indent=1))
    atomic_write_text(path, json.dumps(lightly, indent=1))


def read_report_dict(path: Path) -> dict[str, Any]:
    """The joined report as a camelCase dict (the in-memory model's dump, (ext) keys in place)."""
    return read_report_json(path).model_dump(mode="json", by_alias=True, exclude_none=True)


def read_report_json(path: Path) -> ReportV2:
    """Parse ``report_v2.json`` and its sibling back into the in-memory model (validates every field).

    Raises:
        InputFileError: either file is missing, not JSON, or does not fit the model.
    """
    documents = []
    for file in (Path(path), ext_path(path)):
        try:
            documents.append(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            raise InputFileError(file, f"cannot read the report: {error}") from None
    try:
        return join_report(*documents)
    except (KeyError, ValueError) as error:
        raise InputFileError(path, f"does not fit embedscope's report (with {EXT_FILE_NAME}): {error}") from None
