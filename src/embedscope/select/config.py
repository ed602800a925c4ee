"""The selection configuration LightlyOne users already write, read from a .json/.yaml file.

Shape (snake_case keys, as in LightlyOne's worker config)::

    n_samples: 500                 # or proportion_samples: 0.1 (one of the two, or neither when CLI flags give it)
    strategies:
      - input: {type: EMBEDDINGS}
        strategy: {type: DIVERSITY, stopping_condition_minimum_distance: 0.2, strength: 1.0}
      - input: {type: METADATA, key: weather}
        strategy: {type: BALANCE, target: {sunny: 0.3, rainy: 0.7}}

Inputs: EMBEDDINGS (optionally with ``query``: a file the CLI resolves to query embeddings), SCORES
(``task``, ``score``), METADATA (``key``), PREDICTIONS (``task``, ``name: CLASS_DISTRIBUTION``), RANDOM
(``random_seed``). Strategies: DIVERSITY, WEIGHTS, THRESHOLD, BALANCE, SIMILARITY, TYPICALITY. Unknown keys
and types are rejected with the allowed ones; input/strategy combinations are checked here, whether a
METADATA key is numeric or categorical is checked against the data at selection time.
Docs: https://docs.lightly.ai/docs/selection-strategies
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from embedscope.errors import ConfigError
from embedscope.ingest.auto_task_boxes import AutoTaskSpec
from embedscope.select.config_auto_tasks import AutoTask, check_unique_names, with_type_aliases
from embedscope.select.config_inputs import (  # noqa: F401  (RandomInput, snake_case: re-exported here)
    EmbeddingsInput,
    FiniteFloat,
    Fraction,
    MetadataInput,
    NonEmptyStr,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    PredictionsInput,
    RandomInput,
    ScoresInput,
    SelectionInput,
    _located,
    _Strict,
    snake_case,
)
from embedscope.select.path_regex import compile_path_regex

CONFIG_SUFFIXES = (".json", ".yaml", ".yml")
TARGET_SUM_TOLERANCE = 1e-9
"""Balance targets may sum to 1 up to float rounding of values like 0.1 + 0.2 + 0.7."""


class ThresholdOperation(StrEnum):
    """How a THRESHOLD compares a sample's value with ``threshold`` (a sample passes when true)."""

    SMALLER = "SMALLER"
    SMALLER_EQUAL = "SMALLER_EQUAL"
    BIGGER = "BIGGER"
    BIGGER_EQUAL = "BIGGER_EQUAL"


class BalanceDistribution(StrEnum):
    """The class distribution a BALANCE steers towards: uniform, the input's own, or an explicit target."""

    UNIFORM = "UNIFORM"
    INPUT = "INPUT"
    TARGET = "TARGET"


INPUT_TYPES = ("EMBEDDINGS", "SCORES", "METADATA", "PREDICTIONS", "RANDOM")
STRATEGY_TYPES = ("DIVERSITY", "WEIGHTS", "THRESHOLD", "BALANCE", "SIMILARITY", "TYPICALITY")
ALLOWED_INPUTS: dict[str, tuple[str, ...]] = {
    "DIVERSITY": ("EMBEDDINGS",),
    "TYPICALITY": ("EMBEDDINGS",),
    "SIMILARITY": ("EMBEDDINGS",),
    "WEIGHTS": ("SCORES", "METADATA", "RANDOM", "PREDICTIONS"),
    "THRESHOLD": ("SCORES", "METADATA", "PREDICTIONS"),
    "BALANCE": ("METADATA", "PREDICTIONS"),
}
INPUT_KIND = {
    "DIVERSITY": "an",
    "TYPICALITY": "an",
    "SIMILARITY": "an",
    "WEIGHTS": "a numeric",
    "THRESHOLD": "a numeric",
    "BALANCE": "a categorical",
}

# ---- strategies -----------------------------------------------------------------------------------------


class DiversityStrategy(_Strict):
    """Prefer samples far from every selected (and datapool) sample; k-center greedy when alone.

    ``stopping_condition_minimum_distance``: samples closer than this to a selected sample are never
    picked; the selection ends when no other sample is left.
    """

    type: Literal["DIVERSITY"]
    strength: FiniteFloat = 1.0
    stopping_condition_minimum_distance: NonNegativeFloat | None = None


class TargetRange(_Strict):
    """WEIGHTS ``target_range``: the sum of the input over the selection should land in [min_sum, max_sum]."""

    min_sum: NonNegativeFloat | None = None
    max_sum: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _ordered(self) -> TargetRange:
        if self.min_sum is not None and self.max_sum is not None and self.min_sum > self.max_sum:
            raise _located("min_sum", f"{self.min_sum:g} is above max_sum {self.max_sum:g}")
        return self


class WeightsStrategy(_Strict):
    """Prefer samples with high values of a numeric input.

    ``stopping_condition_max_sum`` / ``target_range.max_sum``: the selection stops before the pick that would
    take the sum of the input over the selected samples above it; ``target_range.min_sum``: a selection that
    ends below it says so (see :mod:`embedscope.select.sum_stop`).
    """

    type: Literal["WEIGHTS"]
    strength: FiniteFloat = 1.0
    stopping_condition_max_sum: NonNegativeFloat | None = None
    target_range: TargetRange | None = None

    @property
    def max_sum(self) -> float | None:
        """The tighter of ``stopping_condition_max_sum`` and ``target_range.max_sum``, or None."""
        limits = [self.stopping_condition_max_sum, self.target_range.max_sum if self.target_range else None]
        present = [limit for limit in limits if limit is not None]
        return min(present) if present else None


class ThresholdStrategy(_Strict):
    """Keep only samples whose value satisfies ``value <operation> threshold``; applied before all others.

    ``strength`` is accepted because LightlyOne's schema allows it on every strategy; a filter has no
    strength, so it has no effect (as in LightlyOne).
    """

    type: Literal["THRESHOLD"]
    threshold: FiniteFloat
    operation: ThresholdOperation
    strength: FiniteFloat | None = None


class BalanceStrategy(_Strict):
    """Steer the selected class distribution toward a target.

    ``target`` maps class → fraction (each in [0, 1], sum ≤ 1; the remainder is the joint target of every
    class not named). ``distribution``: UNIFORM, INPUT (the input's own distribution), or TARGET (the
    default when ``target`` is given).
    """

    type: Literal["BALANCE"]
    strength: FiniteFloat = 1.0
    target: dict[NonEmptyStr, Fraction] | None = None
    distribution: BalanceDistribution | None = None

    @field_validator("target", mode="before")
    @classmethod
    def _class_names_as_text(cls, target: Any) -> Any:
        """YAML reads ``{1: 0.5}`` with an integer key; categories are compared as text."""
        if isinstance(target, dict):
            return {
                str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v for k, v in target.items()
            }
        return target

    @model_validator(mode="after")
    def _target_matches_distribution(self) -> BalanceStrategy:
        if self.target is None and self.distribution in (None, BalanceDistribution.TARGET):
            raise _located(
                "target", "missing; give target: {class: fraction, ...} or distribution: UNIFORM or INPUT"
            )
        if self.target is not None and self.distribution not in (None, BalanceDistribution.TARGET):
            raise _located(
                "target", f"not used with distribution {self.distribution.value}; remove one of the two"
            )
        if self.target is not None:
            if not self.target:
                raise _located("target", "empty; name at least one class with its fraction")
            total = math.fsum(self.target.values())
            if total > 1.0 + TARGET_SUM_TOLERANCE:
                raise _located("target", f"fractions sum to {total:g}; they must sum to at most 1")
        return self

    @property
    def effective_distribution(self) -> BalanceDistribution:
        """``distribution``, or TARGET when only ``target`` was given."""
        return self.distribution or BalanceDistribution.TARGET


class SimilarityStrategy(_Strict):
    """Prefer samples near the query samples of the input's ``query`` file."""

    type: Literal["SIMILARITY"]
    strength: FiniteFloat = 1.0


class TypicalityStrategy(_Strict):
    """Prefer samples in dense regions (TypiClust typicality over ``num_nearest_neighbors`` neighbours).

    ``stopping_condition_minimum_typicality``: samples less typical than this are never picked.
    """

    type: Literal["TYPICALITY"]
    strength: FiniteFloat = 1.0
    num_nearest_neighbors: PositiveInt = 20
    stopping_condition_minimum_typicality: PositiveFloat | None = None


SelectionStrategy = Annotated[
    DiversityStrategy
    | WeightsStrategy
    | ThresholdStrategy
    | BalanceStrategy
    | SimilarityStrategy
    | TypicalityStrategy,
    Field(discriminator="type"),
]


class StrategyEntry(_Strict):
    """One objective: an input (what data) and a strategy (what to do with it)."""

    input: SelectionInput
    strategy: SelectionStrategy

    @model_validator(mode="after")
    def _input_fits_strategy(self) -> StrategyEntry:
        kind = self.strategy.type
        allowed = ALLOWED_INPUTS[kind]
        if self.input.type not in allowed:
            raise _located(
                "input.type",
                f"{kind} needs {INPUT_KIND[kind]} input ({' or '.join(allowed)}), got {self.input.type}",
            )
        if isinstance(self.input, PredictionsInput):
            wanted = "CLASS_DISTRIBUTION" if kind == "BALANCE" else "CATEGORY_COUNT"
            if self.input.name != wanted:
                raise _located("input.name", f"{kind} needs PREDICTIONS with name {wanted}, got {self.input.name}")
        if isinstance(self.input, EmbeddingsInput):
            if kind == "SIMILARITY" and self.input.query is None:
                raise _located(
                    "input.query", "missing; SIMILARITY needs a query file of samples to be similar to"
                )
            if kind != "SIMILARITY" and self.input.query is not None:
                raise _located(
                    "input.query", f"only SIMILARITY uses a query; remove it from this {kind} entry"
                )
        return self


class SelectionConfig(_Strict):
    """A whole selection: how many samples, and the strategies that choose them.

    Attributes:
        n_samples: number of samples to select, or None; -1 is LightlyOne's "inactive": no count limit,
            the stopping conditions end the selection (every sample that passes them, when none stops it).
        proportion_samples: fraction of the input to select, in (0, 1], or None.
        strategies: at least one entry, and at least one that is not a THRESHOLD.
        auto_tasks: LightlyOne's generated object predictions (tiling, fixed crops), see
            :mod:`embedscope.ingest.predictions.auto_tasks`.
        lightly_path_regex: a Python regular expression whose named groups become categorical metadata
            columns of every sample's path (see :mod:`embedscope.select.path_metadata`).
    """

    n_samples: Annotated[int, Field(strict=True, ge=-1)] | None = None
    proportion_samples: Annotated[PositiveFloat, Field(le=1.0)] | None = None
    strategies: Annotated[list[StrategyEntry], Field(min_length=1)]
    auto_tasks: list[AutoTask] = Field(default_factory=list)
    lightly_path_regex: NonEmptyStr | None = None
    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_size_and_an_objective(self) -> SelectionConfig:
        if self.n_samples == 0:
            raise _located("n_samples", "0 selects nothing; give a count ≥ 1, or -1 to stop by a stopping condition")
        if self.n_samples not in (None, -1) and self.proportion_samples is not None:
            raise _located("n_samples", "give n_samples or proportion_samples, not both")
        if self.lightly_path_regex is not None:
            try:
                compile_path_regex(self.lightly_path_regex)
            except ValueError as error:
                raise _located("lightly_path_regex", f"{self.lightly_path_regex!r}: {error}") from None
        check_unique_names(self.auto_tasks)
        tasks = {entry.input.task for entry in self.strategies
                 if isinstance(entry.input, EmbeddingsInput) and entry.input.task is not None}
        if len(tasks) > 1:
            raise _located("strategies", f"EMBEDDINGS inputs name different tasks ({', '.join(sorted(tasks))}); "
                           "a run selects the objects of one task")
        if all(entry.strategy.type == "THRESHOLD" for entry in self.strategies):
            raise _located(
                "strategies",
                "only THRESHOLD strategies; add one that chooses among the kept samples, "
                "e.g. {input: {type: EMBEDDINGS}, strategy: {type: DIVERSITY}}",
            )
        return self

    @field_validator("auto_tasks", mode="before")
    @classmethod
    def _auto_task_type_aliases(cls, tasks: Any) -> Any:
        return with_type_aliases(tasks)

    @property
    def object_task(self) -> str | None:
        """The task whose objects the EMBEDDINGS inputs select (their ``task``), or None: whole images."""
        tasks = [entry.input.task for entry in self.strategies if isinstance(entry.input, EmbeddingsInput)]
        return next((task for task in tasks if task is not None), None)

    def folder_only_keys(self) -> list[str]:
        """The keys given that need image files (an EMBEDDINGS ``task``, ``auto_tasks``)."""
        return [key for key, given in (("auto_tasks", bool(self.auto_tasks)), ("EMBEDDINGS task", self.object_task))
                if given]

    def auto_task_specs(self) -> tuple[AutoTaskSpec, ...]:
        """The ``auto_tasks`` as plain data for the ingest stage."""
        return tuple(task.spec() for task in self.auto_tasks)

    @property
    def source(self) -> Path | None:
        """The file this configuration was read from, if any (for error messages)."""
        return self._source

    def query_files(self) -> list[str]:
        """The ``query`` values of SIMILARITY inputs, as written (the CLI resolves them to embeddings)."""
        return [
            entry.input.query
            for entry in self.strategies
            if isinstance(entry.input, EmbeddingsInput) and entry.input.query is not None
        ]

    def strategy_summary(self) -> list[str]:
        """One short line per entry, e.g. ``"BALANCE on METADATA weather (strength 1)"`` (for the report)."""
        return [_describe(entry) for entry in self.strategies]


def _describe(entry: StrategyEntry) -> str:
    source = entry.input
    if isinstance(source, ScoresInput):
        what = f"SCORES {source.task}/{source.score}"
    elif isinstance(source, MetadataInput):
        what = f"METADATA {source.key}"
    elif isinstance(source, PredictionsInput):
        what = f"PREDICTIONS {source.task}"
    else:
        what = source.type
    strategy = entry.strategy
    if isinstance(strategy, ThresholdStrategy):
        return f"THRESHOLD on {what}: {strategy.operation.value} {strategy.threshold:g}"
    return f"{strategy.type} on {what} (strength {strategy.strength:g})"


def config_sample_request(
    config: SelectionConfig, *, cli_n_samples: int | None, cli_proportion: float | None
) -> tuple[int | None, float | None]:
    """The (n_samples, proportion) pair to resolve: CLI flags when any is given, else the config's.

    Raises:
        ConfigError: neither the flags nor the configuration say how many samples to select.
    """
    if cli_n_samples is not None or cli_proportion is not None:
        return cli_n_samples, cli_proportion
    if config.n_samples == -1:  # inactive: every sample, unless a stopping condition ends the selection first
        return None, config.proportion_samples or 1.0
    if config.n_samples is None and config.proportion_samples is None:
        where = f"{config.source}: " if config.source is not None else ""
        raise ConfigError(
            f"{where}no n_samples or proportion_samples; add one to the configuration or pass --n-samples/--proportion"
        )
    return config.n_samples, config.proportion_samples
