"""The map section of ``report.html``: every sample in one WebGL scatter plot, coloured by a chosen column,
with lasso / box selection, the chosen samples listed and downloadable (see :mod:`html_map_script`)."""

from __future__ import annotations

import json

from embedscope.report.html_page import escape
from embedscope.report.map_export import carries_embeddings, embeddings_base64, export_spec
from embedscope.report.map_payload import map_payload
from embedscope.report.sample_map import DATAPOOL_CODE, SET_COLUMN, SampleMap

PREVIEW_POINTS = 100_000
"""Above this many samples the map's first paint draws a strided subsample of each colour group (and every
selected ring), and every point follows in the next task: the map shows ~n / PREVIEW_POINTS times sooner."""
MAX_DEFAULT_FOLDERS = 10  # a run whose names use at most this many top-level folders opens coloured by folder
SELECTED_FILENAME = "selected_filenames.txt"
SELECTED_CSV = "selection.csv"


def default_column(sample_map: SampleMap) -> int:
    """The column the map opens with: "folder" when there are a few folders (the demo's day / night), else set."""
    for index, column in enumerate(sample_map.columns, start=1):
        if column.label == "folder" and column.categories is not None and len(column.categories) <= MAX_DEFAULT_FOLDERS:
            return index
    return 0


def map_markup(sample_map: SampleMap, *, map_id: str) -> str:
    """The controls, plot, legend and selection panel, and the script that fills them.

    ``map_id`` must be unique on the page. The payload's JSON goes in a ``<script type="application/json">``
    (parsed once, never executed), so no name can close or inject a script.
    """
    payload = map_payload(sample_map)
    csv_label = ("the Lightly CSV (embeddings, selected, labels)" if carries_embeddings(sample_map)
                 else "the CSV (filenames, labels, selected)" if sample_map.labels is not None
                 else "the CSV (filenames, selected)")
    payload["defaultColumn"] = default_column(sample_map)
    payload["export"] = export_spec(sample_map)
    payload["previewPoints"] = PREVIEW_POINTS
    data = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
    vectors = embeddings_base64(sample_map)  # base64 has no "<": it cannot close its element
    embeddings = (f'<script type="application/octet-stream" id="{map_id}-embeddings">{vectors}</script>'
                  if vectors is not None else "")
    return (
        f'<div class="map" id="{map_id}">'
        '<div class="map-controls"><label>Projection <select class="map-projection"></select></label>'
        '<label>Colour by <select class="map-color"></select></label>'
        '<span class="map-note">Lasso or box-select points (tools above the plot); scroll to zoom, double-click '
        "to reset.</span></div>"
        '<div class="map-legend"></div><div class="map-plot"></div>'
        '<div class="map-selection"><p class="map-count"></p>'
        f'<a class="map-download" download="{SELECTED_FILENAME}">Download the filename list</a>'
        f'<a class="map-download" download="{SELECTED_CSV}">Download {csv_label}</a>'
        f'<p class="map-note map-export-note">{escape(payload["export"]["note"])}</p>'
        '<div class="map-list gallery"></div></div></div>'
        f"{embeddings}"
        f'<script type="application/json" id="{map_id}-data">{data}</script>'
        f"<script>embedscopeStartMap('{map_id}', JSON.parse(document.getElementById('{map_id}-data').textContent));"
        "</script>"
    )


def map_explanation(sample_map: SampleMap) -> str:
    """One sentence on what the map holds (every sample, or a listed subsample) and how to use its selection."""
    n_input = int((sample_map.set_codes != DATAPOOL_CODE).sum())
    total = sample_map.n_input_total
    listed = (f"{n_input:,} of the {total:,} input samples (a seeded uniform subsample)"
              if total is not None and total > n_input else f"all {n_input:,} input samples")
    colour = f"coloured by {SET_COLUMN}" if default_column(sample_map) == 0 else "coloured by folder"
    return (f"The map draws {listed}, {colour}; pick another colouring above it. Choose samples with the lasso or "
            f"box tool: they are listed under the map, and the filename list can be passed to "
            f"\"embedscope report INPUT --selected {SELECTED_FILENAME}\" to get the report of that selection.")
