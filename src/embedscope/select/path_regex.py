"""Checking a ``lightly_path_regex`` (see :mod:`embedscope.select.path_metadata` for its meaning)."""

from __future__ import annotations

import re


def compile_path_regex(pattern: str) -> re.Pattern[str]:
    """The compiled ``lightly_path_regex``.

    Raises:
        ValueError: not a valid Python regular expression, or one without a named group ``(?P<name>...)``
            (the message says which).
    """
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValueError(f"not a valid regular expression: {error}") from None
    if not compiled.groupindex:
        raise ValueError("has no named group; name what to keep, e.g. '^(?P<camera>[^/]+)/'")
    return compiled
