"""Dataset hygiene inside a run: computed image metadata, near-duplicate groups (and their removal),
outlier-robust selection, outlier scores, per-group coverage — and the files, figures and JSON they add.

The run calls four hooks (see ``pipeline/run.py``): :meth:`HygieneStage.load` wraps the loader,
:meth:`HygieneStage.apply` adds the ``lightly.*`` columns before strategies read them and removes
near-duplicates,
:meth:`HygieneStage.select_robust` replaces k-center greedy under ``--outliers``, and
:meth:`HygieneStage.report` returns the JSON keys, figures and file writers. Flags arrive in
``RunParameters.extra``: ``near_duplicate_threshold`` (float), ``remove_near_duplicates`` (bool),
``outliers`` (a count or a fraction, as text).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.analyze.group_coverage import (
    GroupCoverage,
    group_coverage,
    memberships_from_label_sets,
    memberships_from_labels,
)
from embedscope.analyze.near_duplicates import (
    DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    NearDuplicateGroups,
    near_duplicate_groups,
    validate_threshold,
)
from embedscope.analyze.outlier_scores import OUTLIER_SCORE_K, outlier_scores
from embedscope.errors import ConfigError
from embedscope.io.atomic import atomic_write_text
from embedscope.io.filename_list import write_filename_list
from embedscope.pipeline.inputs import LoadedInputs, resolve_n_samples
from embedscope.pipeline.parameters import RunParameters
from embedscope.pipeline.progress import Progress
from embedscope.pipeline.sample_data_inputs import RunSampleData
from embedscope.pipeline.selection import Selection
from embedscope.report import hygiene_figures as figures
from embedscope.report.hygiene_json import (
    group_coverage_json,
    group_json,
    near_duplicates_json,
    outliers_json,
)
from embedscope.select.config import SelectionConfig
from embedscope.select.k_center_outliers import (
    OutlierRobustSelection,
    k_center_with_outliers,
    parse_outlier_count,
)

Loader = Callable[[RunParameters, Progress], LoadedInputs]

COMPUTED_SOURCE = "(computed image statistics)"
"""Where computed ``lightly.*`` columns say they come from when no --metadata file is given."""


@dataclass(frozen=True)
class RobustSelection(Selection):
    """A :class:`Selection` made by k-center with outliers; ``robust`` holds the outliers and radii."""

    robust: OutlierRobustSelection | None = None


@dataclass
class HygieneReport:
    """What the hygiene stage adds to a run's outputs."""

    ext: dict[str, Any] = field(default_factory=dict)
    plots: dict[str, bytes] = field(default_factory=dict)
    plot_titles: dict[str, str] = field(default_factory=dict)
    side_outputs: list[Callable[[Path], None]] = field(default_factory=list)


class HygieneStage:
    """Holds the hygiene results of one run between the pipeline's hooks.

    Raises (at construction): ConfigError for a bad ``--near-duplicate-threshold``.
    """

    def __init__(self, params: RunParameters, loader: Loader) -> None:
        extra = params.extra
        given = extra.get("near_duplicate_threshold")
        self.threshold = validate_threshold(given) if given is not None else DEFAULT_NEAR_DUPLICATE_THRESHOLD
        self.remove = bool(extra.get("remove_near_duplicates", False))
        self.outliers_text = extra.get("outliers")
        self._params = params
        self._loader = loader
        self.groups: NearDuplicateGroups | None = None
        self.names_before_removal: list[str] = []
        self.statistics: dict[str, np.ndarray] = {}
        self.image_root: Path | None = None

    def load(self, params: RunParameters, progress: Progress) -> LoadedInputs:
        """The loader's inputs; image statistics computed and near-duplicates found (removed by :meth:`apply`)."""
        inputs = self._loader(params, progress)
        if _is_plain_image_folder(inputs):
            from embedscope.ingest.image_statistics import folder_image_statistics

            progress.stage("computing image statistics (sharpness, brightness, …)")
            self.image_root = inputs.image_root
            self.statistics = folder_image_statistics(inputs.image_root, inputs.input.names)  # type: ignore[arg-type]
        progress.stage(f"finding near-duplicates (distance < {self.threshold:g})")
        self.names_before_removal = list(inputs.input.names)
        self.groups = near_duplicate_groups(
            inputs.input.vectors, threshold=self.threshold, exact=params.exact, seed=params.seed
        )
        return inputs

    def apply(self, inputs: LoadedInputs, data: RunSampleData) -> tuple[LoadedInputs, RunSampleData]:
        """The ``lightly.*`` columns added to the input's numeric metadata; with ``--remove-near-duplicates``
        every group's non-kept members taken out of the input and its per-sample data.

        Raises:
            ConfigError: the removal would leave fewer than 2 samples.
        """
        if self.statistics:
            numeric = {**data.input.numeric, **self.statistics}
            sources = {"metadata": Path(str(self.image_root)) / COMPUTED_SOURCE, **data.input.sources}
            data = dataclasses.replace(data, input=dataclasses.replace(data.input, numeric=numeric, sources=sources))
        if self.remove and self.groups is not None and self.groups.removed.size:
            keep = np.setdiff1d(np.arange(len(inputs.input)), self.groups.removed)
            if keep.size < 2:
                raise ConfigError("--remove-near-duplicates leaves fewer than 2 samples; use a smaller threshold")
            inputs = dataclasses.replace(inputs, input=inputs.input.subset(keep))
            data = dataclasses.replace(data, input=data.input.subset(keep))
            self.statistics = {key: values[keep] for key, values in self.statistics.items()}
        return inputs, data

    def select_robust(
        self, params: RunParameters, inputs: LoadedInputs, config: SelectionConfig | None, progress: Progress
    ) -> Selection | None:
        """k-center with outliers under ``--outliers``; None without the flag (the usual selection runs)."""
        if self.outliers_text is None or params.selected_path is not None:
            return None
        n_input = len(inputs.input)
        n_outliers = parse_outlier_count(self.outliers_text, n_input)
        if config is not None:
            raise ConfigError("--outliers works with diversity selection only; drop --selection-config or --outliers")
        n_samples = resolve_n_samples(n_input, n_samples=params.n_samples, proportion=params.proportion)
        progress.stage(f"selecting {n_samples:,} of {n_input:,} samples ignoring {n_outliers:,} outliers")
        datapool = inputs.datapool.vectors if inputs.datapool is not None else None
        robust = k_center_with_outliers(
            inputs.input.vectors, n_samples=n_samples, n_outliers=n_outliers, datapool=datapool, seed=params.seed
        )
        return RobustSelection(indices=robust.indices, cover_distances=robust.cover_distances, robust=robust)

    def report(
        self, inputs: LoadedInputs, selection: Selection, *, cover: dict[str, np.ndarray], random_indices: np.ndarray,
        nearest_input: np.ndarray, sample_data: RunSampleData,
    ) -> HygieneReport:
        """JSON keys for ``ReportV2.embedscope``, figures and file writers.

        Args:
            cover: "selected"/"random" → (n_input,) distance of each input sample to the covering set.
            nearest_input: (n_input,) distance of each input sample to its nearest other input sample.
        """
        out = HygieneReport()
        names = inputs.input.names
        if self.groups is not None:
            self._near_duplicates(out, nearest_input)
        robust = getattr(selection, "robust", None)
        if robust is not None:
            self._outliers(out, robust, inputs)
        tables = self._coverage_tables(inputs, selection, cover, random_indices, sample_data)
        if tables:
            ext = group_coverage_json(tables)
            out.ext["groupCoverage"] = ext
            for source, rows in ext.items():
                key = "group_coverage_" + "".join(c if c.isalnum() else "_" for c in source)
                out.plots[key] = figures.group_coverage_png(source, rows)
                out.plot_titles[key] = f"Coverage per group — {source}"
        if self.statistics:
            out.ext["computedMetadata"] = {
                "columns": sorted(self.statistics), "file": "data/computed_metadata.csv",
                "nLowInformation": int(np.nansum(self.statistics["lightly.low_information"])),
            }
            stats = self.statistics
            out.side_outputs.append(lambda folder: _write_statistics(folder / "data" / "computed_metadata.csv", names, stats))
        return out

    def _near_duplicates(self, out: HygieneReport, nearest_input: np.ndarray) -> None:
        groups, names = self.groups, self.names_before_removal
        assert groups is not None
        info = near_duplicates_json(groups, names, nearest_input, removed=self.remove)
        out.ext["nearDuplicates"] = info
        out.plots["near_duplicates"] = figures.near_duplicates_png(info)
        out.plot_titles["near_duplicates"] = "Near-duplicates: group sizes and nearest-neighbour distances near zero"
        if info["exampleGroups"]:
            out.plots["near_duplicate_groups"] = figures.example_groups_png(info["exampleGroups"], self.image_root)
            out.plot_titles["near_duplicate_groups"] = "Largest near-duplicate groups (kept sample framed)"
        removed = [names[int(i)] for i in groups.removed]
        document = {
            "schemaVersion": 1, "threshold": groups.threshold, "representativeRule": info["representativeRule"],
            "removedFromInput": self.remove,
            "groups": [group_json(groups, g, names) for g in range(len(groups.groups))],
        }
        out.side_outputs.append(lambda folder: write_filename_list(folder / "filenames" / "near_duplicate_filenames.txt", removed))
        out.side_outputs.append(lambda folder: atomic_write_text(folder / "near_duplicates.json", json.dumps(document, indent=1)))

    def _outliers(self, out: HygieneReport, robust: OutlierRobustSelection, inputs: LoadedInputs) -> None:
        names = inputs.input.names
        scores = outlier_scores(inputs.input.vectors, seed=self._params.seed)
        info = outliers_json(robust, names, scores, OUTLIER_SCORE_K)
        out.ext["outliers"] = info
        out.plots["outliers"] = figures.outliers_png(info, self.image_root)
        out.plot_titles["outliers"] = "Outliers: coverage radius with and without them, the farthest ones"
        listed = [names[int(i)] for i in robust.outliers]
        out.side_outputs.append(lambda folder: write_filename_list(folder / "filenames" / "outlier_filenames.txt", listed))
        out.side_outputs.append(lambda folder: _write_scores(folder / "data" / "outlier_scores.csv", names, scores))

    def _coverage_tables(
        self, inputs: LoadedInputs, selection: Selection, cover: dict[str, np.ndarray], random_indices: np.ndarray,
        sample_data: RunSampleData,
    ) -> dict[str, list[GroupCoverage]]:
        sources: dict[str, dict[str, np.ndarray]] = {}
        for column, values in sample_data.input.categorical.items():
            sources[f"metadata:{column}"] = memberships_from_labels(list(values))
        for task, predictions in sample_data.input.predictions.items():
            sources[f"predictions:{task}"] = memberships_from_label_sets(predictions.classes)
        folder_predictions = getattr(inputs, "predictions", None)
        if folder_predictions is not None and getattr(inputs, "crops", None) is None:  # image-level detections
            for task, found in folder_predictions.tasks.items():
                label_sets = [
                    tuple(found.categories[o.category_id] for o in found.predictions.get(name, []))
                    for name in inputs.input.names
                ]
                sources[f"predictions:{task}"] = memberships_from_label_sets(label_sets)
        videos = getattr(inputs, "videos", None)
        if videos is not None:
            frames = videos.frames
            sources["video"] = memberships_from_labels([frames[n].video if n in frames else None for n in inputs.input.names])
        if "selected" not in cover or "random" not in cover:
            return {}
        return {
            source: group_coverage(
                members, embeddings=inputs.input.vectors, selected_indices=selection.indices,
                random_indices=random_indices, cover_selected=cover["selected"], cover_random=cover["random"],
            )
            for source, members in sources.items()
            if members
        }


def _is_plain_image_folder(inputs: LoadedInputs) -> bool:
    """Images on disk (not video frames, not object crops): names are files under ``image_root``."""
    return inputs.image_root is not None and getattr(inputs, "videos", None) is None and getattr(inputs, "crops", None) is None


def _write_scores(path: Path, names: list[str], scores: np.ndarray) -> None:
    lines = ["filename,outlier_score"] + [f"{_csv_name(n)},{s:.9g}" for n, s in zip(names, scores)]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")


def _write_statistics(path: Path, names: list[str], statistics: dict[str, np.ndarray]) -> None:
    columns = list(statistics)
    lines = [",".join(["filename", *columns])]
    lines += [",".join([_csv_name(n), *(f"{statistics[c][i]:.9g}" for c in columns)]) for i, n in enumerate(names)]
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\n".join(lines) + "\n")


def _csv_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if any(c in name for c in ',"\n') else name
