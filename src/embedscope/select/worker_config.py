"""``--worker-config FILE``: the whole run configuration LightlyOne's client schedules,
``{"worker_config": {...}, "selection_config": {...}, "lightly_config": {...}}`` (snake_case or camelCase keys,
as ``ApiWorkflowClient.schedule_compute_worker_run`` takes or sends them).

The worker keys that apply offline are mapped onto the run's parameters; keys that only mean something on
LightlyOne's platform (uploads, cloud datasources, checkpoints, training) are refused with one line naming them
when they ask for something (a false/empty value is accepted: it asks for nothing).

| worker key | offline meaning |
|---|---|
| ``normalize_embeddings`` | L2 normalisation of the embeddings (``--no-normalize`` when false) |
| ``relevant_filenames_file`` | only the listed files of the folder INPUT (path relative to INPUT, as LightlyOne's datasource) |
| ``object_level.task_name`` | ``--object-level TASK`` |
| ``corruptness_check.corruption_threshold`` | accepted; files that cannot be decoded are always skipped and listed |
| ``remove_exact_duplicates`` / ``datasource.process_all`` / ``datasource.bypass_verify`` | accepted when true / as is: duplicates are always removed, every file is processed, nothing is verified remotely |
| ``selected_sequence_length`` | video folders: select whole sequences of L frames (:mod:`embedscope.select.sequences`) |
| ``num_processes``, ``num_threads``, ``cache_size`` | accepted, no effect (embedscope sizes its own threads) |

``lightly_config`` (self-supervised training settings) is accepted and has no effect: embedscope embeds with its
fixed pretrained model.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from embedscope.errors import ConfigError, InputFileError
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig, snake_case
from embedscope.select.config_file import describe_validation_error, read_config_mapping

SECTIONS = ("worker_config", "selection_config", "lightly_config")
CLOUD_ONLY = (
    "checkpoint", "checkpoint_run_id", "embeddings", "enable_training", "training", "pretagging",
    "pretagging_upload", "upload_report", "shutdown_when_job_finished", "output_image_format", "crops",
    "use_datapool", "datasource.enable_datapool_update", "datasource.input_expiration",
)
NO_EFFECT = ("num_processes", "num_threads", "cache_size", "datasource.process_all", "datasource.bypass_verify")
OFFLINE = (
    "normalize_embeddings", "relevant_filenames_file", "object_level", "corruptness_check",
    "remove_exact_duplicates", "selected_sequence_length", "datasource",
)


def _snake_keys(value: Any) -> Any:
    """Every mapping key in snake_case (LightlyOne's client may send camelCase aliases)."""
    if isinstance(value, dict):
        return {snake_case(k) if isinstance(k, str) else k: _snake_keys(v) for k, v in value.items()}
    return value


def _flat(worker: dict[str, Any]) -> dict[str, Any]:
    """``{"datasource": {"process_all": true}}`` → ``{"datasource.process_all": true, "datasource": {...}}``."""
    flat = dict(worker)
    for key in ("datasource",):
        if isinstance(worker.get(key), dict):
            flat.update({f"{key}.{sub}": value for sub, value in worker[key].items()})
    return flat


def _written_names(worker: Any) -> dict[str, str]:
    """Flat snake_case key → the key as the file wrote it (``uploadReport``, ``datasource.processAll``), so
    that errors name the key the user typed."""
    if not isinstance(worker, dict):
        return {}
    flat = _flat({k: v for k, v in worker.items() if isinstance(k, str)})
    return {".".join(snake_case(part) for part in key.split(".")): key for key in flat}


def _asks_for_something(value: Any) -> bool:
    return value not in (None, False, "", {}, [])


def read_worker_config(path: Path) -> tuple[dict[str, Any], SelectionConfig | None]:
    """Read and check a worker-config file: ``(worker settings in snake_case, selection config or None)``.

    Raises:
        InputFileError: unreadable file, not a mapping, an unknown section or key, an invalid selection config.
        ConfigError: a cloud-only key that asks for something (the message names every such key).
    """
    original = read_config_mapping(path, expected="worker_config and selection_config")
    raw = _snake_keys(original)
    unknown_sections = [key for key in raw if key not in SECTIONS]
    if unknown_sections:
        raise InputFileError(path, f"unknown section {unknown_sections[0]!r}; allowed: {', '.join(SECTIONS)}")
    worker = raw.get("worker_config") or {}
    as_written = {snake_case(str(k)): v for k, v in original.items()}  # sections with their keys as written
    written = _written_names(as_written.get("worker_config"))
    if not isinstance(worker, dict):
        raise InputFileError(path, "worker_config: expected a mapping")
    flat = _flat(worker)
    cloud = [key for key in CLOUD_ONLY if key in flat and _asks_for_something(flat[key])]
    if cloud:
        raise ConfigError(f"{path}: worker_config: {', '.join(written.get(k, k) for k in cloud)}: only LightlyOne's platform can do this "
                          "(uploads, cloud datasources, checkpoints, training); remove or set to false")
    known = set(CLOUD_ONLY) | set(NO_EFFECT) | set(OFFLINE)
    unknown = [key for key in flat if key not in known]
    if unknown:
        raise InputFileError(path, f"worker_config: unknown key {written.get(unknown[0], unknown[0])!r}; allowed: {', '.join(OFFLINE + NO_EFFECT)}")
    selection = None
    if raw.get("selection_config") is not None:
        try:
            selection = SelectionConfig.model_validate(as_written["selection_config"])  # its errors name keys as written
        except ValidationError as error:
            raise InputFileError(path, f"selection_config.{describe_validation_error(error)}") from None
        selection._source = Path(path)
    return worker, selection


def apply_worker_config(params: RunParameters, path: Path) -> RunParameters:
    """``params`` with the offline worker keys of ``path`` applied (see the module table); the file is also
    recorded so that the ingest stage reads its selection config.

    Raises:
        InputFileError, ConfigError: as :func:`read_worker_config`; also a ``selected_sequence_length`` below 1,
            ``remove_exact_duplicates: false``, or both ``--selection-config`` and a ``selection_config`` section.
    """
    worker, selection = read_worker_config(path)
    if selection is not None and params.selection_config_path is not None:
        raise ConfigError(f"{path}: has a selection_config and --selection-config is given too; keep one")
    changes: dict[str, Any] = {"worker_config_path": Path(path)}
    if "normalize_embeddings" in worker:
        changes["normalize"] = _bool(path, "normalize_embeddings", worker["normalize_embeddings"])
    if worker.get("relevant_filenames_file"):
        changes["relevant_filenames_path"] = params.input_path / str(worker["relevant_filenames_file"])
    level = worker.get("object_level") or {}
    if level:
        if not isinstance(level, dict) or not level.get("task_name"):
            raise ConfigError(f"{path}: worker_config.object_level: expected {{task_name: TASK}}")
        changes["object_level_task"] = str(level["task_name"])
    if worker.get("remove_exact_duplicates") is False:
        raise ConfigError(f"{path}: worker_config.remove_exact_duplicates: false is not supported; "
                          "embedscope always removes exact duplicates (listed in filenames/duplicate_filenames.txt)")
    length = worker.get("selected_sequence_length", 1)
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ConfigError(f"{path}: worker_config.selected_sequence_length: expected a whole number >= 1, "
                          f"got {length!r}")
    changes["selected_sequence_length"] = length
    return dataclasses.replace(params, **changes)


def _bool(path: Path, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: worker_config.{key}: expected true or false, got {value!r}")
    return value


def run_selection_config(params: RunParameters) -> SelectionConfig | None:
    """The run's selection config: from ``--selection-config``, else the worker config's section, else None."""
    from embedscope.select.config_file import load_selection_config

    if params.selection_config_path is not None:
        return load_selection_config(params.selection_config_path)
    if params.worker_config_path is not None:
        return read_worker_config(params.worker_config_path)[1]
    return None
