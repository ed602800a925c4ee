"""The two-round composable k-center on simulated embeddings read out of core, for several partition counts.

Simulates what ``--engine ray`` does on a cluster, one partition at a time in this process: the points live in a
``.npy`` file on disk (written block by block, never whole in memory); each round-1 partition (the blocks p,
p+P, … as the engine deals them round-robin) is read once with plain file reads at the blocks' offsets, as a Ray
task reads its blocks, reduced to k′ = oversampling·k centres by the pruned greedy, and dropped; round 2 runs the
greedy on the union of the P·k′ centres. The radius reached is measured exactly over all N points (blocked).
The single-machine greedy runs on the whole input when N ≤ --reference-max, else on a seeded subsample of that
size (both selections are then measured on that subsample, so the ratio compares like with like).

Peak memory is measured per stage: the kernel's resident-set high-water mark (VmHWM) is reset through
``/proc/self/clear_refs`` before each stage, so "round 1" is the largest any one partition needed (what one
worker holds), not the process's lifetime peak. Plain reads, not a memory map, so that pages read do not stay
in the resident set: the figures are what a worker really holds.

    .venv/bin/python benchmarks/simulate_composable_kcenter.py                       # N = 20M, P = 8 … 512
    .venv/bin/python benchmarks/simulate_composable_kcenter.py --n 2000000 --partitions 8 32   # reduced
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from process_memory import peak_rss_mib, reset_peak_rss
from synthetic import clustered_embeddings

from embedscope.distributed.composable_k_center import DEFAULT_OVERSAMPLING
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.select.k_center_greedy import k_center_greedy

MEASURE_ROWS = 1 << 18  # rows per coverage block: 32 MiB at d = 32
BLOCKS_PER_PARTITION = 4  # at the largest P, as the engine's default blocks (several per round-1 task)
N_CLUSTERS = 200


@dataclass
class Stages:
    """Wall seconds, CPU seconds (this process, all threads) and peak RSS (MiB) per named stage; a stage entered
    again adds its times and keeps its max RSS. Stages do not nest (each resets the high-water mark). CPU seconds
    are what a worker would spend on an idle core; wall seconds grow with the machine's load."""

    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        reset_peak_rss()
        start, cpu_start = time.perf_counter(), time.process_time()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
        self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu_start
        self.peak[name] = max(self.peak.get(name, 0.0), peak_rss_mib())

    def times(self, name: str) -> str:
        """``wall / CPU`` seconds of a stage."""
        return f"{self.seconds[name]:.0f} / {self.cpu[name]:.0f}"


def write_points(path: Path, n: int, d: int, seed: int) -> None:
    """A (n, d) float32 ``.npy`` of clustered unit vectors (one draw of 200 clusters), filled through a memory map
    chunk by chunk (:func:`synthetic.clustered_embeddings` with ``out``)."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    clustered_embeddings(n, d, n_clusters=N_CLUSTERS, seed=seed, out=out)
    out.flush()
    del out


class NpyRows:
    """Rows of a (n, d) float32 ``.npy`` read with plain file reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            major, _ = np.lib.format.read_magic(handle)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            (self.n, self.d), _, _ = read_header(handle)
            self.offset = handle.tell()

    def read_into(self, out: np.ndarray, start: int) -> None:
        """Fill ``out`` (m, d) float32 with rows start..start+m-1."""
        with open(self.path, "rb", buffering=0) as handle:
            handle.seek(self.offset + start * self.d * 4)
            view = memoryview(out.reshape(-1)).cast("B")
            while view.nbytes:
                got = handle.readinto(view)
                if not got:
                    raise OSError(f"{self.path}: short read at row {start}")
                view = view[got:]

    def read(self, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, self.d), dtype=np.float32)
        self.read_into(out, start)
        return out

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Rows at ascending indices ``rows`` (read in runs of consecutive rows)."""
        out = np.empty((len(rows), self.d), dtype=np.float32)
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        for run in np.split(np.arange(len(rows)), breaks):
            if len(run):
                self.read_into(out[run[0] : run[-1] + 1], int(rows[run[0]]))
        return out


def radius(points: NpyRows, centres: np.ndarray, rows: np.ndarray | None = None) -> float:
    """Largest distance of all points (or of the points at ``rows``) to the nearest centre, in blocks."""
    n = points.n if rows is None else len(rows)
    worst = 0.0
    for start in range(0, n, MEASURE_ROWS):
        stop = min(n, start + MEASURE_ROWS)
        block = points.read(start, stop) if rows is None else points.take(rows[start:stop])
        worst = max(worst, float(exact_nearest_in_other_set(block, centres).distances.max()))
    return worst


def read_partition(points: NpyRows, starts: np.ndarray, block_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(global rows (m,), vectors (m, d)) of the blocks starting at ``starts``, read once into one array."""
    stops = np.minimum(starts + block_rows, points.n)
    vectors = np.empty((int((stops - starts).sum()), points.d), dtype=np.float32)
    at = 0
    for a, b in zip(starts, stops, strict=True):
        points.read_into(vectors[at : at + b - a], int(a))
        at += int(b - a)
    return np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)]), vectors


def composable(
    points: NpyRows, stages: Stages, *, k: int, partitions: int, block_rows: int, oversampling: int
) -> tuple[np.ndarray, float]:
    """(row indices of the two-round selection, largest round-1 radius); partitions one after another."""
    starts = np.arange(0, points.n, block_rows)
    union: list[np.ndarray] = []
    largest = 0.0
    for p in range(partitions):
        with stages.stage("read"):
            rows, part = read_partition(points, starts[p::partitions], block_rows)
        with stages.stage("greedy"):
            result = k_center_greedy(part, n_samples=min(oversampling * k, len(part)))
        union.append(rows[result.indices])
        largest = max(largest, float(result.min_distances.max()))
        del part, result
    with stages.stage("round 2"):
        union_rows = np.sort(np.concatenate(union))
        final = k_center_greedy(points.take(union_rows), n_samples=k).indices
    return union_rows[final], largest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000_000)
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--k", type=int, default=200)
    parser.add_argument("--partitions", type=int, nargs="+", default=[8, 32, 128, 512])
    parser.add_argument("--oversampling", type=int, default=DEFAULT_OVERSAMPLING)
    parser.add_argument("--reference-max", type=int, default=20_000_000, help="largest N for the single-machine greedy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="where the .npy goes (default: a temp folder)")
    args = parser.parse_args()

    stages = Stages()
    print(f"RSS after imports {peak_rss_mib():,.0f} MiB (every stage's peak includes it)")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "points.npy"
        with stages.stage("write"):
            write_points(path, args.n, args.d, args.seed)
        print(f"wrote {args.n:,} × {args.d} float32 ({path.stat().st_size / 2**30:.2f} GiB) in "
              f"{stages.times('write')} s (wall / CPU), peak RSS {stages.peak['write']:,.0f} MiB", flush=True)
        points = NpyRows(path)
        subsample = None
        if args.n > args.reference_max:
            subsample = np.sort(np.random.default_rng(args.seed).choice(args.n, args.reference_max, replace=False))
        with stages.stage("reference"):
            reference_points = points.read(0, args.n) if subsample is None else points.take(subsample)
            reference = k_center_greedy(reference_points, n_samples=args.k)
            reference_radius = float(reference.min_distances.max())
            del reference_points, reference
        print(f"single-machine greedy on {args.n if subsample is None else len(subsample):,} points, k = {args.k}: "
              f"radius {reference_radius:.4f} in {stages.times('reference')} s (wall / CPU), peak RSS "
              f"{stages.peak['reference']:,.0f} MiB", flush=True)
        print("\nseconds are wall / CPU of this process\n")
        print("| P | rows per partition | k′ | round 1 read s | round 1 greedy s | round 2 s | P·k′ rows | radius check s "
                  "| radius | ratio | largest round-1 radius | peak RSS MiB: one partition / round 2 / radius check |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        block_rows = max(1, -(-args.n // (BLOCKS_PER_PARTITION * max(args.partitions))))
        for partitions in args.partitions:
            run = Stages()
            picks, largest = composable(points, run, k=args.k, partitions=partitions, block_rows=block_rows,
                                        oversampling=args.oversampling)
            with run.stage("radius"):
                reached = radius(points, points.take(np.sort(picks)), subsample)
            union = min(partitions * args.oversampling * args.k, args.n)
            print(f"| {partitions} | {args.n // partitions:,} | {args.oversampling * args.k:,} | "
                  f"{run.times('read')} | {run.times('greedy')} | {run.times('round 2')} | {union:,} | "
                  f"{run.times('radius')} | {reached:.4f} | {reached / reference_radius:.3f} | {largest:.4f} | "
                  f"{max(run.peak['read'], run.peak['greedy']):,.0f} / {run.peak['round 2']:,.0f} / {run.peak['radius']:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
