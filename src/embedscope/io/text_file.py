"""The one decoding rule for every text input (CSV, name lists, metadata, scores, predictions, configs).

Text inputs are UTF-8; a leading byte-order mark (what Excel and Notepad write) is accepted and dropped.
Bytes that are not UTF-8 (a Latin-1 name, gzip data in a ``.csv``) are refused with the file and the line
of the first bad byte, so the user can find it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedscope.errors import InputFileError

UTF8_BOM = b"\xef\xbb\xbf"
GZIP_MAGIC = b"\x1f\x8b"  # gzip data named .csv/.txt is a common mistake worth naming
TOO_DEEP = "nested too deeply (hundreds of levels of brackets); not a real config or annotation file"


def decode_text(path: Path, data: bytes) -> str:
    """``data`` (the bytes of ``path``) as text, by the rule above.

    Raises:
        InputFileError: naming ``path`` and the line and byte column of the first byte that is not UTF-8.
    """
    if data.startswith(GZIP_MAGIC):
        raise InputFileError(path, "is gzip-compressed data, not text; decompress it first (gunzip)")
    data = data.removeprefix(UTF8_BOM)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputFileError(
            path,
            f"line {line}, byte {column}: byte 0x{data[error.start]:02x} is not UTF-8 text; "
            "save the file as UTF-8",
        ) from None


def read_text(path: Path) -> str:
    """The text of ``path`` by the rule above.

    Raises:
        InputFileError: the file is missing, a folder, unreadable, or not UTF-8 (naming the line).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a folder, expected a file") from None
    except OSError as error:
        raise InputFileError(path, f"cannot read: {error.strerror or error}") from None
    return decode_text(path, data)


def parse_json(text: str) -> Any:
    """``json.loads`` that turns too deep nesting (a stack overflow in the parser) into a ``ValueError``.

    Raises:
        json.JSONDecodeError: malformed JSON.
        ValueError: nested too deeply for the parser (message says so).
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None


def parse_yaml(text: str) -> Any:
    """``yaml.safe_load`` that turns too deep nesting into a ``ValueError`` (like :func:`parse_json`).

    Raises:
        yaml.YAMLError: malformed YAML.
        ValueError: nested too deeply for the parser.
    """
    import yaml

    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ValueError(TOO_DEEP) from None
