"""The select stage on Ray: hygiene, THRESHOLD filters, then the composable k-center and its coverage map, on an
input gathered on the driver or held on the cluster (above ``--memory-budget``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.distributed.block_maps import rows_at, subset_blocks
from embedscope.distributed.cluster_hygiene import find_hygiene_on_cluster
from embedscope.distributed.coverage import METHOD as COVERAGE_METHOD
from embedscope.distributed.options import RayEngineOptions
from embedscope.distributed.ray_embed import EngineRecord
from embedscope.distributed.ray_image_statistics import image_statistics_on_ray
from embedscope.distributed.ray_selection import diversity_min_distance, select_on_blocks
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.errors import ConfigError
from embedscope.ingest.samples import LoadedInputs
from embedscope.pipeline import stages
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters
from embedscope.select.config import config_sample_request
from embedscope.select.hygiene import find_hygiene
from embedscope.select.path_metadata import with_path_metadata
from embedscope.select.run_sample_data import align_run_sample_data
from embedscope.select.run_selection import Selection, selection_from_names
from embedscope.select.sample_count import resolve_n_samples
from embedscope.select.strategies.threshold import apply_thresholds

BLOCKS_PER_PARTITION = 4  # round-1 partitions get a few blocks each, so blocks stay small (object-store friendly)
MIN_PARTITIONS = 2


@dataclass(frozen=True)
class SelectedOnRay:
    """The select stage's result, plus what the analysis of an input held on the cluster needs.

    Attributes:
        selected: as the local select stage's.
        blocks: the input the selection indexes (after ``--remove-near-duplicates``), when held on the cluster.
        selected_vectors: (k, D) float32 rows of the selected samples, in pick order.
    """

    selected: stages.Selected
    blocks: VectorBlocks | None
    selected_vectors: np.ndarray


def select_stage_on_ray(
    ingested: stages.Ingested, samples: LoadedInputs, params: RunParameters, progress: Progress,
    record: EngineRecord, options: RayEngineOptions, *, blocks: VectorBlocks | None = None, memory_budget: int,
) -> SelectedOnRay:
    """Align the side files, find near-duplicates, filter by thresholds and select by the composable k-center.

    Args:
        blocks: the input held on the cluster (``samples.input.vectors`` then has no rows); None: the input is
            ``samples.input.vectors``, cut into blocks here.

    Raises:
        ConfigError: ``--outliers`` or sequence selection (local engine only); thresholds that keep nothing.
        EmbedscopeError: as the local select stage (bad names in ``--selected``, bad sample counts).
    """
    sample_data = align_run_sample_data(ingested.side_files, samples)
    if params.extra.get("outliers") is not None:
        raise ConfigError("--outliers (k-center with outliers) runs on the local engine only; drop --engine ray")
    if params.selected_sequence_length > 1:
        raise ConfigError("selected_sequence_length (sequence selection) runs on the local engine only; drop --engine ray")
    if ingested.config is not None and ingested.config.lightly_path_regex is not None:
        sample_data = with_path_metadata(sample_data, ingested.config.lightly_path_regex)
    if blocks is None:
        hygiene, reduced, sample_data = find_hygiene(samples, sample_data, params, progress,
                                                     measure=image_statistics_on_ray)
    else:
        hygiene, reduced, sample_data, blocks = find_hygiene_on_cluster(
            samples, blocks, sample_data, params, progress, memory_budget=memory_budget)
    kept = reduced if reduced is not samples else None
    samples = reduced

    def done(selection: Selection, vectors: np.ndarray) -> SelectedOnRay:
        selected = stages.Selected(sample_data=sample_data, selection=selection, hygiene=hygiene, samples=kept)
        return SelectedOnRay(selected=selected, blocks=blocks, selected_vectors=vectors)

    if params.selected_path is not None:
        selection = selection_from_names(samples, params.selected_path)
        rows = samples.input.vectors[selection.indices] if blocks is None else rows_at(blocks, selection.indices)
        return done(selection, rows)
    config = ingested.config
    n_samples, proportion = params.n_samples, params.proportion
    if config is not None:
        n_samples, proportion = config_sample_request(config, cli_n_samples=n_samples, cli_proportion=proportion)
    n_input = len(samples.input)
    n_samples = resolve_n_samples(n_input, n_samples=n_samples, proportion=proportion)
    partitions = options.partitions or max(MIN_PARTITIONS, record.cluster.cpus)
    keep = np.ones(n_input, dtype=bool)
    if config is not None:
        prefix = f"{config.source}: " if config.source is not None else ""
        keep = apply_thresholds(list(enumerate(config.strategies)), sample_data.input, n=n_input, prefix=prefix)
        if not keep.any():
            raise ConfigError(f"{prefix}the THRESHOLD strategies keep no input sample; loosen a threshold")
    candidates = np.flatnonzero(keep)
    n_picks = min(n_samples, len(candidates))
    progress.stage(f"selecting {n_picks:,} of {len(candidates):,} samples on Ray (composable k-center, P = {partitions})")
    if blocks is None:
        vectors = samples.input.vectors if keep.all() else samples.input.vectors[candidates]
        candidate_blocks = VectorBlocks.from_array(vectors, n_blocks=BLOCKS_PER_PARTITION * partitions)
    else:
        candidate_blocks = blocks if keep.all() else subset_blocks(blocks, candidates)
    min_distance = diversity_min_distance(config, params.min_distance)
    result = select_on_blocks(
        candidate_blocks, n_samples=n_picks, partitions=partitions, min_distance=min_distance,
        datapool=samples.datapool.vectors if samples.datapool is not None else None,
    )
    record.details["selection"] = result.as_json()
    reason = f"only {len(candidates)} samples pass the thresholds" if n_picks < n_samples else None
    if result.stopped_by_min_distance:
        reason = f"no remaining sample is farther than the minimum distance {min_distance}"
    selection = Selection(
        indices=candidates[result.indices], cover_distances=result.cover if keep.all() else None,
        cover_method=COVERAGE_METHOD if keep.all() else None,
        stopped_early=reason is not None, stopped_reason=reason, n_filtered_out=int(np.count_nonzero(~keep)),
    )
    return done(selection, result.vectors)
