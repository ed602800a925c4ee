"""The two embedding metrics of REPORT_V2.md: nearest neighbour within each set, and coverage of the input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from embedscope.analyze.sets import DATAPOOL, RANDOM, SELECTED, AnalysisSets
from embedscope.neighbors.result import NearestNeighbors, SearchMethod
from embedscope.neighbors.search import nearest_in_other_set, nearest_neighbor_in_set

MIN_SET_SIZE_FOR_NEIGHBORS = 2  # a nearest *other* sample needs at least two samples


@dataclass(frozen=True)
class EmbeddingMetrics:
    """Per-sample distances of every set.

    Attributes:
        nearest_in_set: set name → distance of each sample to the nearest other sample of its set.
        cover_input: "selected"/"random" → (n_input,) distance of each input sample to the covering set.
        absent: set name → why its nearest-neighbour distribution is missing.
        search: set or cover name (``cover:selected``, ``cover:random``) → how its distances were found: the
            neighbour search method and measured recall, or (``cover:selected`` when the selection measured
            it) the selection's method.
    """

    nearest_in_set: dict[str, np.ndarray]
    cover_input: dict[str, np.ndarray]
    absent: dict[str, str] = field(default_factory=dict)
    search: dict[str, NearestNeighbors | SearchMethod] = field(default_factory=dict)


def given_cover(search: dict[str, NearestNeighbors | SearchMethod], cover: np.ndarray, method: str | None) -> np.ndarray:
    """Record in ``search`` how the selection computed the coverage ``cover`` it hands over (``cover:selected``);
    return ``cover`` as float64.

    Raises:
        ValueError: no ``method`` (every selection that yields coverage names how it computed it).
    """
    if method is None:
        raise ValueError("selected_cover was given without selected_cover_method")
    search[f"cover:{SELECTED}"] = SearchMethod(method=method)
    return np.asarray(cover, dtype=np.float64)


def compute_embedding_metrics(
    sets: AnalysisSets,
    *,
    selected_cover: np.ndarray | None = None,
    selected_cover_method: str | None = None,
    exact: bool = False,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> EmbeddingMetrics:
    """Compute ``distanceToNearestNeighborInSet`` and ``distanceToCoverInput`` for every set that exists.

    Args:
        sets: the run's sets.
        selected_cover: (n_input,) distances of each input sample to selected ∪ datapool, when the selection
            already has them (the k-center greedy's running minimum); computed here when None.
        selected_cover_method: how the selection computed ``selected_cover`` (e.g.
            :data:`embedscope.select.k_center_greedy.COVER_METHOD`), recorded as ``search["cover:selected"]``;
            required with ``selected_cover``.
        exact: force exact search at any size.
        on_step: called with a short label before each search (progress display).

    Memory: every search is blocked; nothing of size n_input × n_set is held.

    Raises:
        ValueError: ``selected_cover`` without ``selected_cover_method``.
    """
    nearest: dict[str, np.ndarray] = {}
    absent: dict[str, str] = {}
    search: dict[str, NearestNeighbors | SearchMethod] = {}
    for name, vectors in sets.members().items():
        if len(vectors) < MIN_SET_SIZE_FOR_NEIGHBORS:
            absent[name] = f"the set has {len(vectors)} sample(s); a nearest other sample needs at least 2"
            continue
        if on_step is not None:
            on_step(f"nearest neighbour within {name}")
        result = nearest_neighbor_in_set(vectors, exact=exact, seed=seed)
        nearest[name] = result.distances
        search[name] = result
    cover: dict[str, np.ndarray] = {}
    if selected_cover is None:
        if on_step is not None:
            on_step("coverage by selected")
        result = nearest_in_other_set(sets.input, sets.with_datapool(sets.selected), exact=exact, seed=seed)
        selected_cover = result.distances
        search[f"cover:{SELECTED}"] = result
    else:
        selected_cover = given_cover(search, selected_cover, selected_cover_method)
    cover[SELECTED] = np.asarray(selected_cover, dtype=np.float64)
    if on_step is not None:
        on_step("coverage by random")
    result = nearest_in_other_set(sets.input, sets.with_datapool(sets.random), exact=exact, seed=seed)
    cover[RANDOM] = result.distances
    search[f"cover:{RANDOM}"] = result
    if sets.datapool is not None and DATAPOOL not in nearest and DATAPOOL not in absent:
        absent[DATAPOOL] = "no datapool"
    return EmbeddingMetrics(nearest_in_set=nearest, cover_input=cover, absent=absent, search=search)
