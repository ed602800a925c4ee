"""k-center and facility-location objectives of a covering set, from each input sample's coverage distance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GREEDY_APPROXIMATION_FACTOR = 2.0
"""Gonzalez 1985: the k-center greedy's radius is at most twice the optimum, so OPT ≥ radius / 2."""


@dataclass(frozen=True)
class KCenterObjectives:
    """Attributes:
        radius: max over input samples of the distance to the nearest centre (the k-center objective).
        optimal_radius_lower_bound: radius / 2 when the centres come from the k-center greedy, else None.
        facility_location: mean distance to the nearest centre (the facility-location / k-median objective).
    """

    radius: float
    optimal_radius_lower_bound: float | None
    facility_location: float


def k_center_objectives(cover_distances: np.ndarray, *, from_greedy: bool) -> KCenterObjectives:
    """Objectives from ``cover_distances`` ((n_input,) distance of each input sample to its nearest centre).

    With ``from_greedy`` the greedy's picks and the farthest remaining sample are k + 1 points pairwise at
    least ``radius`` apart (and that far from the datapool), so any k centres leave one of them at
    ≥ radius / 2: a certified lower bound on the best possible radius for this budget.
    """
    cover = np.asarray(cover_distances, dtype=np.float64)
    radius = float(cover.max())
    return KCenterObjectives(
        radius=radius,
        optimal_radius_lower_bound=radius / GREEDY_APPROXIMATION_FACTOR if from_greedy else None,
        facility_location=float(cover.mean()),
    )
