"""Reading one JSON file with a one-line reason on failure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedscope.errors import InputFileError
from embedscope.io.text_file import parse_json, read_text


class JsonFileError(Exception):
    """A JSON file that cannot be read or parsed; ``reason`` is one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_json(path: Path) -> Any:
    """The parsed content of ``path`` (text by :mod:`embedscope.io.text_file`'s rule).

    Raises:
        JsonFileError: unreadable file, not UTF-8, empty, not valid JSON (with line and column), or nested too deeply.
    """
    try:
        text = read_text(Path(path))
    except InputFileError as error:
        raise JsonFileError(error.problem) from None
    if not text.strip():
        raise JsonFileError("empty file; expected JSON")
    try:
        return parse_json(text)
    except json.JSONDecodeError as error:
        raise JsonFileError(
            f"malformed JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except ValueError as error:
        raise JsonFileError(str(error)) from None
