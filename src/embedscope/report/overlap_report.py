"""The outputs of ``embedscope overlap``: overlap.json, overlap_pairs.csv, a one-page report.pdf and report.html."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_pdf import PdfPages

from embedscope.analyze.set_overlap import SetOverlap
from embedscope.io.atomic import atomic_path, atomic_write_text
from embedscope.report.figures import _png
from embedscope.report.html_style import CSS

SCHEMA_VERSION = 1
LISTED_PAIRS = 30
"""Pairs printed in the PDF and HTML (all are in overlap.json and overlap_pairs.csv)."""


def overlap_json(result: SetOverlap, names_a: Sequence[str], names_b: Sequence[str], *, a: str, b: str) -> dict[str, Any]:
    """The JSON document: sets, counts, search method and recall, and every pair (closest first)."""
    order = sorted(range(result.pairs.first.size), key=lambda i: (result.pairs.distances[i], i))
    return {
        "schemaVersion": SCHEMA_VERSION,
        "a": a, "b": b, "threshold": result.threshold,
        "nA": result.n_a, "nB": result.n_b, "nPairs": int(result.pairs.first.size),
        "nAWithMatch": result.n_a_with_match, "nBWithMatch": result.n_b_with_match,
        "search": {"method": result.pairs.method, "recall": result.pairs.recall,
                   "recallSampleSize": result.pairs.recall_sample_size},
        "pairs": [
            {"a": names_a[int(result.pairs.first[i])], "b": names_b[int(result.pairs.second[i])],
             "distance": float(result.pairs.distances[i])}
            for i in order
        ],
    }


def write_overlap_outputs(document: dict[str, Any], out_dir: Path) -> None:
    """Write overlap.json, overlap_pairs.csv, report.pdf and report.html into ``out_dir`` (each atomically)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out_dir / "overlap.json", json.dumps(document, indent=1))
    rows = ["a,b,distance"] + [f"{_csv(p['a'])},{_csv(p['b'])},{p['distance']:.9g}" for p in document["pairs"]]
    atomic_write_text(out_dir / "overlap_pairs.csv", "\n".join(rows) + "\n")
    png = _histogram_png(document)
    with atomic_path(out_dir / "report.pdf") as target, PdfPages(target) as pdf:
        pdf.savefig(_page(document))
    plt.close("all")
    atomic_write_text(out_dir / "report.html", _html(document, png))


def _summary(document: dict[str, Any]) -> list[tuple[str, str]]:
    search = document["search"]
    method = search["method"] if search["recall"] is None else f"{search['method']} (recall {search['recall']:.3f})"
    return [
        ("pairs closer than " + f"{document['threshold']:g}", f"{document['nPairs']:,}"),
        (f"A samples with a match ({Path(document['a']).name})", f"{document['nAWithMatch']:,} of {document['nA']:,}"),
        (f"B samples with a match ({Path(document['b']).name})", f"{document['nBWithMatch']:,} of {document['nB']:,}"),
        ("search", method),
    ]


def _histogram_png(document: dict[str, Any]) -> bytes:
    figure, ax = plt.subplots(figsize=(6, 2.6))
    _draw_histogram(ax, document)
    figure.tight_layout()
    return _png(figure)


def _draw_histogram(ax: plt.Axes, document: dict[str, Any]) -> None:
    distances = [p["distance"] for p in document["pairs"]]
    ax.hist(distances, bins=20, range=(0.0, document["threshold"] or 1.0), color="#c44e52")
    ax.set(title="distances of the cross-set pairs", xlabel="distance", ylabel="pairs")


def _page(document: dict[str, Any]) -> plt.Figure:
    figure = plt.figure(figsize=(8.27, 11.69))
    figure.text(0.07, 0.95, "Overlap between two embedding sets", fontsize=16, weight="bold")
    figure.text(0.07, 0.925, f"A: {document['a']}    B: {document['b']}", fontsize=8, color="#546e7a")
    for i, (label, value) in enumerate(_summary(document)):
        figure.text(0.07, 0.89 - 0.022 * i, label, fontsize=10)
        figure.text(0.62, 0.89 - 0.022 * i, value, fontsize=10, weight="bold")
    _draw_histogram(figure.add_axes((0.1, 0.58, 0.82, 0.2)), document)
    listed = document["pairs"][:LISTED_PAIRS]
    table_ax = figure.add_axes((0.07, 0.04, 0.86, 0.47))
    table_ax.axis("off")
    cells = [[p["a"][-38:], p["b"][-38:], f"{p['distance']:.4f}"] for p in listed] or [["—", "—", "—"]]
    table = table_ax.table(cellText=cells, colLabels=["A", "B", "distance"], loc="upper center", cellLoc="left",
                           colWidths=[0.43, 0.43, 0.14])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table_ax.set_title(f"closest pairs (first {len(listed)}; all in overlap_pairs.csv)", fontsize=9)
    return figure


def _html(document: dict[str, Any], png: bytes) -> str:
    summary = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in _summary(document))
    pairs = "".join(
        f"<tr><td>{html.escape(p['a'])}</td><td>{html.escape(p['b'])}</td><td>{p['distance']:.4f}</td></tr>"
        for p in document["pairs"][:LISTED_PAIRS]
    )
    image = base64.b64encode(png).decode("ascii")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>embedscope overlap</title><style>{CSS}</style>"
        f"</head><body><div class='wrap'><section><h1>Overlap between two embedding sets</h1>"
        f"<p class='small'>A: {html.escape(document['a'])}<br>B: {html.escape(document['b'])}</p>"
        f"<table>{summary}</table><img alt='pair distances' src='data:image/png;base64,{image}'>"
        f"<h3>Closest pairs (all in overlap_pairs.csv)</h3><table><tr><th>A</th><th>B</th><th>distance</th></tr>"
        f"{pairs}</table></section></div></body></html>"
    )


def _csv(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"\n') else name

