"""Reliability examples of issue 13, kind 6: outputs never damage inputs and never stay half-written."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from embedscope.cli.diagnostics import Terminated
from embedscope.io.atomic import atomic_path
from embedscope.io.lightly_csv import write_lightly_csv
from tests.fuzz_support import run_main


@pytest.fixture
def csv_input(tmp_path: Path) -> Path:
    path = tmp_path / "in.csv"
    write_lightly_csv(path, [f"img_{i:03d}.jpg" for i in range(30)], np.random.default_rng(5).normal(size=(30, 4)))
    return path


def _refused(args: list[object], fragment: str) -> None:
    code, stderr = run_main([str(arg) for arg in args])
    assert code == 2 and len(stderr.splitlines()) == 1 and fragment in stderr, stderr


def test_an_output_equal_to_an_input_is_refused_and_the_input_kept(tmp_path: Path, csv_input: Path) -> None:
    before = csv_input.read_bytes()
    names = tmp_path / "names.txt"
    names.write_text("".join(f"s{i}\n" for i in range(30)))
    np.save(tmp_path / "e.npy", np.random.default_rng(0).normal(size=(30, 3)))
    _refused(["select", csv_input, "-n", "3", "--out", csv_input, "--overwrite"], "is the input")
    _refused(["select", tmp_path / "e.npy", "--filenames", names, "-n", "3", "--out", names, "--overwrite"], "is the input")
    _refused(["select", csv_input, "-n", "3", "--datapool", tmp_path / "e.npy", "--out", tmp_path / "e.npy",
              "--overwrite"], "is the input")
    _refused(["run", csv_input, "-n", "3", "--out", tmp_path], "holds the input")
    assert csv_input.read_bytes() == before


def test_a_report_folder_inside_the_image_folder_is_refused(tmp_path: Path) -> None:
    images = tmp_path / "imgs"
    images.mkdir()
    _refused(["run", images, "-n", "3", "--out", images / "rep"], "lies inside the input folder")
    assert list(images.iterdir()) == []


def test_a_full_disk_during_writing_keeps_the_previous_report(
    tmp_path: Path, csv_input: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "data").mkdir(parents=True)  # an earlier run's report
    (out / "report_v2.json").write_text('{"earlier": "run"}')
    (out / "data" / "embeddings.csv").write_text("filenames,embedding_0\n")
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}

    def disk_full(report: object, plots: object, path: Path, **kwargs: object) -> None:
        with atomic_path(path) as tmp:  # as the renderers write: a temporary file renamed at the end
            tmp.write_bytes(b"%PDF-1.4 half")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # write() fails: no file name

    from embedscope.report import write_outputs as outputs

    monkeypatch.setattr(outputs, "render_pdf", disk_full)
    code, stderr = run_main(["run", str(csv_input), "-n", "5", "--random-seeds", "1", "--out", str(out), "-q", "--overwrite"])
    assert code == 2 and stderr.splitlines() == [
        f"embedscope: error: {out / 'report.pdf'}: cannot write the output: no space left on the device; {out} was left unchanged"
    ]
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out"]  # no staging folder, no lock file


@pytest.mark.parametrize(("stop", "code", "word"), [(Terminated, 143, "terminated"), (KeyboardInterrupt, 130, "interrupted")])
def test_sigterm_or_ctrl_c_during_a_run_leaves_no_output(
    tmp_path: Path, csv_input: Path, monkeypatch: pytest.MonkeyPatch, stop: type[BaseException], code: int, word: str
) -> None:
    from embedscope.pipeline import local_executor  # the CLI imports it when the command runs

    def stopped(*args: object, **kwargs: object) -> None:
        raise stop()

    monkeypatch.setattr(local_executor, "execute_run", stopped)
    handler = signal.getsignal(signal.SIGTERM)
    exit_code, stderr = run_main(["run", str(csv_input), "-n", "5", "--out", str(tmp_path / "out"), "-q"])
    assert exit_code == code and stderr.strip() == f"embedscope: {word}; no output was changed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    assert signal.getsignal(signal.SIGTERM) == handler  # the CLI's handler lives only while it runs
