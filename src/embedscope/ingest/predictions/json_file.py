"""Reading one JSON file with a one-line reason on failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonFileError(Exception):
    """A JSON file that cannot be read or parsed; ``reason`` is one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_json(path: Path) -> Any:
    """The parsed content of ``path`` (UTF-8, a BOM is allowed).

    Raises:
        JsonFileError: unreadable file, not UTF-8, empty, or not valid JSON (with line and column).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise JsonFileError(f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise JsonFileError(f"not UTF-8 text: {error.reason} at byte {error.start}") from None
    if not text.strip():
        raise JsonFileError("empty file; expected JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonFileError(
            f"malformed JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
