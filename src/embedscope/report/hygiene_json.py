"""The hygiene parts of embedscope's own JSON (``ReportV2.embedscope``): plain dicts with camelCase keys.

Keys added: ``nearDuplicates``, ``outliers``, ``groupCoverage``, ``computedMetadata`` (each only when it
applies). Per-sample values (outlier scores, computed metadata) go to ``data/`` files, not here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from embedscope.analyze.group_coverage import GroupCoverage
from embedscope.neighbors.near_duplicates import REPRESENTATIVE_RULE, NearDuplicateGroups
from embedscope.select.k_center_outliers import OutlierRobustSelection

NEAR_ZERO_BINS = 20
"""Bins of the histogram of nearest-neighbour distances in [0, 4 × threshold]."""

EXAMPLE_GROUPS = 10
"""Groups listed in the report JSON and shown as thumbnails (largest first)."""

LISTED_OUTLIERS = 50
"""Outliers listed by name in the JSON (all are in filenames/outlier_filenames.txt)."""


def nothing_near_zero(info: dict[str, Any]) -> bool:
    """True when a ``nearDuplicates`` block has no group and no input sample within 4 × the threshold of
    another: its figure would be blank axes."""
    return info["nGroups"] == 0 and not any(info["nearestNeighborDistanceNearZero"]["counts"])


def near_duplicates_none_note(ext: dict[str, Any]) -> str | None:
    """The sentence that stands for the near-duplicate figure when there is nothing to draw (``ext``: the
    report's ``embedscope`` block); None when there is a figure or no near-duplicate check."""
    info = ext.get("nearDuplicates")
    if not info or not nothing_near_zero(info):
        return None
    threshold = info["threshold"]
    return (f"Near-duplicates: none. No two input samples are closer than the threshold {threshold:g}, nor within "
            f"{4 * threshold:g} of each other, so there is no figure.")


def near_duplicates_json(
    groups: NearDuplicateGroups, names: Sequence[str], nearest: np.ndarray, *, removed: bool
) -> dict[str, Any]:
    """Counts, the search method, group-size histogram, the near-zero NN histogram and example groups.

    ``nearest`` is the run's input nearest-neighbour distances: after the removal when ``removed``.
    """
    sizes = np.array([len(g) for g in groups.groups], dtype=np.int64)
    edges = np.linspace(0.0, 4.0 * groups.threshold if groups.threshold > 0 else 1.0, NEAR_ZERO_BINS + 1)
    counts, _ = np.histogram(nearest, bins=edges)
    return {
        "threshold": groups.threshold,
        "nPairs": int(groups.pairs.first.size),
        "nGroups": len(groups.groups),
        "nSamplesInGroups": int(sizes.sum()),
        "nRemoved": int(groups.removed.size) if removed else 0,
        "removedFromInput": removed,
        "representativeRule": REPRESENTATIVE_RULE,
        "search": {
            "method": groups.pairs.method,
            "recall": groups.pairs.recall,
            "recallSampleSize": groups.pairs.recall_sample_size,
        },
        "groupSizeHistogram": {str(int(s)): int(c) for s, c in zip(*np.unique(sizes, return_counts=True))},
        "nearestNeighborDistanceNearZero": {
            "edges": [float(e) for e in edges],
            "counts": [int(c) for c in counts],
            "ofInputAfterRemoval": removed,
        },
        "exampleGroups": [
            group_json(groups, g, names) for g in np.argsort(-sizes, kind="stable")[:EXAMPLE_GROUPS]
        ],
    }


def group_json(groups: NearDuplicateGroups, g: int, names: Sequence[str]) -> dict[str, Any]:
    """One group: its members' names, the kept name, and the distances of its pairs."""
    members = groups.groups[int(g)]
    in_group = groups.group_of[groups.pairs.first] == g
    return {
        "kept": names[int(groups.representatives[int(g)])],
        "members": [names[int(i)] for i in members],
        "pairs": [
            {"a": names[int(a)], "b": names[int(b)], "distance": float(d)}
            for a, b, d in zip(
                groups.pairs.first[in_group], groups.pairs.second[in_group], groups.pairs.distances[in_group]
            )
        ],
    }


def outliers_json(result: OutlierRobustSelection, names: Sequence[str], scores: np.ndarray, k: int) -> dict[str, Any]:
    """The radii with and without the outliers, the algorithm, the first outliers and the score summary."""
    return {
        "nOutliers": int(result.outliers.size),
        "algorithm": "k-center with outliers: Charikar et al. 2001 greedy disks on a farthest-first coreset "
        "of k + z points (Malkomes et al. 2015; Ceccarello et al. 2019)",
        "coresetSize": result.coreset_size,
        "radiusWithOutliers": result.radius_with_outliers,
        "radiusWithoutOutliers": result.radius_without_outliers,
        "outliers": [
            {"filename": names[int(i)], "coverDistance": float(result.cover_distances[int(i)]),
             "outlierScore": float(scores[int(i)])}
            for i in result.outliers[:LISTED_OUTLIERS]
        ],
        "outlierScore": {
            "definition": f"distance to the {k}-th nearest other input sample",
            "k": k,
            "file": "data/outlier_scores.csv",
            "metrics": {"mean": float(scores.mean()), "median": float(np.median(scores)),
                        "max": float(scores.max())},
        },
    }


def group_coverage_json(tables: dict[str, list[GroupCoverage]]) -> dict[str, Any]:
    """Source (``metadata:<column>``, ``predictions:<task>``, ``video``) → rows, under-covered flagged."""
    return {
        source: [
            {
                "group": row.group, "nInput": row.n_input, "nSelected": row.n_selected, "nRandom": row.n_random,
                "coverageRadius": {"selected": row.coverage_radius_selected, "random": row.coverage_radius_random},
                "meanCoverageDistance": {"selected": row.mean_coverage_selected, "random": row.mean_coverage_random},
                "meanNearestNeighborDistance": {"selected": row.mean_nn_selected, "random": row.mean_nn_random},
                "underCovered": row.under_covered,
            }
            for row in rows
        ]
        for source, rows in tables.items()
    }


def blank_frames_json(names: list[str], *, file: str) -> dict[str, Any]:
    """``blankFrames``: how many video frames were blank, uniform or grey, the rule, the list's file."""
    from embedscope.ingest.sample_statistics import BLANK_CONTRAST

    return {
        "nFrames": len(names),
        "rule": (
            f"grey-level standard deviation (lightly.contrast) < {BLANK_CONTRAST:g} of the 0-1 range, "
            "measured on the frame as decoded for the network (224x224)"
        ),
        "leftOutOfSelection": True,
        "file": file,
        "frames": list(names),
    }
