"""A real two-node Ray cluster on this machine (loopback only): a head and a second raylet, 1 CPU each.

Each node is a ``ray start --block`` process in its own session, so the test can kill one node's whole process
group (a killed worker node) and the fixture tears everything down by process-group id at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import embedscope

ray = pytest.importorskip("ray", reason="the ray extra (embedscope[ray]) is installed by make test")

OBJECT_STORE_BYTES = 300_000_000  # small: the tests' data is a few MB, and the machine is shared
NODE_START_TIMEOUT_S = 120
RAY = str(Path(sys.executable).with_name("ray"))
# A loopback-only test cluster needs no token authentication (Ray 2.60 turns it on by default).
LOOPBACK_RAY_ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ray_env() -> dict[str, str]:
    """Environment of the Ray processes: this source tree importable by the workers, no usage stats."""
    src = str(Path(embedscope.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(LOOPBACK_RAY_ENV)
    return env


@dataclass
class TwoNodeCluster:
    """The running cluster: ``address`` (host:port of the head's GCS) and the node processes."""

    address: str
    temp_dir: str
    head: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_worker(self) -> subprocess.Popen[bytes]:
        """Start one more 1-CPU raylet joining the head."""
        process = subprocess.Popen(
            [RAY, "start", "--block", "--address", self.address, "--node-ip-address", "127.0.0.1",
             "--num-cpus", "1", "--object-store-memory", str(OBJECT_STORE_BYTES), "--disable-usage-stats"],
            env=ray_env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.workers.append(process)
        return process

    def kill_worker(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL a worker node's whole process group (raylet, object store, its agents)."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.workers.remove(process)

    def alive_nodes(self) -> int:
        return sum(1 for node in ray.nodes() if node.get("Alive"))

    def wait_for_nodes(self, count: int) -> None:
        deadline = time.monotonic() + NODE_START_TIMEOUT_S
        while self.alive_nodes() != count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Ray test cluster did not reach {count} alive nodes")
            time.sleep(0.5)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """``ray start --block`` stops its node's processes on SIGTERM; SIGKILL the group if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def ray_two_nodes() -> Iterator[TwoNodeCluster]:
    """Head + one more raylet (1 CPU each), with this test process connected as the driver."""
    os.environ.update(LOOPBACK_RAY_ENV)  # the driver (this process) and the CLI subprocesses it starts
    port = _free_port()
    temp_dir = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths must stay < 108 bytes
    head = subprocess.Popen(
        [RAY, "start", "--head", "--block", "--node-ip-address", "127.0.0.1", "--port", str(port),
         "--num-cpus", "1", "--object-store-memory", str(OBJECT_STORE_BYTES), "--disable-usage-stats",
         "--include-dashboard=false", "--temp-dir", temp_dir],
        env=ray_env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    cluster = TwoNodeCluster(address=f"127.0.0.1:{port}", temp_dir=temp_dir, head=head)
    try:
        cluster.start_worker()
        deadline = time.monotonic() + NODE_START_TIMEOUT_S
        while True:
            try:
                ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        cluster.wait_for_nodes(2)
        yield cluster
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for worker in list(cluster.workers):
            _stop(worker)
        _stop(head)


@pytest.fixture(scope="session")
def ray_model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder holding the exported default model, shared by the Ray embedding tests (one export)."""
    from embedscope.embed.feature_extractor import ensure_onnx_model

    cache = tmp_path_factory.mktemp("ray_model_cache")
    ensure_onnx_model(cache)
    return cache
