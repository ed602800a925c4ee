"""The output folder as a transaction: checked up front, written aside, swapped in whole at the end.

``with output_folder(out, overwrite=..., inputs=[...]) as folder:`` checks before any heavy work that

- ``out`` is neither an input nor inside one, and holds no input (so an output never damages an input);
- ``out`` is a folder that is empty, missing, or (with ``overwrite``) a previous embedscope report;
- no other embedscope run holds ``out`` (a lock file beside it, released by the OS if a run is killed);
- the parent folder is writable (the staging folder is created there now, not after the embedding).

Everything is written into ``folder.staging``, a hidden sibling of ``out``. When the block ends normally
the staging folder replaces ``out`` by two renames; when it raises (an error, Ctrl-C, a full disk) the
staging folder is removed and ``out`` is left exactly as it was. So at any moment ``out`` is the previous
complete folder, the new complete folder, or (for an instant between the renames) absent. Staging folders
of runs killed with SIGKILL are removed by the next run into the same ``out``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from embedscope.errors import ConfigError, EmbedscopeError

REPORT_MARKER = "report_v2.json"  # a folder holding it is an embedscope (or LightlyOne) report to replace
_STAGING_TAG = ".embedscope-staging-"
_RETIRED_TAG = ".embedscope-previous-"
_LOCK_SUFFIX = ".embedscope-lock"


class OutputWriteError(EmbedscopeError):
    """Writing the output failed (disk full, permissions); the message names the path and says ``out`` is
    unchanged."""


@dataclass(frozen=True)
class OutputFolder:
    """An output folder being written.

    Attributes:
        out_dir: the folder the user asked for.
        staging: where to write every output file; it becomes ``out_dir`` when the block ends normally.
    """

    out_dir: Path
    staging: Path


def check_no_overlap(out: Path, inputs: Iterable[Path | None], *, flag: str = "--out") -> None:
    """Refuse an output path equal to an input, inside an input folder, or holding an input.

    Raises:
        ConfigError: naming both paths.
    """
    target = _absolute(out)
    for given in inputs:
        if given is None:
            continue
        source = _absolute(given)
        if target == source:
            raise ConfigError(f"{out}: {flag} is the input {given}; an output must never replace an input")
        if source in target.parents:
            raise ConfigError(
                f"{out}: {flag} lies inside the input folder {given}; a later run would read the outputs as "
                "input. Choose a folder outside it"
            )
        if target in source.parents:
            raise ConfigError(
                f"{out}: {flag} holds the input {given}; writing the output would replace it. Choose another folder"
            )


def check_output_file(out: Path, *, overwrite: bool, inputs: Iterable[Path | None] = ()) -> None:
    """Checks for a single output file (``select --out``, ``embed --out``) before any heavy work: not an
    input and not inside an input folder, not a folder, not existing without ``overwrite``, and its folder
    writable. The file itself is written atomically (:mod:`embedscope.io.atomic`).

    Raises:
        ConfigError: naming ``out`` and the problem.
    """
    out = Path(out)
    if out.is_dir():
        raise ConfigError(f"{out}: is a folder; --out expects the path of a file to write")
    check_no_overlap(out, inputs)
    if out.exists() and not overwrite:
        raise ConfigError(f"{out}: exists; pass --overwrite to replace it")
    folder = out.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the nearest existing folder: the missing ones are created there
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{out}: cannot write here ({folder} is not writable); choose another --out")


def _absolute(path: Path) -> Path:
    """``path`` made absolute with links resolved (also for a path that does not exist yet)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _check_target(out_dir: Path, *, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: --out is a file; give a folder")
    if not out_dir.is_dir():
        return
    if not os.access(out_dir, os.W_OK):
        raise ConfigError(f"{out_dir}: output folder is not writable; choose another --out or change its permissions")
    if not any(out_dir.iterdir()):
        return
    if not overwrite:
        raise ConfigError(f"{out_dir}: output folder is not empty; pass --overwrite or choose another --out")
    if not (out_dir / REPORT_MARKER).is_file():
        raise ConfigError(
            f"{out_dir}: holds files but no {REPORT_MARKER}, so it is not an earlier report; --overwrite "
            "replaces the whole folder, so choose an empty or new --out"
        )


@contextlib.contextmanager
def _lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out_dir`` (a lock file beside it) or refuse at once."""
    lock_path = out_dir.parent / f".{out_dir.name}{_LOCK_SUFFIX}"
    while True:
        handle = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise ConfigError(
                f"{out_dir}: another embedscope run is writing this output folder; wait for it to finish or "
                "choose another --out"
            ) from None
        # The holder before us may have removed the file after we opened it: lock the file now at the path.
        if lock_path.exists() and os.fstat(handle).st_ino == lock_path.stat().st_ino:
            break
        os.close(handle)
    try:
        yield
    finally:
        lock_path.unlink(missing_ok=True)
        os.close(handle)


def _remove_leftovers(out_dir: Path) -> None:
    """Staging and retired folders of earlier runs into ``out_dir`` that were killed (only under the lock)."""
    for pattern in (f".{out_dir.name}{_STAGING_TAG}*", f".{out_dir.name}{_RETIRED_TAG}*"):
        for leftover in out_dir.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with two renames in one folder; the previous one is removed last."""
    os.chmod(staging, 0o777 & ~_current_umask())  # mkdtemp makes 0700; the output is an ordinary folder
    retired = None
    if out_dir.exists():
        retired = staging.with_name(staging.name.replace(_STAGING_TAG, _RETIRED_TAG))
        os.replace(out_dir, retired)
    try:
        os.replace(staging, out_dir)
    except OSError:
        if retired is not None:
            os.replace(retired, out_dir)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
"""Errors of a write whose OSError carries no file name (``write()`` itself failed)."""


def _is_write_error(error: OSError, staging: Path) -> bool:
    if error.filename is None:
        return error.errno in _WRITE_ERRNOS
    return Path(error.filename) == staging or staging in Path(error.filename).parents


def _write_error(out_dir: Path, staging: Path, error: OSError) -> OutputWriteError:
    """One line naming the file (as it would be named in ``out_dir``) and the system's reason."""
    where = out_dir
    if error.filename:
        with contextlib.suppress(ValueError):
            where = out_dir / Path(error.filename).relative_to(staging)
    reason = "no space left on the device" if error.errno == errno.ENOSPC else (error.strerror or str(error))
    return OutputWriteError(f"{where}: cannot write the output: {reason}; {out_dir} was left unchanged")


@contextlib.contextmanager
def output_folder(out_dir: Path, *, overwrite: bool, inputs: Iterable[Path | None] = ()) -> Iterator[OutputFolder]:
    """Check, lock and stage the output folder ``out_dir`` (see the module docstring).

    Args:
        out_dir: the output folder.
        overwrite: replace a previous embedscope report in ``out_dir``.
        inputs: every input path of the run (files or folders; None entries are ignored).

    Raises:
        ConfigError: ``out_dir`` overlaps an input, is a file, is not writable, is not empty (without
            ``overwrite``), is not an earlier report, or another run holds it — all before the block runs.
        OutputWriteError: the parent folder is not writable, or writing failed (naming the path); ``out_dir``
            is then unchanged.
    """
    out_dir = Path(out_dir)
    check_no_overlap(out_dir, inputs)
    _check_target(out_dir, overwrite=overwrite)
    with contextlib.ExitStack() as stack:
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_lock(out_dir))
            _check_target(out_dir, overwrite=overwrite)  # again under the lock: another run may just have written it
            _remove_leftovers(out_dir)
            staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}{_STAGING_TAG}", dir=out_dir.parent))
        except OSError as error:
            raise OutputWriteError(
                f"{out_dir.parent}: cannot create the output folder here: {error.strerror or error}"
            ) from None
        stack.callback(shutil.rmtree, staging, ignore_errors=True)
        try:
            yield OutputFolder(out_dir=out_dir, staging=staging)
        except OSError as error:
            if not _is_write_error(error, staging):
                raise
            raise _write_error(out_dir, staging, error) from None
        try:
            _swap_in(staging, out_dir)
        except OSError as error:
            raise OutputWriteError(
                f"{out_dir}: cannot replace the output folder: {error.strerror or error}; {out_dir} was left unchanged"
            ) from None
