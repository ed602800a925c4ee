"""An unreachable --ray-address: one line on stderr, exit code 2, within 30 s, no traceback.

The 30 s are counted from the CLI being up (the time of ``embedscope --version`` is subtracted): on the shared
2-core test machine, starting Python and importing the CLI alone can take 10-20 s under load.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the ray extra (embedscope[ray]) is installed by make test")

from tests.distributed.conftest import ray_env


def test_unreachable_address_gives_one_line_and_exit_2_within_30_s(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    (tmp_path / "images").mkdir()
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "embedscope.cli.app", "--version"], env=ray_env(), capture_output=True,
                   timeout=120, check=True)
    cli_start = time.monotonic() - start  # the interpreter and CLI starting: seconds on a busy shared machine
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "embedscope.cli.app", "embed", str(tmp_path / "images"), "--out",
         str(tmp_path / "out.csv"), "--engine", "ray", "--ray-address", f"127.0.0.1:{port}"],
        env=ray_env(), capture_output=True, text=True, timeout=60, check=False,
    )
    elapsed = time.monotonic() - start

    assert done.returncode == 2
    assert elapsed - cli_start < 30
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"embedscope: error: --ray-address 127.0.0.1:{port}: no Ray cluster answered")
    assert not (tmp_path / "out.csv").exists()


def test_ray_flags_without_the_ray_engine_are_refused(tmp_path: Path) -> None:
    from embedscope.cli.app import main

    (tmp_path / "images").mkdir()
    code = main(["embed", str(tmp_path / "images"), "--out", str(tmp_path / "o.csv"), "--ray-address", "auto"])

    assert code == 2


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["run", "{images}", "--n-samples", "1", "--out", "{out}", "--engine", "ray", "--train-embedding", "1"],
         "--train-embedding"),
    ],
)
def test_flags_the_ray_engine_does_not_honour_are_refused(
    argv: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from embedscope.cli.app import main

    (tmp_path / "images").mkdir()
    code = main([part.format(images=tmp_path / "images", out=tmp_path / "out") for part in argv])

    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith(f"embedscope: error: {flag}: the local engine only")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.csv").exists()
