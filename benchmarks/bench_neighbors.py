"""Exact nearest-neighbour search: embedscope vs faiss IndexFlatL2, side by side in one process.

Prints one table: task (self 1-NN excluding self; query → set), method, seconds, ratio to faiss
IndexFlatL2.search(·, 2) on the same task (issue 7 target: ≤ 0.5 for embedscope), and the largest
absolute difference of the distances from float64 brute force on a sample of queries. faiss k = 1
(its fused argmin kernel) is shown for reference.

    .venv/bin/python benchmarks/bench_neighbors.py            # 200k × 32
    .venv/bin/python benchmarks/bench_neighbors.py --n 20000  # quick
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import faiss
import numpy as np
from synthetic import clustered_embeddings

from embedscope.neighbors.exact import exact_nearest_in_other_set, exact_nearest_in_set

CHECK_SAMPLE = 2000
"""Queries whose distances are checked against float64 brute force."""


def brute_force(queries: np.ndarray, points: np.ndarray, own: np.ndarray | None) -> np.ndarray:
    """(m,) float64 nearest distances by direct differences (own[i] excluded when given)."""
    q64, p64 = queries.astype(np.float64), points.astype(np.float64)
    out = np.empty(len(q64))
    for i, q in enumerate(q64):
        dist = np.sqrt(((p64 - q) ** 2).sum(axis=1))
        if own is not None:
            dist[own[i]] = np.inf
        out[i] = dist.min()
    return out


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    distances = fn()
    return time.perf_counter() - start, distances


def faiss_self(x: np.ndarray) -> np.ndarray:
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    dist_sq, found = index.search(x, 2)
    own = np.arange(len(x))
    pick = np.where(found[:, 0] == own, 1, 0)
    return np.sqrt(np.maximum(dist_sq[own, pick], 0.0)).astype(np.float64)


def faiss_other(q: np.ndarray, x: np.ndarray, k: int) -> np.ndarray:
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    dist_sq, _ = index.search(q, k)
    return np.sqrt(np.maximum(dist_sq[:, 0], 0.0)).astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="points (and queries for query→set)")
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--other-clusters", action="store_true", help="queries from other clusters (the runs before 2026-12-01)"
    )
    args = parser.parse_args()

    if args.other_clusters:
        x = clustered_embeddings(args.n, args.d, seed=args.seed)
        q = clustered_embeddings(args.n, args.d, seed=args.seed + 1)
    else:  # queries from the same clusters, as the report's coverage searches (input against a subset)
        both = clustered_embeddings(2 * args.n, args.d, seed=args.seed)
        x, q = np.ascontiguousarray(both[: args.n]), np.ascontiguousarray(both[args.n :])
    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(args.n, size=min(args.n, CHECK_SAMPLE), replace=False))
    truth_self = brute_force(x[sample], x, sample)
    truth_other = brute_force(q[sample], x, None)

    rows = []
    t_self2, d = timed(lambda: faiss_self(x))
    rows.append(("self", "faiss IndexFlatL2.search(X, 2)", t_self2, t_self2, d[sample] - truth_self))
    t, d = timed(lambda: exact_nearest_in_set(x).distances)
    rows.append(("self", "embedscope exact_nearest_in_set", t, t_self2, d[sample] - truth_self))
    t_other2, d = timed(lambda: faiss_other(q, x, 2))
    rows.append(("q→set", "faiss IndexFlatL2.search(Q, 2)", t_other2, t_other2, d[sample] - truth_other))
    t, d = timed(lambda: faiss_other(q, x, 1))
    rows.append(("q→set", "faiss IndexFlatL2.search(Q, 1)", t, t_other2, d[sample] - truth_other))
    t, d = timed(lambda: exact_nearest_in_other_set(q, x).distances)
    rows.append(("q→set", "embedscope exact_nearest_in_other_set", t, t_other2, d[sample] - truth_other))

    print(
        f"exact 1-NN, {args.n} × {args.d} clustered float32 (queries: {args.n} more), "
        f"{faiss.omp_get_max_threads()} threads"
    )
    print(f"{'task':<6} {'method':<38} {'seconds':>9} {'÷ faiss k=2':>12} {'max |Δ| vs f64':>15}")
    for task, name, seconds, baseline, diff in rows:
        print(f"{task:<6} {name:<38} {seconds:>9.2f} {seconds / baseline:>12.3f} {np.abs(diff).max():>15.2e}")


if __name__ == "__main__":
    main()
