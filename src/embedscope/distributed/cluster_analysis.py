"""The analyze stage, and the one output file that needs every row, with the input on the cluster (an INPUT above
``--memory-budget``, :mod:`~embedscope.distributed.cluster_input`): the metrics (:mod:`~embedscope.distributed.cluster_metrics`), the 2-D views
(:mod:`~embedscope.distributed.cluster_scatter`), the example pairs and the per-group coverage, then
``data/embeddings.csv`` written block by block. The driver holds the small sets (k rows each), seeded samples
and per-row results, never the N × D matrix.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import numpy as np

from embedscope.analyze.example_pairs import N_EXAMPLE_PAIRS
from embedscope.analyze.hygiene import analyze_hygiene
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.distributed.block_maps import rows_at
from embedscope.distributed.block_pairs import example_pairs_on_blocks
from embedscope.distributed.cluster_metrics import SmallSets, extra_metrics_on_cluster, metrics_on_cluster
from embedscope.distributed.cluster_scatter import scatter_on_cluster
from embedscope.distributed.ray_errors import get_unwrapped
from embedscope.distributed.ray_select_stage import SelectedOnRay
from embedscope.distributed.vector_blocks import VectorBlocks
from embedscope.ingest.samples import LoadedInputs
from embedscope.io.lightly_csv import write_lightly_csv_blocks
from embedscope.pipeline import stages
from embedscope.progress import Progress
from embedscope.run_parameters import RunParameters


class KnownRows:
    """Rows of an (n, D) matrix known at some positions only (the selected and random samples), indexed like
    the matrix: what the per-group coverage reads of the input (:func:`embedscope.analyze.group_coverage.group_coverage`
    takes the rows of each group's selected and random members). Any other row raises KeyError."""

    def __init__(self, n_rows: int, positions: np.ndarray, vectors: np.ndarray) -> None:
        self.shape = (n_rows, vectors.shape[1])
        order = np.argsort(positions, kind="stable")
        self._positions, self._vectors = np.asarray(positions)[order], np.asarray(vectors)[order]

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        slot = np.minimum(np.searchsorted(self._positions, rows), max(0, len(self._positions) - 1))
        if rows.size and not (len(self._positions) and (self._positions[slot] == rows).all()):
            raise KeyError("a row that is neither selected nor in the random subset: the matrix is not on the driver")
        return self._vectors[slot] if rows.size else np.empty((0, self.shape[1]), dtype=self._vectors.dtype)


def analyze_on_cluster(
    samples: LoadedInputs, on_ray: SelectedOnRay, params: RunParameters, *, from_greedy: bool, memory_budget: int,
    progress: Progress, details: dict[str, object],
) -> stages.Analysis:
    """:func:`embedscope.pipeline.stages.analyze` for an input held as ``on_ray.blocks``; ``details`` (the engine
    JSON) gets the sizes of the driver-side samples and the searches' methods.

    ``Analysis.sets.input`` is the driver's (0, D) placeholder: the report stage reads only the sets' indices.
    """
    assert on_ray.blocks is not None
    blocks, selected = on_ray.blocks, on_ray.selected
    selection = selected.selection
    samples = stages.samples_of(samples, selected)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    random_indices = random_subset(blocks.n_rows, len(selection.indices), seed=params.seed)
    datapool = samples.datapool.vectors if samples.datapool is not None else None
    small = SmallSets(selected=on_ray.selected_vectors, random=rows_at(blocks, random_indices), datapool=datapool)
    sets = AnalysisSets(input=samples.input.vectors, selected_indices=selection.indices,
                        random_indices=random_indices, datapool=datapool)
    metrics = metrics_on_cluster(blocks, small, selected_cover=selection.cover_distances,
                                 selected_cover_method=selection.cover_method, exact=params.exact,
                                 seed=params.seed, memory_budget=memory_budget, progress=progress)
    seconds["metrics"], start = time.perf_counter() - start, time.perf_counter()
    extra, prdc_rows = extra_metrics_on_cluster(
        blocks, small, metrics, from_greedy=from_greedy, normalized=params.normalize, seed=params.seed,
        exact=params.exact, n_random_seeds=params.random_seeds, memory_budget=memory_budget, progress=progress,
    )
    seconds["extra metrics"], start = time.perf_counter() - start, time.perf_counter()
    scatter = scatter_on_cluster(blocks, names=samples.input.names, selected=selection.indices, datapool=datapool,
                                 seed=params.seed, memory_budget=memory_budget, progress=progress)
    seconds["projection"], start = time.perf_counter() - start, time.perf_counter()
    pairs = example_pairs_on_blocks(blocks, selection.indices, on_ray.selected_vectors, limit=N_EXAMPLE_PAIRS)
    seconds["examples"], start = time.perf_counter() - start, time.perf_counter()
    known = KnownRows(blocks.n_rows, np.concatenate([selection.indices, random_indices]),
                      np.concatenate([small.selected, small.random]))
    table = dataclasses.replace(samples.input, vectors=cast(np.ndarray, known))  # read by rows only (KnownRows)
    with_known = dataclasses.replace(samples, input=table)
    hygiene = analyze_hygiene(with_known, selected.sample_data, selected.hygiene, selected_indices=selection.indices,
                              random_indices=random_indices, metrics=metrics, seed=params.seed)
    seconds["hygiene"] = time.perf_counter() - start
    details["driverSamples"] = {
        "pcaFitRows": len(scatter.pca_fit_rows), "umapFitRows": len(scatter.umap_fit_rows), "prdcRealRows": prdc_rows,
    }
    details["searches"] = {name: {"method": found.method, "recall": found.recall} for name, found in metrics.search.items()}
    return stages.Analysis(
        sets=sets, metrics=metrics, extra_metrics=extra, pca=scatter.pca, umap=scatter.umap, example_pairs=pairs,
        hygiene=hygiene, seconds=seconds,
    )


def write_embeddings_csv_from_blocks(path: Path, blocks: VectorBlocks, names: list[str], labels: np.ndarray) -> None:
    """``data/embeddings.csv`` of the input held as ``blocks`` (rows in position order, the blocks of this package
    hold consecutive increasing positions), fetched and written one block at a time, in the local engine's format
    (:func:`embedscope.io.lightly_csv.write_lightly_csv_blocks`)."""
    def rows() -> Iterator[tuple[list[str], np.ndarray, np.ndarray]]:
        expected = 0
        for ref in blocks.refs:
            positions, vectors = get_unwrapped([ref])[0]
            if len(positions) and (positions[0] != expected or positions[-1] != expected + len(positions) - 1):
                raise RuntimeError("the blocks are not in consecutive row order")
            expected += len(positions)
            yield [names[int(i)] for i in positions], vectors, labels[positions]

    write_lightly_csv_blocks(path, blocks.dim, rows())
