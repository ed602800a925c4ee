"""Readers of --metadata, --scores, --predictions files, and their alignment with the input samples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import ConfigError, InputFileError
from embedscope.io.sample_data_files import read_metadata_file, read_predictions_file, read_scores_file
from embedscope.select.config import MetadataInput, PredictionsInput, ScoresInput
from embedscope.select.sample_data import align_sample_data, class_membership, numeric_input


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_metadata_csv_types_columns_and_missing_cells(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "meta.csv",
        "filename,sharpness,weather,location_id\na.jpg,12.5,sunny,3\nb.jpg,,rainy,4\n\nc.jpg,nan,,3\n",
    )
    records = read_metadata_file(path)
    assert records.names == ["a.jpg", "b.jpg", "c.jpg"]
    np.testing.assert_array_equal(records.numeric["sharpness"], [12.5, np.nan, np.nan])
    np.testing.assert_array_equal(records.numeric["location_id"], [3.0, 4.0, 3.0])
    assert list(records.categorical["weather"]) == ["sunny", "rainy", None]
    assert set(records.numeric) == {"sharpness", "location_id"} and set(records.categorical) == {"weather"}


def test_metadata_json_lines_flatten_nested_keys(tmp_path: Path) -> None:
    rows = [
        {"filename": "a.jpg", "weather": {"temperature": 3, "description": "sunny"}, "night": False},
        {"filename": "b.jpg", "weather": {"temperature": -1.5}, "night": True},
    ]
    path = _write(tmp_path, "meta.jsonl", "\n".join(json.dumps(row) for row in rows) + "\n")
    records = read_metadata_file(path)
    np.testing.assert_array_equal(records.numeric["weather.temperature"], [3.0, -1.5])
    assert list(records.categorical["weather.description"]) == ["sunny", None]
    assert list(records.categorical["night"]) == ["false", "true"]


def test_metadata_json_array(tmp_path: Path) -> None:
    path = _write(tmp_path, "meta.json", json.dumps([{"filename": "a", "x": 1}, {"filename": "b", "x": 2}]))
    np.testing.assert_array_equal(read_metadata_file(path).numeric["x"], [1.0, 2.0])


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("m.csv", "name,x\na,1\n", r"m\.csv: line 2: no 'filename' column; expected columns filename"),
        ("m.csv", "filename,x\na,1\na,2\n", r"m\.csv: line 3: filename 'a' already has a row \(line 2\)"),
        ("m.csv", "filename,x\na,1\nb,1,2\n", r"m\.csv: line 3: 3 cells, the header has 2"),
        ("m.csv", "filename,x\na,1\nb,inf\n", r"m\.csv: line 3, column 'x': 'inf' is infinite"),
        (
            "m.csv",
            "filename,x\n,1\n",
            r"m\.csv: line 2, column 'filename': empty; every row needs a filename",
        ),
        ("m.csv", "filename,x\n", r"m\.csv: header only"),
        ("m.csv", "", r"m\.csv: empty file"),
        ("m.csv", "filename,x,x\na,1,2\n", r"m\.csv: line 1: column 'x' appears twice"),
        ("m.jsonl", '{"filename": "a"}\n{"filename": \n', r"m\.jsonl: line 2: invalid JSON"),
        ("m.jsonl", '["a", 1]\n', r"m\.jsonl: line 1: expected a JSON object with a 'filename' key"),
        ("m.txt", "filename\na\n", r"m\.txt: unknown extension '\.txt'"),
    ],
)
def test_bad_metadata_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(InputFileError, match=message):
        read_metadata_file(_write(tmp_path, name, text))


def test_missing_metadata_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"none\.csv: file not found"):
        read_metadata_file(tmp_path / "none.csv")


def test_scores_long_format(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "scores.csv",
        "filename,task,score,value\n"
        "a.jpg,det,uncertainty_entropy,0.25\n"
        "b.jpg,det,uncertainty_entropy,0.75\n"
        "a.jpg,det,object_frequency,3\n",
    )
    records = read_scores_file(path)
    assert records.values == {
        ("det", "uncertainty_entropy"): {"a.jpg": 0.25, "b.jpg": 0.75},
        ("det", "object_frequency"): {"a.jpg": 3.0},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "filename,task,value\na,t,1\n",
            r"line 2: no 'score' column; expected columns filename, task, score, value",
        ),
        ("filename,task,score,value\na,t,s,high\n", r"line 2, column 'value': 'high' is not a finite number"),
        ("filename,task,score,value\na,t,s,nan\n", r"line 2, column 'value': 'nan' is not a finite number"),
        (
            "filename,task,score,value\na,t,s,1\nb,t,s,1\na,t,s,2\n",
            r"line 4: 'a' with task 't' and score 's' already has a row \(line 2\)",
        ),
        ("filename,task,score,value\na,,s,1\n", r"line 2, column 'task': empty"),
    ],
)
def test_bad_scores_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputFileError, match=r"scores\.csv: " + message):
        read_scores_file(_write(tmp_path, "scores.csv", text))


def test_predictions_per_sample_and_per_object(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pred.csv",
        "filename,task,class\n"
        "a.jpg,weather,sunny\n"
        "b.jpg,weather,rainy\n"
        "a.jpg,det,car\n"
        "a.jpg,det,car\n"
        "a.jpg,det,bus\n"
        "b.jpg,det,\n",
    )
    records = read_predictions_file(path)
    assert records.classes == {
        "weather": {"a.jpg": ["sunny"], "b.jpg": ["rainy"]},
        "det": {"a.jpg": ["car", "car", "bus"], "b.jpg": []},
    }
    jsonl = _write(tmp_path, "pred.jsonl", '{"filename": "a.jpg", "task": "t", "class": 7}\n')
    assert read_predictions_file(jsonl).classes == {"t": {"a.jpg": ["7"]}}
    with pytest.raises(InputFileError, match=r"bad\.csv: line 2: no 'class' column"):
        read_predictions_file(_write(tmp_path, "bad.csv", "filename,task,label\na,t,x\n"))


def _all_files(tmp_path: Path) -> dict[str, Path]:
    return {
        "metadata": _write(
            tmp_path,
            "meta.csv",
            "filename,sharpness,weather,zone\nc,3.5,rainy,2\na,1.0,sunny,1\npool,9,sunny,1\n",
        ),
        "scores": _write(
            tmp_path, "scores.csv", "filename,task,score,value\na,det,entropy,0.5\npool,det,entropy,1\n"
        ),
        "predictions": _write(
            tmp_path, "pred.csv", "filename,task,class\na,det,car\na,det,bus\na,det,car\nc,det,bus\nb,det,\n"
        ),
    }


def test_alignment_follows_input_order_and_skips_known_other_names(tmp_path: Path) -> None:
    files = _all_files(tmp_path)
    data = align_sample_data(
        ["a", "b", "c"],
        metadata=read_metadata_file(files["metadata"]),
        scores=read_scores_file(files["scores"]),
        predictions=read_predictions_file(files["predictions"]),
        known_names=["a", "b", "c", "pool"],
    )
    np.testing.assert_array_equal(data.numeric["sharpness"], [1.0, np.nan, 3.5])
    assert list(data.categorical["weather"]) == ["sunny", None, "rainy"]
    np.testing.assert_array_equal(data.scores[("det", "entropy")], [0.5, np.nan, np.nan])
    assert data.predictions["det"].classes == [("car", "bus", "car"), (), ("bus",)]
    assert data.predictions["det"].object_level
    assert data.category_values("zone") == ["1", None, "2"]
    subset = data.subset(np.array([2, 0]))
    assert subset.names == ["c", "a"] and subset.predictions["det"].classes == [
        ("bus",),
        ("car", "bus", "car"),
    ]
    np.testing.assert_array_equal(subset.numeric["sharpness"], [3.5, 1.0])

    pool = align_sample_data(
        ["pool"], metadata=read_metadata_file(files["metadata"]), known_names=["a", "b", "c", "pool"]
    )
    assert list(pool.categorical["weather"]) == ["sunny"]


def test_unknown_filenames_are_listed(tmp_path: Path) -> None:
    files = _all_files(tmp_path)
    with pytest.raises(InputFileError, match=r"meta\.csv: 1 filename\(s\) are not in the input: 'pool'"):
        align_sample_data(["a", "b", "c"], metadata=read_metadata_file(files["metadata"]))
    many = _write(tmp_path, "many.csv", "filename,x\n" + "".join(f"z{i},1\n" for i in range(5)))
    with pytest.raises(
        InputFileError, match=r"5 filename\(s\) are not in the input: 'z0', 'z1', 'z2' and 2 more"
    ):
        align_sample_data(["a"], metadata=read_metadata_file(many))


def test_strategy_inputs_resolve_or_explain(tmp_path: Path) -> None:
    files = _all_files(tmp_path)
    data = align_sample_data(
        ["a", "b", "c"],
        metadata=read_metadata_file(files["metadata"]),
        predictions=read_predictions_file(files["predictions"]),
        known_names=["a", "b", "c", "pool"],
    )
    where = "cfg.yaml: strategies[1]"
    np.testing.assert_array_equal(
        numeric_input(data, MetadataInput(type="METADATA", key="sharpness"), where=where), [1.0, np.nan, 3.5]
    )
    detections = class_membership(data, PredictionsInput(type="PREDICTIONS", task="det"), where=where)
    assert detections.categories == ["bus", "car"] and not detections.single_label
    np.testing.assert_array_equal(detections.counts.toarray(), [[1, 2], [0, 0], [1, 0]])
    zones = class_membership(data, MetadataInput(type="METADATA", key="zone"), where=where)
    assert zones.single_label and zones.categories == ["1", "2"]
    np.testing.assert_array_equal(zones.labels(), [0, -1, 1])

    with pytest.raises(
        ConfigError, match=r"cfg\.yaml: strategies\[1\]\.input\.key: .*meta\.csv has no column 'wind' "
    ):
        numeric_input(data, MetadataInput(type="METADATA", key="wind"), where=where)
    with pytest.raises(
        ConfigError, match=r"strategies\[1\]\.input\.key: metadata column 'weather' is categorical"
    ):
        numeric_input(data, MetadataInput(type="METADATA", key="weather"), where=where)
    with pytest.raises(ConfigError, match=r"strategies\[1\]\.input: SCORES input needs a --scores file"):
        numeric_input(data, ScoresInput(type="SCORES", task="det", score="entropy"), where=where)
    with pytest.raises(
        ConfigError, match=r"input\.key: metadata column 'sharpness' holds non-integer numbers"
    ):
        class_membership(data, MetadataInput(type="METADATA", key="sharpness"), where=where)
    with pytest.raises(ConfigError, match=r"input\.task: .*pred\.csv has no task 'cls' \(tasks: det\)"):
        class_membership(data, PredictionsInput(type="PREDICTIONS", task="cls"), where=where)
    bare = align_sample_data(["a"])
    with pytest.raises(ConfigError, match=r"METADATA input needs a --metadata file"):
        class_membership(bare, MetadataInput(type="METADATA", key="zone"), where=where)
    with pytest.raises(ConfigError, match=r"PREDICTIONS input needs a --predictions file"):
        class_membership(bare, PredictionsInput(type="PREDICTIONS", task="det"), where=where)
