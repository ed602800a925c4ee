"""Selection by a LightlyOne-style configuration: thresholds filter, then one greedy pass.

Semantics (https://docs.lightly.ai/docs/selection-algorithm-order-and-strength,
https://docs.lightly.ai/docs/selection-strategy-combination):

1. Every THRESHOLD strategy removes the samples on its wrong side (and those without a value).
2. One greedy pass over the kept samples picks one sample at a time: the one maximising
   ``Π_j objective_j ** strength_j`` over the other strategies (a negative strength inverts a preference).
   The product is evaluated as ``Σ_j strength_j · log(objective_j)``, objectives floored at
   :data:`~embedscope.select.strategies.OBJECTIVE_FLOOR`; ties go to the lowest input index.
   Objectives: DIVERSITY (distance to the nearest selected-or-datapool sample, changes per pick),
   BALANCE (class ratios from the running class counts, changes per pick), WEIGHTS, SIMILARITY,
   TYPICALITY (fixed per sample). See each module of :mod:`embedscope.select.strategies`.
3. Stopping conditions rule samples out: DIVERSITY's ``stopping_condition_minimum_distance`` every sample
   closer than it to a selected-or-datapool sample, TYPICALITY's ``stopping_condition_minimum_typicality``
   every sample less typical; WEIGHTS' ``stopping_condition_max_sum`` / ``target_range`` end the pass before
   the pick that would take the input's sum above the maximum. The pass ends early when no sample is left.

When DIVERSITY (positive strength) is the only strategy besides thresholds, the selection is exactly
:func:`~embedscope.select.k_center_greedy.k_center_greedy` on the kept samples.

Cost per pick of the combined pass: O(m·d) for DIVERSITY (one distance per kept sample), O(m) per
BALANCE on single-class samples (O(nnz) with objects), O(m) for the rest; never an m×m matrix.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from embedscope.errors import ConfigError
from embedscope.select.config import (
    BalanceStrategy,
    DiversityStrategy,
    EmbeddingsInput,
    MetadataInput,
    PredictionsInput,
    RandomInput,
    ScoresInput,
    SelectionConfig,
    SimilarityStrategy,
    StrategyEntry,
    ThresholdStrategy,
    TypicalityStrategy,
    WeightsStrategy,
)
from embedscope.select.k_center_greedy import COVER_METHOD, k_center_greedy
from embedscope.select.sample_data import SampleData, class_membership, numeric_input
from embedscope.select.strategies import OBJECTIVE_FLOOR
from embedscope.select.strategies.balance import BalanceObjective, balance_target
from embedscope.select.strategies.diversity import DiversityObjective
from embedscope.select.strategies.random_input import random_values
from embedscope.select.strategies.similarity import similarity_objective
from embedscope.select.strategies.threshold import apply_thresholds
from embedscope.select.strategies.typicality import typicality
from embedscope.select.strategies.weights import weights_objective
from embedscope.select.sum_stop import SumStop, first_exceeding, shortfalls

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SelectionOutcome:
    """The result of a configured selection.

    Attributes:
        indices: (k,) int64 input rows in pick order (k ≤ n_samples).
        filtered_out: (n,) bool, True for input samples removed by THRESHOLD strategies.
        stopped_reason: why fewer than n_samples were picked, or None.
        cover_distances: (n,) float64 distance of every input sample to the nearest selected ∪ datapool
            sample, when the selection computed it for every input sample (DIVERSITY alone, no sample
            filtered out); else None.
        cover_method: how ``cover_distances`` were found (:data:`embedscope.select.k_center_greedy.COVER_METHOD`),
            or None without them.
    """

    indices: np.ndarray
    filtered_out: np.ndarray
    stopped_reason: str | None
    cover_distances: np.ndarray | None = None
    cover_method: str | None = None


def select_with_config(
    embeddings: np.ndarray,
    *,
    config: SelectionConfig,
    n_samples: int,
    sample_data: SampleData,
    names: Sequence[str],
    datapool: np.ndarray | None = None,
    query_embeddings: Mapping[str, np.ndarray] | None = None,
    seed: int = 0,
) -> SelectionOutcome:
    """Select up to ``n_samples`` input samples as ``config`` describes.

    Args:
        embeddings: (n, d) float32 input samples, L2-normalised (or as the run uses them).
        config: the validated selection configuration.
        n_samples: number of samples to pick, ≥ 1 (already resolved from flags/config).
        sample_data: metadata/scores/predictions aligned with ``names``.
        names: (n,) input filenames, in the order of ``embeddings``.
        datapool: (p, d) float32 previously selected samples, or None.
        query_embeddings: SIMILARITY ``query`` value (as written in the config) → (q, d) float32 embeddings.
        seed: seeds RANDOM inputs without ``random_seed`` and approximate neighbour indexes.

    Raises:
        ConfigError: a strategy's data is missing or of the wrong kind, the thresholds keep no sample, or a
            query/datapool of another dimension (messages name the config file and ``strategies[i]``).
    """
    points = np.asarray(embeddings)
    n = points.shape[0] if points.ndim == 2 else -1
    if n < 1 or n != len(names) or list(sample_data.names) != list(names):
        raise ValueError("embeddings (n, d), names and sample_data must describe the same n >= 1 samples")
    if n_samples < 1:
        raise ConfigError(f"n_samples must be at least 1, got {n_samples}")
    prefix = f"{config.source}: " if config.source is not None else ""
    entries = list(enumerate(config.strategies))

    keep = apply_thresholds(entries, sample_data, n=n, prefix=prefix)
    candidates = np.flatnonzero(keep).astype(np.int64)
    if candidates.size == 0:
        raise ConfigError(f"{prefix}the THRESHOLD strategies keep no input sample; loosen a threshold")
    n_picks = min(n_samples, int(candidates.size))
    short = None if n_picks == n_samples else f"only {candidates.size} samples pass the thresholds"
    scoring = [(i, entry) for i, entry in entries if not isinstance(entry.strategy, ThresholdStrategy)]
    if _diversity_alone(scoring):
        _check_datapool(points, datapool, prefix=prefix)
        return _k_center_only(points, keep, scoring, n_picks=n_picks, datapool=datapool, short=short)
    picks, reason = _greedy(
        points,
        candidates,
        scoring,
        n_picks=n_picks,
        sample_data=sample_data,
        datapool=datapool,
        query_embeddings=query_embeddings or {},
        seed=seed,
        prefix=prefix,
    )
    return SelectionOutcome(indices=candidates[picks], filtered_out=~keep, stopped_reason=reason or short)


def _k_center_only(
    points: np.ndarray,
    keep: np.ndarray,
    scoring: list[tuple[int, StrategyEntry]],
    *,
    n_picks: int,
    datapool: np.ndarray | None,
    short: str | None,
) -> SelectionOutcome:
    """DIVERSITY alone: textbook k-center greedy on the kept samples, mapped back to input rows."""
    candidates = np.flatnonzero(keep).astype(np.int64)
    everyone = candidates.size == points.shape[0]
    min_distance = max(
        (
            entry.strategy.stopping_condition_minimum_distance
            for _, entry in scoring
            if isinstance(entry.strategy, DiversityStrategy)
            and entry.strategy.stopping_condition_minimum_distance is not None
        ),
        default=None,
    )
    result = k_center_greedy(
        points if everyone else points[candidates],
        n_samples=n_picks,
        datapool=datapool,
        min_distance=min_distance,
    )
    reason = short
    if result.stopped_by_min_distance:
        reason = (
            f"no sample left at distance >= {min_distance} (DIVERSITY stopping_condition_minimum_distance)"
        )
    return SelectionOutcome(
        indices=candidates[result.indices],
        filtered_out=~keep,
        stopped_reason=reason,
        cover_distances=result.min_distances if everyone else None,
        cover_method=COVER_METHOD if everyone else None,
    )


def _diversity_alone(scoring: list[tuple[int, StrategyEntry]]) -> bool:
    """True when every scoring strategy is DIVERSITY and their strengths sum to a positive number."""
    strategies = [entry.strategy for _, entry in scoring]
    diversity = [strategy for strategy in strategies if isinstance(strategy, DiversityStrategy)]
    return len(diversity) == len(strategies) and sum(strategy.strength for strategy in diversity) > 0.0


def _check_datapool(points: np.ndarray, datapool: np.ndarray | None, *, prefix: str) -> None:
    if datapool is not None and len(datapool) > 0 and (datapool.ndim != 2 or datapool.shape[1] != points.shape[1]):
        raise ConfigError(f"{prefix}the datapool has dimension {datapool.shape[-1]}, the input {points.shape[1]}")


def _log(objective: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(objective, dtype=np.float64), OBJECTIVE_FLOOR))


@dataclass
class _Objectives:
    """The combined objective of the candidates, as Σ strength · log(objective) terms.

    Attributes:
        static: (m,) float64 sum of the terms that never change (WEIGHTS, SIMILARITY, TYPICALITY); -inf
            for picked or ruled-out candidates.
        diversity: the running DIVERSITY distances, or None; diversity_strength: the sum of its strengths.
        balances: (strength, objective) of each BALANCE.
        stop_notes: the stopping conditions in force, for the stop reason.
    """

    static: np.ndarray
    diversity: DiversityObjective | None = None
    diversity_strength: float = 0.0
    balances: list[tuple[float, BalanceObjective]] = field(default_factory=list)
    stop_notes: list[str] = field(default_factory=list)
    sum_stops: list[SumStop] = field(default_factory=list)


def _greedy(
    points: np.ndarray,
    candidates: np.ndarray,
    scoring: list[tuple[int, StrategyEntry]],
    *,
    n_picks: int,
    sample_data: SampleData,
    datapool: np.ndarray | None,
    query_embeddings: Mapping[str, np.ndarray],
    seed: int,
    prefix: str,
) -> tuple[np.ndarray, str | None]:
    """The combined greedy pass over ``candidates``; returns (picked candidate positions, stop reason)."""
    kept_points = points if candidates.size == points.shape[0] else points[candidates]
    objectives = _Objectives(static=np.zeros(candidates.size))
    diversity_stops: list[float] = []
    has_diversity = False
    for i, entry in scoring:
        where = f"{prefix}strategies[{i}]"
        strategy = entry.strategy
        started = time.perf_counter()
        if isinstance(strategy, DiversityStrategy):
            has_diversity = True
            objectives.diversity_strength += strategy.strength
            if strategy.stopping_condition_minimum_distance is not None:
                diversity_stops.append(strategy.stopping_condition_minimum_distance)
        elif isinstance(strategy, BalanceStrategy):
            if not isinstance(entry.input, (MetadataInput, PredictionsInput)):
                raise ConfigError(f"{where}.input: BALANCE needs METADATA or PREDICTIONS")
            membership = class_membership(sample_data, entry.input, where=where)
            kept_membership, target = balance_target(membership, strategy, candidates=candidates, where=where)
            objectives.balances.append((strategy.strength, BalanceObjective(kept_membership, target)))
        elif isinstance(strategy, (WeightsStrategy, SimilarityStrategy, TypicalityStrategy)):
            values = _static_objective(
                entry,
                points,
                candidates,
                sample_data,
                query_embeddings=query_embeddings,
                seed=seed,
                where=where,
            )
            objectives.static += strategy.strength * _log(values)
            if isinstance(strategy, WeightsStrategy) and (strategy.max_sum is not None or strategy.target_range):
                raw = _numeric_values(entry.input, sample_data, n=points.shape[0], seed=seed, where=where)[candidates]
                low = strategy.target_range.min_sum if strategy.target_range else None
                objectives.sum_stops.append(SumStop(raw, max_sum=strategy.max_sum, min_sum=low, where=where))
            if isinstance(strategy, TypicalityStrategy) and strategy.stopping_condition_minimum_typicality is not None:
                objectives.static[values < strategy.stopping_condition_minimum_typicality] = -np.inf
                objectives.stop_notes.append(f"TYPICALITY minimum {strategy.stopping_condition_minimum_typicality:g}")
        logger.debug("%s %s prepared in %.3f s", where, strategy.type, time.perf_counter() - started)
    if has_diversity:
        _check_datapool(points, datapool, prefix=prefix)
        minimum = max(diversity_stops) if diversity_stops else None
        if minimum is not None:
            objectives.stop_notes.append(f"DIVERSITY minimum distance {minimum:g}")
        objectives.diversity = DiversityObjective(kept_points, datapool=datapool, minimum_distance=minimum)
        objectives.static[objectives.diversity.ineligible()] = -np.inf
    return _pick(objectives, n_picks=n_picks)


def _static_objective(
    entry: StrategyEntry,
    points: np.ndarray,
    candidates: np.ndarray,
    sample_data: SampleData,
    *,
    query_embeddings: Mapping[str, np.ndarray],
    seed: int,
    where: str,
) -> np.ndarray:
    """(m,) float64 objective of a WEIGHTS, SIMILARITY or TYPICALITY entry over the candidates."""
    strategy = entry.strategy
    if isinstance(strategy, WeightsStrategy):
        values = _numeric_values(entry.input, sample_data, n=points.shape[0], seed=seed, where=where)
        return weights_objective(values[candidates])
    if isinstance(strategy, SimilarityStrategy):
        queries = _queries(entry.input, query_embeddings, dim=points.shape[1], where=where)
        kept_points = points if candidates.size == points.shape[0] else points[candidates]
        return similarity_objective(kept_points, queries=queries)
    if isinstance(strategy, TypicalityStrategy):
        return typicality(points, num_nearest_neighbors=strategy.num_nearest_neighbors, seed=seed)[candidates]
    raise ValueError(f"{where}: {strategy.type} has no fixed objective")


def _pick(objectives: _Objectives, *, n_picks: int) -> tuple[np.ndarray, str | None]:
    """Pick ``n_picks`` candidates one at a time by the largest combined log-objective (lowest index on ties).

    Per pick: one DIVERSITY distance update (O(m·d)), then only the candidates whose distance changed are
    re-scored; each BALANCE adds one O(m) gather (O(nnz) with objects).
    """
    static, diversity, strength = objectives.static, objectives.diversity, objectives.diversity_strength
    base = static + strength * diversity.log_objective() if diversity is not None else static.copy()
    picks: list[int] = []
    for _ in range(n_picks):
        total = base
        for balance_strength, balance in objectives.balances:
            total = total + balance_strength * balance.log_objective()
        row = int(np.argmax(total))
        if total[row] == -np.inf:
            notes = ", ".join(objectives.stop_notes)
            return np.asarray(picks, dtype=np.int64), shortfalls(
                objectives.sum_stops, f"no sample left that meets the stopping conditions ({notes})")
        if (limit := first_exceeding(objectives.sum_stops, row)) is not None:
            return np.asarray(picks, dtype=np.int64), shortfalls(objectives.sum_stops, limit.stop_reason())
        picks.append(row)
        static[row] = -np.inf
        base[row] = -np.inf
        if diversity is not None:
            changed = diversity.add(row)
            static[changed[diversity.ineligible(changed)]] = -np.inf
            base[changed] = static[changed] + strength * diversity.log_objective(changed)
        for _, balance in objectives.balances:
            balance.add(row)
        for stop in objectives.sum_stops:
            stop.add(row)
    return np.asarray(picks, dtype=np.int64), shortfalls(objectives.sum_stops, None)


def _numeric_values(
    source: EmbeddingsInput | ScoresInput | MetadataInput | PredictionsInput | RandomInput,
    sample_data: SampleData,
    *,
    n: int,
    seed: int,
    where: str,
) -> np.ndarray:
    """(n,) float64 values of a WEIGHTS input over all input samples (NaN where missing)."""
    if isinstance(source, RandomInput):
        return random_values(n, seed=seed if source.random_seed is None else source.random_seed)
    if not isinstance(source, (ScoresInput, MetadataInput, PredictionsInput)):
        raise ConfigError(f"{where}.input: WEIGHTS needs SCORES, METADATA, PREDICTIONS or RANDOM")
    values = numeric_input(sample_data, source, where=where)
    missing = int(np.isnan(values).sum())
    if missing:
        logger.info("%s: %d samples have no value; they rank lowest for WEIGHTS", where, missing)
    return values


def _queries(
    source: EmbeddingsInput | ScoresInput | MetadataInput | PredictionsInput | RandomInput,
    query_embeddings: Mapping[str, np.ndarray],
    *,
    dim: int,
    where: str,
) -> np.ndarray:
    if not isinstance(source, EmbeddingsInput) or source.query is None:
        raise ConfigError(f"{where}.input.query: SIMILARITY needs a query")
    if source.query not in query_embeddings:
        raise ConfigError(f"{where}.input.query: no query embeddings were loaded for '{source.query}'")
    queries = np.asarray(query_embeddings[source.query], dtype=np.float32)
    if queries.ndim != 2 or queries.shape[0] < 1 or queries.shape[1] != dim:
        raise ConfigError(
            f"{where}.input.query: '{source.query}' gives query embeddings of shape {queries.shape}; "
            f"expected (q >= 1, {dim}) like the input"
        )
    return queries
