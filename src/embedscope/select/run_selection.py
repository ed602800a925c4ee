"""The select stage: k-center greedy, LightlyOne-style strategies, or a list of names selected elsewhere."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedscope.errors import ConfigError, InputFileError
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.name_matching import NameIndex, rows_of
from embedscope.io.selection_file import read_selected_names
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters
from embedscope.select.combined import select_with_config
from embedscope.select.config import SelectionConfig, config_sample_request
from embedscope.select.k_center_greedy import COVER_METHOD, k_center_greedy
from embedscope.select.queries import resolve_queries
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.sample_count import resolve_n_samples


@dataclass(frozen=True)
class Selection:
    """The selected input rows.

    Attributes:
        indices: (k,) int64 rows of the input, in pick order.
        cover_distances: (n_input,) float64 distances to selected ∪ datapool, when the method yields them.
        cover_method: how ``cover_distances`` were found, in the words of the report's
            ``embedscopeNeighborSearch`` (e.g. :data:`embedscope.select.k_center_greedy.COVER_METHOD`); None
            without them.
        stopped_early: a stopping condition (or the thresholds) ended the selection before n_samples.
        stopped_reason: why, in words, when known.
        n_filtered_out: input samples removed by THRESHOLD strategies.
    """

    indices: np.ndarray
    cover_distances: np.ndarray | None
    cover_method: str | None = None
    stopped_early: bool = False
    stopped_reason: str | None = None
    n_filtered_out: int = 0


def select_diverse(inputs: LoadedInputs, *, n_samples: int, min_distance: float | None) -> Selection:
    """Textbook k-center greedy over the input, seeded by the datapool."""
    datapool = inputs.datapool.vectors if inputs.datapool is not None else None
    result = k_center_greedy(inputs.input.vectors, n_samples=n_samples, datapool=datapool, min_distance=min_distance)
    if len(result.indices) == 0 and datapool is None:
        raise ConfigError(
            f"--min-distance {min_distance} stopped the selection before its first pick; use a smaller value"
        )
    return Selection(
        indices=np.asarray(result.indices, dtype=np.int64),
        cover_distances=np.asarray(result.min_distances, dtype=np.float64),
        cover_method=COVER_METHOD,
        stopped_early=bool(result.stopped_by_min_distance),
        stopped_reason=f"no remaining sample is farther than --min-distance {min_distance}"
        if result.stopped_by_min_distance else None,
    )


def selection_from_names(inputs: LoadedInputs, selected_path: Path) -> Selection:
    """The rows named in ``selected_path`` (a filename list, or a CSV's rows with ``selected`` = 1).

    Raises:
        InputFileError: a name that is not in INPUT (lists up to three).
    """
    names = read_selected_names(selected_path)
    rows, missing = rows_of(names, NameIndex(inputs.input.names))
    if missing:
        shown = ", ".join(f"'{n}'" for n in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise InputFileError(selected_path, f"{len(missing)} name(s) not in the input: {shown}")
    return Selection(indices=np.array(rows, dtype=np.int64), cover_distances=None)


def select_configured(
    inputs: LoadedInputs,
    *,
    config: SelectionConfig,
    n_samples: int,
    sample_data: RunSampleData,
    normalize: bool,
    seed: int,
) -> Selection:
    """LightlyOne-style strategies: thresholds filter, then one greedy pass over the weighted objectives."""
    outcome = select_with_config(
        inputs.input.vectors,
        config=config,
        n_samples=n_samples,
        sample_data=sample_data.input,
        names=inputs.input.names,
        datapool=inputs.datapool.vectors if inputs.datapool is not None else None,
        query_embeddings=resolve_queries(config, inputs, normalize=normalize),
        seed=seed,
    )
    return Selection(
        indices=np.asarray(outcome.indices, dtype=np.int64),
        cover_distances=None if outcome.cover_distances is None else np.asarray(outcome.cover_distances, np.float64),
        cover_method=outcome.cover_method,
        stopped_early=outcome.stopped_reason is not None,
        stopped_reason=outcome.stopped_reason,
        n_filtered_out=int(np.count_nonzero(outcome.filtered_out)),
    )


def picks_wanted(params: RunParameters, inputs: LoadedInputs, config: SelectionConfig | None) -> int:
    """How many samples to pick: ``--n-samples``/``--proportion`` (or the config's size), less the rows a
    Lightly CSV marks selected.

    Raises:
        ConfigError: a bad sample count, or marked rows that use up the budget.
    """
    n_samples, proportion = params.n_samples, params.proportion
    if config is not None:
        n_samples, proportion = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=proportion)
    n_total = len(inputs.input) + inputs.n_marked_selected
    return _budget_left(inputs, resolve_n_samples(n_total, n_samples=n_samples, proportion=proportion))


def _budget_left(inputs: LoadedInputs, n_samples: int) -> int:
    """Picks left once the rows a Lightly CSV marks ``selected`` are counted (they are already selected).

    Raises:
        ConfigError: the marked rows use up the whole budget.
    """
    left = n_samples - inputs.n_marked_selected
    if left < 1:
        raise ConfigError(
            f"{inputs.input.source}: {inputs.n_marked_selected} rows are marked selected, which uses up the "
            f"budget of {n_samples} samples; ask for more samples or unmark rows"
        )
    return left


def select_samples(
    params: RunParameters,
    inputs: LoadedInputs,
    config: SelectionConfig | None,
    sample_data: RunSampleData,
    progress: Progress,
) -> Selection:
    """The select stage: names selected elsewhere (``report --selected``), a strategy config, or k-center greedy.

    Raises:
        ConfigError: a bad sample count, or a min-distance that stops before the first pick.
        InputFileError: a selected name not in INPUT.
    """
    n_input = len(inputs.input)
    if params.selected_path is not None:
        return selection_from_names(inputs, params.selected_path)
    n_samples = picks_wanted(params, inputs, config)
    if config is None:
        progress.stage(f"selecting {n_samples:,} of {n_input:,} samples (k-center greedy)")
        return select_diverse(inputs, n_samples=n_samples, min_distance=params.min_distance)
    progress.stage(f"selecting {n_samples:,} of {n_input:,} samples ({len(config.strategies)} strategies)")
    return select_configured(
        inputs, config=config, n_samples=n_samples, sample_data=sample_data, normalize=params.normalize,
        seed=params.seed,
    )
