"""report.html's map at 1,000,000 points: file size and first paint in headless Chromium, against plotly's own
``Figure.write_html`` of the same points (a ``go.Scattergl`` with the names as hover text, numpy arrays, which
plotly.py 6+ already writes as base64 typed arrays).

    .venv/bin/python benchmarks/bench_html_map.py [--n 1000000]

First paint: ``performance.now()`` (ms since navigation start) when the map was first drawn (above
``PREVIEW_POINTS`` a strided subsample of every colour group); "every point": when all points are drawn; "ready"
adds the names (for hover, selection and export). Baseline: when plotly's canvas of the page appeared.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.report.browser import chromium_driver
from tests.report.synthetic import synthetic_run

from embedscope.report.html import render_html
from embedscope.report.html_map import PREVIEW_POINTS
from embedscope.report.sample_map import SampleMap, continuous_column, folder_column, set_codes

N_FOLDERS = 8
EMBEDDING_DIM = 32  # 1M x 32 float32 is over the page's embeddings budget: the CSV is filenames,labels,selected
PAGE_TIMEOUT_S = 300
BASELINE_PROBE = """<script>
document.addEventListener('DOMContentLoaded', function () {
  var gd = document.querySelector('.plotly-graph-div');
  var wait = setInterval(function () {
    if (gd && gd._fullLayout && gd.querySelector('.gl-canvas, canvas')) {
      clearInterval(wait); document.body.setAttribute('data-drawn', String(Math.round(performance.now())));
    }
  }, 20);
});
</script>"""


def _points(n: int, rng: np.random.Generator) -> np.ndarray:
    centres = rng.normal(0.0, 10.0, size=(40, 2))
    return (centres[rng.integers(0, len(centres), n)] + rng.normal(0.0, 1.0, size=(n, 2))).astype(np.float32)


def sample_map(n: int, rng: np.random.Generator) -> SampleMap:
    names = [f"folder_{i % N_FOLDERS}/img_{i:07d}.jpg" for i in range(n)]
    k = n // 100
    columns = [c for c in (folder_column(names),) if c is not None]
    columns += [continuous_column("distance to cover (selected)", rng.gamma(2.0, 0.1, n)),
                continuous_column("distance to nearest neighbour in input", rng.gamma(2.0, 0.05, n))]
    return SampleMap(names=names, set_codes=set_codes(n, selected=rng.choice(n, k, replace=False),
                                                      random=rng.choice(n, k, replace=False), n_datapool=0),
                     projections={"UMAP": _points(n, rng), "PCA": _points(n, rng)}, columns=columns,
                     vectors=rng.standard_normal((n, EMBEDDING_DIM), dtype=np.float32), labels=np.zeros(n, np.int64))


def baseline_page(sample: SampleMap, path: Path) -> None:
    xy = sample.projections["UMAP"]
    figure = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", hovertext=list(sample.names),
                                    marker={"size": 3, "color": sample.set_codes}))
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    path.write_text(path.read_text(encoding="utf-8").replace("</head>", BASELINE_PROBE + "</head>", 1),
                    encoding="utf-8")


def mark_plotly_loaded(page: Path) -> None:
    """Record on <html> when plotly.js (the head's first script; no "</script>" can occur inside it) has run."""
    text = page.read_text(encoding="utf-8")
    probe = "<script>document.documentElement.setAttribute('data-plotly', String(Math.round(performance.now())));</script>"
    at = text.index("</script>") + len("</script>")
    page.write_text(text[:at] + probe + text[at:], encoding="utf-8")


def load_times(page: Path, attributes: list[str]) -> list[float]:
    """Seconds since navigation start of each ``selector@attribute`` (set by the page to ``performance.now()``)."""
    with tempfile.TemporaryDirectory() as profile:
        driver = chromium_driver(Path(profile))
        driver.set_page_load_timeout(PAGE_TIMEOUT_S)
        try:
            driver.get(page.as_uri())
            deadline = time.monotonic() + PAGE_TIMEOUT_S
            values: list[str | None] = [None] * len(attributes)
            while time.monotonic() < deadline and None in values:
                values = [driver.execute_script(f"var e = document.querySelector('{selector}');"
                                                f" return e && e.getAttribute('{a}');")
                          for selector, a in (pair.split("@") for pair in attributes)]
                time.sleep(0.05)
            return [float(v) / 1000 if v is not None else float("nan") for v in values]
        finally:
            driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    sample = sample_map(args.n, rng)
    report = synthetic_run(rng, n_input=200, n_selected=20).report
    with tempfile.TemporaryDirectory() as folder:
        ours, theirs = Path(folder) / "report.html", Path(folder) / "plotly.html"
        start = time.perf_counter()
        render_html(report, ours, sample_map=sample)
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        baseline_page(sample, theirs)
        baseline_write_s = time.perf_counter() - start
        mark_plotly_loaded(ours)
        plotly_s, start_s, decoded, drawn, full, ready = load_times(
            ours, ["html@data-plotly", *(f".map@data-{a}" for a in ("start", "decoded", "drawn", "full", "ready"))])
        print(f"plotly.js parsed and run at {plotly_s:.2f} s")
        print(f"map script started {start_s:.2f} s, decoded {decoded:.2f} s, first paint {drawn:.2f} s "
              f"({min(args.n, PREVIEW_POINTS):,}-point preview above {PREVIEW_POINTS:,}), every point {full:.2f} s")
        (baseline_drawn,) = load_times(theirs, ["body@data-drawn"])
        mb, baseline_mb = ours.stat().st_size / 1e6, theirs.stat().st_size / 1e6
    print("| page | points | HTML MB | write s | first paint s | every point s | ready s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| embedscope report.html (whole report, map with 2 projections, 4 colourings) | {args.n:,} | {mb:.1f} "
          f"| {write_s:.1f} | {drawn:.2f} | {full:.2f} | {ready:.2f} |")
    print(f"| plotly `write_html`, one Scattergl + hover names | {args.n:,} | {baseline_mb:.1f} | {baseline_write_s:.1f} "
          f"| {baseline_drawn:.2f} | {baseline_drawn:.2f} | |")
    print(f"ratio size {mb / baseline_mb:.2f}x, first paint {drawn / baseline_drawn:.2f}x")


if __name__ == "__main__":
    main()
