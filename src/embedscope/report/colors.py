"""One colour per set, used by every figure and table of every document."""

from __future__ import annotations

SET_COLORS = {
    "input": "#9e9e9e",
    "selected": "#1f77b4",
    "random": "#2ca02c",
    "preselectedDatapool": "#ff7f0e",
    "selectedWithDatapool": "#9467bd",
}
SET_LABELS = {
    "input": "input",
    "selected": "selected",
    "random": "random",
    "preselectedDatapool": "datapool",
    "selectedWithDatapool": "selected + datapool",
}
