"""Shared pieces of the property-based (Hypothesis) fuzz tests of every reader.

The property all of them check: a generated input — valid, odd-but-valid or malformed — either reads with
the right values or raises an :class:`~embedscope.errors.EmbedscopeError` whose message names the file on
one line; never another exception (a traceback in the CLI), and the input file's bytes are never changed.

Example counts are bounded (``FUZZ``) so that all fuzz tests together add well under a minute; the runs are
derandomized, so a failure reproduces on every machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from embedscope.errors import EmbedscopeError

T = TypeVar("T")

DEEP_EXAMPLES = int(os.environ.get("EMBEDSCOPE_FUZZ_EXAMPLES", "0"))
"""Set ``EMBEDSCOPE_FUZZ_EXAMPLES=2000`` for a deeper, randomized search (not derandomized)."""

FUZZ = settings(
    max_examples=DEEP_EXAMPLES or 40,
    deadline=None,
    database=None,
    derandomize=not DEEP_EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
"""Settings of the reader fuzz tests (in-process readers: ~10-30 ms an example)."""

FUZZ_CLI = settings(FUZZ, max_examples=DEEP_EXAMPLES or 10)
"""Settings of the fuzz tests that go through the CLI's ``main`` (a selection per example)."""

NAME_ALPHABET = st.characters(
    codec="utf-8", exclude_categories=("Cs",), include_characters=" ,\"'\t\r\n\\/.#;\ufeff\u00e9\u2028\x00"
)
"""Name characters, with the ones that break naive readers (quotes, separators, line breaks, BOM, NUL)."""

names = st.text(NAME_ALPHABET, min_size=0, max_size=12)


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A fresh folder per example (pytest's ``tmp_path`` is per test, not per Hypothesis example)."""
    with tempfile.TemporaryDirectory(prefix="embedscope-fuzz-") as folder:
        yield Path(folder)


def _digest(path: Path) -> str:
    if path.is_dir():
        return "".join(
            f"{item.relative_to(path)}:{_digest(item)};" for item in sorted(path.rglob("*")) if item.is_file()
        )
    return hashlib.blake2b(path.read_bytes()).hexdigest()


def read_or_refuse(path: Path, read: Callable[[Path], T], *, also: tuple[Path, ...] = ()) -> T | EmbedscopeError:
    """``read(path)``, or the :class:`EmbedscopeError` it raised (any other exception fails the test).

    Asserts that the inputs' bytes (``path`` and ``also``) are unchanged and that a refusal's message names
    one of them.
    """
    inputs = (path, *also)
    before = [_digest(item) for item in inputs]
    try:
        result: T | EmbedscopeError = read(path)
    except EmbedscopeError as error:
        assert any(str(item) in str(error) for item in inputs), str(error)
        result = error
    assert [_digest(item) for item in inputs] == before, "an input was modified by reading it"
    return result


def run_main(args: list[str]) -> tuple[int, str]:
    """The CLI's ``main(args)`` in this process: (exit code, stderr)."""
    from embedscope.cli.app import main

    stderr, stdout = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        code = main(args)
    return code, stderr.getvalue()


def assert_success_or_one_line(code: int, stderr: str) -> None:
    """Exit 0, or exit 2 with exactly one ``embedscope: error:`` line and no traceback."""
    assert "Traceback" not in stderr, stderr
    if code == 0:
        return
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("embedscope: error: "), stderr


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few random byte edits: replace, insert, delete, truncate, or duplicate a range."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(out)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "repeat"]))
        chunk = draw(st.binary(min_size=1, max_size=6))
        if kind == "replace":
            out[position:position + len(chunk)] = chunk
        elif kind == "insert":
            out[position:position] = chunk
        elif kind == "delete":
            del out[position:position + len(chunk)]
        elif kind == "truncate":
            del out[position:]
        else:
            out[position:position] = out[max(0, position - 16):position]
    return bytes(out)
