"""The labelling-cost assumptions behind ``annotationSavings`` of ``report_v2.json`` (``--annotation-costs``).

LightlyOne's report states, per task type, the money and CO2 a selection saves because the samples it removed
need no label. embedscope computes the same two numbers offline from assumptions it states and lets the user
replace them (a YAML/JSON file, camelCase or snake_case keys, any subset of them):

    usdPerAnnotatorHour: 10.0          # what one hour of labelling costs
    kgCo2PerAnnotatorHour: 0.04        # CO2e of one hour of labelling work (workstation + office energy)
    secondsPerLabel:                   # labelling time of one sample, per LightlyOne task type
      imageClassification: 5
      objectDetection: 60
      semanticSegmentation: 600

saving of a task = (samples not selected) × secondsPerLabel / 3600 × (usd | kg CO2) per annotator hour.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from embedscope.errors import ConfigError

DEFAULT_USD_PER_ANNOTATOR_HOUR = 10.0  # a typical outsourced labelling rate
DEFAULT_KG_CO2_PER_ANNOTATOR_HOUR = 0.04  # ~0.1 kWh per hour of desk work at ~0.4 kg CO2e/kWh (grid mix)
DEFAULT_SECONDS_PER_LABEL = {  # one class click; boxes of a few objects; a polygon mask of a whole image
    "imageClassification": 5.0,
    "objectDetection": 60.0,
    "semanticSegmentation": 600.0,
}
SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class AnnotationCosts:
    """Labelling cost assumptions; see the module docstring for the formula and the defaults' reasons."""

    usd_per_annotator_hour: float = DEFAULT_USD_PER_ANNOTATOR_HOUR
    kg_co2_per_annotator_hour: float = DEFAULT_KG_CO2_PER_ANNOTATOR_HOUR
    seconds_per_label: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SECONDS_PER_LABEL))

    def savings(self, n_not_labelled: int) -> dict[str, dict[str, float]]:
        """LightlyOne's ``annotationSavings``: task type → ``{"costSavings": USD, "co2Savings": kg CO2e}``."""
        result = {}
        for task, seconds in self.seconds_per_label.items():
            hours = n_not_labelled * seconds / SECONDS_PER_HOUR
            result[task] = {
                "costSavings": round(hours * self.usd_per_annotator_hour, 4),
                "co2Savings": round(hours * self.kg_co2_per_annotator_hour, 6),
            }
        return result


def _snake(key: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in key).replace("co_2", "co2")


def read_annotation_costs(path: Path) -> AnnotationCosts:
    """Read a ``--annotation-costs`` file (YAML or JSON); keys not given keep their defaults.

    Raises:
        ConfigError: unreadable file, unknown key, a task type LightlyOne does not report, or a negative value.
    """
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
        raw = json.loads(text) if Path(path).suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read the annotation costs: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with usdPerAnnotatorHour, kgCo2PerAnnotatorHour, secondsPerLabel")
    known = {f.name for f in fields(AnnotationCosts)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = _snake(str(key))
        if name not in known:
            raise ConfigError(f"{path}: unknown key {key!r}; expected one of usdPerAnnotatorHour, "
                              "kgCo2PerAnnotatorHour, secondsPerLabel")
        values[name] = value
    per_label = dict(DEFAULT_SECONDS_PER_LABEL)
    for task, seconds in (values.pop("seconds_per_label", None) or {}).items():
        if task not in DEFAULT_SECONDS_PER_LABEL:
            raise ConfigError(f"{path}: secondsPerLabel: unknown task type {task!r}; LightlyOne reports "
                              f"{', '.join(DEFAULT_SECONDS_PER_LABEL)}")
        per_label[task] = _non_negative(path, f"secondsPerLabel.{task}", seconds)
    numbers = {name: _non_negative(path, name, value) for name, value in values.items()}
    return AnnotationCosts(seconds_per_label=per_label, **numbers)


def _non_negative(path: Path, name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{path}: {name} must be a number ≥ 0, got {value!r}")
    return float(value)
