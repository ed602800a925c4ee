"""The report stage's hygiene parts: the ``embedscope`` JSON keys (``nearDuplicates``, ``outliers``,
``groupCoverage``, ``computedMetadata``), their figures, and the files written beside the report as
:class:`SideFile` data — ``near_duplicates.json``, ``filenames/near_duplicate_filenames.txt``, under
``--outliers`` ``filenames/outlier_filenames.txt`` and ``data/outlier_scores.csv``, for folder inputs
``data/computed_metadata.csv``, for videos ``filenames/blank_frame_filenames.txt`` (key ``blankFrames``). Nothing is computed here but formatting: the numbers come from the select and
analyze stages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedscope.analyze.hygiene import HygieneAnalysis
from embedscope.analyze.outlier_scores import OUTLIER_SCORE_K
from embedscope.io.filename_list import filename_list_text
from embedscope.report import hygiene_figures as figures
from embedscope.report.assemble.side_files import SideFile
from embedscope.report.hygiene_json import (
    blank_frames_json,
    group_coverage_json,
    group_json,
    near_duplicates_json,
    nothing_near_zero,
    outliers_json,
)
from embedscope.select.hygiene import HygieneFindings

NEAR_DUPLICATE_NAMES = "filenames/near_duplicate_filenames.txt"
NEAR_DUPLICATES_JSON = "near_duplicates.json"
OUTLIER_NAMES = "filenames/outlier_filenames.txt"
OUTLIER_SCORES_CSV = "data/outlier_scores.csv"
COMPUTED_METADATA_CSV = "data/computed_metadata.csv"
BLANK_FRAME_NAMES = "filenames/blank_frame_filenames.txt"


@dataclass
class HygieneReport:
    """What hygiene adds to a run's report: ``embedscope`` keys, figures (name → PNG bytes, with captions) and
    side files."""

    ext: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, bytes] = field(default_factory=dict)
    plot_titles: dict[str, str] = field(default_factory=dict)
    side_outputs: list[SideFile] = field(default_factory=list)


def hygiene_report(
    names: list[str], findings: HygieneFindings, analysis: HygieneAnalysis, *, nearest_input: np.ndarray
) -> HygieneReport:
    """The hygiene report parts of a run.

    Args:
        names: the input sample names (after any near-duplicate removal), as the selection indexes them.
        nearest_input: (n_input,) distance of each input sample to its nearest other input sample.
    """
    out = HygieneReport()
    _near_duplicates(out, findings, nearest_input)
    if findings.robust is not None and analysis.outlier_scores is not None:
        _outliers(out, findings, names, analysis.outlier_scores)
    if analysis.group_coverage:
        ext = group_coverage_json(analysis.group_coverage)
        out.ext["groupCoverage"] = ext
        for source, rows in ext.items():
            key = "group_coverage_" + "".join(c if c.isalnum() else "_" for c in source)
            out.plots[key] = figures.group_coverage_png(source, rows)
            out.plot_titles[key] = f"Coverage per group — {source}"
    if findings.blank_frames is not None:
        out.ext["blankFrames"] = blank_frames_json(findings.blank_frames, file=BLANK_FRAME_NAMES)
        text = filename_list_text(findings.blank_frames, path=BLANK_FRAME_NAMES)
        out.side_outputs.append(SideFile(BLANK_FRAME_NAMES, text))
        if findings.blank_frames:
            out.plots["blank_frames"] = figures.blank_frames_png(out.ext["blankFrames"])
            out.plot_titles["blank_frames"] = "Blank, uniform or grey frames (left out of the selection)"
    stats = findings.statistics
    if stats:
        out.ext["computedMetadata"] = {
            "columns": sorted(stats), "file": COMPUTED_METADATA_CSV,
            "nLowInformation": int(np.nansum(stats["lightly.low_information"])),
        }
        header = ",".join(["filename", *stats])
        rows = [",".join([_csv_name(n), *(f"{stats[c][i]:.9g}" for c in stats)]) for i, n in enumerate(names)]
        out.side_outputs.append(SideFile(COMPUTED_METADATA_CSV, _csv_text(header, rows)))
    return out


def _near_duplicates(out: HygieneReport, findings: HygieneFindings, nearest_input: np.ndarray) -> None:
    groups, names = findings.groups, findings.names_before_removal
    info = near_duplicates_json(groups, names, nearest_input, removed=findings.removed_from_input)
    out.ext["nearDuplicates"] = info
    if not nothing_near_zero(info):
        out.plots["near_duplicates"] = figures.near_duplicates_png(info)
        out.plot_titles["near_duplicates"] = ("Near-duplicates: group sizes and nearest-neighbour distances near zero"
                                              if info["nGroups"] else "Near-duplicates: nearest-neighbour distances near zero")
    if info["exampleGroups"]:
        out.plots[figures.NEAR_DUPLICATE_GROUPS_FIGURE] = figures.example_groups_png(info["exampleGroups"],
                                                                                     findings.image_root)
        out.plot_titles[figures.NEAR_DUPLICATE_GROUPS_FIGURE] = "Largest near-duplicate groups (kept sample framed)"
    removed = [names[int(i)] for i in groups.removed]
    document = {
        "schemaVersion": 1, "threshold": groups.threshold, "representativeRule": info["representativeRule"],
        "removedFromInput": findings.removed_from_input,
        "groups": [group_json(groups, g, names) for g in range(len(groups.groups))],
    }
    out.side_outputs.append(SideFile(NEAR_DUPLICATE_NAMES, filename_list_text(removed, path=NEAR_DUPLICATE_NAMES)))
    out.side_outputs.append(SideFile(NEAR_DUPLICATES_JSON, json.dumps(document, indent=1)))


def _outliers(out: HygieneReport, findings: HygieneFindings, names: list[str], scores: np.ndarray) -> None:
    robust = findings.robust
    assert robust is not None
    info = outliers_json(robust, names, scores, OUTLIER_SCORE_K)
    out.ext["outliers"] = info
    out.plots["outliers"] = figures.outliers_png(info, findings.image_root)
    out.plot_titles["outliers"] = "Outliers: coverage radius with and without them, the farthest ones"
    listed = [names[int(i)] for i in robust.outliers]
    out.side_outputs.append(SideFile(OUTLIER_NAMES, filename_list_text(listed, path=OUTLIER_NAMES)))
    rows = [f"{_csv_name(n)},{s:.9g}" for n, s in zip(names, scores, strict=True)]
    out.side_outputs.append(SideFile(OUTLIER_SCORES_CSV, _csv_text("filename,outlier_score", rows)))


def _csv_text(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows]) + "\n"


def _csv_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"\n') else name
