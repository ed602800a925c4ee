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
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from embedscope.errors import ConfigError

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
    "WEIGHTS": ("SCORES", "METADATA", "RANDOM"),
    "THRESHOLD": ("SCORES", "METADATA"),
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

# Numbers are strict: an int is a valid float, but a boolean or a quoted number is not.
FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(strict=True, ge=0.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(strict=True, gt=0.0, allow_inf_nan=False)]
Fraction = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveInt = Annotated[int, Field(strict=True, ge=1)]
NonNegativeInt = Annotated[int, Field(strict=True, ge=0)]
NonEmptyStr = Annotated[str, Field(strict=True, min_length=1)]


def _located(where: str, problem: str) -> PydanticCustomError:
    """A validation error whose field path continues below the validated model with ``where``."""
    return PydanticCustomError("embedscope", "{where}: {problem}", {"where": where, "problem": problem})


class _Strict(BaseModel):
    """A frozen model that rejects unknown keys, naming the allowed ones."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in cls.model_fields]
            if unknown:
                raise _located(str(unknown[0]), f"unknown key; allowed keys: {', '.join(cls.model_fields)}")
        return data


# ---- inputs ---------------------------------------------------------------------------------------------


class EmbeddingsInput(_Strict):
    """The run's embeddings; ``query`` (SIMILARITY only) names a file of query samples."""

    type: Literal["EMBEDDINGS"]
    query: NonEmptyStr | None = None


class ScoresInput(_Strict):
    """One score per sample from the ``--scores`` file, chosen by prediction task and score name."""

    type: Literal["SCORES"]
    task: NonEmptyStr
    score: NonEmptyStr


class MetadataInput(_Strict):
    """One metadata column of the ``--metadata`` file (numeric or categorical)."""

    type: Literal["METADATA"]
    key: NonEmptyStr


class PredictionsInput(_Strict):
    """The class distribution of one prediction task of the ``--predictions`` file."""

    type: Literal["PREDICTIONS"]
    task: NonEmptyStr
    name: Literal["CLASS_DISTRIBUTION"] = "CLASS_DISTRIBUTION"


class RandomInput(_Strict):
    """A uniform random value in [0, 1) per sample; seeded by ``random_seed``, else by the run's seed."""

    type: Literal["RANDOM"]
    random_seed: NonNegativeInt | None = None


SelectionInput = Annotated[
    EmbeddingsInput | ScoresInput | MetadataInput | PredictionsInput | RandomInput,
    Field(discriminator="type"),
]


# ---- strategies -----------------------------------------------------------------------------------------


class DiversityStrategy(_Strict):
    """Prefer samples far from every selected (and datapool) sample; k-center greedy when alone.

    ``stopping_condition_minimum_distance``: samples closer than this to a selected sample are never
    picked; the selection ends when no other sample is left.
    """

    type: Literal["DIVERSITY"]
    strength: FiniteFloat = 1.0
    stopping_condition_minimum_distance: NonNegativeFloat | None = None


class WeightsStrategy(_Strict):
    """Prefer samples with high values of a numeric input."""

    type: Literal["WEIGHTS"]
    strength: FiniteFloat = 1.0


class ThresholdStrategy(_Strict):
    """Keep only samples whose value satisfies ``value <operation> threshold``; applied before all others."""

    type: Literal["THRESHOLD"]
    threshold: FiniteFloat
    operation: ThresholdOperation


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
        n_samples: number of samples to select, or None.
        proportion_samples: fraction of the input to select, in (0, 1], or None.
        strategies: at least one entry, and at least one that is not a THRESHOLD.
    """

    n_samples: PositiveInt | None = None
    proportion_samples: Annotated[PositiveFloat, Field(le=1.0)] | None = None
    strategies: Annotated[list[StrategyEntry], Field(min_length=1)]
    _source: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_size_and_an_objective(self) -> SelectionConfig:
        if self.n_samples is not None and self.proportion_samples is not None:
            raise _located("n_samples", "give n_samples or proportion_samples, not both")
        if all(entry.strategy.type == "THRESHOLD" for entry in self.strategies):
            raise _located(
                "strategies",
                "only THRESHOLD strategies; add one that chooses among the kept samples, "
                "e.g. {input: {type: EMBEDDINGS}, strategy: {type: DIVERSITY}}",
            )
        return self

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
    if config.n_samples is None and config.proportion_samples is None:
        where = f"{config.source}: " if config.source is not None else ""
        raise ConfigError(
            f"{where}no n_samples or proportion_samples; add one to the configuration or pass --n-samples/--proportion"
        )
    return config.n_samples, config.proportion_samples
