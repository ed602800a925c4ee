"""The two-round composable k-center on simulated embeddings read out of core, for several partition counts.

Simulates what ``--engine ray`` does on a cluster, one partition at a time in this process: the points live in a
memory-mapped ``.npy`` file, each round-1 partition (rows p, p+P, … of blocks, as the engine deals them) is read,
reduced to k′ = oversampling·k centres by the pruned greedy, and dropped; round 2 runs the greedy on the union.
The radius reached is measured exactly over all N points (blocked); the single-machine greedy's radius is
computed on the whole input when N ≤ --reference-max, else on a seeded subsample of that size (and both
selections are then measured on that subsample, so the ratio compares like with like).

    .venv/bin/python benchmarks/simulate_composable_kcenter.py                       # N = 20M, P = 8 … 512
    .venv/bin/python benchmarks/simulate_composable_kcenter.py --n 2000000 --k 1000  # reduced
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
from synthetic import clustered_embeddings

from embedscope.distributed.composable_k_center import DEFAULT_OVERSAMPLING
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.select.k_center_greedy import k_center_greedy

WRITE_ROWS = 1 << 20  # rows generated and written at a time: the simulation never holds N × d in memory
MEASURE_ROWS = 1 << 18  # rows per coverage block


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_points(path: Path, n: int, d: int, seed: int) -> None:
    """A (n, d) float32 ``.npy`` of clustered unit vectors, written block by block."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    for start in range(0, n, WRITE_ROWS):
        stop = min(n, start + WRITE_ROWS)
        out[start:stop] = clustered_embeddings(stop - start, d, n_clusters=200, seed=seed * 7919 + start)
    out.flush()
    del out


class NpyRows:
    """Rows of a (n, d) float32 ``.npy`` read with plain file reads (no memory map, so the pages read do not
    stay in this process's RSS: the peak memory printed is what a worker really holds)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with open(path, "rb") as handle:
            major, _ = np.lib.format.read_magic(handle)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            (self.n, self.d), _, _ = read_header(handle)
            self.offset = handle.tell()

    def read(self, start: int, stop: int) -> np.ndarray:
        count = (stop - start) * self.d
        data = np.fromfile(self.path, dtype=np.float32, count=count, offset=self.offset + start * self.d * 4)
        return data.reshape(stop - start, self.d)

    def take(self, rows: np.ndarray) -> np.ndarray:
        """Rows at ascending indices ``rows`` (read in runs of consecutive rows)."""
        out = np.empty((len(rows), self.d), dtype=np.float32)
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        for run in np.split(np.arange(len(rows)), breaks):
            if len(run):
                out[run] = self.read(int(rows[run[0]]), int(rows[run[-1]]) + 1)
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


def composable(points: NpyRows, *, k: int, partitions: int, block_rows: int, oversampling: int) -> np.ndarray:
    """Row indices of the two-round selection; partitions are processed one after another."""
    starts = np.arange(0, points.n, block_rows)
    union: list[np.ndarray] = []
    for p in range(partitions):
        mine = starts[p::partitions]
        part = np.concatenate([points.read(int(s), min(int(s) + block_rows, points.n)) for s in mine])
        rows = np.concatenate([np.arange(s, min(s + block_rows, points.n)) for s in mine])
        picks = k_center_greedy(part, n_samples=min(oversampling * k, len(part))).indices
        union.append(rows[picks])
        del part
    union_rows = np.sort(np.concatenate(union))
    final = k_center_greedy(points.take(union_rows), n_samples=k).indices
    return union_rows[final]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000_000)
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--k", type=int, default=1000)
    parser.add_argument("--partitions", type=int, nargs="+", default=[8, 32, 128, 512])
    parser.add_argument("--oversampling", type=int, default=DEFAULT_OVERSAMPLING)
    parser.add_argument("--reference-max", type=int, default=2_000_000, help="largest N for the single-machine greedy")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="where the .npy goes (default: a temp folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        path = Path(tmp) / "points.npy"
        start = time.perf_counter()
        write_points(path, args.n, args.d, args.seed)
        print(f"wrote {args.n:,} × {args.d} float32 ({path.stat().st_size / 2**30:.2f} GiB) in {time.perf_counter() - start:.0f} s")
        points = NpyRows(path)
        subsample = None
        if args.n > args.reference_max:
            subsample = np.sort(np.random.default_rng(args.seed).choice(args.n, args.reference_max, replace=False))
        reference_points = points.read(0, args.n) if subsample is None else points.take(subsample)
        start = time.perf_counter()
        reference = k_center_greedy(reference_points, n_samples=args.k)
        reference_radius = float(reference.min_distances.max())
        print(f"single-machine greedy on {len(reference_points):,} points: radius {reference_radius:.4f} "
              f"in {time.perf_counter() - start:.0f} s (peak RSS so far {_peak_rss_mib():,.0f} MiB)")
        del reference_points
        print("\n| P | k′ | rows per partition | round-1 + round-2 s | radius | ratio | peak RSS MiB |")
        print("|---|---|---|---|---|---|---|")
        block_rows = max(1, args.n // (4 * max(args.partitions)))
        for partitions in args.partitions:
            start = time.perf_counter()
            picks = composable(points, k=args.k, partitions=partitions, block_rows=block_rows,
                               oversampling=args.oversampling)
            seconds = time.perf_counter() - start
            centres = points.take(np.sort(picks))
            reached = radius(points, centres, subsample)
            print(f"| {partitions} | {args.oversampling * args.k:,} | {args.n // partitions:,} | {seconds:.0f} | "
                  f"{reached:.4f} | {reached / reference_radius:.3f} | {_peak_rss_mib():,.0f} |", flush=True)


if __name__ == "__main__":
    main()
