"""What ``run`` prints at the end: why fewer samples were selected, and which files were set aside."""

from __future__ import annotations

import numpy as np

from embedscope.cli.common import run_summary_line
from tests.report.synthetic import synthetic_run


def test_summary_says_why_fewer_and_what_was_set_aside(rng: np.random.Generator) -> None:
    run = synthetic_run(rng, n_input=50, n_selected=5)
    report = run.report
    plain = run_summary_line(report)
    assert plain.startswith("selected 5 of 50 samples in ") and "stopped" not in plain and "set aside" not in plain
    sizes = report.general_information.dataset_information.dataset_sizes.model_copy(
        update={"n_corrupt": 2, "n_duplicate": 3})
    general = report.general_information.model_copy(update={"dataset_information": report.general_information
                                                            .dataset_information.model_copy(update={"dataset_sizes": sizes})})
    stopped = report.model_copy(update={"general_information": general, "embedscope": {
        **report.embedscope, "selectionStoppedEarly": True,
        "selectionStoppedReason": "the next pick was 0.0100 from the selection, below --min-distance 0.02"}})
    line = run_summary_line(stopped)
    assert "(stopped early: the next pick was 0.0100 from the selection, below --min-distance 0.02)" in line
    assert "set aside 2 corrupt and 3 duplicate files" in line
