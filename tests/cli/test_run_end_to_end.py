"""`embedscope run` / `report` end to end through a subprocess, checked against independent float64 references."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from embedscope.analyze.sets import random_subset
from embedscope.io.embeddings_file import read_embeddings
from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.report.extra_metrics import read_extra_metrics
from embedscope.report.json_writer import read_report_dict, read_report_json
from embedscope.report.sections import headline_rows
from embedscope.select.k_center_greedy import COVER_METHOD
from tests.cli.conftest import clustered, run_cli

WORST_CASE_SENTENCE = "k-center greedy minimises the worst case"
SECTION_TITLES = (
    "Summary", "Scatter plots",
    "Diversity: distance to nearest neighbour in set", "Coverage: distance to cover input",
)


def _textbook_greedy(x: np.ndarray, k: int, pool: np.ndarray | None) -> list[int]:
    """Gonzalez k-center greedy in float64 (first pick: farthest from the mean without a datapool)."""
    x = x.astype(np.float64)
    if pool is None:
        dist = np.full(len(x), np.inf)
        first = int(np.argmax(np.linalg.norm(x - x.mean(axis=0), axis=1)))
    else:
        dist = cKDTree(pool.astype(np.float64)).query(x)[0]
        first = int(np.argmax(dist))
    picks = [first]
    dist = np.minimum(dist, np.linalg.norm(x - x[first], axis=1))
    while len(picks) < k:
        pick = int(np.argmax(dist))
        picks.append(pick)
        dist = np.minimum(dist, np.linalg.norm(x - x[pick], axis=1))
    return picks


def _normalised(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.float64)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def datapool_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("run")
    rng = np.random.default_rng(11)
    vectors = clustered(rng, 400, 6)
    names = [f"img_{i:03d}.jpg" for i in range(400)]
    write_lightly_csv(root / "input.csv", names, vectors)
    # the datapool holds 10 new samples and 2 that are also in the input (they must leave the input)
    pool_vectors = np.concatenate([clustered(rng, 10, 6), vectors[[5, 9]]])
    write_lightly_csv(root / "pool.csv", [f"pool_{i}.jpg" for i in range(10)] + ["img_005.jpg", "img_009.jpg"], pool_vectors)
    digest = _sha(root / "input.csv")
    result = run_cli("run", root / "input.csv", "--n-samples", "30", "--datapool", root / "pool.csv",
                     "--seed", "3", "--out", root / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    assert _sha(root / "input.csv") == digest, "INPUT must never be modified"
    return {"root": root, "out": root / "out"}


def test_output_folder_layout(datapool_run: dict[str, Path]) -> None:
    out = datapool_run["out"]
    for relative in (
        "report.pdf", "report_v2.json", "config.yaml", "data/embeddings.csv",
        "data/selected_embeddings_including_datapool.csv", "filenames/sampled_filenames_excluding_datapool.txt",
        "filenames/removed_filenames.txt", "report.html",
        "plots/scatter_pca.png", "plots/scatter_umap.png", "plots/hist_nearest_neighbor.png", "plots/hist_cover.png",
    ):
        assert (out / relative).is_file(), relative
    for image_folder_only in ("filenames/corrupt_filenames.txt", "filenames/duplicate_filenames.txt",
                              "corruptness_check_information.json"):  # an embeddings file has no files to set aside
        assert not (out / image_folder_only).exists(), image_folder_only
    assert not list(out.rglob("*.tmp")), "no temporary files may remain"


def test_selection_is_the_textbook_greedy_with_datapool(datapool_run: dict[str, Path]) -> None:
    root, out = datapool_run["root"], datapool_run["out"]
    table = read_embeddings(root / "input.csv")
    keep = [i for i, n in enumerate(table.names) if n not in ("img_005.jpg", "img_009.jpg")]
    x = _normalised(table.vectors[keep])
    pool = _normalised(read_embeddings(root / "pool.csv").vectors)
    expected = [table.names[keep[i]] for i in _textbook_greedy(x, 30, pool)]
    selected = (out / "filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    assert selected == expected
    removed = (out / "filenames/removed_filenames.txt").read_text().split()
    assert len(removed) == 398 - 30 and not set(removed) & set(selected)
    chosen = read_embeddings(out / "data/selected_embeddings_including_datapool.csv")
    assert chosen.names == selected + [f"pool_{i}.jpg" for i in range(10)] + ["img_005.jpg", "img_009.jpg"]


def test_report_json_matches_brute_force(datapool_run: dict[str, Path]) -> None:
    root, out = datapool_run["root"], datapool_run["out"]
    report = read_report_json(out / "report_v2.json")
    raw = read_report_dict(out / "report_v2.json")
    assert raw["schemaVersion"] and "generalInformation" in raw
    assert "schemaVersion" not in json.loads((out / "report_v2.json").read_text())  # in the sibling file
    sizes = report.general_information.dataset_information.dataset_sizes
    assert (sizes.n_input, sizes.n_selected, sizes.n_removed, sizes.n_preselected_datapool,
            sizes.n_selected_with_datapool) == (398, 30, 368, 12, 42)

    table = read_embeddings(root / "input.csv")
    row = {n: i for i, n in enumerate(table.names)}
    keep = [i for i, n in enumerate(table.names) if n not in ("img_005.jpg", "img_009.jpg")]
    x = _normalised(table.vectors[keep])
    pool = _normalised(read_embeddings(root / "pool.csv").vectors)
    selected_names = (out / "filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    kept_row = {table.names[r]: j for j, r in enumerate(keep)}
    sel = x[[kept_row[n] for n in selected_names]]
    del row

    info = report.dataset_analysis.embedding_information
    nn = info.distance_to_nearest_neighbor_in_set
    expected = {
        "input": cKDTree(x).query(x, k=2)[0][:, 1],
        "selected": cKDTree(sel).query(sel, k=2)[0][:, 1],
        "preselected_datapool": cKDTree(pool).query(pool, k=2)[0][:, 1],
        "selected_with_datapool": cKDTree(np.concatenate([sel, pool])).query(np.concatenate([sel, pool]), k=2)[0][:, 1],
    }
    for field, values in expected.items():
        dist = getattr(nn, field)
        assert sum(dist.counts) == len(values)
        assert dist.metrics.mean == pytest.approx(values.mean(), abs=1e-5)
        assert dist.metrics.max == pytest.approx(values.max(), abs=1e-5)
        assert dist.metrics.median == pytest.approx(np.median(values), abs=1e-5)
        assert dist.metrics.std == pytest.approx(values.std(), abs=1e-5)
    assert sum(nn.random.counts) == 30
    cover = info.distance_to_cover_input
    expected_cover = cKDTree(np.concatenate([sel, pool])).query(x)[0]
    assert cover.selected.metrics.mean == pytest.approx(expected_cover.mean(), abs=1e-5)
    assert cover.selected.metrics.max == pytest.approx(expected_cover.max(), abs=1e-5)
    assert sum(cover.selected.counts) == sum(cover.random.counts) == 398
    # how each distribution was found: the selection's coverage is the greedy's running minimum, no search
    searches = {name: info.model_dump(by_alias=True, exclude_none=True) for name, info in cover.neighbor_search.items()}
    assert searches == {"selected": {"method": COVER_METHOD}, "random": {"method": "exact"}}
    assert {name: info.method for name, info in nn.neighbor_search.items()} == dict.fromkeys(
        ("input", "selected", "random", "preselectedDatapool", "selectedWithDatapool"), "exact")
    # k-center greedy minimises the covering radius much better than chance
    assert cover.selected.metrics.max < cover.random.metrics.max
    scatter = info.scatter_plot_data.umap_embedding_data
    assert len(scatter.input2d_embeddings) == 398 and len(scatter.selected_excluding_datapool2d_embeddings) == 30
    assert scatter.datapool2d_embeddings is not None and len(scatter.datapool2d_embeddings) == 12


def test_pdf_has_real_text_with_section_titles(datapool_run: dict[str, Path]) -> None:
    text = subprocess.run(["pdftotext", str(datapool_run["out"] / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for title in SECTION_TITLES:
        assert title in text, title


def test_same_input_and_seed_give_same_selection_and_numbers(datapool_run: dict[str, Path], tmp_path: Path) -> None:
    root, first = datapool_run["root"], datapool_run["out"]
    result = run_cli("run", root / "input.csv", "--n-samples", "30", "--datapool", root / "pool.csv",
                     "--seed", "3", "--out", tmp_path / "again", "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = (read_report_dict(d / "report_v2.json") for d in (first, tmp_path / "again"))
    for report in (a, b):
        report.pop("generalInformation")
        report["embedscope"].pop("parameters")
        report["embedscope"].pop("stageSeconds")
    assert a == b
    assert (first / "filenames/sampled_filenames_excluding_datapool.txt").read_text() == (
        tmp_path / "again/filenames/sampled_filenames_excluding_datapool.txt").read_text()


def test_report_command_reproduces_the_run_metrics(datapool_run: dict[str, Path], tmp_path: Path) -> None:
    root, first = datapool_run["root"], datapool_run["out"]
    result = run_cli("report", root / "input.csv", "--selected", first / "filenames/sampled_filenames_excluding_datapool.txt",
                     "--datapool", root / "pool.csv", "--seed", "3", "--out", tmp_path / "rep", "--quiet")
    assert result.returncode == 0, result.stderr
    a = read_report_json(first / "report_v2.json").dataset_analysis.embedding_information
    b = read_report_json(tmp_path / "rep/report_v2.json").dataset_analysis.embedding_information
    assert a.distance_to_nearest_neighbor_in_set.selected == b.distance_to_nearest_neighbor_in_set.selected
    assert a.distance_to_cover_input.random == b.distance_to_cover_input.random
    assert a.distance_to_cover_input.selected.metrics.mean == pytest.approx(
        b.distance_to_cover_input.selected.metrics.mean, abs=1e-6)
    # a selection read from a file brings no coverage: the report searches it, exactly
    assert a.distance_to_cover_input.neighbor_search["selected"].method == COVER_METHOD
    assert b.distance_to_cover_input.neighbor_search["selected"].method == "exact"
    # the run is the plain k-center greedy and random subsets win on a mean here: the report says why; the same
    # selection read from a file is not the greedy's, so that sentence (about the greedy) is not printed
    run_report = read_report_json(first / "report_v2.json")
    assert any(row.verdict == "worse" for row in headline_rows(run_report, read_extra_metrics(run_report)))
    for folder, expected in ((first, True), (tmp_path / "rep", False)):
        for document in (_pdf_text(folder / "report.pdf"), (folder / "report.html").read_text(encoding="utf-8")):
            assert (WORST_CASE_SENTENCE in document) is expected, folder


def test_report_reads_the_maps_lightly_csv_export_as_the_selection(datapool_run: dict[str, Path], tmp_path: Path) -> None:
    """report.html's CSV download (data/embeddings.csv plus a selected column) as `report --selected`."""
    root, first = datapool_run["root"], datapool_run["out"]
    table = read_lightly_csv(first / "data/embeddings.csv")
    chosen = set((first / "filenames/sampled_filenames_excluding_datapool.txt").read_text().split())
    header = ["filenames", *(f"embedding_{i}" for i in range(table.vectors.shape[1])), "selected", "labels"]
    rows = [[name, *map(repr, vector.tolist()), str(int(name in chosen)), str(label)]
            for name, vector, label in zip(table.names, table.vectors, table.labels)]
    exported = tmp_path / "selection.csv"
    exported.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    result = run_cli("report", root / "input.csv", "--selected", exported, "--datapool", root / "pool.csv",
                     "--seed", "3", "--out", tmp_path / "rep", "--quiet")
    assert result.returncode == 0, result.stderr
    again = (tmp_path / "rep/filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    assert set(again) == chosen and len(again) == len(chosen)


def test_npy_and_parquet_inputs_with_proportion_and_raw_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    vectors = clustered(rng, 200, 4)
    np.save(tmp_path / "e.npy", vectors)
    result = run_cli("run", tmp_path / "e.npy", "--proportion", "0.1", "--no-normalize", "--out", tmp_path / "o", "-q")
    assert result.returncode == 0, result.stderr
    selected = (tmp_path / "o/filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    assert selected == [f"sample_{i:06d}" for i in _textbook_greedy(vectors, 20, None)]
    assert "report:" in result.stdout and str(tmp_path / "o" / "report.pdf") in result.stdout
    assert str(tmp_path / "o" / "report.html") in result.stdout


def test_random_seeds_sets_the_random_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    vectors = clustered(rng, 120, 4)
    np.save(tmp_path / "e.npy", vectors)
    result = run_cli("run", tmp_path / "e.npy", "-n", "10", "--seed", "7", "--random-seeds", "3", "--out", tmp_path / "o", "-q")
    assert result.returncode == 0, result.stderr
    baseline = read_report_dict(tmp_path / "o/report_v2.json")["embedscope"]["extraMetrics"]["randomBaseline"]
    assert baseline["seeds"] == [7, 8, 9]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = [cKDTree(unit[random_subset(120, 10, seed=s)]).query(unit)[0].mean() for s in (7, 8, 9)]
    np.testing.assert_allclose(baseline["coverageMean"]["values"], expected, rtol=1e-6)
    refused = run_cli("run", tmp_path / "e.npy", "-n", "10", "--random-seeds", "0", "--out", tmp_path / "p")
    assert refused.returncode == 2 and "--random-seeds must be at least 1" in refused.stderr
    assert "Traceback" not in refused.stderr
