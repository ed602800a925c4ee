"""The extra metrics (random-subset error bars, PRDC, Vendi) against a strong faiss/BLAS PRDC and as a share of
the whole `embedscope run` (issue 18: ≤ 25 % of the run at every size).

Part 1, same process: PRDC coverage and recall of a 3k fake set against a 10k real sample at 768-d, embedscope's
``judge_against`` against the way a user with faiss would compute it: k-NN radii by ``IndexFlatL2.search(X,
k + 1)`` on both sets, the nearest fake sample by ``search(real, 1)``, and the recall's ball test from blocked
float32 BLAS distance blocks (faiss has no per-centre radius search). Both give the same numbers.

Part 2: `embedscope run` in a fresh process per case, stage seconds from the report, the extra metrics' share of
the whole wall time (process start to exit).

    .venv/bin/python benchmarks/bench_extra_metrics.py                # both parts, default cases
    .venv/bin/python benchmarks/bench_extra_metrics.py --only prdc
    .venv/bin/python benchmarks/bench_extra_metrics.py --only run --cases 30000x768x3000 500x768x50
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_run import run_case
from synthetic import clustered_embeddings

from embedscope.analyze.extra_metrics.prdc import judge_against, real_reference

DEFAULT_CASES = ("500x768x50", "5000x768x500", "30000x768x3000", "30000x768x300", "30000x32x3000", "100000x768x1000")
BALL_BLOCK = 2048
K = 5


def faiss_prdc(real: np.ndarray, fake: np.ndarray, k: int) -> tuple[float, float]:
    """PRDC coverage and recall the faiss way (float32 throughout)."""
    import faiss

    def radii(points: np.ndarray) -> np.ndarray:
        index = faiss.IndexFlatL2(points.shape[1])
        index.add(points)
        squared, _ = index.search(points, k + 1)
        return np.sqrt(np.maximum(squared[:, k], 0.0))

    real_radii, fake_radii = radii(real), radii(fake)
    index = faiss.IndexFlatL2(fake.shape[1])
    index.add(fake)
    nearest_squared, _ = index.search(real, 1)
    coverage = float(np.mean(np.sqrt(np.maximum(nearest_squared[:, 0], 0.0)) < real_radii))
    fake_sq = np.einsum("ij,ij->i", fake, fake)
    inside = np.zeros(len(real), dtype=bool)
    for start in range(0, len(real), BALL_BLOCK):
        block = real[start:start + BALL_BLOCK]
        squared = np.einsum("ij,ij->i", block, block)[:, None] + fake_sq[None, :] - 2.0 * (block @ fake.T)
        inside[start:start + BALL_BLOCK] = (squared < (fake_radii**2)[None, :]).any(axis=1)
    return coverage, float(inside.mean())


def bench_prdc(n_real: int, n_fake: int, dim: int) -> None:
    data = clustered_embeddings(n_real + n_fake, dim, seed=1, intrinsic_dim=32)
    real, fake = data[:n_real], data[n_real:]
    judge_against(real_reference(real[:200], k=K), fake[:200], k=K)  # compile the kernels outside the timing
    start = time.perf_counter()
    ours = judge_against(real_reference(real, k=K), fake, k=K).scores
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = faiss_prdc(real, fake, K)
    theirs_s = time.perf_counter() - start
    print(f"| {n_real:,} real × {n_fake:,} fake × {dim} | {ours_s:.2f} | {theirs_s:.2f} | {ours_s / theirs_s:.2f}× "
          f"| {ours.coverage:.4f} / {ours.recall:.4f} | {theirs[0]:.4f} / {theirs[1]:.4f} |")


def bench_runs(cases: list[str]) -> None:
    print("| n × d | selected | select s | metrics s | extra metrics s | projection s | total s | extra share |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            n, dim, k = (int(part) for part in case.split("x"))
            row = run_case(n, k, exact=False, workdir=Path(tmp), dim=dim, intrinsic_dim=32 if dim > 64 else None)
            stages = row["stages"]
            extra = stages.get("extra metrics", 0.0)
            print(f"| {n:,} × {dim} | {k:,} | {stages.get('select', 0):.1f} | {stages.get('metrics', 0):.1f} "
                  f"| {extra:.1f} | {stages.get('projection', 0):.1f} | {row['total_s']:.1f} "
                  f"| {100 * extra / row['total_s']:.0f} % |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("prdc", "run"))
    parser.add_argument("--cases", nargs="*", default=list(DEFAULT_CASES), help="NxDxK cases of part 2")
    args = parser.parse_args()
    if args.only in (None, "prdc"):
        print("| PRDC | embedscope s | faiss + BLAS s | ratio | embedscope coverage / recall | faiss coverage / recall |")
        print("|---|---|---|---|---|---|")
        bench_prdc(10_000, 3_000, 768)
        bench_prdc(10_000, 10_000, 32)
    if args.only in (None, "run"):
        bench_runs(args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
