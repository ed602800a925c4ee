"""Reading a selection config file (.json/.yaml): parse, validate against :class:`SelectionConfig`, and turn
pydantic's validation errors into one line that names the field path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from embedscope.errors import InputFileError
from embedscope.io.text_file import TOO_DEEP, parse_json, parse_yaml, read_text
from embedscope.select.config import CONFIG_SUFFIXES, INPUT_TYPES, STRATEGY_TYPES, SelectionConfig
from embedscope.select.config_auto_tasks import AUTO_TASK_TYPES


def read_config_mapping(path: Path, *, expected: str = "n_samples and strategies") -> dict[str, Any]:
    """Parse a .json/.yaml/.yml file that must hold a mapping (of ``expected`` keys, for the messages).

    Raises:
        InputFileError: missing/unreadable file, unknown extension, a syntax error (with its line), not a mapping.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CONFIG_SUFFIXES:
        raise InputFileError(
            path, f"unknown extension '{path.suffix}'; a selection or worker config is .json, .yaml or .yml"
        )
    raw = _parse(path, read_text(path), as_json=suffix == ".json")
    if raw is None:
        raise InputFileError(path, f"empty; expected a mapping with {expected}")
    if not isinstance(raw, dict):
        raise InputFileError(path, f"expected a mapping with {expected}, got a {_kind(raw)}")
    return raw


def load_selection_config(path: Path) -> SelectionConfig:
    """Read and validate a selection configuration from a .json, .yaml or .yml file; snake_case keys or the
    camelCase aliases LightlyOne's client sends (``nSamples``).

    Raises:
        InputFileError: missing/unreadable file, unknown extension, a syntax error (with its line), or an
            invalid configuration; the message names the field path, e.g.
            ``cfg.yaml: strategies[1].strategy.type: unknown 'FOO'; allowed: DIVERSITY, WEIGHTS, ...``.
    """
    path = Path(path)
    raw = read_config_mapping(path)
    try:
        config = SelectionConfig.model_validate(raw)
    except ValidationError as error:
        raise InputFileError(path, describe_validation_error(error)) from None
    except RecursionError:
        raise InputFileError(path, TOO_DEEP) from None
    config._source = path
    return config


def _parse(path: Path, text: str, *, as_json: bool) -> Any:
    if as_json:
        try:
            return parse_json(text) if text.strip() else None
        except json.JSONDecodeError as error:
            raise InputFileError(path, f"line {error.lineno}: invalid JSON: {error.msg}") from None
        except ValueError as error:
            raise InputFileError(path, str(error)) from None
    try:
        return parse_yaml(text)
    except ValueError as error:
        raise InputFileError(path, str(error)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputFileError(path, f"{where}invalid YAML: {problem}") from None


def describe_validation_error(error: ValidationError) -> str:
    """One line for the first problem of ``error``: ``field.path: what is wrong; what is allowed``."""
    first = error.errors(include_url=False)[0]
    path = _field_path(first["loc"])
    kind = first["type"]
    ctx = first.get("ctx") or {}
    given = first.get("input")
    if kind == "embedscope":
        return f"{_join(path, ctx['where'])}: {ctx['problem']}"
    if kind == "union_tag_invalid":
        return f"{_join(path, 'type')}: unknown '{ctx['tag']}'; allowed: {_unquote(ctx['expected_tags'])}"
    if kind == "union_tag_not_found":
        allowed = INPUT_TYPES if path.endswith("input") else STRATEGY_TYPES
        return f"{_join(path, 'type')}: missing; allowed: {', '.join(allowed)}"
    if kind in ("enum", "literal_error"):
        return f"{path}: unknown {given!r}; allowed: {_unquote(ctx['expected'])}"
    if kind == "missing":
        return f"{path}: missing (required)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{path or 'configuration'}: expected a mapping, got {_kind(given)}"
    message = first["msg"]
    return f"{path or 'configuration'}: {message[0].lower()}{message[1:]}, got {given!r}"


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``('strategies', 1, 'strategy', 'BALANCE', 'target')`` → ``strategies[1].strategy.target``."""
    parts: list[str] = []
    previous: int | str | None = None
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif (previous in ("input", "strategy") and item in INPUT_TYPES + STRATEGY_TYPES) or (
            isinstance(previous, int) and item in AUTO_TASK_TYPES
        ):
            pass  # the union member's tag, which pydantic puts into the location
        elif item != "[key]":
            parts.append(item)
        previous = item
    return ".".join(parts)


def _join(path: str, where: str) -> str:
    return f"{path}.{where}" if path else where


def _unquote(expected: str) -> str:
    """``"'A', 'B' or 'C'"`` → ``"A, B, C"``."""
    return expected.replace(" or ", ", ").replace("'", "")


def _kind(value: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )
