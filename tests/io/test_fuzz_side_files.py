"""Fuzz tests of the text side files: filename lists, --metadata/--scores/--predictions, selection configs.

Valid generated files read back with the written values; malformed ones and random byte edits are refused
with an InputFileError naming the file; nothing else escapes and no input changes.
"""

from __future__ import annotations

import csv
import io
import json
import math

import yaml
from hypothesis import given
from hypothesis import strategies as st

from embedscope.io.filename_list import read_filename_list, write_filename_list
from embedscope.io.sample_data_files import (
    MetadataRecords,
    ScoreRecords,
    read_metadata_file,
    read_predictions_file,
    read_scores_file,
)
from embedscope.io.validation import name_problem
from embedscope.select.config import SelectionConfig
from embedscope.select.config_file import load_selection_config
from tests.fuzz_support import FUZZ, mutated, names, read_or_refuse, scratch_folder

writable_names = st.lists(names.filter(lambda name: name_problem(name) is None), max_size=6, unique=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@FUZZ
@given(writable_names.filter(bool), st.sampled_from(["", "\ufeff"]), st.sampled_from(["\n", "\r\n"]))
def test_filename_lists_round_trip(listed: list[str], bom: str, newline: str) -> None:
    with scratch_folder() as folder:
        written = folder / "written.txt"
        write_filename_list(written, listed)
        assert read_filename_list(written) == listed
        by_hand = folder / "by_hand.txt"  # as an editor on Windows saves it: BOM and CRLF
        by_hand.write_bytes((bom + "".join(f"{name}{newline}" for name in listed)).encode("utf-8"))
        assert read_or_refuse(by_hand, read_filename_list) == listed


@FUZZ
@given(st.binary(max_size=60) | st.text(max_size=40).map(str.encode))
def test_filename_list_of_any_bytes_reads_or_refuses(data: bytes) -> None:
    with scratch_folder() as folder:
        path = folder / "names.txt"
        path.write_bytes(data)
        result = read_or_refuse(path, read_filename_list)
        if isinstance(result, list):
            assert all(name_problem(name) is None for name in result) and len(set(result)) == len(result)


clean_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=8)


@st.composite
def metadata_rows(draw: st.DrawFn) -> tuple[list[str], list[float]]:
    row_names = draw(st.lists(clean_names, min_size=1, max_size=5, unique=True))
    numbers = draw(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=len(row_names), max_size=len(row_names)))
    return row_names, numbers


@FUZZ
@given(metadata_rows(), st.sampled_from(["csv", "jsonl", "json"]), st.sampled_from(["", "\ufeff"]))
def test_metadata_reads_the_written_numbers(rows: tuple[list[str], list[float]], kind: str, bom: str) -> None:
    row_names, numbers = rows
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["filename", "speed"])
        writer.writerows([name, repr(number)] for name, number in zip(row_names, numbers))
        text = buffer.getvalue()
    elif kind == "jsonl":
        text = "".join(json.dumps({"filename": n, "car": {"speed": v}}) + "\n" for n, v in zip(row_names, numbers))
    else:
        text = json.dumps([{"filename": n, "car": {"speed": v}} for n, v in zip(row_names, numbers)])
    with scratch_folder() as folder:
        path = folder / f"meta.{kind}"
        path.write_bytes((bom + text).encode("utf-8"))
        result = read_or_refuse(path, read_metadata_file)
    assert isinstance(result, MetadataRecords), result
    assert result.names == row_names
    assert list(result.numeric["speed" if kind == "csv" else "car.speed"]) == numbers


@FUZZ
@given(
    st.lists(
        st.fixed_dictionaries(
            {"filename": names, "task": st.sampled_from(["t", ""]), "score": st.just("s"), "value": json_values}
        ),
        min_size=1,
        max_size=4,
    )
)
def test_scores_read_finite_values_or_refuse(rows: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(row) + "\n" for row in rows)
    with scratch_folder() as folder:
        path = folder / "scores.jsonl"
        path.write_text(text, encoding="utf-8")
        result = read_or_refuse(path, read_scores_file)
    if isinstance(result, ScoreRecords):
        for row in rows:
            value = result.values[("t", "s")][str(row["filename"]).strip()]
            assert math.isfinite(value) and value == float(row["value"])  # type: ignore[arg-type]


SIDE_READERS = {"metadata": read_metadata_file, "scores": read_scores_file, "predictions": read_predictions_file}
SIDE_EXAMPLES = {
    "metadata": "filename,weather,speed\na.jpg,sunny,3\nb.jpg,,4.5\n",
    "scores": "filename,task,score,value\na.jpg,det,uncertainty,0.2\nb.jpg,det,uncertainty,0.7\n",
    "predictions": "filename,task,class\na.jpg,det,car\na.jpg,det,bus\nb.jpg,det,\n",
}


@FUZZ
@given(st.sampled_from(sorted(SIDE_READERS)), st.sampled_from([".csv", ".jsonl", ".json"]), st.data())
def test_side_files_with_random_byte_edits_never_crash(kind: str, suffix: str, data: st.DataObject) -> None:
    base = SIDE_EXAMPLES[kind].encode()
    if suffix != ".csv":
        rows = list(csv.DictReader(io.StringIO(SIDE_EXAMPLES[kind])))
        base = ("".join(json.dumps(row) + "\n" for row in rows) if suffix == ".jsonl" else json.dumps(rows)).encode()
    with scratch_folder() as folder:
        path = folder / f"{kind}{suffix}"
        path.write_bytes(data.draw(mutated(base)))
        read_or_refuse(path, SIDE_READERS[kind])


VALID_CONFIG = {
    "n_samples": 5,
    "strategies": [
        {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
        {"input": {"type": "SCORES", "task": "det", "score": "uncertainty"}, "strategy": {"type": "WEIGHTS"}},
    ],
}


@FUZZ
@given(json_values, st.sampled_from([".json", ".yaml"]))
def test_selection_config_of_any_json_value_loads_or_refuses(value: object, suffix: str) -> None:
    with scratch_folder() as folder:
        path = folder / f"config{suffix}"
        path.write_text(json.dumps(value) if suffix == ".json" else yaml.safe_dump(value), encoding="utf-8")
        read_or_refuse(path, load_selection_config)


@FUZZ
@given(st.sampled_from([".json", ".yaml"]), st.data())
def test_selection_config_with_random_byte_edits_never_crashes(suffix: str, data: st.DataObject) -> None:
    text = json.dumps(VALID_CONFIG) if suffix == ".json" else yaml.safe_dump(VALID_CONFIG)
    with scratch_folder() as folder:
        path = folder / f"config{suffix}"
        path.write_text(text, encoding="utf-8")
        assert isinstance(read_or_refuse(path, load_selection_config), SelectionConfig)
        path.write_bytes(data.draw(mutated(text.encode())))
        read_or_refuse(path, load_selection_config)
