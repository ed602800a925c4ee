"""The Ray engine against the local engine on this machine: selection on embeddings, and image embedding.

Starts a two-raylet Ray cluster on loopback (``ray start --head`` + a second ``ray start``, --cpus-per-node each,
stopped at the end) and runs, in this process as the driver:

1. N × 32 clustered embeddings (default 2,000,000), k picks: the local pruned k-center greedy (its running
   minimum is the coverage) vs the Ray engine's composable k-center + coverage map over blocks read by Ray tasks
   from a ``.npy`` (the driver never loads the matrix). Wall time, peak RSS of the driver and of every Ray
   worker process (sampled from /proc), and the radius ratio Ray / local.
2. --images 640×480 JPEGs (default 2,000): images/s of the local ``embed_image_folder`` vs the Ray engine
   (scan + shards + projection) on the same 2 cores, both from empty caches.
3. --run-repeats R (default 0): ``embedscope run`` on those images, local vs ``--engine ray --ray-address`` this
   cluster (the command connects, scans with the model loading, embeds, selects, analyses and writes), R times
   each, alternating, each from an empty cache and shard folder; wall time and the engine JSON's stage seconds.

    .venv/bin/python benchmarks/bench_ray.py
    .venv/bin/python benchmarks/bench_ray.py --n 200000 --k 500 --images 300     # quick
    .venv/bin/python benchmarks/bench_ray.py --n 0 --run-repeats 2                # images and `run`, local vs Ray
    .venv/bin/python benchmarks/bench_ray.py --n 0 --skip-images --run-repeats 3  # `run` only
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

import numpy as np
from bench_images import make_jpegs
from process_memory import peak_rss_mib, reset_peak_rss
from synthetic import clustered_embeddings

from embedscope.distributed.cluster import cluster_info, ray_cluster
from embedscope.distributed.ray_image_folder import embed_folder_on_ray, scan_with_model_on_ray
from embedscope.distributed.ray_selection import select_on_blocks
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.embed.feature_extractor import ensure_onnx_model
from embedscope.embed.image_folder_embedding import embed_image_folder
from embedscope.ingest.image_folder import scan_image_folder
from embedscope.select.k_center_greedy import k_center_greedy

RAY = str(Path(sys.executable).with_name("ray"))
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled",
       "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")])}


class WorkerRss:
    """Samples the RSS of the ``ray::`` worker processes of this benchmark's cluster (the sessions of its
    ``ray start`` processes, not another Ray instance on the machine) every 0.2 s; keeps each pid's peak (MiB)."""

    def __init__(self, sessions: set[int]) -> None:
        self.sessions = sessions
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid_dir in Path("/proc").iterdir():
                if not pid_dir.name.isdigit():
                    continue
                try:
                    if not (pid_dir / "cmdline").read_bytes().startswith(b"ray::"):
                        continue
                    session = int((pid_dir / "stat").read_text().rsplit(")", 1)[1].split()[3])
                    if session not in self.sessions:
                        continue
                    for line in (pid_dir / "status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            rss = int(line.split()[1]) / 1024
                            self.peaks[int(pid_dir.name)] = max(self.peaks.get(int(pid_dir.name), 0.0), rss)
                except OSError:
                    continue
            time.sleep(0.2)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        top = sorted(self.peaks.values(), reverse=True)[:4]
        return ", ".join(f"{v:,.0f}" for v in top) or "-"


def start_cluster(cpus_per_node: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    common = ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus_per_node), "--disable-usage-stats",
              "--object-store-memory", str(1_500_000_000)]
    temp_dir = tempfile.mkdtemp(prefix="rb", dir="/tmp")
    head = subprocess.Popen([RAY, "start", "--head", "--port", str(port), "--include-dashboard=false",
                             "--temp-dir", temp_dir, *common], env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(8)
    worker = subprocess.Popen([RAY, "start", "--address", f"127.0.0.1:{port}", *common], env=ENV,
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"127.0.0.1:{port}", [worker, head]


def stop_cluster(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def wait_for_nodes(count: int, timeout_s: float = 120.0) -> None:
    """Block until ``count`` raylets are alive (the second ``ray start`` joins a few seconds after the head)."""
    import ray

    deadline = time.monotonic() + timeout_s
    while sum(1 for node in ray.nodes() if node.get("Alive")) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the benchmark cluster did not reach {count} alive raylets")
        time.sleep(0.5)


def bench_selection(address: str, sessions: set[int], n: int, k: int, partitions: int, workdir: Path) -> None:
    path = workdir / "points.npy"
    np.save(path, clustered_embeddings(n, 32, n_clusters=200, seed=0))
    reset_peak_rss()
    points = np.load(path)
    start = time.perf_counter()
    local = k_center_greedy(points, n_samples=k)
    local_s, local_radius = time.perf_counter() - start, float(local.min_distances.max())
    local_rss = peak_rss_mib()
    del points, local
    reset_peak_rss()
    with ray_cluster(address) as cluster, WorkerRss(sessions) as workers:
        wait_for_nodes(2)
        cluster = cluster_info(address)
        start = time.perf_counter()
        blocks = VectorBlocks.from_npy(path, rows_per_block=max(1, n // (8 * partitions)))
        result = select_on_blocks(blocks, n_samples=k, partitions=partitions)
        ray_s = time.perf_counter() - start
        ray_rss = peak_rss_mib()
        nodes = cluster.nodes
    print(f"\n## selection: {n:,} × 32, k = {k:,}, Ray: {nodes} raylets, P = {partitions}, k′ = {result.k_prime:,}\n")
    print("| engine | wall s | driver peak RSS MiB | worker peak RSS MiB (largest 4) | radius | ratio |")
    print("|---|---|---|---|---|---|")
    print(f"| local pruned greedy | {local_s:.1f} | {local_rss:,.0f} | - | {local_radius:.4f} | 1.000 |")
    print(f"| Ray composable k-center + coverage | {ray_s:.1f} | {ray_rss:,.0f} | "
          f"{workers.summary()} | {result.radius:.4f} | {result.radius / local_radius:.3f} |", flush=True)


def bench_images(address: str, sessions: set[int], n_images: int, workdir: Path) -> None:
    folder = workdir / "images"
    make_jpegs(folder, n_images)
    cache = workdir / "cache"
    ensure_onnx_model(cache)
    local: dict[str, float] = {}
    reset_peak_rss()
    start = time.perf_counter()
    scan = scan_image_folder(folder)
    local["scan"] = time.perf_counter() - start
    embed_image_folder(scan, embedding_dim=32, cache_dir=cache)
    local_s = time.perf_counter() - start
    local["embed + projection"] = local_s - local["scan"]
    local_rss = peak_rss_mib()
    reset_peak_rss()
    phases: dict[str, float] = {}
    with ray_cluster(address) as cluster, WorkerRss(sessions) as workers:
        wait_for_nodes(2)
        cluster = cluster_info(address)
        start = time.perf_counter()
        scanned = scan_with_model_on_ray(folder, None, cluster=cluster, cache_dir=cache)
        phases["scan ‖ model on driver"] = time.perf_counter() - start
        embedded = embed_folder_on_ray(scanned.scan, cluster=cluster, shard_dir=workdir / "shards", cache_dir=cache,
                                       model=scanned.model)
        phases["shards + index + projection fit"] = time.perf_counter() - start - sum(phases.values())
        embedded.blocks.gather(memory_budget=2**34)
        ray_s = time.perf_counter() - start
        phases["projection tasks + gather"] = ray_s - sum(phases.values())
        ray_rss = peak_rss_mib()
    print(f"\n## images: {n_images:,} JPEGs 640×480, 2 cores\n")
    print("| engine | wall s | images/s | Ray time / local time | driver peak RSS MiB | worker peak RSS MiB (largest 4) "
          "| phases s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| local embed_image_folder | {local_s:.1f} | {n_images / local_s:.0f} | 1.00 | {local_rss:,.0f} | - | "
          f"{_phases(local)} |")
    print(f"| Ray (scan + shards + projection) | {ray_s:.1f} | {n_images / ray_s:.0f} | {ray_s / local_s:.2f} | "
          f"{ray_rss:,.0f} | {workers.summary()} | {_phases(phases)} |", flush=True)


def bench_run(n_images: int, repeats: int, cpus_per_node: int, workdir: Path) -> None:
    """``embedscope run FOLDER -n 20`` local vs ``--engine ray --ray-address`` a fresh two-raylet cluster (started
    before and stopped after each Ray run, outside the timing: every Ray run meets a cold cluster), alternating;
    each run in its own process (the CLI as a user starts it) from an empty cache and shard folder."""
    import shutil

    from embedscope.embed.cache_location import CACHE_DIR_ENV
    from embedscope.report.json_writer import read_report_dict

    folder = workdir / "images"
    if not folder.is_dir():
        make_jpegs(folder, n_images)
    model_cache = workdir / "model-cache"
    ensure_onnx_model(model_cache)
    rows = []
    for repeat in range(repeats):
        for engine in ("local", "ray"):
            out, cache = workdir / f"run-{engine}-{repeat}", workdir / f"run-cache-{engine}-{repeat}"
            shutil.copytree(model_cache, cache)  # the exported model only: no features, no shards
            command = [sys.executable, "-m", "embedscope.cli.app", "run", str(folder), "--out", str(out), "-n", "20",
                       "--quiet"]
            processes: list[subprocess.Popen[bytes]] = []
            if engine == "ray":
                address, processes = start_cluster(cpus_per_node)
                _wait_for_nodes_of(address, 2)
                command += ["--engine", "ray", "--ray-address", address]
            try:
                before = os.getloadavg()[0]
                start = time.perf_counter()
                subprocess.run(command, env={**ENV, CACHE_DIR_ENV: str(cache)}, check=True, stdout=subprocess.DEVNULL)
                wall = time.perf_counter() - start
                after = os.getloadavg()[0]
            finally:
                stop_cluster(processes)
            report = read_report_dict(out / "report_v2.json")["embedscope"]
            stages = report.get("engine", {}).get("stageSeconds") or report.get("stageSeconds") or {}
            rows.append((repeat, engine, wall, before, after, stages, report.get("engine", {}).get("modelLoadSeconds")))
    print(f"\n## `embedscope run` on {n_images:,} JPEGs, -n 20: local vs --engine ray on 2 raylets × {cpus_per_node} CPU\n")
    print("| repeat | engine | wall s | Ray / local | load 1-min before → after | stage seconds |")
    print("|---|---|---|---|---|---|")
    local_wall = 0.0
    for repeat, engine, wall, before, after, stages, model_s in rows:
        local_wall = wall if engine == "local" else local_wall
        ratio = "1.00" if engine == "local" else f"{wall / local_wall:.2f}"
        seconds = _phases({k: v for k, v in stages.items() if v >= 0.05})
        seconds += f"; model load ‖ scan {model_s:.1f}" if model_s is not None else ""
        print(f"| {repeat} | {engine} | {wall:.1f} | {ratio} | {before:.2f} → {after:.2f} | {seconds} |", flush=True)


def _wait_for_nodes_of(address: str, count: int) -> None:
    """Connect to ``address`` until ``count`` raylets are alive, then disconnect (the timed command connects)."""
    import ray

    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    try:
        wait_for_nodes(count)
    finally:
        ray.shutdown()


def _phases(seconds: dict[str, float]) -> str:
    return "; ".join(f"{name} {value:.1f}" for name, value in seconds.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--k", type=int, default=1_000)
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--images", type=int, default=2_000, help="images of the image part and the run part")
    parser.add_argument("--cpus-per-node", type=int, default=1)
    parser.add_argument("--run-repeats", type=int, default=0, help="time `embedscope run` local vs Ray this often")
    parser.add_argument("--skip-images", action="store_true", help="only the run part (with --n 0)")
    args = parser.parse_args()
    os.environ.update({key: ENV[key] for key in ("RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE")})
    if args.n or (args.images and not args.skip_images):
        address, processes = start_cluster(args.cpus_per_node)
        sessions = {process.pid for process in processes}  # start_new_session: each node's processes share its sid
        try:
            with tempfile.TemporaryDirectory() as tmp:
                if args.n:
                    bench_selection(address, sessions, args.n, args.k, args.partitions, Path(tmp))
                if args.images and not args.skip_images:
                    bench_images(address, sessions, args.images, Path(tmp))
        finally:
            stop_cluster(processes)
    if args.run_repeats:
        with tempfile.TemporaryDirectory() as tmp:
            bench_run(args.images, args.run_repeats, args.cpus_per_node, Path(tmp))


if __name__ == "__main__":
    main()
