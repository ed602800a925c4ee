"""What may reach stderr besides progress: embedscope's own one-line messages, and nothing raw.

- embedscope's log warnings are shown as ``embedscope: warning: …`` (one line each);
- Python warnings of libraries (Pillow's ``DecompressionBombWarning`` for a large valid image, numpy
  RuntimeWarnings) are routed into logging below the shown level, so they never print raw;
- SIGTERM is turned into :class:`Terminated`, so clean-up (the output folder's staging) runs as for Ctrl-C.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterator
from types import FrameType

PACKAGE_LOGGER = "embedscope"


class Terminated(BaseException):
    """The process received SIGTERM (a BaseException, like KeyboardInterrupt: not caught as an error)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def diagnostics() -> Iterator[None]:
    """Set up the routing above for one CLI invocation; the SIGTERM handler is restored afterwards."""
    package = logging.getLogger(PACKAGE_LOGGER)
    if not any(getattr(handler, "_embedscope", False) for handler in package.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("embedscope: warning: %(message)s"))
        handler.setLevel(logging.WARNING)
        handler._embedscope = True  # type: ignore[attr-defined]
        package.addHandler(handler)
    logging.captureWarnings(True)
    python_warnings = logging.getLogger("py.warnings")
    if not python_warnings.handlers:
        python_warnings.addHandler(logging.NullHandler())  # recorded for debugging, never printed raw
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread (e.g. a test runner's worker): keep the default
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
