"""An N × D embedding matrix held as blocks in the Ray object store, so the driver never needs all of it.

Each block is one object: ``(positions, vectors)``, positions (m,) int64 rows of the whole matrix and vectors
(m, D) float32. Blocks come from the embedding (one per shard), from an array already in memory, or from a
memory-mapped ``.npy`` file read by Ray tasks.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedscope.errors import EmbedscopeError

DEFAULT_BUDGET_FRACTION = 0.25
"""Default ``--memory-budget``: a quarter of this machine's RAM for the matrix, leaving room for the report."""
BYTES_PER_VALUE = 4  # float32
MIN_DRIVER_SAMPLE = 1_000
"""Rows a driver-side sample (PCA / UMAP fit, PRDC reference, k-means training) keeps at least, whatever the budget."""
SAMPLE_SHARE_OF_BUDGET = 16
"""A driver-side sample takes at most 1/16 of ``--memory-budget`` as float32: the fits hold a few copies of it."""


class MemoryBudgetError(EmbedscopeError):
    """The N × D matrix does not fit the driver's memory budget."""


def default_memory_budget() -> int:
    """:data:`DEFAULT_BUDGET_FRACTION` of the physical memory, in bytes."""
    return int(DEFAULT_BUDGET_FRACTION * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def driver_sample_rows(local_size: int, *, dim: int, memory_budget: int) -> int:
    """Rows of a seeded sample gathered on the driver when the matrix is not: the local engine's ``local_size``,
    fewer when that would pass 1/:data:`SAMPLE_SHARE_OF_BUDGET` of the budget (never under :data:`MIN_DRIVER_SAMPLE`)."""
    fits = memory_budget // (SAMPLE_SHARE_OF_BUDGET * dim * BYTES_PER_VALUE)
    return max(MIN_DRIVER_SAMPLE, min(local_size, int(fits)))


def _read_npy_rows(path: str, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.load(path, mmap_mode="r")[start:stop]
    return np.arange(start, stop, dtype=np.int64), np.ascontiguousarray(rows, dtype=np.float32)


@dataclass(frozen=True)
class VectorBlocks:
    """The blocks of an (n_rows, dim) float32 matrix.

    Attributes:
        refs: Ray ObjectRefs, each to ``(positions (m,) int64, vectors (m, dim) float32)``; together the
            positions are 0..n_rows-1, each once.
    """

    refs: list[Any]
    n_rows: int
    dim: int

    @property
    def nbytes(self) -> int:
        """Bytes of the whole matrix as float32."""
        return self.n_rows * self.dim * BYTES_PER_VALUE

    @classmethod
    def from_position_refs(cls, refs: list[Any], *, n_rows: int, dim: int) -> VectorBlocks:
        """Blocks already in the object store (or being computed by tasks)."""
        return cls(refs=list(refs), n_rows=n_rows, dim=dim)

    @classmethod
    def from_array(cls, vectors: np.ndarray, *, n_blocks: int) -> VectorBlocks:
        """Cut an in-memory (n, dim) array into ``n_blocks`` contiguous blocks and put them in the object store."""
        import ray

        bounds = np.linspace(0, len(vectors), max(1, n_blocks) + 1).astype(np.int64)
        refs = [
            ray.put((np.arange(a, b, dtype=np.int64), np.ascontiguousarray(vectors[a:b], dtype=np.float32)))
            for a, b in itertools.pairwise(bounds)
            if b > a
        ]
        return cls(refs=refs, n_rows=len(vectors), dim=int(vectors.shape[1]))

    @classmethod
    def from_npy(cls, path: Path, *, rows_per_block: int) -> VectorBlocks:
        """Blocks read by Ray tasks out of a (n, dim) ``.npy`` file (memory-mapped; the driver reads only the
        header). The file must be on storage every node sees."""
        import ray

        header = np.load(path, mmap_mode="r")
        n_rows, dim = header.shape
        del header
        read = ray.remote(num_returns=1, max_retries=3)(_read_npy_rows)
        refs = [read.remote(str(path), a, min(a + rows_per_block, n_rows)) for a in range(0, n_rows, rows_per_block)]
        return cls(refs=refs, n_rows=int(n_rows), dim=int(dim))

    def gather(self, *, memory_budget: int) -> np.ndarray:
        """The whole (n_rows, dim) float32 matrix on the driver.

        Raises:
            MemoryBudgetError: ``nbytes`` exceeds ``memory_budget``.
        """
        import ray

        if self.nbytes > memory_budget:
            raise MemoryBudgetError(
                f"the {self.n_rows:,} × {self.dim} embeddings take {self.nbytes / 2**20:,.0f} MiB, more than "
                f"--memory-budget {memory_budget / 2**20:,.0f} MiB; raise --memory-budget or use a larger driver"
            )
        out = np.empty((self.n_rows, self.dim), dtype=np.float32)
        for ref in self.refs:
            positions, vectors = ray.get(ref)
            out[positions] = vectors
        return out
