"""The page being built of ``report.html``: sections with numbers like the PDF's, a table of contents,
tables, plotly figures (each drawn by a small inline script) and images."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from embedscope.report.sections import TableData

PLOT_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": True}


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def breakable(name: str) -> str:
    """An escaped filename whose line may break after "/", "_" or "-" (``<wbr>``), not inside a word."""
    return re.sub(r"([/_\-])", r"\1<wbr>", escape(name))


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    return json.dumps(value).replace("</", "<\\/")


class Page:
    """Collects sections, the table of contents and the figures' scripts."""

    def __init__(self, thumbnails: Mapping[str, str], max_points: int) -> None:
        self.parts: list[str] = []
        self.toc: list[tuple[str, str, bool]] = []
        self.number = 0
        self.thumbnails = thumbnails
        self.max_points = max_points
        self.n_figures = 0
        self._open = False

    def section(self, title: str, explanation: str | None = None, *, numbered: bool = True) -> None:
        """A section; numbered like the PDF's (whose summary, on the cover, has no number)."""
        self.close()
        anchor = f"s{len(self.toc) + 1}"
        self.toc.append((anchor, title, numbered))
        self.number += numbered
        number = f"{self.number}&nbsp;&nbsp;" if numbered else ""
        self.parts.append(f'<section id="{anchor}"><h2>{number}{escape(title)}</h2>')
        self._open = True
        if explanation:
            self.paragraph(explanation)

    def close(self) -> None:
        if self._open:
            self.parts.append("</section>")
            self._open = False

    def subsection(self, title: str, explanation: str | None = None) -> None:
        self.parts.append(f"<h3>{escape(title)}</h3>")
        if explanation:
            self.paragraph(explanation)

    def paragraph(self, value: str, css: str = "") -> None:
        self.parts.append(f'<p class="{css}">{escape(value)}</p>' if css else f"<p>{escape(value)}</p>")

    def notes(self, values: list[str]) -> None:
        for value in values:
            self.paragraph(value, "note")

    def table(self, data: TableData | None) -> None:
        if data is None or not data.rows:
            return
        head = "".join(f'<th class="num">{escape(h)}</th>' if data.is_numeric(i) else f"<th>{escape(h)}</th>"
                       for i, h in enumerate(data.header))
        body = "".join(
            "<tr>" + "".join(f'<td class="num">{escape(v)}</td>' if data.is_numeric(i) else f"<td>{escape(v)}</td>"
                             for i, v in enumerate(row)) + "</tr>"
            for row in data.rows
        )
        self.parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def plot(self, figure: go.Figure, *, hover_thumbnails: bool = False) -> None:
        """A div and the script drawing ``figure`` into it: at once, or after the first paint of a map above it
        (``embedscopeAfterMap`` of :mod:`html_map_script`: the map is what a large page waits for)."""
        self.n_figures += 1
        div_id = f"figure-{self.n_figures}"
        spec = figure.to_json().replace("</", "<\\/")  # no "</" may close the script element
        attach = "embedscopeAttachThumbnails(plot);" if hover_thumbnails and self.thumbnails else ""
        self.parts.append(
            f'<div class="figure" id="{div_id}"></div><script>embedscopeAfterMap(function () {{ var spec = {spec};'
            f" Plotly.newPlot('{div_id}', spec.data, spec.layout, {script_json(PLOT_CONFIG)})"
            f".then(function (plot) {{ {attach} }}); }});</script>"
        )

    def image(self, png_data_uri: str, caption: str) -> None:
        self.parts.append(f'<h3>{escape(caption)}</h3><img class="static" alt="{escape(caption)}" src="{png_data_uri}">')

    def gallery(self, names: list[str]) -> None:
        items = [f'<figure><img alt="{escape(n)}" src="{self.thumbnails[n]}"><figcaption>{breakable(n)}</figcaption>'
                 "</figure>" for n in names if n in self.thumbnails]
        if items:
            self.parts.append(f'<div class="gallery">{"".join(items)}</div>')
