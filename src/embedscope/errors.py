"""The project's error family.

Every error a user can cause is an :class:`EmbedscopeError` (also a ``ValueError``). The CLI is the one
place that turns it into one line on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class EmbedscopeError(ValueError):
    """A problem with the user's input or configuration; its message is shown as it is."""


class InputFileError(EmbedscopeError):
    """A problem in one input file; the message starts with the file's path.

    Args:
        path: the offending file.
        problem: what is wrong, and where possible how to fix it.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self) -> tuple[type[InputFileError], tuple[str, str]]:
        """Pickle with the path as shown and the problem, so the error survives a trip from a worker process (a
        Ray task reading a block of the input) with its message unchanged."""
        shown_path = str(self.args[0])[: -(len(self.problem) + 2)]
        return (type(self), (shown_path, self.problem))


class ConfigError(EmbedscopeError):
    """A bad flag or configuration value."""


SHOWN_REASONS = 3  # enough to see the pattern, short enough for one line


def first_reasons(skipped: Mapping[str, str], *, limit: int = SHOWN_REASONS) -> str:
    """The first ``limit`` skipped entries as ``"where: why; …"`` (with "and N more"), for a message that
    stops a run because too many entries were skipped; empty when nothing was skipped."""
    shown = "; ".join(f"{where}: {why}" for where, why in list(skipped.items())[:limit])
    more = f"; and {len(skipped) - limit} more" if len(skipped) > limit else ""
    return f"first skipped: {shown}{more}" if skipped else ""
