"""The demo: build the bundled sample dataset, run embedscope on it, print where the report is.

``python -m embedscope.demo --out DIR`` (what ``make demo`` calls) or ``embedscope demo --out DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEMO_N_IMAGES = 400  # real photos from scikit-image, cropped/flipped, half darkened to "night"
DEMO_N_SELECTED = 40


def run_demo(out: Path, *, quiet: bool = False) -> Path:
    """Build the sample image folder under ``out/sample`` and write its report under ``out/report``.

    The photos ship inside scikit-image (no download); see
    :func:`embedscope.ingest.sample_dataset.build_sample_image_folder`. Returns the PDF's path.
    """
    from embedscope.cli.common import run_and_write
    from embedscope.ingest.sample_dataset import build_sample_image_folder
    from embedscope.run_parameters import RunParameters

    sample = out / "sample"
    if not sample.is_dir() or not any(sample.rglob("*.jpg")):
        build_sample_image_folder(sample, n_images=DEMO_N_IMAGES, seed=0)
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
