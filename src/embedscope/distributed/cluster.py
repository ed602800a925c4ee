"""Connecting to a Ray cluster: a local instance on this machine's cores, or an existing cluster.

Ray: https://docs.ray.io/en/latest/ray-core/api/doc/ray.init.html
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from embedscope.errors import EmbedscopeError

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0
"""Joining gives up after this long: Ray itself retries an unreachable GCS for minutes, and a user should
learn in seconds that the address is wrong (the bad-address contract is one line and exit 2 within 30 s)."""
LOCAL_ADDRESS = "local"  # what the engine records when it started its own Ray instance
LOOPBACK = "127.0.0.1"  # a local instance listens on loopback only: nothing outside this machine can join it


class RayClusterError(EmbedscopeError):
    """The Ray cluster cannot be reached or Ray is not installed."""


@dataclass(frozen=True)
class ClusterInfo:
    """What the job runs on.

    Attributes:
        address: the address joined, or ``"local"`` for a Ray instance started by this process.
        nodes: alive nodes; cpus, gpus: their total logical CPUs and GPUs.
    """

    address: str
    nodes: int
    cpus: int
    gpus: int

    def as_json(self) -> dict[str, object]:
        """The engine fields of embedscope's JSON."""
        return {"address": self.address, "nodes": self.nodes, "cpus": self.cpus, "gpus": self.gpus}


BACKEND_LOG_LEVEL_ENV = "RAY_BACKEND_LOG_LEVEL"


def _import_ray():  # type: ignore[no-untyped-def]
    try:
        import ray
    except ImportError as error:
        raise RayClusterError(
            "--engine ray needs Ray; install it with 'pip install embedscope[ray]'"
        ) from error
    return ray


def _init(address: str | None, *, num_cpus: int | None) -> None:
    ray = _import_ray()
    # Ray's C++ core would print its own ERROR lines on this console (e.g. a note on every Ray Data actor pool
    # whose constructor arguments sit in the object store); embedscope reports failures itself. A user who wants
    # them sets RAY_BACKEND_LOG_LEVEL.
    os.environ.setdefault(BACKEND_LOG_LEVEL_ENV, "fatal")
    ray.init(
        address=address,
        num_cpus=num_cpus if address is None else None,
        _node_ip_address=LOOPBACK if address is None else None,
        include_dashboard=False,
        logging_level=logging.ERROR,
        log_to_driver=False,
    )


def _start_local(num_cpus: int | None) -> None:
    """A local instance: no deadline, since starting Ray's processes takes tens of seconds on a busy machine."""
    try:
        _init(None, num_cpus=num_cpus)
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RayClusterError(f"cannot start a local Ray instance: {first_line}") from error


def _join_with_deadline(address: str) -> None:
    """``ray.init`` in a daemon thread, so that an unreachable address fails after :data:`CONNECT_TIMEOUT_S`."""
    outcome: dict[str, BaseException | None] = {}

    def connect() -> None:
        try:
            _init(address, num_cpus=None)
            outcome["error"] = None
        except BaseException as error:  # noqa: BLE001 - re-raised on the calling thread below
            outcome["error"] = error

    thread = threading.Thread(target=connect, name="embedscope-ray-init", daemon=True)
    saved_stderr = _redirect_native_stderr()
    thread.start()
    thread.join(CONNECT_TIMEOUT_S)
    if thread.is_alive():
        # Ray's client keeps retrying (and logging to descriptor 2) until the process exits: leave descriptor 2
        # on the log and give Python's stderr, where the CLI writes its one line, the original stream.
        sys.stderr = os.fdopen(saved_stderr, "w", buffering=1)
        raise RayClusterError(
            f"--ray-address {address}: no Ray cluster answered within {CONNECT_TIMEOUT_S:.0f} s; "
            "check the address (host:port of the head's GCS, 'auto', or ray://host:10001) and that the head is running"
        )
    os.dup2(saved_stderr, 2)
    os.close(saved_stderr)
    error = outcome.get("error")
    if error is not None:
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RayClusterError(f"--ray-address {address}: cannot connect to Ray: {first_line}") from error


def _redirect_native_stderr() -> int:
    """Point file descriptor 2 at a log file while joining: Ray's C++ client writes a warning per retry there,
    which must not reach the user (who gets one line from the CLI); Python's own errors are exceptions.
    Returns a duplicate of the original descriptor 2."""
    log_path = Path(tempfile.gettempdir()) / "embedscope-ray-connect.log"
    sys.stderr.flush()
    saved = os.dup(2)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    os.close(log)
    return saved


def cluster_info(address: str) -> ClusterInfo:
    """Nodes, CPUs and GPUs of the connected cluster."""
    ray = _import_ray()
    alive = [node for node in ray.nodes() if node.get("Alive")]
    resources = ray.cluster_resources()
    return ClusterInfo(
        address=address,
        nodes=len(alive),
        cpus=int(resources.get("CPU", 0)),
        gpus=int(resources.get("GPU", 0)),
    )


@contextmanager
def ray_cluster(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[ClusterInfo]:
    """Connect for the duration of a ``with`` block; disconnect (and stop a local instance) afterwards.

    Args:
        address: None starts a local Ray instance on ``num_cpus`` (default: all) cores of this machine;
            ``"auto"`` joins the cluster started on this machine with ``ray start``; ``host:port`` joins a
            head's GCS; ``ray://host:port`` joins through Ray Client (KubeRay's head service).
        num_cpus: CPUs of a local instance (ignored when joining).

    Raises:
        RayClusterError: Ray not installed, or the cluster did not answer within :data:`CONNECT_TIMEOUT_S`.
    """
    ray = _import_ray()
    if ray.is_initialized():
        yield cluster_info(address or LOCAL_ADDRESS)
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # offline tool: never phone home
    if address is None:
        _start_local(num_cpus)
    else:
        _join_with_deadline(address)
    try:
        info = cluster_info(address or LOCAL_ADDRESS)
        logger.info("Ray: %d node(s), %d CPUs, %d GPUs", info.nodes, info.cpus, info.gpus)
        yield info
    finally:
        ray.shutdown()
