"""The building blocks of a selection config: strict number types, the strict base model that reads
LightlyOne's camelCase aliases as snake_case, and the selection inputs (EMBEDDINGS, SCORES, METADATA,
PREDICTIONS, RANDOM). Docs: https://docs.lightly.ai/docs/selection-inputs
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

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


_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_case(key: str) -> str:
    """``nSamples`` → ``n_samples``: LightlyOne's client sends camelCase aliases (``to_dict(by_alias=True)``),
    its docs write snake_case; both name the same field."""
    return _CAMEL_HUMP.sub(r"_\1", key).lower() if key[:1].islower() else key


class _Strict(BaseModel):
    """A frozen model that rejects unknown keys, naming the allowed ones; camelCase keys are read as snake_case."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_only(cls, data: Any) -> Any:
        if isinstance(data, dict):
            renamed: dict[Any, Any] = {}
            written: dict[Any, Any] = {}  # snake_case name → the key as the file wrote it (named in errors)
            for key, value in data.items():
                name = snake_case(key) if isinstance(key, str) else key
                if name in renamed:
                    raise _located(str(key), f"given twice (as {name} too); keep one")
                renamed[name], written[name] = value, key
            unknown = [key for key in renamed if key not in cls.model_fields]
            if unknown:
                raise _located(str(written[unknown[0]]), f"unknown key; allowed keys: {', '.join(cls.model_fields)}")
            return renamed
        return data


# ---- inputs ---------------------------------------------------------------------------------------------


class EmbeddingsInput(_Strict):
    """The run's embeddings; ``query`` (SIMILARITY only) names a file of query samples; ``task`` selects the
    objects (crops) of that detection or auto task instead of whole images, as ``--object-level TASK``."""

    type: Literal["EMBEDDINGS"]
    query: NonEmptyStr | None = None
    task: NonEmptyStr | None = None


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
    """One prediction task of the ``--predictions`` file: its class distribution (``CLASS_DISTRIBUTION``, for
    BALANCE) or each sample's number of objects (``CATEGORY_COUNT``, a number for WEIGHTS and THRESHOLD);
    ``categories`` limits either to the objects of the listed classes (LightlyOne's v4 keys)."""

    type: Literal["PREDICTIONS"]
    task: NonEmptyStr
    name: Literal["CLASS_DISTRIBUTION", "CATEGORY_COUNT"] = "CLASS_DISTRIBUTION"
    categories: Annotated[list[NonEmptyStr], Field(min_length=1)] | None = None

    @field_validator("categories")
    @classmethod
    def _unique(cls, categories: list[str] | None) -> list[str] | None:
        if categories is not None and len(set(categories)) != len(categories):
            raise ValueError("categories must not repeat a class")
        return categories


class RandomInput(_Strict):
    """A uniform random value in [0, 1) per sample; seeded by ``random_seed``, else by the run's seed."""

    type: Literal["RANDOM"]
    random_seed: NonNegativeInt | None = None


SelectionInput = Annotated[
    EmbeddingsInput | ScoresInput | MetadataInput | PredictionsInput | RandomInput,
    Field(discriminator="type"),
]
