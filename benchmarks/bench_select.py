"""k-center greedy: embedscope's pruned greedy vs the naive one-vector-update greedy, in one process.

Prints one table: method, seconds, ratio to the naive greedy, and whether the picks are identical
(issue 7 target: ≥ 5× faster with identical picks). Baselines: the naive reference shipped with embedscope
(a fused, vectorised numba full scan on all cores — the test oracle) and, for scale, a plain numpy naive
greedy as found in PatchCore-style ports (timed on the first --numpy-picks picks and extrapolated).

    .venv/bin/python benchmarks/bench_select.py                     # 10k picks from 1M × 32
    .venv/bin/python benchmarks/bench_select.py --n 100000 --k 1000  # quick
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from synthetic import clustered_embeddings

from embedscope.select.k_center_greedy import k_center_greedy
from embedscope.select.k_center_greedy_reference import k_center_greedy_reference


def numpy_naive_greedy(x: np.ndarray, k: int) -> np.ndarray:
    """The textbook loop in numpy: distances of all points to each new centre, np.minimum, argmax."""
    first = int(np.argmax(np.linalg.norm(x - x.mean(axis=0), axis=1)))
    picks = [first]
    min_dist = np.linalg.norm(x - x[first], axis=1)
    for _ in range(k - 1):
        picks.append(int(np.argmax(min_dist)))
        np.minimum(min_dist, np.linalg.norm(x - x[picks[-1]], axis=1), out=min_dist)
    return np.asarray(picks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="input points")
    parser.add_argument("--k", type=int, default=10_000, help="picks")
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--numpy-picks", type=int, default=200, help="picks timed for the numpy baseline")
    parser.add_argument("--uniform", action="store_true", help="uniform on the sphere instead of clustered (worst case)")
    args = parser.parse_args()

    if args.uniform:
        x = np.random.default_rng(args.seed).normal(size=(args.n, args.d)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
    else:
        x = clustered_embeddings(args.n, args.d, seed=args.seed)

    start = time.perf_counter()
    numpy_picks = numpy_naive_greedy(x, min(args.k, args.numpy_picks))
    t_numpy = (time.perf_counter() - start) * args.k / len(numpy_picks)

    start = time.perf_counter()
    naive = k_center_greedy_reference(x, n_samples=args.k)
    t_naive = time.perf_counter() - start

    start = time.perf_counter()
    fast = k_center_greedy(x, n_samples=args.k)
    t_fast = time.perf_counter() - start

    identical = np.array_equal(fast.indices, naive.indices) and np.array_equal(
        fast.min_distances, naive.min_distances
    )
    numpy_agrees = np.array_equal(numpy_picks, naive.indices[: len(numpy_picks)])
    kind = "uniform-on-the-sphere" if args.uniform else "clustered"
    print(f"k-center greedy, {args.k} picks from {args.n} × {args.d} {kind} float32")
    print(f"{'method':<52} {'seconds':>9} {'naive ÷ method':>15} {'identical picks':>16}")
    rows = [
        (f"numpy naive greedy (first {len(numpy_picks)} picks, extrapolated)", t_numpy, numpy_agrees),
        ("naive reference (numba full scan, all cores)", t_naive, True),
        ("embedscope k_center_greedy (pruned)", t_fast, identical),
    ]
    for name, seconds, same in rows:
        print(f"{name:<52} {seconds:>9.2f} {t_naive / seconds:>15.2f} {'yes' if same else 'NO':>16}")


if __name__ == "__main__":
    main()
