"""``embedscope select``: only the selected filenames, the same picks as ``run``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedscope.io.embeddings_file import read_embeddings
from tests.cli.conftest import run_cli
from tests.cli.test_run_end_to_end import _normalised, _textbook_greedy


def test_select_writes_the_textbook_greedy_picks(small_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "picked.txt"
    result = run_cli("select", small_csv, "-n", "12", "--out", out, "-q")
    assert result.returncode == 0, result.stderr
    table = read_embeddings(small_csv)
    expected = [table.names[i] for i in _textbook_greedy(_normalised(table.vectors), 12, None)]
    assert out.read_text().split() == expected
    assert not (tmp_path / "report_v2.json").exists()  # no report next to the list


def test_select_with_a_config_matches_run(small_csv: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    scores = tmp_path / "scores.csv"
    scores.write_text("filename,task,score,value\n" + "".join(
        f"img_{i:03d}.jpg,det,uncertainty,{rng.uniform():.4f}\n" for i in range(300)))
    config = tmp_path / "selection.yaml"
    config.write_text(
        "n_samples: 15\nstrategies:\n"
        "  - input: {type: EMBEDDINGS}\n    strategy: {type: DIVERSITY}\n"
        "  - input: {type: SCORES, task: det, score: uncertainty}\n    strategy: {type: WEIGHTS, strength: 2}\n"
    )
    flags = ["--selection-config", config, "--scores", scores, "--seed", "4", "-q"]
    assert run_cli("select", small_csv, *flags, "--out", tmp_path / "picked.txt").returncode == 0
    assert run_cli("run", small_csv, *flags, "--out", tmp_path / "run").returncode == 0
    picked = (tmp_path / "picked.txt").read_text().split()
    assert len(picked) == 15
    assert picked == (tmp_path / "run/filenames/sampled_filenames_excluding_datapool.txt").read_text().split()


def test_select_refuses_to_overwrite_or_write_a_folder(small_csv: Path, tmp_path: Path) -> None:
    existing = tmp_path / "picked.txt"
    existing.write_text("keep\n")
    refused = run_cli("select", small_csv, "-n", "3", "--out", existing)
    assert refused.returncode == 2 and "exists; pass --overwrite" in refused.stderr
    assert existing.read_text() == "keep\n"
    folder = run_cli("select", small_csv, "-n", "3", "--out", tmp_path)
    assert folder.returncode == 2 and "is a folder" in folder.stderr and "Traceback" not in folder.stderr
    replaced = run_cli("select", small_csv, "-n", "3", "--out", existing, "--overwrite", "-q")
    assert replaced.returncode == 0 and len(existing.read_text().split()) == 3
