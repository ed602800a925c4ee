"""`embedscope run --selection-config` with metadata, end to end, checked against counts computed here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embedscope.io.lightly_csv import write_lightly_csv
from embedscope.report.json_writer import read_report_dict
from tests.cli.conftest import clustered, run_cli

CONFIG = """
n_samples: 40
strategies:
  - input: {type: EMBEDDINGS}
    strategy: {type: DIVERSITY}
  - input: {type: METADATA, key: weather}
    strategy: {type: BALANCE, distribution: UNIFORM}
  - input: {type: METADATA, key: sharpness}
    strategy: {type: THRESHOLD, threshold: 0.3, operation: BIGGER_EQUAL}
"""


def _write_inputs(tmp_path: Path) -> tuple[Path, Path, dict[str, tuple[str, float]]]:
    rng = np.random.default_rng(21)
    names = [f"img_{i:03d}.jpg" for i in range(500)]
    write_lightly_csv(tmp_path / "in.csv", names, clustered(rng, 500, 8))
    meta = {n: ("sunny" if rng.random() < 0.9 else "rainy", float(round(rng.random(), 3))) for n in names}
    lines = ["filename,weather,sharpness"] + [f"{n},{w},{s}" for n, (w, s) in meta.items()]
    (tmp_path / "meta.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "cfg.yaml").write_text(CONFIG)
    return tmp_path / "in.csv", tmp_path / "meta.csv", meta


def test_balance_and_threshold_through_the_cli(tmp_path: Path) -> None:
    data, meta_path, meta = _write_inputs(tmp_path)
    result = run_cli("run", data, "--selection-config", tmp_path / "cfg.yaml", "--metadata", meta_path,
                     "--out", tmp_path / "out", "-q")
    assert result.returncode == 0, result.stderr
    selected = (tmp_path / "out/filenames/sampled_filenames_excluding_datapool.txt").read_text().split()
    assert len(selected) == 40
    assert all(meta[n][1] >= 0.3 for n in selected), "THRESHOLD must hold for every selected sample"
    weather = [meta[n][0] for n in selected]
    # UNIFORM balance pulls a 90/10 split toward 50/50 (traded against diversity by the product objective)
    assert weather.count("rainy") >= 14, weather.count("rainy")
    report = read_report_dict(tmp_path / "out/report_v2.json")
    dist = report["datasetAnalysis"]["metadataInformation"]["weather"]["categoryDistribution"]
    assert dist["selected"]["counts"] == {"rainy": weather.count("rainy"), "sunny": weather.count("sunny")}
    all_weather = [w for w, _ in meta.values()]
    assert dist["input"]["counts"] == {"rainy": all_weather.count("rainy"), "sunny": all_weather.count("sunny")}
    sharp = report["datasetAnalysis"]["metadataInformation"]["sharpness"]["numericDistribution"]
    assert sum(sharp["input"]["counts"]) == 500
    assert sharp["selected"]["metrics"]["min"] >= 0.3
    assert report["embedscope"]["strategies"][2] == "THRESHOLD on METADATA sharpness: BIGGER_EQUAL 0.3"
    assert "selection:" in (tmp_path / "out/config.yaml").read_text()


def test_bad_config_is_one_line_naming_the_field(tmp_path: Path) -> None:
    data, meta_path, _ = _write_inputs(tmp_path)
    (tmp_path / "bad.yaml").write_text(CONFIG.replace("type: BALANCE", "type: BALANCED"))
    result = run_cli("run", data, "--selection-config", tmp_path / "bad.yaml", "--metadata", meta_path,
                     "--out", tmp_path / "out")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.yaml" in lines[0] and "strategies[1].strategy" in lines[0], result.stderr
