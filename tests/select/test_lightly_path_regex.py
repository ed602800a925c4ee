"""``lightly_path_regex``: named groups of a Python regex on each sample's path become categorical metadata,
equal to what :mod:`re` gives; a BALANCE on such a key reaches its target; a bad regex is one line, exit 2."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from embedscope.errors import InputFileError
from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.pipeline.local_executor import load_and_select
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig
from embedscope.select.config_file import load_selection_config
from embedscope.select.path_metadata import path_metadata_columns
from tests.cli.conftest import run_cli
from tests.report.lightly_models import lightly_models

PATTERN = r"^(?P<site>[a-z]+)/(?P<camera>cam\d)(?:_(?P<night>night))?/"


def _names() -> list[str]:
    names = []
    for i in range(90):
        site = ["north", "south"][i % 2]
        camera = ["cam1", "cam2", "cam3"][i % 3] if i < 60 else "cam1"  # cam1 is over-represented
        night = "_night" if i % 5 == 0 else ""
        names.append(f"{site}/{camera}{night}/frame_{i:03d}.png")
    return [*names, "loose_file.png", "NORTH/cam9/x.png"]  # two paths the regex does not match


def test_columns_equal_what_python_re_gives() -> None:
    names = _names()
    columns = path_metadata_columns(names, PATTERN)
    assert sorted(columns) == ["camera", "night", "site"]
    for row, name in enumerate(names):
        match = re.search(PATTERN, name)
        for group in ("site", "camera", "night"):
            assert columns[group][row] == (match.group(group) if match else None)
    assert columns["night"][1] is None and columns["night"][0] == "night"  # a group that took no part: missing


def _csv(tmp_path: Path, names: list[str]) -> Path:
    rng = np.random.default_rng(4)
    vectors = rng.normal(size=(len(names), 8)).astype(np.float32)
    path = tmp_path / "input.csv"
    write_lightly_csv(path, names, vectors)
    return path


def test_balance_on_a_path_key_reaches_its_target(tmp_path: Path) -> None:
    names = _names()
    config = {
        "n_samples": 30,
        "lightly_path_regex": PATTERN,
        "strategies": [
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}},
            {"input": {"type": "METADATA", "key": "camera"},
             "strategy": {"type": "BALANCE", "target": {"cam1": 0.2, "cam2": 0.4, "cam3": 0.4}, "strength": 10.0}},
        ],
    }
    path = tmp_path / "selection.json"
    path.write_text(json.dumps(config))
    params = RunParameters(input_path=_csv(tmp_path, names), out_dir=tmp_path / "out", selection_config_path=path)
    inputs, _, sample_data, selection = load_and_select(params)
    camera_of = {name: (m.group("camera") if (m := re.search(PATTERN, name)) else None) for name in names}
    picked = Counter(camera_of[inputs.input.names[int(i)]] for i in selection.indices)
    assert picked == {"cam1": 6, "cam2": 12, "cam3": 12}  # 0.2 / 0.4 / 0.4 of 30, counted from the paths
    assert list(sample_data.input.categorical["camera"]) == [camera_of[n] for n in inputs.input.names]


def test_lightlys_model_accepts_the_key_and_we_read_the_same_value() -> None:
    raw = {"lightlyPathRegex": PATTERN, "nSamples": 5,
           "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}
    reference = lightly_models().SelectionConfigV4.from_dict(raw)
    assert SelectionConfig.model_validate(raw).lightly_path_regex == reference.lightly_path_regex == PATTERN


def test_bad_regex_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "selection.json"
    config.write_text(json.dumps({"n_samples": 3, "lightly_path_regex": "(?P<camera>cam[0-9",
                                  "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}))
    result = run_cli("run", _csv(tmp_path, _names()), "--selection-config", config, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "selection.json: lightly_path_regex" in lines[0], result.stderr
    assert "not a valid regular expression" in lines[0]
    config.write_text(json.dumps({"n_samples": 3, "lightly_path_regex": "cam([0-9])",
                                  "strategies": [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]}))
    with pytest.raises(InputFileError, match=r"lightly_path_regex: 'cam\(\[0-9\]\)': has no named group"):
        load_selection_config(config)
