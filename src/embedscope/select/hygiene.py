"""Dataset hygiene in the select stage: computed image metadata, near-duplicate groups (and their removal),
and k-center with outliers under ``--outliers``.

Flags arrive in ``RunParameters.extra``: ``near_duplicate_threshold`` (float), ``remove_near_duplicates``
(bool), ``outliers`` (a count or a fraction, as text). Everything returned is plain data (picklable).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedscope.errors import ConfigError
from embedscope.ingest.sample_statistics import blank_rows
from embedscope.ingest.samples import LoadedInputs
from embedscope.neighbors.near_duplicates import (
    DEFAULT_NEAR_DUPLICATE_THRESHOLD,
    NearDuplicateGroups,
    near_duplicate_groups,
    validate_threshold,
)
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters
from embedscope.select.config import SelectionConfig
from embedscope.select.k_center_outliers import (
    COVER_METHOD,
    OutlierRobustSelection,
    k_center_with_outliers,
    parse_outlier_count,
)
from embedscope.select.outliers_with_config import (
    check_outliers_with_config,
    select_configured_without_outliers,
)
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection, picks_wanted

StatisticsMeasure = Callable[[Path, Sequence[str]], dict[str, np.ndarray]]
"""(image folder, names) → ``lightly.<name>`` → (n,) float64 computed image statistics, NaN where a file fails."""

COMPUTED_SOURCE = "(computed image statistics)"
"""Where computed ``lightly.*`` columns say they come from when no --metadata file is given."""


@dataclass(frozen=True)
class HygieneFindings:
    """What the select stage found about the dataset's hygiene.

    Attributes:
        groups: the near-duplicate groups, indexed like ``names_before_removal``.
        names_before_removal: the sample names the groups index (the input before ``--remove-near-duplicates``).
        removed_from_input: ``--remove-near-duplicates`` took every group's non-kept members out of the input.
        statistics: ``lightly.*`` column → (n_input,) float64 computed image statistics of the samples after
            removal (folder inputs; empty for an embeddings file).
        image_root: the image folder the statistics come from (None for other inputs).
        robust: the k-center-with-outliers result under ``--outliers`` (its indices are the selection), else None.
        blank_frames: video frames that are blank, uniform or grey (contrast under 1 %, see
            :mod:`embedscope.ingest.sample_statistics`), taken out of the input before anything else; None when
            INPUT holds no videos.
    """

    groups: NearDuplicateGroups
    names_before_removal: list[str]
    removed_from_input: bool = False
    statistics: dict[str, np.ndarray] = field(default_factory=dict)
    image_root: Path | None = None
    robust: OutlierRobustSelection | None = None
    blank_frames: list[str] | None = None


def near_duplicate_threshold(params: RunParameters) -> float:
    """``--near-duplicate-threshold`` from ``params.extra``, or the default (0.05).

    Raises:
        ConfigError: not a finite non-negative number.
    """
    given = params.extra.get("near_duplicate_threshold")
    return validate_threshold(given) if given is not None else DEFAULT_NEAR_DUPLICATE_THRESHOLD


def find_hygiene(
    samples: LoadedInputs, sample_data: RunSampleData, params: RunParameters, progress: Progress, *,
    measure: StatisticsMeasure | None = None,
) -> tuple[HygieneFindings, LoadedInputs, RunSampleData]:
    """Computed image statistics (image folders, video frames, object crops); blank, uniform or grey video
    frames taken out of the input; near-duplicate groups; the ``lightly.*`` columns added to the
    numeric metadata; with ``--remove-near-duplicates`` every group's non-kept members taken out of the samples
    and of their per-sample data.

    Cost: the range search of :func:`~embedscope.neighbors.near_duplicates.near_duplicate_groups`; one decode
    of every image of a plain folder for the statistics, by ``measure`` (default: the local threads of
    :func:`~embedscope.ingest.image_statistics.folder_image_statistics`).

    Returns:
        The findings, and the samples and sample data the selection works on.

    Raises:
        ConfigError: a bad threshold; the removal would leave fewer than 2 samples.
    """
    threshold = near_duplicate_threshold(params)
    remove = bool(params.extra.get("remove_near_duplicates", False))
    statistics, image_root, sample_data = with_computed_statistics(samples, sample_data, params, progress,
                                                                   measure=measure)
    blank_frames, keep = blank_frames_out(samples, statistics, params.input_path)
    if keep is not None:
        samples, sample_data, statistics = _kept(samples, sample_data, statistics, keep)
    progress.stage(f"finding near-duplicates (distance < {threshold:g})")
    names = list(samples.input.names)
    groups = near_duplicate_groups(samples.input.vectors, threshold=threshold, exact=params.exact, seed=params.seed)
    if remove and groups.removed.size:
        samples, sample_data, statistics = _kept(samples, sample_data, statistics,
                                                 rows_left_by_removal(len(names), groups.removed))
    findings = HygieneFindings(
        groups=groups, names_before_removal=names, removed_from_input=remove, statistics=statistics,
        image_root=image_root, blank_frames=blank_frames,
    )
    return findings, samples, sample_data


def blank_frames_out(
    samples: LoadedInputs, statistics: dict[str, np.ndarray], input_path: object
) -> tuple[list[str] | None, np.ndarray | None]:
    """The blank, uniform or grey video frames of the input (by :func:`blank_rows` of their statistics) and the
    (increasing) input rows left without them; (None, None) when INPUT holds no videos, (names, None) when none
    is blank. Shared by the local and the cluster hygiene.

    Raises:
        ConfigError: fewer than 2 frames would be left.
    """
    if getattr(samples, "videos", None) is None or not statistics:
        return None, None
    blank = blank_rows(statistics)
    names = [samples.input.names[int(i)] for i in blank]
    if not blank.size:
        return names, None
    n = len(samples.input.names)
    keep = np.setdiff1d(np.arange(n), blank)
    if keep.size < 2:
        raise ConfigError(f"{input_path}: {blank.size} of {n} frames are blank, uniform or grey; "
                          "fewer than 2 frames are left to select from")
    return names, keep


def rows_left_by_removal(n: int, removed: np.ndarray) -> np.ndarray:
    """The (increasing) input rows ``--remove-near-duplicates`` keeps of ``n``; shared by the local and the
    cluster hygiene.

    Raises:
        ConfigError: fewer than 2 samples would be left.
    """
    keep = np.setdiff1d(np.arange(n), removed)
    if keep.size < 2:
        raise ConfigError("--remove-near-duplicates leaves fewer than 2 samples; use a smaller threshold")
    return keep


def with_computed_statistics(
    samples: LoadedInputs, sample_data: RunSampleData, params: RunParameters, progress: Progress, *,
    measure: StatisticsMeasure | None = None,
) -> tuple[dict[str, np.ndarray], Path | None, RunSampleData]:
    """The computed image statistics of the input (see :func:`find_hygiene`), the image folder they come from
    (plain image folders; else None), and ``sample_data`` with them added as ``lightly.*`` numeric columns.

    Reads ``samples.input.names`` only (never the vectors). Cost: one decode of every image of a plain folder,
    by ``measure(folder, names)`` (default :func:`~embedscope.ingest.image_statistics.folder_image_statistics`;
    ``run --engine ray`` passes Ray tasks).
    """
    image_root = samples.image_root if _is_plain_image_folder(samples) else None
    statistics = _computed_statistics(samples, image_root, progress, measure)
    if statistics:
        numeric = {**sample_data.input.numeric, **statistics}
        sources = {"metadata": Path(str(params.input_path)) / COMPUTED_SOURCE, **sample_data.input.sources}
        data_input = dataclasses.replace(sample_data.input, numeric=numeric, sources=sources)
        sample_data = dataclasses.replace(sample_data, input=data_input)
    return statistics, image_root, sample_data


def _computed_statistics(
    samples: LoadedInputs, image_root: Path | None, progress: Progress, measure: StatisticsMeasure | None
) -> dict[str, np.ndarray]:
    """``lightly.*`` → (n_input,) statistics: measured while embedding frames or crops, or (plain image
    folders) by decoding every image once more; empty for an embeddings file."""
    for details in (getattr(samples, "videos", None), getattr(samples, "crops", None)):
        if details is not None and details.statistics is not None:
            return details.statistics.aligned(samples.input.names)
    if image_root is None:
        return {}
    if measure is None:
        from embedscope.ingest.image_statistics import folder_image_statistics  # Pillow: the image extra

        measure = folder_image_statistics
    progress.stage("computing image statistics (sharpness, brightness, …)")
    return measure(image_root, samples.input.names)


def _kept(
    samples: LoadedInputs, sample_data: RunSampleData, statistics: dict[str, np.ndarray], keep: np.ndarray
) -> tuple[LoadedInputs, RunSampleData, dict[str, np.ndarray]]:
    """The samples, their data and statistics restricted to the input rows ``keep``."""
    samples = dataclasses.replace(samples, input=samples.input.subset(keep))
    sample_data = dataclasses.replace(sample_data, input=sample_data.input.subset(keep))
    return samples, sample_data, {key: values[keep] for key, values in statistics.items()}


def select_with_outliers(
    params: RunParameters,
    samples: LoadedInputs,
    config: SelectionConfig | None,
    sample_data: RunSampleData,
    progress: Progress,
) -> tuple[OutlierRobustSelection, Selection] | None:
    """Selection under ``--outliers``: k-center with outliers (Charikar et al. 2001 on a farthest-first
    coreset, see :mod:`embedscope.select.k_center_outliers`), or with a selection config its outliers taken
    out before the strategies run (:mod:`embedscope.select.outliers_with_config`); None without the flag or
    with ``--selected``.

    Raises:
        ConfigError: a bad outlier count, or a selection config that cannot be combined with ``--outliers``.
    """
    text = params.extra.get("outliers")
    if text is None or params.selected_path is not None:
        return None
    n_input = len(samples.input)
    n_outliers = parse_outlier_count(text, n_input)
    if config is not None:
        check_outliers_with_config(config, params)
    n_samples = picks_wanted(params, samples, config)
    how = "k-center with outliers" if config is None else f"{len(config.strategies)} strategies"
    progress.stage(f"selecting {n_samples:,} of {n_input:,} samples ignoring {n_outliers:,} outliers ({how})")
    if config is not None:
        return select_configured_without_outliers(
            samples, sample_data, config=config, n_samples=n_samples, n_outliers=n_outliers, params=params
        )
    datapool = samples.datapool.vectors if samples.datapool is not None else None
    robust = k_center_with_outliers(
        samples.input.vectors, n_samples=n_samples, n_outliers=n_outliers, datapool=datapool, seed=params.seed
    )
    return robust, robust_selection(robust)


def robust_selection(robust: OutlierRobustSelection) -> Selection:
    """The :class:`Selection` of a k-center-with-outliers result."""
    return Selection(indices=robust.indices, cover_distances=robust.cover_distances, cover_method=COVER_METHOD)


def _is_plain_image_folder(samples: LoadedInputs) -> bool:
    """Images on disk (not video frames, not object crops): names are files under ``image_root``."""
    no_frames = getattr(samples, "videos", None) is None and getattr(samples, "crops", None) is None
    return samples.image_root is not None and no_frames
