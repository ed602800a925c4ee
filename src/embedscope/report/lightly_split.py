"""Split the in-memory report into LightlyOne's ``report_v2.json`` and embedscope's ``report_embedscope.json``,
and join the two files back into the model.

``report_v2.json`` must load in LightlyOne's own generated ``ReportV2`` model (lightly 1.5.x), which forbids
unknown keys and requires fields the in-memory model has no use for. So the split:

- moves ``schemaVersion``, ``embedscope`` and every ``embedscope*`` key inside LightlyOne's objects to the
  sibling file (the latter under ``inline``: JSON pointer of the object → its ``embedscope*`` keys);
- reshapes ``metadataInformation`` (column → distribution) into LightlyOne's groups, remembering the column
  order: the computed image metadata (numeric columns ``lightly.<name>``, the namespace LightlyOne keeps for its
  own metadata) into ``lightlyNumeric``, keyed as lightly's ``SampleMetaData`` names its computed fields (the
  name without the prefix, camelCase: ``lightly.aspect_ratio`` → ``aspectRatio``); the user's metadata into
  ``customNumeric`` / ``customCategorical`` under their column names;
- copies the scores ``"<task>/<score>"`` into the task's ``activeLearningScoreDistributions``;
- adds the platform fields (:mod:`embedscope.report.platform_fields`), an empty ``bboxExamples`` (the box
  examples are figures of the PDF/HTML) and, where LightlyOne requires a ``selected`` distribution that has no
  values (fewer than two selected samples), an all-zero placeholder listed in the sibling file's
  ``placeholders``.

The join drops what the split added and puts the moved keys back, so ``join(split(report)) == report``.
"""

from __future__ import annotations

import copy
from typing import Any

from embedscope.report.model import SCHEMA_VERSION, ReportV2
from embedscope.report.platform_fields import PlatformFields

EXT_SCHEMA_VERSION = "embedscope-report-ext-1"
EXT_PREFIX = "embedscope"
LIGHTLY_COLUMN_PREFIX = "lightly."  # computed image metadata (embedscope.ingest.image_statistics.PREFIX)
LIGHTLY_METADATA_GROUPS = ("lightlyNumeric", "customNumeric", "customCategorical")
_EMPTY_METRICS = {"mean": 0.0, "std": 0.0, "min": 0.0, "median": 0.0, "max": 0.0}
_TASK_ADDED_KEYS = ("activeLearningScoreDistributions",)

Json = dict[str, Any]


def _pointer(path: list[str]) -> str:
    return "".join("/" + key.replace("~", "~0").replace("/", "~1") for key in path)


def _keys(pointer: str) -> list[str]:
    return [key.replace("~1", "/").replace("~0", "~") for key in pointer.split("/")[1:]]


def _at(tree: Json, pointer: str) -> Any:
    node: Any = tree
    for key in _keys(pointer):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _move_ext_keys(node: Any, path: list[str], inline: dict[str, Json]) -> None:
    """Remove every ``embedscope*`` key below ``node``; non-empty values go to ``inline[pointer]``."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _move_ext_keys(item, [*path, str(i)], inline)
        return
    if not isinstance(node, dict):
        return
    for key in [k for k in node if k.startswith(EXT_PREFIX)]:
        value = node.pop(key)
        if value not in ({}, [], None):
            inline.setdefault(_pointer(path), {})[key] = value
    for key, child in node.items():
        _move_ext_keys(child, [*path, key], inline)


def _fill_selected(node: Any, path: list[str], placeholders: list[str]) -> None:
    """Give every numeric distribution per set (``bins`` + ``range``) without ``selected`` an all-zero one."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _fill_selected(item, [*path, str(i)], placeholders)
        return
    if not isinstance(node, dict):
        return
    if "bins" in node and "range" in node and "selected" not in node:
        node["selected"] = {"counts": [0] * int(node["bins"]), "metrics": dict(_EMPTY_METRICS)}
        placeholders.append(_pointer([*path, "selected"]))
    for key, child in node.items():
        _fill_selected(child, [*path, key], placeholders)


def lightly_metadata_key(column: str) -> str | None:
    """The ``lightlyNumeric`` key of a numeric metadata column, None for a user column: ``lightly.<snake_name>``
    → ``<camelName>`` (lightly's ``SampleMetaData`` wire names, e.g. ``sharpness``, ``uniformRowRatio``)."""
    if not column.startswith(LIGHTLY_COLUMN_PREFIX) or len(column) == len(LIGHTLY_COLUMN_PREFIX):
        return None
    first, *rest = column[len(LIGHTLY_COLUMN_PREFIX):].split("_")
    return first + "".join(word[:1].upper() + word[1:] for word in rest)


def _group_and_key(column: str, kind: str) -> tuple[str, str]:
    """Where a metadata column lives in LightlyOne's ``metadataInformation``: (group, key)."""
    if kind == "categorical":
        return "customCategorical", column
    lightly_key = lightly_metadata_key(column)
    return ("customNumeric", column) if lightly_key is None else ("lightlyNumeric", lightly_key)


def _metadata_groups(columns: Json) -> tuple[Json, dict[str, str]]:
    groups: Json = {group: {} for group in LIGHTLY_METADATA_GROUPS}
    kinds = {}
    for column, entry in columns.items():
        kinds[column] = entry["type"]
        group, key = _group_and_key(column, entry["type"])
        groups[group][key] = entry["categoryDistribution" if entry["type"] == "categorical" else "numericDistribution"]
    return groups, kinds


def split_report(report: ReportV2, platform: PlatformFields) -> tuple[Json, Json]:
    """``(report_v2.json, report_embedscope.json)`` contents of ``report``.

    Returns:
        The LightlyOne document (camelCase, exactly lightly's ``ReportV2`` schema) and the sibling document
        (``schemaVersion``, ``reportSchemaVersion``, ``embedscope``, ``inline``, ``metadataColumns``,
        ``placeholders``).
    """
    lightly = report.model_dump(mode="json", by_alias=True, exclude_none=True)
    ext: Json = {
        "schemaVersion": EXT_SCHEMA_VERSION,
        "reportSchemaVersion": lightly.pop("schemaVersion"),
        "embedscope": lightly.pop("embedscope"),
    }
    scores = lightly["datasetAnalysis"].get("embedscopeScoreInformation", {})
    inline: dict[str, Json] = {}
    _move_ext_keys(lightly, [], inline)
    ext["inline"] = inline

    analysis = lightly["datasetAnalysis"]
    groups, kinds = _metadata_groups(analysis.pop("metadataInformation", {}))
    analysis["metadataInformation"] = groups
    if kinds:
        ext["metadataColumns"] = kinds

    tasks = lightly.setdefault("predictionTaskInformation", {})
    for name, task in tasks.items():
        task["activeLearningScoreDistributions"] = {
            key.split("/", 1)[1]: copy.deepcopy(entry["numericDistribution"])
            for key, entry in scores.items() if key.split("/", 1)[0] == name
        }
        if "detectionTaskInformation" in task:
            task["detectionTaskInformation"]["bboxExamples"] = []

    general = lightly["generalInformation"]
    general["runInformation"]["runUrl"] = platform.run_url
    general["datasetInformation"]["datasetId"] = platform.dataset_id
    general["datasetInformation"]["datasetUrl"] = platform.dataset_url
    general["annotationSavings"] = platform.annotation_savings

    placeholders: list[str] = []
    _fill_selected(lightly, [], placeholders)
    ext["placeholders"] = placeholders
    return lightly, ext


def join_report(lightly: Json, ext: Json) -> ReportV2:
    """The in-memory report from the two documents written by :func:`split_report`.

    Raises:
        ValueError: the sibling document has another schema version, or the documents do not fit the model
            (pydantic's ``ValidationError`` is a ``ValueError``).
    """
    if ext.get("schemaVersion") != EXT_SCHEMA_VERSION:
        raise ValueError(f"report_embedscope.json: schemaVersion {ext.get('schemaVersion')!r}, "
                         f"expected {EXT_SCHEMA_VERSION!r}")
    tree = copy.deepcopy(lightly)
    for pointer in ext.get("placeholders", []):
        *parent, key = _keys(pointer)
        del _at(tree, _pointer(parent))[key]
    general = tree["generalInformation"]
    del general["runInformation"]["runUrl"], general["annotationSavings"]
    del general["datasetInformation"]["datasetId"], general["datasetInformation"]["datasetUrl"]

    analysis = tree["datasetAnalysis"]
    groups = analysis.pop("metadataInformation")
    columns = {}
    for column, kind in ext.get("metadataColumns", {}).items():
        group, key = _group_and_key(column, kind)
        field = "categoryDistribution" if kind == "categorical" else "numericDistribution"
        columns[column] = {"type": kind, field: groups[group][key]}
    if columns:
        analysis["metadataInformation"] = columns
    for task in tree.get("predictionTaskInformation", {}).values():
        for key in _TASK_ADDED_KEYS:
            task.pop(key, None)
        task.get("detectionTaskInformation", {}).pop("bboxExamples", None)

    for pointer, keys in ext.get("inline", {}).items():
        _at(tree, pointer).update(keys)
    tree["schemaVersion"] = ext.get("reportSchemaVersion", SCHEMA_VERSION)
    tree["embedscope"] = ext.get("embedscope", {})
    return ReportV2.model_validate(tree)
