"""Parquet and CSV embeddings INPUTs above ``--memory-budget`` on ``run --engine ray``: Ray tasks read them (row
groups, byte ranges) onto the cluster with the local reader's checks, so the names, labels, flags, datapool and
vectors, and every error message, are the local reader's; the driver receives no input rows but those that join
the datapool."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
from scipy.spatial import cKDTree

from embedscope.cli.app import main
from embedscope.distributed import vector_blocks
from embedscope.distributed.held_inputs import embeddings_on_cluster
from embedscope.errors import InputFileError
from embedscope.ingest.samples import LoadedInputs, load_inputs
from embedscope.io.lightly_csv import read_lightly_csv, write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from tests.distributed.budget_runs import clustered, ray_run, report_keys, rows_of_width
from tests.distributed.conftest import TwoNodeCluster

N, DIM = 300, 16
BUDGET = 4 * 2**10  # 4 KiB: blocks of 1 KiB (16 rows), CSV byte ranges of 1 KiB; the matrix is 18.75 KiB
POOL = ("s0003.png", "s0100.png", "s0200.png")


def _csv(path: Path, points: np.ndarray, *, flags: bool = True, edit: Callable[[list[list[str]]], None] | None = None) -> Path:
    """A Lightly CSV of ``points`` (names s0000.png …, labels i % 5; masked every 37th row from 5, selected every
    41st from 7 when ``flags``), its cells changed by ``edit``."""
    rows = [[f"s{i:04d}.png", *(f"{v:.7f}" for v in row), *(("1" if i % 37 == 5 else "0", "1" if i % 41 == 7 else "0")
                                                                 if flags else ()), str(i % 5)]
            for i, row in enumerate(points)]
    if edit is not None:
        edit(rows)
    header = ["filenames", *(f"embedding_{i}" for i in range(points.shape[1])), *(("masked", "selected") if flags else ()),
              "labels"]
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n")
    return path


def _parquet(path: Path, points: np.ndarray, *, edit: Callable[[list[Any]], None] | None = None) -> Path:
    """A Parquet file of ``points`` as an ``embedding`` list column, row groups of 37 rows, its lists changed by ``edit``."""
    lists: list[Any] = [[float(v) for v in row] for row in points]
    if edit is not None:
        edit(lists)
    table = pa.table({"filenames": [f"s{i:04d}.png" for i in range(len(points))],
                      "embedding": pa.array(lists, pa.list_(pa.float64()))})
    pq.write_table(table, path, row_group_size=37)
    return path


def _on_cluster(path: Path, pool: Path | None) -> tuple[LoadedInputs, np.ndarray, int]:
    """The samples and the gathered blocks (here, to compare them) of ``path`` read onto the cluster, and the most
    input rows one ``ray.get`` delivered while reading."""
    rows: list[int] = []
    real_get = ray.get

    def counted_get(refs: Any, *args: Any, **kwargs: Any) -> Any:
        values = real_get(refs, *args, **kwargs)
        rows.append(rows_of_width(values, DIM))
        return values

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ray, "get", counted_get)
        held = embeddings_on_cluster(path, datapool_path=pool, filenames_path=None, normalize=True, memory_budget=BUDGET)
    assert held is not None
    gathered, expected = [], 0
    for ref in held.blocks.refs:  # consecutive positions, blocks in order: what data/embeddings.csv needs
        positions, vectors = ray.get(ref)
        np.testing.assert_array_equal(positions, np.arange(expected, expected + len(positions)))
        assert len(positions) * DIM * 4 <= BUDGET // 2
        expected += len(positions)
        gathered.append(vectors)
    assert len(held.blocks.refs) > 4
    return held.samples, np.concatenate(gathered), max(rows)


def test_parquet_and_csv_are_read_on_the_cluster_as_the_local_reader_reads_them(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path
) -> None:
    points = clustered(np.random.default_rng(21), N, DIM)
    pool = tmp_path / "pool.csv"
    write_lightly_csv(pool, list(POOL), clustered(np.random.default_rng(22), len(POOL), DIM))
    for path in (_csv(tmp_path / "input.csv", points), _parquet(tmp_path / "input.parquet", points)):
        local = load_inputs(path, datapool_path=pool)

        samples, vectors, most_rows = _on_cluster(path, pool)

        assert samples.input.names == local.input.names and len(local.input) <= N - len(POOL)
        np.testing.assert_array_equal(samples.input.labels, local.input.labels)
        assert (samples.masked, samples.removed_from_input) == (local.masked, local.removed_from_input)
        assert samples.n_marked_selected == local.n_marked_selected == (8 if path.suffix == ".csv" else 0)
        assert samples.datapool is not None and local.datapool is not None
        assert samples.datapool.names == local.datapool.names
        np.testing.assert_array_equal(samples.datapool.vectors, local.datapool.vectors)
        np.testing.assert_array_equal(vectors, local.input.vectors)  # the same parse, checks and normalisation
        assert samples.input.vectors.shape == (0, DIM)
        assert most_rows == local.n_marked_selected  # the rows marked selected join the datapool; no other row


def _set(row: int, column: int, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[row][column] = value
    return edit


def _both(*edits: Callable[[Any], None]) -> Callable[[Any], None]:
    def edit(rows: Any) -> None:
        for one in edits:
            one(rows)
    return edit


def _list_set(row: int, value: Any) -> Callable[[list[Any]], None]:
    def edit(lists: list[Any]) -> None:
        lists[row] = value
    return edit


def _value_set(row: int, column: int, value: float) -> Callable[[list[Any]], None]:
    def edit(lists: list[Any]) -> None:
        lists[row][column] = value
    return edit


CSV_CASES = {  # each: an edit whose message needs every chunk (the problem the local reader meets first is late)
    "missing late, NaN early": _both(_set(250, 3, ""), _set(20, 2, "nan")),
    "infinite late, beyond float32 early": _both(_set(260, 1, "inf"), _set(9, 4, "1e39")),
    "a short row late, an empty cell early": _both(lambda rows: rows.__setitem__(280, rows[280][:5]), _set(30, 2, "")),
    "duplicate names, a bad flag earlier": _both(_set(270, 0, "s0004.png"), _set(12, DIM + 1, "x")),
    "a bad selected flag early, a bad masked flag late": _both(_set(12, DIM + 2, "2"), _set(290, DIM + 1, "y")),
}
PARQUET_CASES = {
    "ragged late, null later": _both(_list_set(200, [1.0, 2.0]), _list_set(290, None)),
    "NaN late, infinite early, beyond float32 earlier": _both(_value_set(250, 3, float("nan")),
                                                              _value_set(100, 1, float("inf")),
                                                              _value_set(4, 0, 1e39)),
}

NAMED_CELLS = {  # the value cases' first problem, in the file's own words with the sample's name (both engines)
    "missing late, NaN early": "row 251 (line 252), sample 's0250.png', column 'embedding_2': empty value",
    "infinite late, beyond float32 early": "row 261 (line 262), sample 's0260.png', column 'embedding_0': an infinite value",
    "NaN late, infinite early, beyond float32 earlier":
        "row 101, sample 's0100.png', column 'embedding', element 1: an infinite value",
}


@pytest.mark.parametrize("case", [*CSV_CASES, *PARQUET_CASES])
def test_a_bad_file_gets_the_local_readers_message(ray_two_nodes: TwoNodeCluster, tmp_path: Path, case: str) -> None:
    points = clustered(np.random.default_rng(23), N, DIM)
    if case in CSV_CASES:
        path = _csv(tmp_path / "bad.csv", points, edit=CSV_CASES[case])
    else:
        path = _parquet(tmp_path / "bad.parquet", points, edit=PARQUET_CASES[case])
    with pytest.raises(InputFileError) as local:
        load_inputs(path)

    with pytest.raises(InputFileError) as on_cluster:
        embeddings_on_cluster(path, datapool_path=None, filenames_path=None, normalize=True, memory_budget=BUDGET)

    assert str(on_cluster.value) == str(local.value)
    if case in NAMED_CELLS:
        assert str(local.value).startswith(f"{path}: {NAMED_CELLS[case]}")


def test_a_parquet_input_above_the_budget_runs_with_the_local_engines_outputs(
    ray_two_nodes: TwoNodeCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = clustered(np.random.default_rng(24), N, DIM)
    common = ["run", str(_parquet(tmp_path / "input.parquet", points)), "-n", "5", "--random-seeds", "2", "--quiet"]
    assert main([*common, "--out", str(tmp_path / "local")]) == 0
    monkeypatch.setattr(vector_blocks, "MIN_DRIVER_SAMPLE", 16)  # driver-side samples of 16 rows, not all 300

    code, outcome, _, rows = ray_run([*common, "--out", str(tmp_path / "ray"), "--engine", "ray", "--ray-address",
                                      ray_two_nodes.address], budget=BUDGET, dim=DIM)

    assert code == 0 and outcome.inputs.input.vectors.shape == (0, DIM)
    local, on_ray = (read_report_dict(tmp_path / name / "report_v2.json") for name in ("local", "ray"))
    assert on_ray["embedscope"]["engine"]["driverHoldsMatrix"] is False
    ignored = (".embedscope.engine", ".embedscope.stageSeconds")
    assert {k for k in report_keys(on_ray) if not k.startswith(ignored)} == {
        k for k in report_keys(local) if not k.startswith(ignored)}
    assert (tmp_path / "ray/data/embeddings.csv").read_bytes() == (tmp_path / "local/data/embeddings.csv").read_bytes()
    assert max(rows) <= 2 * 8 * 5 < N // 2  # blocks, samples of 16 rows, round 1's P·k′ = 2 · 8 · 5 centres
    written = read_lightly_csv(tmp_path / "ray/data/embeddings.csv").vectors.astype(np.float64)
    cover = cKDTree(written[outcome.selection.indices]).query(written)[0]
    np.testing.assert_allclose(outcome.metrics.cover_input["selected"], cover, rtol=0, atol=1e-9)
