"""The map of report.html in a real browser (Debian's chromium through chromium-driver and selenium): no console
errors, a lasso drawn with the mouse exports exactly the samples inside the polygon (computed here with
matplotlib's Path), the CSV download is a Lightly CSV whose embeddings read back bit-for-bit as the run's
data/embeddings.csv (by embedscope's reader and by lightly's own), with the same rows flagged selected, and
colour-by shows category counts or a colour bar."""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from lightly.utils.io import check_embeddings, load_embeddings
from matplotlib.path import Path as PolygonPath
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.io.selection_file import read_selected_names
from embedscope.report import html_map, map_export
from embedscope.report.html import render_html
from embedscope.report.map_payload import drawn_coordinates, map_payload
from embedscope.report.sample_map import MapColumn, SampleMap, categorical_column, set_codes
from tests.report.browser import chromium_driver
from tests.report.synthetic import synthetic_run

N_POINTS = 3_000
LASSO = np.array([[2.0, 2.0], [7.5, 1.5], [8.5, 6.0], [5.0, 8.5], [1.5, 6.5]])  # data coordinates
EDGE_BAND = 0.2  # no point this close to the lasso's edges: pixel rounding of the mouse path cannot matter
HOSTILE = 'odd, "name"</script><script>window.__injected = 1</script>.jpg'
READY_TIMEOUT_S = 60
DIM = 6
N_DATAPOOL = 40


def _distance_to_edges(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    starts, ends = polygon, np.roll(polygon, -1, axis=0)
    best = np.full(len(points), np.inf)
    for a, b in zip(starts, ends):
        t = np.clip(((points - a) @ (b - a)) / ((b - a) @ (b - a)), 0.0, 1.0)
        best = np.minimum(best, np.linalg.norm(points - (a + t[:, None] * (b - a)), axis=1))
    return best


def _map(rng: np.random.Generator) -> SampleMap:
    points = rng.uniform(0.0, 10.0, size=(4 * N_POINTS, 2))
    points = points[_distance_to_edges(points, LASSO) > EDGE_BAND][:N_POINTS]
    names = [f"images/{'left' if x < 5 else 'right'}/img_{i:05d}.jpg" for i, (x, _) in enumerate(points)]
    names[7] = HOSTILE
    second = points[:, ::-1].copy()
    n_input = N_POINTS - N_DATAPOOL
    scales = 10.0 ** rng.integers(-12, 9, size=(n_input, DIM))  # tiny to huge: every float32 must round-trip
    vectors = (rng.normal(size=(n_input, DIM)) * scales).astype(np.float32)
    return SampleMap(
        names=names,
        set_codes=set_codes(n_input, selected=np.arange(0, n_input, 37), random=np.arange(5, n_input, 41), n_datapool=40),
        projections={"first": points.astype(np.float32), "second": second.astype(np.float32)},
        columns=[categorical_column("side", ["left" if x < 5 else "right" for x, _ in points]),
                 MapColumn("height", points[:, 1].copy())],
        vectors=vectors, labels=rng.integers(0, 300, n_input),
    )


def _wait_ready(driver: Any) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if driver.execute_script("var m = window.embedscopeMaps; return !!(m && m[0] && m[0].ready);"):
            return
        time.sleep(0.2)
    raise AssertionError("the map did not become ready")


def _pixels(driver: Any, polygon: np.ndarray) -> list[tuple[int, int]]:
    """Viewport pixel positions of data points on the map (after scrolling it into view)."""
    driver.execute_script("window.embedscopeMaps[0].plot.scrollIntoView({block: 'center'});")
    time.sleep(0.3)
    script = """
      var gd = window.embedscopeMaps[0].plot, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      var rect = gd.getBoundingClientRect();
      return arguments[0].map(function (p) {
        return [Math.round(rect.left + xa._offset + xa.l2p(p[0])), Math.round(rect.top + ya._offset + ya.l2p(p[1]))];
      });"""
    return [tuple(p) for p in driver.execute_script(script, polygon.tolist())]


def _data(driver: Any, pixels: list[tuple[int, int]]) -> np.ndarray:
    """The data coordinates of viewport pixels (the polygon plotly actually received)."""
    script = """
      var gd = window.embedscopeMaps[0].plot, xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      var rect = gd.getBoundingClientRect();
      return arguments[0].map(function (p) {
        return [xa.p2l(p[0] - rect.left - xa._offset), ya.p2l(p[1] - rect.top - ya._offset)];
      });"""
    return np.asarray(driver.execute_script(script, [list(p) for p in pixels]), dtype=np.float64)


def _drag_lasso(driver: Any, pixels: list[tuple[int, int]]) -> None:
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    actions = ActionBuilder(driver)
    pointer = actions.pointer_action
    pointer.move_to_location(*pixels[0]).pointer_down()
    for start, end in zip(pixels, [*pixels[1:], pixels[0]]):
        for t in np.linspace(0.1, 1.0, 8):  # a drawn path, not a jump
            pointer.move_to_location(round(start[0] + t * (end[0] - start[0])),
                                     round(start[1] + t * (end[1] - start[1])))
    pointer.pointer_up()
    actions.perform()


def _click_download(driver: Any, folder: Path, name: str) -> str:
    """Click the CSV link (the page builds the file on click) and read the file chromium saved."""
    driver.execute_script("document.querySelectorAll('a.map-download')[1].click();")
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if (folder / name).exists() and not list(folder.glob("*.crdownload")):
            return (folder / name).read_text(encoding="utf-8")
        time.sleep(0.2)
    raise AssertionError(f"chromium saved no {name} in {folder}")


def _download(driver: Any, index: int) -> str:
    return str(driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        f"fetch(document.querySelectorAll('a.map-download')[{index}].href).then(function (r) {{ return r.text(); }})"
        ".then(done);"))


def test_lasso_exports_the_samples_inside_the_polygon(tmp_path: Path, rng: np.random.Generator,
                                                      monkeypatch: Any) -> None:
    sample_map = _map(rng)
    monkeypatch.setattr(html_map, "PREVIEW_POINTS", 1_000)  # first paint a subsample, then every point
    run = synthetic_run(rng, n_input=120, n_selected=12)
    page = tmp_path / "report.html"
    render_html(run.report, page, sample_map=sample_map)

    downloads = tmp_path / "downloads"
    driver = chromium_driver(tmp_path / "profile", downloads=downloads)
    try:
        driver.get(page.as_uri())
        _wait_ready(driver)
        pixels = _pixels(driver, LASSO)
        received = _data(driver, pixels)
        _drag_lasso(driver, pixels)
        time.sleep(0.5)
        painted = driver.execute_script("var m = window.embedscopeMaps[0];"
                                        "return [m.root.dataset.drawn, m.root.dataset.full, m.plot._fullData.length,"
                                        " m.plot._fullData.reduce(function (t, d) { return t + d._length; }, 0)];")
        exported = _download(driver, 0).splitlines()
        exported_csv = _click_download(driver, downloads, "selection.csv")
        shown = driver.execute_script("return document.querySelector('.map-count').textContent")
        injected = driver.execute_script("return window.__injected === undefined")
        menu = Select(driver.find_element(By.CSS_SELECTOR, ".map-color"))
        menu.select_by_visible_text("side")
        time.sleep(1.0)
        side_legend = driver.find_element(By.CSS_SELECTOR, ".map-legend").text
        menu.select_by_visible_text("height")
        time.sleep(1.0)
        colour_bars = len(driver.find_elements(By.CSS_SELECTOR, ".map-plot .colorbar"))
        height_legend = driver.find_element(By.CSS_SELECTOR, ".map-legend").text
        kept = _download(driver, 0).splitlines()
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    finally:
        driver.quit()

    coordinates = drawn_coordinates(map_payload(sample_map), projection=0)
    assert np.abs(received - LASSO).max() < EDGE_BAND / 2  # the mouse drew the planned polygon
    inside = PolygonPath(received).contains_points(coordinates)
    expected = {name for name, hit in zip(sample_map.names, inside) if hit}
    assert errors == [] and injected
    n_selected = int((sample_map.set_codes == 3).sum())
    assert float(painted[0]) <= float(painted[1]) and painted[3] == N_POINTS  # a preview first, then every point
    assert 100 < len(expected) < N_POINTS - 100
    assert set(exported) == expected and len(exported) == len(expected)
    assert shown.startswith(f"{len(expected):,} samples chosen")
    _check_lightly_export(tmp_path, exported_csv, sample_map, expected)
    side = sample_map.columns[0]
    counts = np.bincount(side.values, minlength=2)
    assert side_legend.split("\n") == [f"left ({counts[0]:,})", f"right ({counts[1]:,})", f"selected ({n_selected})"]
    assert colour_bars == 1 and "height:" in height_legend and f"the {n_selected} selected samples" in height_legend
    assert set(kept) == expected  # recolouring keeps the lasso selection


def _check_lightly_export(tmp_path: Path, text: str, sample_map: SampleMap, expected: set[str]) -> None:
    """The download equals the run's data/embeddings.csv (written by embedscope) plus the selected column."""
    assert sample_map.vectors is not None and sample_map.labels is not None
    n_input = N_POINTS - N_DATAPOOL
    header = text.split("\n", 1)[0].split(",")
    assert header == ["filenames", *(f"embedding_{i}" for i in range(DIM)), "selected", "labels"]
    exported = tmp_path / "selection.csv"
    exported.write_text(text, encoding="utf-8")
    run_csv = tmp_path / "embeddings.csv"
    write_lightly_csv(run_csv, list(sample_map.names[:n_input]), sample_map.vectors, sample_map.labels)
    ours, theirs = read_lightly_csv(exported), read_lightly_csv(run_csv)
    assert ours.names == theirs.names == list(sample_map.names[:n_input])  # input order, hostile name intact
    assert ours.vectors.dtype == np.float32 and np.array_equal(ours.vectors.view(np.uint32),
                                                               theirs.vectors.view(np.uint32))
    assert np.array_equal(ours.labels, sample_map.labels)
    chosen = {name for name, flag in zip(ours.names, ours.marked_selected) if flag}
    assert chosen == expected & set(ours.names) and len(chosen) > 50  # datapool samples are not rows of the CSV
    assert read_selected_names(exported) == [n for n in ours.names if n in chosen]  # `report --selected` reads it
    for_lightly = tmp_path / "for_lightly.csv"  # lightly's own reader, after its own removal of extra columns
    shutil.copy(exported, for_lightly)
    check_embeddings(str(for_lightly), remove_additional_columns=True)
    vectors, labels, names = load_embeddings(str(for_lightly))
    assert names == ours.names and labels == sample_map.labels.tolist()
    assert np.array_equal(vectors.astype(np.float32).view(np.uint32), sample_map.vectors.view(np.uint32))


def test_above_the_budget_the_csv_holds_names_labels_and_flags(tmp_path: Path, rng: np.random.Generator,
                                                               monkeypatch: Any) -> None:
    """Embeddings over the page's budget stay out of it: the CSV is filenames,labels,selected, with a join note."""
    sample_map = _map(rng)
    monkeypatch.setattr(map_export, "EMBEDDINGS_BUDGET_BYTES", 1024)
    page = tmp_path / "report.html"
    render_html(synthetic_run(rng, n_input=120, n_selected=12).report, page, sample_map=sample_map)
    text = page.read_text(encoding="utf-8")
    assert 'id="sample-map-embeddings"' not in text and "join it with data/embeddings.csv" in text
    chosen_rows = [3, 7, 100, 2000]
    downloads = tmp_path / "downloads"
    driver = chromium_driver(tmp_path / "profile", downloads=downloads)
    try:
        driver.get(page.as_uri())
        _wait_ready(driver)
        driver.execute_script("var m = window.embedscopeMaps[0], rows = arguments[0];"
                              "rows.forEach(function (r) { m.chosen[r] = 1; });"
                              "m.selectedRows = Uint32Array.from(rows); m.showSelection();", chosen_rows)
        exported = _click_download(driver, downloads, "selection.csv")
        note = driver.find_element(By.CSS_SELECTOR, ".map-export-note").text
    finally:
        driver.quit()
    assert sample_map.labels is not None
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["filenames", "labels", "selected"] and len(rows) == 1 + N_POINTS - N_DATAPOOL
    assert [r[0] for r in rows[1:]] == list(sample_map.names[: N_POINTS - N_DATAPOOL])
    assert [int(r[1]) for r in rows[1:]] == sample_map.labels.tolist()
    assert [i for i, r in enumerate(rows[1:]) if r[2] == "1"] == chosen_rows
    assert "join it with data/embeddings.csv" in note
    (tmp_path / "selection.csv").write_text(exported, encoding="utf-8")
    assert read_selected_names(tmp_path / "selection.csv") == [sample_map.names[r] for r in chosen_rows]
