"""Interactive plotly figures (graph objects) of ``report.html``, drawn from the :class:`ReportV2` model only.

Colours per set come from :mod:`embedscope.report.colors`, as in the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from embedscope.report.colors import SET_COLORS, SET_LABELS
from embedscope.report.model import (
    CategoricalDistributionPerSet,
    EmbeddingData2D,
    ExtraMetrics,
    NumericDistributionPerSet,
)
from embedscope.report.sections import SET_FIELDS, fmt, random_comparisons

MAX_POINTS_PER_TRACE = 20_000
"""Points drawn per set in a scatter plot (WebGL stays fluid and the page stays a few MB); more are subsampled."""

DISPLAY_SUBSAMPLE_SEED = 0  # the displayed subsample is the same on every rendering of a report
SCATTER_HEIGHT = 560  # pixels
HISTOGRAM_HEIGHT = 380
MAX_CATEGORY_BARS = 25  # categories drawn (most frequent in the input first)
FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class ScatterNames:
    """Filenames of the points of a scatter plot, parallel to the coordinate lists of :class:`EmbeddingData2D`.

    Attributes:
        input: one name per ``input2dEmbeddings`` point. selected: per ``selectedExcludingDatapool2dEmbeddings``.
        datapool: per ``datapool2dEmbeddings`` (empty without datapool).
    """

    input: Sequence[str]
    selected: Sequence[str]
    datapool: Sequence[str] = ()


@dataclass(frozen=True)
class ScatterFigure:
    """A scatter figure and, when sets were subsampled for display, a sentence saying so."""

    figure: go.Figure
    note: str | None


def _layout(figure: go.Figure, *, title: str, height: int) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left", "font": {"size": 15}},
        height=height, template="plotly_white", font={"family": FONT, "size": 12},
        margin={"l": 50, "r": 20, "t": 50, "b": 45}, legend={"itemsizing": "constant"},
    )
    return figure


def _display_rows(n_points: int, max_points: int) -> np.ndarray:
    if n_points <= max_points:
        return np.arange(n_points)
    rng = np.random.default_rng(DISPLAY_SUBSAMPLE_SEED)
    return np.sort(rng.choice(n_points, size=max_points, replace=False))


def scatter_figure(
    data: EmbeddingData2D, *, title: str, names: ScatterNames | None = None, max_points: int = MAX_POINTS_PER_TRACE
) -> ScatterFigure:
    """Input grey, datapool orange, selected blue (WebGL); hover shows the filename; legend toggles sets.

    Each set above ``max_points`` points is drawn as a seeded uniform subsample of ``max_points``.
    """
    figure = go.Figure()
    layers = [
        ("input", data.input2d_embeddings, names.input if names else None, 4, 0.5),
        ("preselectedDatapool", data.datapool2d_embeddings or [], names.datapool if names else None, 6, 0.85),
        ("selected", data.selected_excluding_datapool2d_embeddings, names.selected if names else None, 7, 0.9),
    ]
    notes = []
    for name, points, labels, size, opacity in layers:
        xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if len(xy) == 0:
            continue
        rows = _display_rows(len(xy), max_points)
        if len(rows) < len(xy):
            notes.append(f"{SET_LABELS[name]}: {len(rows):,} of {len(xy):,} points drawn (a seeded uniform subsample)")
        hover_names = [labels[int(i)] for i in rows] if labels is not None and len(labels) == len(xy) else None
        figure.add_trace(go.Scattergl(
            x=xy[rows, 0], y=xy[rows, 1], mode="markers", name=f"{SET_LABELS[name]} ({len(xy):,})",
            marker={"color": SET_COLORS[name], "size": size, "opacity": opacity, "line": {"width": 0}},
            customdata=hover_names,
            hovertemplate=("%{customdata}" if hover_names is not None else "#%{pointNumber}")
            + f"<extra>{SET_LABELS[name]}</extra>",
        ))
    if data.example_images:
        figure.add_trace(go.Scatter(
            x=[e.location[0] for e in data.example_images], y=[e.location[1] for e in data.example_images],
            mode="markers", name="example images", customdata=[e.filename for e in data.example_images],
            marker={"symbol": "star", "size": 13, "color": SET_COLORS["selected"], "line": {"width": 1, "color": "#000"}},
            hovertemplate="%{customdata}<extra>example</extra>",
        ))
    figure.update_xaxes(showticklabels=False, zeroline=False)
    figure.update_yaxes(showticklabels=False, zeroline=False, scaleanchor=None)
    projection = data.projection
    if projection is not None and projection.n_input_listed < projection.n_input_total:
        notes.insert(0, f"the report lists {projection.n_input_listed:,} of {projection.n_input_total:,} input "
                        "samples (a seeded uniform subsample)")
    figure.update_layout(dragmode="zoom", hovermode="closest")
    note = "; ".join(notes)
    return ScatterFigure(_layout(figure, title=title, height=SCATTER_HEIGHT),
                         note[:1].upper() + note[1:] + "." if notes else None)


def histogram_figure(distribution: NumericDistributionPerSet, *, title: str, xlabel: str,
                     random_label: str = SET_LABELS["random"]) -> go.Figure:
    """Each set's histogram on the shared bins as a step line, in fraction of the set; legend toggles sets."""
    figure = go.Figure()
    lo, hi = distribution.range
    edges = np.linspace(lo, hi, distribution.bins + 1)
    for name, field in SET_FIELDS.items():
        dist = getattr(distribution, field)
        if dist is None:
            continue
        counts = np.asarray(dist.counts, dtype=np.float64)
        total = counts.sum()
        fractions = counts / total if total else counts
        figure.add_trace(go.Scatter(
            x=edges, y=np.append(fractions, fractions[-1] if len(fractions) else 0.0), mode="lines",
            line={"shape": "hv", "color": SET_COLORS[name], "width": 2},
            name=f"{random_label if name == 'random' else SET_LABELS[name]} (mean {fmt(dist.metrics.mean)})",
            customdata=np.column_stack([np.append(edges[1:], hi), np.append(counts, counts[-1] if len(counts) else 0)]),
            hovertemplate="[%{x:.4g}, %{customdata[0]:.4g}): %{y:.1%} (%{customdata[1]:,.0f})"
            + f"<extra>{SET_LABELS[name]}</extra>",
        ))
    figure.update_xaxes(title_text=xlabel)
    figure.update_yaxes(title_text="fraction of the set", tickformat=".0%")
    figure.update_layout(hovermode="x unified")
    return _layout(figure, title=title, height=HISTOGRAM_HEIGHT)


def categorical_figure(distribution: CategoricalDistributionPerSet, *, title: str) -> go.Figure:
    """Share of each category per set as grouped bars (the most frequent input categories)."""
    present = [(name, getattr(distribution, field)) for name, field in SET_FIELDS.items()
               if getattr(distribution, field) is not None]
    reference = present[0][1].counts if present else {}
    categories = sorted(reference, key=lambda c: (-reference[c], c))[:MAX_CATEGORY_BARS]
    figure = go.Figure()
    for name, dist in present:
        total = max(sum(dist.counts.values()), 1)
        counts = [dist.counts.get(c, 0) for c in categories]
        figure.add_trace(go.Bar(
            x=categories, y=[c / total for c in counts], name=SET_LABELS[name], marker_color=SET_COLORS[name],
            customdata=counts, hovertemplate="%{x}: %{y:.1%} (%{customdata:,})" + f"<extra>{SET_LABELS[name]}</extra>",
        ))
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="share of the set", tickformat=".0%")
    return _layout(figure, title=title, height=HISTOGRAM_HEIGHT)


def comparison_figure(extra: ExtraMetrics) -> go.Figure:
    """Selected against random subsets: one panel per statistic; random as mean ± sd with each seed's value."""
    panels = [
        (f"{c.name} {'↓' if c.lower_is_better else '↑'}", c.selected, c.random)
        for c in random_comparisons(extra) if c.selected is not None and c.random is not None
    ]
    figure = make_subplots(rows=1, cols=max(len(panels), 1), subplot_titles=[p[0] for p in panels],
                           horizontal_spacing=0.07)
    for column, (_, selected, random) in enumerate(panels, start=1):
        first = column == 1
        figure.add_trace(go.Bar(x=[SET_LABELS["selected"]], y=[selected], marker_color=SET_COLORS["selected"],
                                name=SET_LABELS["selected"], showlegend=first, legendgroup="selected",
                                hovertemplate="%{y:.4g}<extra>selected</extra>"), row=1, col=column)
        figure.add_trace(go.Bar(x=[SET_LABELS["random"]], y=[random.mean], marker_color=SET_COLORS["random"],
                                error_y={"type": "data", "array": [random.sd], "color": "#333"},
                                name=f"random (mean ± sd, {len(random.values)} seeds)", showlegend=first,
                                legendgroup="random", hovertemplate="%{y:.4g} ± " + f"{random.sd:.3g}<extra>random</extra>"),
                         row=1, col=column)
        figure.add_trace(go.Scatter(x=[SET_LABELS["random"]] * len(random.values), y=random.values, mode="markers",
                                    marker={"color": "#222", "size": 6}, name="random, one seed", showlegend=first,
                                    legendgroup="seeds", hovertemplate="%{y:.4g}<extra>one seed</extra>"),
                         row=1, col=column)
    figure = _layout(figure, title="Selected against random subsets of the same size (↓ lower is better, "
                     "↑ higher is better)", height=400)
    figure.update_layout(bargap=0.35, legend={"orientation": "h", "y": -0.12, "x": 0.0},
                         margin={"l": 50, "r": 20, "t": 80, "b": 45})
    return figure
