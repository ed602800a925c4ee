"""Dataset hygiene at scale (issue 14): near-duplicate groups and outlier-robust selection on 1M × 32.

Each case runs in its own child process so that its peak resident memory is its own. Prints one table:
case, seconds, peak RSS, and the ratio to the baseline of the same task:
- near-duplicate groups (threshold --threshold; 1 % of the points planted as noisy copies): embedscope's
  Voronoi-pruned exact range search + connected components, vs faiss ``IndexFlatL2.range_search`` (exact
  brute force, the strongest off-the-shelf way), timed on --faiss-queries queries and extrapolated; the
  approximate fallback (forced by a zero work budget) with its measured recall;
- outlier-robust selection (k + z, z = --outliers) vs plain k-center greedy for the same k.

    .venv/bin/python benchmarks/bench_hygiene.py                   # 1M × 32, ~5 min
    .venv/bin/python benchmarks/bench_hygiene.py --n 200000        # quick
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from synthetic import clustered_embeddings

PLANTED_FRACTION = 0.01
"""Points added as noisy copies of others (near-duplicates to find)."""

GROUPS_SECONDS_GOAL, GROUPS_GIB_GOAL = 120, 3.0
"""Issue 14: near-duplicate groups on 1M × 32 in at most 2 minutes and 3 GiB."""

OUTLIERS_RATIO_GOAL = 2.0
"""Issue 14: outlier-robust selection at most 2× the time of plain k-center greedy for the same k."""

COPY_NOISE = 0.005
"""Per-dimension noise of a planted copy relative to unit vectors: copies land ~0.03 away (√32·0.005)."""


def data(n: int, d: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    base = clustered_embeddings(n - int(n * PLANTED_FRACTION), d, seed=seed)
    copies = base[rng.choice(base.shape[0], n - base.shape[0])] + rng.normal(0, COPY_NOISE, (n - base.shape[0], d))
    return np.vstack([base, copies.astype(np.float32)])


def run_case(case: str, args: argparse.Namespace) -> dict[str, object]:
    x = data(args.n, args.d, args.seed)
    start = time.perf_counter()
    cpu_before = sum(getattr(resource.getrusage(resource.RUSAGE_SELF), f) for f in ("ru_utime", "ru_stime"))
    out: dict[str, object] = {}
    if case == "groups":
        from embedscope.neighbors.near_duplicates import near_duplicate_groups

        groups = near_duplicate_groups(x, threshold=args.threshold)
        out = {"pairs": int(groups.pairs.first.size), "groups": len(groups.groups), "method": groups.pairs.method}
    elif case == "groups-approximate":
        from embedscope.neighbors import range_search

        range_search.WORK_BUDGET_PAIRS = 0
        groups = range_search.pairs_within(x, threshold=args.threshold)
        out = {"pairs": int(groups.first.size), "method": groups.method, "recall": groups.recall}
    elif case == "faiss":
        import faiss

        index = faiss.IndexFlatL2(args.d)
        index.add(x)
        queries = x[: args.faiss_queries]
        lims, _, _ = index.range_search(queries, args.threshold**2)
        out = {"pairs_of_sample": int(lims[-1]), "extrapolated_to": args.n}
        out["seconds_measured"] = time.perf_counter() - start
        seconds = out["seconds_measured"] * args.n / args.faiss_queries / 2  # / 2: each pair once
        return {**out, "seconds": seconds, "peak_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}
    elif case == "greedy":
        from embedscope.select.k_center_greedy import k_center_greedy

        result = k_center_greedy(x, n_samples=args.k)
        out = {"radius": float(result.min_distances.max())}
    elif case == "outliers":
        from embedscope.select.k_center_outliers import k_center_with_outliers

        result = k_center_with_outliers(x, n_samples=args.k, n_outliers=args.outliers, seed=args.seed)
        out = {"radius_with": result.radius_with_outliers, "radius_without": result.radius_without_outliers}
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {**out, "seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_before,
            "peak_gib": usage.ru_maxrss / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=32)
    parser.add_argument("--k", type=int, default=1000, help="selected samples")
    parser.add_argument("--outliers", type=int, default=100, help="z of k-center with outliers")
    parser.add_argument("--threshold", type=float, default=0.05, help="near-duplicate distance")
    parser.add_argument("--faiss-queries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--cases", default="groups,groups-approximate,faiss,greedy,outliers")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args)))
        return
    results = {}
    for case in args.cases.split(","):
        command = [sys.executable, str(Path(__file__)), "--case", case] + [
            f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if k not in ("case", "cases")
        ]
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results[case] = json.loads(line)
        print(case, results[case], flush=True)
    print(f"\nhygiene, {args.n:,} × {args.d} clustered float32, {PLANTED_FRACTION:.0%} planted copies, "
          f"threshold {args.threshold}, k {args.k}, z {args.outliers}")
    print(f"{'case':52s}{'seconds':>10s}{'CPU s':>8s}{'peak GiB':>10s}{'ratio':>8s}{'CPU ratio':>10s}  notes")
    rows = [
        ("near-duplicate groups (exact, Voronoi-pruned)", "groups", "faiss"),
        ("near-duplicate pairs, approximate fallback", "groups-approximate", "faiss"),
        ("faiss IndexFlatL2.range_search (extrapolated)", "faiss", "faiss"),
        ("plain k-center greedy", "greedy", "greedy"),
        ("k-center with outliers (Charikar on coreset)", "outliers", "greedy"),
    ]
    for label, case, base in rows:
        if case not in results:
            continue
        r = results[case]
        ratio = r["seconds"] / results[base]["seconds"] if base in results else float("nan")
        cpu_ratio = _cpu_ratio(r, results.get(base))
        notes = {k: v for k, v in r.items() if k not in ("seconds", "peak_gib", "cpu_seconds")}
        cpu = f"{r['cpu_seconds']:.1f}" if "cpu_seconds" in r else "-"
        print(f"{label:52s}{r['seconds']:10.1f}{cpu:>8s}{r['peak_gib']:10.2f}{ratio:8.2f}{cpu_ratio:10.2f}  {notes}")
    print()
    if "groups" in results:
        g = results["groups"]
        verdict = "met" if g["seconds"] <= GROUPS_SECONDS_GOAL and g["peak_gib"] <= GROUPS_GIB_GOAL else "NOT met"
        print(f"goal near-duplicate groups ≤ {GROUPS_SECONDS_GOAL} s and ≤ {GROUPS_GIB_GOAL} GiB: {g['seconds']:.1f} s wall, "
              f"{g['cpu_seconds']:.1f} s CPU, {g['peak_gib']:.2f} GiB → {verdict} at {args.n:,} × {args.d} (wall clock)")
    if "outliers" in results and "greedy" in results:
        o, p = results["outliers"], results["greedy"]
        wall, cpu = o["seconds"] / p["seconds"], _cpu_ratio(o, p)
        verdict = "met" if wall <= OUTLIERS_RATIO_GOAL else "NOT met"
        print(f"goal k-center with outliers ≤ {OUTLIERS_RATIO_GOAL:g}× plain greedy: {wall:.2f}× wall "
              f"({o['seconds']:.1f} s vs {p['seconds']:.1f} s), {cpu:.2f}× CPU ({o['cpu_seconds']:.1f} s vs "
              f"{p['cpu_seconds']:.1f} s) → {verdict} at {args.n:,} × {args.d} (wall clock)")


def _cpu_ratio(result: dict[str, object], base: dict[str, object] | None) -> float:
    """CPU seconds of ``result`` over those of ``base`` (NaN when either lacks them, e.g. faiss)."""
    if base is None or "cpu_seconds" not in result or "cpu_seconds" not in base:
        return float("nan")
    return float(result["cpu_seconds"]) / float(base["cpu_seconds"])  # type: ignore[arg-type]

if __name__ == "__main__":
    main()
