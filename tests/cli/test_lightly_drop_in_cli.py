"""A LightlyOne user's files through ``embedscope run``: a Lightly CSV with labels, masked and selected columns
(read back with lightly's own CSV code), a worker config with a camelCase selection config, absolute paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import yaml

from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import clustered, run_cli
from tests.report.lightly_models import lightly_models

N = 60


def _lightly_csv(root: Path) -> tuple[Path, list[str], np.ndarray]:
    rng = np.random.default_rng(21)
    vectors = clustered(rng, N, 6)
    names = [f"frame_{i:02d}.png" for i in range(N)]
    labels = np.array([7, 3, 5, 2] * (N // 4))
    masked = np.zeros(N, dtype=int)
    masked[[4, 9]] = 1
    selected = np.zeros(N, dtype=int)
    selected[[1, 2, 3]] = 1
    header = ["filenames", *(f"embedding_{j}" for j in range(6)), "masked", "selected", "labels"]
    rows = [",".join(header)]
    for i in range(N):
        rows.append(",".join([names[i], *(repr(float(v)) for v in vectors[i]), str(masked[i]), str(selected[i]),
                              str(labels[i])]))
    path = root / "input.csv"
    path.write_text("\n".join(rows) + "\n")
    return path, names, labels


def test_lightly_users_files_keep_their_meaning(tmp_path: Path, monkeypatch: object) -> None:
    """One run: labels survive, masked rows are left out, selected rows count toward the budget, the worker
    config (camelCase) applies, paths are recorded absolute, report_v2.json loads in lightly's ReportV2."""
    lightly_models()
    from lightly.utils.io import check_embeddings, load_embeddings

    source, names, labels = _lightly_csv(tmp_path)
    check_embeddings(str(source))  # lightly's own check accepts the header with masked and selected
    worker = tmp_path / "worker.json"
    worker.write_text(json.dumps({
        "worker_config": {"normalizeEmbeddings": False, "shutdownWhenJobFinished": False},
        "selection_config": {"nSamples": 10, "strategies": [
            {"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}], "autoTasks": []},
    }))
    costs = tmp_path / "costs.yaml"
    costs.write_text("usdPerAnnotatorHour: 36\nsecondsPerLabel: {objectDetection: 100}\n")
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    result = run_cli("run", "input.csv", "--worker-config", "worker.json", "--annotation-costs", "costs.yaml",
                     "--out", "out", "--quiet")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    label_of = dict(zip(names, labels.tolist()))

    _, got_labels, got_names = load_embeddings(str(out / "data/embeddings.csv"))  # lightly's reader
    assert set(got_names) == set(names) - {names[i] for i in (1, 2, 3, 4, 9)}  # masked out; marked are pool
    assert got_labels == [label_of[n] for n in got_names]
    _, chosen_labels, chosen_names = load_embeddings(str(out / "data/selected_embeddings_including_datapool.csv"))
    assert chosen_labels == [label_of[n] for n in chosen_names]
    assert {names[1], names[2], names[3]} <= set(chosen_names)  # already selected rows stay selected
    picked = (out / "filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    assert len(picked) == 10 - 3  # the three marked rows count toward the budget
    joined = read_report_dict(out / "report_v2.json")
    assert joined["embedscope"]["nMaskedInInput"] == 2 and joined["embedscope"]["nMarkedSelectedInInput"] == 3

    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["input_path"] == str(tmp_path / "input.csv") and config["out_dir"] == str(out)
    assert config["worker_config_path"] == str(tmp_path / "worker.json") and config["normalize"] is False
    report = lightly_models().ReportV2.from_json((out / "report_v2.json").read_text())
    sizes = report.general_information.dataset_information.dataset_sizes
    assert (sizes.n_selected, sizes.n_preselected_datapool) == (7, 3)
    removed = sizes.n_input - sizes.n_selected
    savings = report.general_information.annotation_savings
    assert savings.object_detection.cost_savings == round(removed * 100 / 3600 * 36, 4)
    assert savings.image_classification.cost_savings == round(removed * 5 / 3600 * 36, 4)


def test_cloud_only_worker_key_fails_with_one_line(tmp_path: Path) -> None:
    source, _, _ = _lightly_csv(tmp_path)
    worker = tmp_path / "worker.yaml"
    worker.write_text("worker_config:\n  uploadReport: true\nselection_config:\n  n_samples: 5\n  strategies:\n"
                      "    - {input: {type: EMBEDDINGS}, strategy: {type: DIVERSITY}}\n")
    result = run_cli("run", source, "--worker-config", worker, "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 2
    assert "uploadReport: only LightlyOne's platform" in result.stderr  # named as the file wrote it
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
