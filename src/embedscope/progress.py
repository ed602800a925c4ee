"""How the pipeline reports progress without knowing about terminals."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives stage starts and in-stage advances; the CLI renders them with rich."""

    def stage(self, description: str, total: int | None = None) -> None:
        """A new stage starts; ``total`` units of work when known."""

    def advance(self, completed: int, total: int | None = None) -> None:
        """``completed`` units of the current stage are done."""


class SilentProgress:
    """Discards progress (``--quiet`` and library use)."""

    def stage(self, description: str, total: int | None = None) -> None:
        del description, total

    def advance(self, completed: int, total: int | None = None) -> None:
        del completed, total
