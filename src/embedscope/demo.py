"""The demo: build the bundled sample dataset, run embedscope on it, print where the report is.

``python -m embedscope.demo --out DIR`` (what ``make demo`` calls) or ``embedscope demo --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from embedscope.io.lightly_csv import write_lightly_csv

DEMO_N_PER_CLUSTER = 2_450  # two clusters ("day", "night") of this size ...
DEMO_N_OUTLIERS = 100  # ... plus scattered outliers: ~5,000 samples
DEMO_DIM = 32
DEMO_N_SELECTED = 250


def synthetic_day_night_embeddings(*, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Two Gaussian clusters with sub-structure plus uniform outliers, (5000, 32) float32.

    Names look like image paths (``day/img_00001.jpg``) so the report reads like a real dataset's.
    """
    rng = np.random.default_rng(seed)
    names: list[str] = []
    blocks = []
    for cluster_index, cluster in enumerate(("day", "night")):
        centre = rng.normal(size=DEMO_DIM) * 2.0
        modes = centre + rng.normal(size=(8, DEMO_DIM)) * 0.6
        assignment = rng.integers(0, len(modes), size=DEMO_N_PER_CLUSTER)
        blocks.append(modes[assignment] + rng.normal(size=(DEMO_N_PER_CLUSTER, DEMO_DIM)) * 0.35)
        names += [f"{cluster}/img_{i:05d}.jpg" for i in range(DEMO_N_PER_CLUSTER)]
        del cluster_index
    blocks.append(rng.uniform(-4.0, 4.0, size=(DEMO_N_OUTLIERS, DEMO_DIM)))
    names += [f"outliers/img_{i:05d}.jpg" for i in range(DEMO_N_OUTLIERS)]
    return names, np.concatenate(blocks).astype(np.float32)


def run_demo(out: Path, *, quiet: bool = False) -> Path:
    """Write the sample dataset under ``out/sample`` and the report under ``out/report``; return the PDF path."""
    from embedscope.cli.common import run_and_write
    from embedscope.pipeline.parameters import RunParameters

    sample = out / "sample" / "embeddings.csv"
    names, vectors = synthetic_day_night_embeddings()
    write_lightly_csv(sample, names, vectors)
    params = RunParameters(input_path=sample, out_dir=out / "report", n_samples=DEMO_N_SELECTED, overwrite=True)
    return run_and_write(params, quiet=quiet).report_pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m embedscope.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo_output"))
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    run_demo(args.out, quiet=args.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
