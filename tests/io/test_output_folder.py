"""The output folder transaction: checked before the work, written aside, swapped in whole, locked."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from embedscope.cli.diagnostics import Terminated
from embedscope.errors import ConfigError
from embedscope.io.output_folder import OutputWriteError, check_no_overlap, check_output_file, output_folder


def _previous_report(out: Path) -> Path:
    (out / "data").mkdir(parents=True)
    (out / "report_v2.json").write_text('{"old": true}')
    (out / "data" / "embeddings.csv").write_text("old")
    return out


def _siblings(out: Path) -> list[str]:
    return sorted(path.name for path in out.parent.iterdir() if path.name != out.name)


def test_a_complete_write_replaces_the_previous_report(tmp_path: Path) -> None:
    out = _previous_report(tmp_path / "out")
    with output_folder(out, overwrite=True) as folder:
        assert folder.staging.parent == tmp_path and not (folder.staging / "report_v2.json").exists()
        (folder.staging / "report_v2.json").write_text('{"new": true}')
        assert (out / "report_v2.json").read_text() == '{"old": true}'  # untouched until the end
    assert (out / "report_v2.json").read_text() == '{"new": true}' and not (out / "data").exists()
    assert _siblings(out) == []  # no staging folder, no lock file left


@pytest.mark.parametrize("failure", [RuntimeError("bug"), KeyboardInterrupt(), Terminated()])
def test_a_failed_or_interrupted_write_leaves_the_previous_report(tmp_path: Path, failure: BaseException) -> None:
    out = _previous_report(tmp_path / "out")
    with pytest.raises(type(failure)), output_folder(out, overwrite=True) as folder:
        (folder.staging / "report_v2.json").write_text("half")
        raise failure
    assert (out / "report_v2.json").read_text() == '{"old": true}' and (out / "data/embeddings.csv").exists()
    assert _siblings(out) == []


def test_a_full_disk_names_the_file_and_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "new"
    with pytest.raises(OutputWriteError) as raised, output_folder(out, overwrite=False) as folder:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder.staging / "report.pdf"))
    assert str(raised.value) == f"{out / 'report.pdf'}: cannot write the output: no space left on the device; {out} was left unchanged"
    assert not out.exists() and _siblings(out) == []
    with pytest.raises(OutputWriteError, match="no space left"), output_folder(out, overwrite=False):
        raise OSError(errno.ENOSPC, "No space left on device")  # write() itself: no file name


def test_a_second_run_into_a_held_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with output_folder(out, overwrite=False) as first:
        with pytest.raises(ConfigError, match="another embedscope run is writing"), output_folder(out, overwrite=False):
            pass
        (first.staging / "report_v2.json").write_text("{}")
    assert (out / "report_v2.json").exists()
    with output_folder(out, overwrite=True):  # released: the next run may replace it
        pass


def test_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    stale = tmp_path / ".out.embedscope-staging-abc123"
    stale.mkdir()
    (stale / "report_v2.json").write_text("half")
    with output_folder(out, overwrite=False) as folder:
        (folder.staging / "report_v2.json").write_text("{}")
    assert not stale.exists() and _siblings(out) == []


def test_overwrite_only_replaces_an_earlier_report(tmp_path: Path) -> None:
    out = tmp_path / "photos"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"precious")
    with pytest.raises(ConfigError, match="not empty; pass --overwrite"), output_folder(out, overwrite=False):
        pass
    with pytest.raises(ConfigError, match="no report_v2.json, so it is not"), output_folder(out, overwrite=True):
        pass
    assert (out / "holiday.jpg").read_bytes() == b"precious"


def test_outputs_overlapping_inputs_are_refused(tmp_path: Path) -> None:
    images, table = tmp_path / "images", tmp_path / "in.csv"
    images.mkdir()
    table.write_text("x")
    with pytest.raises(ConfigError, match="is the input"):
        check_no_overlap(table, [images, table])
    with pytest.raises(ConfigError, match="lies inside the input folder"):
        check_no_overlap(images / "rep", [table, images])
    with pytest.raises(ConfigError, match="holds the input"):
        check_no_overlap(tmp_path, [table])
    os.symlink(table, tmp_path / "alias.csv")
    with pytest.raises(ConfigError, match="is the input"):
        check_output_file(tmp_path / "alias.csv", overwrite=True, inputs=[table])
    check_no_overlap(tmp_path / "out", [images, table, None])


def test_output_file_checks(tmp_path: Path) -> None:
    (tmp_path / "exists.txt").write_text("keep")
    with pytest.raises(ConfigError, match="exists; pass --overwrite"):
        check_output_file(tmp_path / "exists.txt", overwrite=False)
    with pytest.raises(ConfigError, match="is a folder"):
        check_output_file(tmp_path, overwrite=True)
    check_output_file(tmp_path / "new" / "deeper" / "picked.txt", overwrite=False)
