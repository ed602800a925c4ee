"""The select stage's hygiene with the input on the cluster: near-duplicate groups from block-pair range searches
(:func:`embedscope.distributed.block_pairs.pairs_within_on_blocks`), grouped and given representatives exactly as
the local engine does (:func:`embedscope.neighbors.near_duplicates.groups_from_pairs`), and
``--remove-near-duplicates`` as a subset of the blocks. The computed image statistics are the local engine's: a
plain image folder's measured by Ray tasks (:func:`embedscope.distributed.ray_image_statistics.image_statistics_on_ray`),
video frames' and object crops' measured while embedding; an embeddings file has none. Blank, uniform or grey
video frames leave the input first, as locally.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from embedscope.distributed.block_maps import rows_at, subset_blocks
from embedscope.distributed.block_pairs import pairs_within_on_blocks
from embedscope.distributed.ray_image_statistics import image_statistics_on_ray
from embedscope.distributed.vector_blocks import BYTES_PER_VALUE, VectorBlocks
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.embedding_table import EmbeddingTable
from embedscope.neighbors.near_duplicates import groups_from_pairs
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters
from embedscope.select.hygiene import (
    HygieneFindings,
    blank_frames_out,
    near_duplicate_threshold,
    rows_left_by_removal,
    with_computed_statistics,
)
from embedscope.select.run_sample_data import RunSampleData


def table_rows(table: EmbeddingTable, keep: np.ndarray) -> EmbeddingTable:
    """The names and per-row columns of ``table`` at rows ``keep``; ``vectors`` (no rows on the driver) kept."""
    def rows(column: np.ndarray) -> np.ndarray:
        return column[keep] if len(column) == len(table.names) else column

    return dataclasses.replace(
        table, names=[table.names[int(i)] for i in keep], labels=rows(table.labels), masked=rows(table.masked),
        marked_selected=rows(table.marked_selected),
    )


def find_hygiene_on_cluster(
    samples: LoadedInputs, blocks: VectorBlocks, sample_data: RunSampleData, params: RunParameters,
    progress: Progress, *, memory_budget: int,
) -> tuple[HygieneFindings, LoadedInputs, RunSampleData, VectorBlocks]:
    """:func:`embedscope.select.hygiene.find_hygiene` for an input held as ``blocks`` (an embeddings file, an image
    folder, video frames or object crops): blank video frames out (from the frames' statistics; rows of the blocks
    subset on the cluster), then the near-duplicate groups of the rest.

    The group members' rows are gathered once when they fit a quarter of ``memory_budget``, else group by group.

    Returns:
        The findings, and the samples, sample data and blocks the selection works on.

    Raises:
        ConfigError: a bad threshold; the blank frames or the removal would leave fewer than 2 samples.
    """
    threshold = near_duplicate_threshold(params)
    statistics, image_root, sample_data = with_computed_statistics(samples, sample_data, params, progress,
                                                                   measure=image_statistics_on_ray)
    blank_frames, keep = blank_frames_out(samples, statistics, params.input_path)
    if keep is not None:
        samples, sample_data, statistics, blocks = _kept(samples, sample_data, statistics, blocks, keep)
    progress.stage(f"finding near-duplicates on Ray (distance < {threshold:g})")
    pairs = pairs_within_on_blocks(blocks, threshold=threshold)
    members = np.unique(np.concatenate([pairs.first, pairs.second]))
    if members.size * blocks.dim * BYTES_PER_VALUE <= memory_budget // 4:
        gathered = rows_at(blocks, members)

        def rows_of(rows: np.ndarray) -> np.ndarray:
            return gathered[np.searchsorted(members, rows)]
    else:
        def rows_of(rows: np.ndarray) -> np.ndarray:
            return rows_at(blocks, rows)

    groups = groups_from_pairs(pairs, n=blocks.n_rows, threshold=threshold, rows_of=rows_of)
    names = list(samples.input.names)
    remove = bool(params.extra.get("remove_near_duplicates", False))
    if remove and groups.removed.size:
        samples, sample_data, statistics, blocks = _kept(samples, sample_data, statistics, blocks,
                                                         rows_left_by_removal(blocks.n_rows, groups.removed))
    findings = HygieneFindings(groups=groups, names_before_removal=names, removed_from_input=remove,
                               statistics=statistics, image_root=image_root, blank_frames=blank_frames)
    return findings, samples, sample_data, blocks


def _kept(
    samples: LoadedInputs, sample_data: RunSampleData, statistics: dict[str, np.ndarray], blocks: VectorBlocks,
    keep: np.ndarray,
) -> tuple[LoadedInputs, RunSampleData, dict[str, np.ndarray], VectorBlocks]:
    """The samples, their data, statistics and blocks restricted to the input rows ``keep`` (increasing)."""
    samples = dataclasses.replace(samples, input=table_rows(samples.input, keep))
    sample_data = dataclasses.replace(sample_data, input=sample_data.input.subset(keep))
    statistics = {key: values[keep] for key, values in statistics.items()}
    return samples, sample_data, statistics, subset_blocks(blocks, keep)
