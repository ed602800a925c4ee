"""``--outliers Z`` together with ``--selection-config``: outliers first, then the configured strategies.

1. k-center with z outliers (:func:`~embedscope.select.k_center_outliers.k_center_with_outliers`, Charikar
   et al. 2001 on a farthest-first coreset) over the whole input, for the config's sample count k, names
   the z outliers: the input samples farthest from its k robust centres (∪ datapool);
2. the outliers leave the candidate set; the configured strategies (thresholds, then the weighted greedy
   of :func:`~embedscope.select.combined.select_with_config`) run on the rest, unchanged;
3. the coverage radius of the final selection (∪ datapool) is measured on the whole input, with and without
   the outliers.

Meaningful only when the strategies include DIVERSITY on EMBEDDINGS with a positive strength: the outliers
are the samples a k-center radius may ignore, and only a diversity objective would otherwise chase them. A
config without one, or one that stops by a condition instead of a count (``n_samples: -1`` with no
``--n-samples``/``--proportion``: k is unknown), is refused with one line naming the reason.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embedscope.errors import ConfigError
from embedscope.ingest.samples import LoadedInputs
from embedscope.neighbors.exact import METHOD as EXACT_METHOD
from embedscope.neighbors.exact import exact_nearest_in_other_set
from embedscope.run_parameters import RunParameters
from embedscope.select.config import DiversityStrategy, EmbeddingsInput, SelectionConfig
from embedscope.select.k_center_outliers import OutlierRobustSelection, k_center_with_outliers
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.run_selection import Selection, select_configured


def check_outliers_with_config(config: SelectionConfig, params: RunParameters) -> None:
    """Refuse the combinations of ``--outliers`` and a selection config that cannot be meaningful.

    Raises:
        ConfigError: no DIVERSITY on EMBEDDINGS with strength > 0, or no sample count (``n_samples: -1``).
    """
    where = f"{config.source}: " if config.source is not None else "--selection-config: "
    diverse = [
        entry for entry in config.strategies
        if isinstance(entry.strategy, DiversityStrategy) and isinstance(entry.input, EmbeddingsInput)
        and entry.strategy.strength > 0
    ]
    if not diverse:
        raise ConfigError(
            f"{where}--outliers needs a DIVERSITY strategy on EMBEDDINGS with a positive strength (outliers are "
            f"what a k-center radius may ignore); this config has: {'; '.join(config.strategy_summary())}"
        )
    if config.n_samples == -1 and params.n_samples is None and params.proportion is None:
        raise ConfigError(
            f"{where}--outliers needs a sample count, but n_samples: -1 stops by a stopping condition; "
            "give n_samples, proportion_samples, --n-samples or --proportion"
        )


def select_configured_without_outliers(
    samples: LoadedInputs,
    sample_data: RunSampleData,
    *,
    config: SelectionConfig,
    n_samples: int,
    n_outliers: int,
    params: RunParameters,
) -> tuple[OutlierRobustSelection, Selection]:
    """The outliers of k-center with outliers, then ``config``'s strategies on the other samples.

    Args:
        samples: the run's samples; input (n, d) float32.
        sample_data: the per-sample data aligned with ``samples.input``.
        config: a config :func:`check_outliers_with_config` accepts.
        n_samples: k (picks wanted); n_outliers: z, with k + z <= n.
        params: the run's parameters (``normalize`` and ``seed`` are used).

    Returns:
        The outcome as an :class:`OutlierRobustSelection` (indices: the configured selection, in input rows;
        cover distances and both radii measured on the whole input; coreset size and disk radius of step 1)
        and the :class:`Selection` (its early stop and threshold counts; cover distances over the whole input).

    Raises:
        ConfigError: counts out of range, or the strategies' own errors (missing data, thresholds keep none).

    Cost: :func:`k_center_with_outliers`, the configured selection on n - z samples, and one exact
    nearest-selected search of the input, O(n·k·d) in blocks.
    """
    vectors = samples.input.vectors
    n = len(samples.input)
    datapool = samples.datapool.vectors if samples.datapool is not None else None
    robust = k_center_with_outliers(vectors, n_samples=n_samples, n_outliers=n_outliers, datapool=datapool,
                                    seed=params.seed)
    keep = np.setdiff1d(np.arange(n), robust.outliers)
    candidates = dataclasses.replace(samples, input=samples.input.subset(keep))
    candidate_data = dataclasses.replace(sample_data, input=sample_data.input.subset(keep))
    chosen = select_configured(
        candidates, config=config, n_samples=n_samples, sample_data=candidate_data, normalize=params.normalize,
        seed=params.seed,
    )
    indices = keep[chosen.indices]
    cover = _cover_distances(vectors, indices, datapool)
    inliers = np.ones(n, dtype=bool)
    inliers[robust.outliers] = False
    outcome = OutlierRobustSelection(
        indices=indices, outliers=robust.outliers, cover_distances=cover,
        radius_with_outliers=float(cover.max()), radius_without_outliers=float(cover[inliers].max()),
        coreset_size=robust.coreset_size, disk_radius=robust.disk_radius,
    )
    return outcome, dataclasses.replace(chosen, indices=indices, cover_distances=cover, cover_method=EXACT_METHOD)


def _cover_distances(vectors: np.ndarray, indices: np.ndarray, datapool: np.ndarray | None) -> np.ndarray:
    """(n,) float64 distance of every input sample to selected ∪ datapool (inf when both are empty)."""
    cover = np.full(vectors.shape[0], np.inf)
    if indices.size:
        cover = exact_nearest_in_other_set(vectors, vectors[indices]).distances.astype(np.float64)
    if datapool is not None and len(datapool):
        cover = np.minimum(cover, exact_nearest_in_other_set(vectors, datapool).distances)
    return cover
