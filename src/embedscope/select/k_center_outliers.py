"""k-center with z outliers: Charikar et al.'s greedy disks run on a farthest-first coreset.

Plain farthest-first k-center picks the far, isolated samples first. Charikar, Khuller, Mount and
Narasimhan (SODA 2001, https://dl.acm.org/doi/10.5555/365411.365424) give a 3-approximation of the
radius that may ignore z points: for a guessed radius r, repeatedly open the disk of radius r that holds
the most uncovered weight and mark everything within 3r of its centre covered; r is feasible when at most
z weight stays uncovered after k disks. Their algorithm costs O(n²) per guess, so we run it on a
weighted coreset, as Malkomes, Kusner, Chen, Weinberger and Moseley (NeurIPS 2015,
https://papers.nips.cc/paper/5897) and Ceccarello, Pietracaprina and Pucci (VLDB 2019,
https://arxiv.org/abs/1802.09205) do:

1. farthest-first (:func:`embedscope.select.k_center_greedy.k_center_greedy`) picks k + z coreset points;
2. each coreset point is weighted by the input samples nearest to it (counted on a seeded sample of at most
   WEIGHT_SAMPLE_SIZE inputs and scaled; every coreset point counts itself);
3. weighted Charikar on the coreset, radius found by bisection (RADIUS_BISECTION_STEPS);
4. the chosen disks' centres are the selection (topped up by farthest-first if fewer than k disks were
   needed); the z input samples farthest from the selection ∪ datapool are the outliers.

On a coreset of only k + z points the smallest feasible radius is often near 0: the weights already say
where the mass is, and the k heaviest coreset points win. The radii with and without the outliers are
measured on the full input and returned.

Approximation: 3 on the coreset (Charikar et al.), plus the coreset radius on the full input (Ceccarello et
al., Lemma 2); the radius with and without the outliers is measured and returned, not assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from embedscope.errors import ConfigError
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.select.k_center_greedy import k_center_greedy

WEIGHT_SAMPLE_SIZE = 50_000
"""Input samples assigned to the coreset to weight it: a heavy coreset point (1 % of the input) to ~5 %."""

RADIUS_BISECTION_STEPS = 30
"""Bisection steps on the disk radius: the radius to 1e-9 of the coreset's diameter."""

MAX_CORESET = 12_000
"""Largest k + z: the coreset's float32 distance matrix (k + z)² stays below 600 MB."""

AFFECTED_TOLERANCE = 1e-5
"""Relative (and absolute) slack when deciding that a point's nearest coreset point was a dropped one: far
above the float32 rounding of the farthest-first distances, so no affected point is missed."""

COVER_METHOD = "k-center greedy running minimum to the coreset, exact search where a dropped coreset point was nearest"
"""How :attr:`OutlierRobustSelection.cover_distances` are found (the report's ``embedscopeNeighborSearch``): the
coreset greedy's running minimum (:data:`embedscope.select.k_center_greedy.COVER_METHOD`), searched again
exactly for the samples whose nearest coreset point is not selected, lowered by each top-up pick's
float32 distance."""

EXPANSION = 3.0
"""Charikar et al.'s expanded disk: everything within 3r of an opened centre counts as covered."""


@dataclass(frozen=True)
class OutlierRobustSelection:
    """The outcome of k-center with outliers.

    Attributes:
        indices: (k,) int64 selected input indices, in farthest-first order of the coreset.
        outliers: (z,) int64 input indices of the outliers, farthest first.
        cover_distances: (n,) float64 each input sample's distance to selected ∪ datapool (to float32
            rounding where it comes from the farthest-first pass).
        radius_with_outliers: max of ``cover_distances``.
        radius_without_outliers: max of ``cover_distances`` over the non-outliers.
        coreset_size: k + z; disk_radius: Charikar's feasible radius r on the coreset.
    """

    indices: np.ndarray
    outliers: np.ndarray
    cover_distances: np.ndarray
    radius_with_outliers: float
    radius_without_outliers: float
    coreset_size: int
    disk_radius: float


def parse_outlier_count(value: object, n: int, *, flag: str = "--outliers") -> int:
    """The number of outliers from a count (``"50"``) or a fraction of ``n`` (``"0.01"``), rounded.

    Raises:
        ConfigError: not a number, negative, a fraction >= 1, or a count >= n.
    """
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{flag} must be a count (e.g. 50) or a fraction of the input (e.g. 0.01), got {value!r}") from None
    if not np.isfinite(number) or number < 0:
        raise ConfigError(f"{flag} must be >= 0, got {value!r}")
    is_fraction = "." in text or "e" in text.lower()
    if is_fraction and number < 1:
        count = round(number * n)
    elif number.is_integer():
        count = int(number)
    else:
        raise ConfigError(f"{flag} must be a whole count or a fraction below 1, got {value!r}")
    if count >= n:
        raise ConfigError(f"{flag} {value} leaves no sample to select: the input has {n} samples")
    return count


def k_center_with_outliers(
    embeddings: np.ndarray,
    *,
    n_samples: int,
    n_outliers: int,
    datapool: np.ndarray | None = None,
    seed: int = 0,
) -> OutlierRobustSelection:
    """Pick ``n_samples`` centres whose radius may ignore ``n_outliers`` input samples.

    Args:
        embeddings: (n, d) float32 input.
        n_samples: k, 1 <= k; n_outliers: z >= 0 with k + z <= n and k + z <= MAX_CORESET.
        datapool: (p, d) float32 earlier selections (fixed centres), or None.
        seed: seeds the weight sample.

    Returns:
        OutlierRobustSelection.

    Raises:
        ConfigError: counts out of range.

    Cost: farthest-first for k + z picks; O(min(n, WEIGHT_SAMPLE_SIZE)·(k+z)·d) for the weights;
    O(RADIUS_BISECTION_STEPS·(k+z)²) for Charikar; O(n·z·d) plus O(affected·k·d) for the final distances
    (only points whose nearest coreset point was dropped are searched again). Memory O(n·d + (k+z)²).
    """
    points = np.ascontiguousarray(embeddings, dtype=np.float32)
    n = points.shape[0]
    tau = n_samples + n_outliers
    if n_outliers < 0 or n_samples < 1 or tau > n:
        raise ConfigError(f"k-center with outliers needs k >= 1, z >= 0 and k + z <= {n}, got k={n_samples}, z={n_outliers}")
    if tau > MAX_CORESET:
        raise ConfigError(
            f"--outliers: selecting {n_samples} with {n_outliers} outliers needs a coreset of {tau} points; "
            f"at most {MAX_CORESET} are supported (select fewer samples or allow fewer outliers)"
        )
    pool = None if datapool is None or len(datapool) == 0 else np.ascontiguousarray(datapool, dtype=np.float32)
    greedy = k_center_greedy(points, n_samples=tau, datapool=pool)
    coreset = greedy.indices
    weights = _coreset_weights(points, coreset, seed=seed)
    core = points[coreset].astype(np.float64)
    distances = np.sqrt(np.maximum(_squared_distances(core), 0.0)).astype(np.float32)
    pool_distance = (
        exact_nearest_in_other_set(points[coreset], pool).distances if pool is not None else np.full(tau, np.inf)
    )
    radius, chosen = _smallest_feasible_radius(distances, weights, pool_distance, n_samples, n_outliers)
    selected = [int(i) for i in coreset[np.sort(chosen)]]
    cover = _cover_distances(points, np.asarray(selected, dtype=np.int64), coreset, greedy.min_distances, pool)
    while len(selected) < n_samples:  # fewer disks sufficed: continue farthest-first
        candidate = cover.copy()
        candidate[selected] = -1.0
        selected.append(int(np.argmax(candidate)))
        cover = np.minimum(cover, np.linalg.norm(points - points[selected[-1]], axis=1).astype(np.float64))
    ranked = np.lexsort((np.arange(n), -cover))
    outliers = ranked[:n_outliers].astype(np.int64)
    inliers = np.ones(n, dtype=bool)
    inliers[outliers] = False
    return OutlierRobustSelection(
        indices=np.asarray(selected, dtype=np.int64),
        outliers=outliers,
        cover_distances=cover,
        radius_with_outliers=float(cover.max()),
        radius_without_outliers=float(cover[inliers].max()),
        coreset_size=tau,
        disk_radius=float(radius),
    )


def _coreset_weights(points: np.ndarray, coreset: np.ndarray, *, seed: int) -> np.ndarray:
    """(τ,) float64: 1 for the coreset point itself plus the (estimated) number of other inputs nearest to it."""
    n, tau = points.shape[0], coreset.size
    others = np.setdiff1d(np.arange(n), coreset)
    weights = np.ones(tau)
    if others.size == 0:
        return weights
    rng = np.random.default_rng(seed)
    sample = others if others.size <= WEIGHT_SAMPLE_SIZE else np.sort(
        rng.choice(others, size=WEIGHT_SAMPLE_SIZE, replace=False)
    )
    nearest = exact_nearest_in_other_set(points[sample], points[coreset]).indices
    return weights + np.bincount(nearest, minlength=tau) * (others.size / sample.size)


def _squared_distances(core: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", core, core)
    return sq[:, None] + sq[None, :] - 2.0 * (core @ core.T)


def _smallest_feasible_radius(
    distances: np.ndarray, weights: np.ndarray, pool_distance: np.ndarray, k: int, z: int
) -> tuple[float, np.ndarray]:
    """Bisection on r for the smallest radius whose Charikar disks leave at most z weight uncovered."""
    high = max(float(distances.max()), 1e-12)  # one disk of this radius holds every coreset point
    _, best = _charikar(distances, weights, pool_distance, k, high)
    low = 0.0
    for _ in range(RADIUS_BISECTION_STEPS):
        middle = 0.5 * (low + high)
        uncovered, chosen = _charikar(distances, weights, pool_distance, k, middle)
        if uncovered <= z + 1e-9:
            high, best = middle, chosen
        else:
            low = middle
    return high, best


@numba.njit(cache=True, nogil=True)
def _charikar(
    distances: np.ndarray, weights: np.ndarray, pool_distance: np.ndarray, k: int, radius: float
) -> tuple[float, np.ndarray]:
    """Charikar et al.'s greedy disks for one radius: (uncovered weight, chosen coreset indices).
    Coreset points within 3r of the datapool start covered."""
    tau = distances.shape[0]
    expanded = EXPANSION * radius
    covered = pool_distance <= expanded
    gain = np.zeros(tau)
    for c in range(tau):
        for p in range(tau):
            if not covered[p] and distances[c, p] <= radius:
                gain[c] += weights[p]
    chosen = np.empty(k, dtype=np.int64)
    n_chosen = 0
    for _ in range(k):
        best = 0
        for c in range(1, tau):
            if gain[c] > gain[best]:
                best = c
        if gain[best] <= 0.0:
            break
        chosen[n_chosen] = best
        n_chosen += 1
        for p in range(tau):
            if not covered[p] and distances[best, p] <= expanded:
                covered[p] = True
                for c in range(tau):
                    if distances[c, p] <= radius:
                        gain[c] -= weights[p]
    uncovered = 0.0
    for p in range(tau):
        if not covered[p]:
            uncovered += weights[p]
    return uncovered, chosen[:n_chosen]


def _cover_distances(
    points: np.ndarray, selected: np.ndarray, coreset: np.ndarray, to_coreset: np.ndarray, pool: np.ndarray | None
) -> np.ndarray:
    """(n,) float64 distance of each point to selected ∪ datapool, from the farthest-first distances to
    coreset ∪ datapool: only points whose nearest coreset point was dropped (within rounding) are searched
    again — O(n·z·d + affected·k·d) instead of O(n·k·d)."""
    dropped = np.setdiff1d(coreset, selected)
    if dropped.size == 0:
        return to_coreset.astype(np.float64)
    to_dropped = exact_nearest_in_other_set(points, points[dropped]).distances
    affected = np.flatnonzero(to_dropped <= to_coreset * (1.0 + AFFECTED_TOLERANCE) + AFFECTED_TOLERANCE)
    cover = to_coreset.astype(np.float64)
    if affected.size:
        again = exact_nearest_in_other_set(points[affected], points[selected]).distances
        if pool is not None:
            again = np.minimum(again, exact_nearest_in_other_set(points[affected], pool).distances)
        cover[affected] = again
    return cover
