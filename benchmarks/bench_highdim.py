"""High-dimensional embeddings (512–1024-d, like CLIP/DINOv2): greedy, exact 1-NN and projection, with baselines.

Data: clustered, L2-normalised float32 vectors from ``synthetic.py`` (``--intrinsic-dim``: noise mostly in a
32-d subspace per cluster, like real embeddings; ``--intrinsic-dim 0``: isotropic noise, the worst case),
written once as a memory-mapped .npy under benchmarks/_work/ (gitignored; delete it afterwards).
Sections (``--only``):

- ``greedy``: embedscope's k-center greedy (BLAS-filtered, pruned, reading the memory map in place) against
  the naive reference greedy (fused numba full scan on all cores, the test oracle): its set-up (the
  transposed copy) is timed once and its pick loop on the first ``--naive-picks`` picks, extrapolated to k
  (its cost per pick is constant); the naive picks must equal the prefix of embedscope's picks.
- ``neighbors``: exact self-1-NN and query→set 1-NN against faiss ``IndexFlatL2`` (search(X, 2) / search(Q, 1)),
  with the largest distance difference from float64 on a sample. Queries are ``--nn-n`` more samples of
  the same clusters (as the report's coverage searches: input samples against a subset of them).
- ``approximate``: approximate self-1-NN above the exact limit (``--nn-n`` points): embedscope's PCA-space
  candidates re-ranked in the full space (``neighbors/projected_search.py``, what a run uses from 128-d on)
  and its full-space cluster probing (``neighbors/approximate.py``) against faiss ``IndexIVFFlat`` on the full
  vectors (sqrt(n) lists, nprobe 16, search(X, 2)); recall@1 of each against float64 brute force on a sample.
- ``projection``: the run's 2-D projections (PCA, and UMAP on a 50-d PCA) of the points the report lists.

    .venv/bin/python benchmarks/bench_highdim.py --only greedy --n 1000000 --k 10000
    .venv/bin/python benchmarks/bench_highdim.py --only neighbors --nn-n 30000
    .venv/bin/python benchmarks/bench_highdim.py --only approximate --nn-n 200000
    .venv/bin/python benchmarks/bench_highdim.py --only projection --n 1000000
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import faiss
import numpy as np
from bench_neighbors import brute_force, faiss_other, faiss_self
from synthetic import clustered_embeddings

from embedscope.analyze.projection import pca_2d, umap_2d
from embedscope.io.row_normalize import release_mapped_pages
from embedscope.neighbors.approximate import approximate_nearest_in_set
from embedscope.neighbors.exact import exact_nearest_in_other_set, exact_nearest_in_set
from embedscope.neighbors.projected_search import projected_nearest_in_set
from embedscope.select.k_center_greedy import k_center_greedy, prepare_greedy, run_greedy
from embedscope.select.k_center_greedy_reference import FullScanRunningMin, k_center_greedy_reference

WORK = Path(__file__).parent / "_work"
CHECK_SAMPLE = 1000
"""Queries whose 1-NN distances are checked against float64 brute force."""

LISTED_POINTS = 60_000
"""Points a run projects at any N: 50,000 listed input samples plus 10,000 selected."""


def data_file(n: int, d: int, intrinsic_dim: int, seed: int) -> np.ndarray:
    """The (n, d) float32 data set as a read-only memory map, generated on first use."""
    path = WORK / f"clustered_{n}x{d}_r{intrinsic_dim}_s{seed}.npy"
    if not path.exists():
        WORK.mkdir(exist_ok=True)
        out = np.lib.format.open_memmap(path.with_suffix(".tmp"), mode="w+", dtype=np.float32, shape=(n, d))
        clustered_embeddings(n, d, seed=seed, intrinsic_dim=intrinsic_dim or None, out=out)
        out.flush()
        del out
        path.with_suffix(".tmp").rename(path)
    return np.load(path, mmap_mode="r")


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def bench_greedy(x: np.ndarray, k: int, naive_picks: int) -> None:
    n, d = x.shape
    warm = np.ascontiguousarray(x[:2000])
    k_center_greedy(warm, n_samples=10)
    k_center_greedy_reference(warm, n_samples=10)
    start = time.perf_counter()
    fast = k_center_greedy(x, n_samples=k)
    t_fast = time.perf_counter() - start
    rss_fast = peak_rss_gib()
    release_mapped_pages(x)
    m = min(k, naive_picks)
    start = time.perf_counter()
    prepared = prepare_greedy(x, n_samples=m, datapool=None, min_distance=None)
    updater = FullScanRunningMin(prepared.points, prepared.min_sq)
    t_setup = time.perf_counter() - start
    start = time.perf_counter()
    naive = run_greedy(prepared, updater)
    t_naive = t_setup + (time.perf_counter() - start) * k / m
    same = np.array_equal(naive.indices, fast.indices[:m])
    print(f"k-center greedy, {k} picks from {n} × {d} (memory-mapped float32)")
    print(f"{'method':<58} {'seconds':>9} {'naive ÷ method':>15} {'identical picks':>16}")
    print(f"{f'naive reference (numba full scan; {m} picks, extrapolated)':<58} {t_naive:>9.1f} {1.0:>15.2f} {'yes':>16}")
    print(f"  (naive set-up {t_setup:.1f} s, then {(t_naive - t_setup) / k:.3f} s per pick)")
    print(
        f"{'embedscope k_center_greedy (BLAS-filtered, pruned)':<58} {t_fast:>9.1f} {t_naive / t_fast:>15.2f} "
        f"{('yes' if same else 'NO') + f' (first {m})':>16}"
    )
    print(f"peak RSS after embedscope's greedy: {rss_fast:.2f} GiB (data file {x.nbytes / 2**30:.2f} GiB)")


def bench_neighbors(x: np.ndarray, q: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(len(x), size=min(len(x), CHECK_SAMPLE), replace=False))
    truth_self = brute_force(x[sample], x, sample)
    truth_other = brute_force(q[sample], x, None)
    exact_nearest_in_other_set(q[:50], x[:500])
    rows = []
    for task, name, fn, truth in [
        ("self", "faiss IndexFlatL2.search(X, 2)", lambda: faiss_self(x), truth_self),
        ("self", "embedscope exact_nearest_in_set", lambda: exact_nearest_in_set(x).distances, truth_self),
        ("q→set", "faiss IndexFlatL2.search(Q, 1)", lambda: faiss_other(q, x, 1), truth_other),
        ("q→set", "embedscope exact_nearest_in_other_set", lambda: exact_nearest_in_other_set(q, x).distances,
         truth_other),
    ]:
        start = time.perf_counter()
        distances = fn()
        rows.append((task, name, time.perf_counter() - start, np.abs(distances[sample] - truth).max()))
    print(f"exact 1-NN, {len(x)} × {x.shape[1]} (queries: {len(q)} more), {faiss.omp_get_max_threads()} threads")
    print(f"{'task':<6} {'method':<38} {'seconds':>9} {'÷ faiss':>8} {'max |Δ| vs f64':>15}")
    for i, (task, name, seconds, diff) in enumerate(rows):
        baseline = rows[i - i % 2][2]
        print(f"{task:<6} {name:<38} {seconds:>9.2f} {seconds / baseline:>8.3f} {diff:>15.2e}")


def faiss_ivf_self(x: np.ndarray, nprobe: int = 16) -> np.ndarray:
    n, d = x.shape
    n_lists = round(np.sqrt(n))
    index = faiss.IndexIVFFlat(faiss.IndexFlatL2(d), d, n_lists, faiss.METRIC_L2)
    index.cp.seed = 0
    index.cp.max_points_per_centroid = 64
    index.train(x[np.random.default_rng(0).choice(n, size=min(n, 64 * n_lists), replace=False)])
    index.add(x)
    index.nprobe = nprobe
    squared, found = index.search(x, 2)
    own = found[:, 0] == np.arange(n)
    return np.sqrt(np.maximum(np.where(own, squared[:, 1], squared[:, 0]), 0.0))


def bench_approximate(x: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    sample = np.sort(rng.choice(len(x), size=min(len(x), CHECK_SAMPLE), replace=False))
    truth = brute_force(x[sample], x, sample)
    rows = []
    for name, fn in [
        ("faiss IndexIVFFlat (nprobe 16) search(X, 2)", lambda: faiss_ivf_self(x)),
        ("embedscope projected_nearest_in_set", lambda: projected_nearest_in_set(x, seed=0).distances),
        ("embedscope approximate_nearest_in_set", lambda: approximate_nearest_in_set(x, seed=0).distances),
    ]:
        start = time.perf_counter()
        distances = fn()
        seconds = time.perf_counter() - start
        rows.append((name, seconds, float(np.mean(np.abs(distances[sample] - truth) <= 1e-5))))
    print(f"approximate self-1-NN, {len(x)} × {x.shape[1]}, {faiss.omp_get_max_threads()} threads")
    print(f"{'method':<46} {'seconds':>9} {'÷ faiss':>8} {'recall@1':>9}")
    for name, seconds, recall in rows:
        print(f"{name:<46} {seconds:>9.1f} {seconds / rows[0][1]:>8.2f} {recall:>9.3f}")


def bench_projection(x: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(x), size=min(len(x), LISTED_POINTS), replace=False))
    points = np.ascontiguousarray(x[rows])
    umap_2d(points[:200], seed=seed)
    start = time.perf_counter()
    pca_2d(points)
    t_pca = time.perf_counter() - start
    start = time.perf_counter()
    projection = umap_2d(points, seed=seed)
    t_umap = time.perf_counter() - start
    print(f"2-D projection of the {len(points)} listed points of {len(x)} × {x.shape[1]}")
    print(f"PCA {t_pca:.1f} s; UMAP ({projection.method}, fitted on {projection.fit_sample_size}) {t_umap:.1f} s; "
          f"total {t_pca + t_umap:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["greedy", "neighbors", "approximate", "projection"], action="append")
    parser.add_argument("--n", type=int, default=1_000_000, help="points for the greedy and the projection")
    parser.add_argument("--d", type=int, default=768)
    parser.add_argument("--k", type=int, default=10_000, help="greedy picks")
    parser.add_argument("--naive-picks", type=int, default=100, help="picks timed for the naive greedy")
    parser.add_argument("--nn-n", type=int, default=100_000, help="points (and queries) for exact 1-NN")
    parser.add_argument("--intrinsic-dim", type=int, default=32, help="0: isotropic noise")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sections = args.only or ["greedy", "neighbors", "projection"]
    if "greedy" in sections:
        bench_greedy(data_file(args.n, args.d, args.intrinsic_dim, args.seed), args.k, args.naive_picks)
    if "neighbors" in sections:
        both = data_file(2 * args.nn_n, args.d, args.intrinsic_dim, args.seed)
        bench_neighbors(np.ascontiguousarray(both[: args.nn_n]), np.ascontiguousarray(both[args.nn_n :]))
    if "approximate" in sections:
        bench_approximate(data_file(args.nn_n, args.d, args.intrinsic_dim, args.seed))
    if "projection" in sections:
        bench_projection(data_file(args.n, args.d, args.intrinsic_dim, args.seed), args.seed)


if __name__ == "__main__":
    main()
