"""End-to-end `embedscope run` on synthetic clustered embeddings: time per stage and peak RSS.

The baseline, measured in the same process, is faiss ``IndexFlatL2.search(X, 2)`` (the exact self-1-NN a
report needs for its input set alone); the ratio is embedscope's whole run over it (issue 7 target 5 at 200k).

    .venv/bin/python benchmarks/bench_run.py                       # 200k (exact, 2k selected) + 100k + 1M (10k)
    .venv/bin/python benchmarks/bench_run.py --sizes 100000 --k 10000 --no-baseline
    .venv/bin/python benchmarks/bench_run.py --sizes 100000 --k 1000 --dim 768 --intrinsic-dim 32 --no-baseline
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import clustered_embeddings

from embedscope.report.json_writer import read_report_dict

DIM = 32
_CHILD = (  # the CLI in a fresh process that reports its own peak RSS (KiB) as the last stderr line
    "import json, resource, sys\n"
    "from embedscope.cli.app import main\n"
    "code = main(json.loads(sys.argv[1]))\n"
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)
DEFAULT_CASES = ((200_000, 2_000, True), (100_000, 10_000, False), (1_000_000, 10_000, False))


def faiss_self_nn_seconds(x: np.ndarray) -> float:
    import faiss

    start = time.perf_counter()
    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    index.search(x, 2)
    return time.perf_counter() - start


def run_case(
    n: int, k: int, *, exact: bool, workdir: Path, dim: int = DIM, intrinsic_dim: int | None = None
) -> dict[str, object]:
    x = clustered_embeddings(n, dim, seed=0, intrinsic_dim=intrinsic_dim)
    path = workdir / f"emb_{n}.npy"
    np.save(path, x)
    out = workdir / f"out_{n}_{k}"
    argv = ["run", str(path), "--n-samples", str(k), "--out", str(out), "--overwrite", "--quiet"]
    argv += ["--exact"] if exact else []
    start = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(argv)], check=True, capture_output=True, text=True)
    total = time.perf_counter() - start
    peak_kib = int(child.stderr.strip().splitlines()[-1])
    report = read_report_dict(out / "report_v2.json")  # LightlyOne's file joined with report_embedscope.json
    nn = report["datasetAnalysis"]["embeddingInformation"]["distanceToNearestNeighborInSet"]
    search = nn.get("embedscopeNeighborSearch", {}).get("input", {})
    return {
        "n": n, "k": k, "exact": exact, "total_s": total, "stages": report["embedscope"]["stageSeconds"],
        "peak_rss_gib": peak_kib / 2**20, "input_search": search, "x": x,
        "pdf_mb": (out / "report.pdf").stat().st_size / 1e6, "html_mb": (out / "report.html").stat().st_size / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", help="input sizes (default: 200k, 100k, 1M)")
    parser.add_argument("--k", type=int, default=None, help="samples to select (default per case)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the faiss baseline")
    parser.add_argument("--dim", type=int, default=DIM, help="embedding dimension")
    parser.add_argument("--intrinsic-dim", type=int, default=None, help="see synthetic.clustered_embeddings")
    args = parser.parse_args()
    cases = DEFAULT_CASES if not args.sizes else tuple(
        (n, args.k or min(10_000, n // 10), n <= 200_000) for n in args.sizes
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, k, exact in cases:
            result = run_case(n, k, exact=exact, workdir=Path(tmp), dim=args.dim, intrinsic_dim=args.intrinsic_dim)
            baseline = None if args.no_baseline or n > 200_000 else faiss_self_nn_seconds(result.pop("x"))  # type: ignore[arg-type]
            result.pop("x", None)
            result["baseline_s"] = baseline
            rows.append(result)
            print(json.dumps({key: value for key, value in result.items()}), file=sys.stderr)
    print(f"| n × {args.dim} | selected | search | ingest+embed s | select s | metrics s | extra metrics s | projection s "
          "| outputs s | total s | peak RSS GiB | PDF MB | HTML MB | faiss exact self-1-NN s | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        stages = row["stages"]
        search = row["input_search"]
        method = "exact" if search.get("method") == "exact" else f"{search.get('method')} (recall {search.get('recall'):.3f})"
        baseline = row["baseline_s"]
        baseline_text = "" if baseline is None else f"{baseline:.1f}"
        ratio_text = "" if baseline is None else f"{row['total_s'] / baseline:.2f}×"
        print(f"| {row['n']:,} | {row['k']:,} | {method} | {stages.get('ingest', 0) + stages.get('embed', 0):.1f} | {stages.get('select', 0):.1f} "
              f"| {stages.get('metrics', 0):.1f} | {stages.get('extra metrics', 0):.1f} "
              f"| {stages.get('projection', 0):.1f} | {row['total_s'] - sum(stages.values()):.1f} | {row['total_s']:.1f} "
              f"| {row['peak_rss_gib']:.2f} | {row['pdf_mb']:.1f} | {row['html_mb']:.1f} | {baseline_text} | {ratio_text} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
