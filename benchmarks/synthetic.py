"""Clustered synthetic embeddings for benchmarks: what image embeddings roughly look like.

Gaussian blobs around random directions, with unequal sizes and spreads, L2-normalised (as embedscope
normalises by default).
"""

from __future__ import annotations

import numpy as np

SPREAD_RANGE = (0.3, 0.7)
"""Per-cluster noise norm relative to the unit centre: tight and loose clusters, some overlapping."""

SIZE_CONCENTRATION = 2.0
"""Dirichlet concentration of cluster sizes: unequal clusters (largest ~3-5× the mean), none empty in practice."""

CHUNK_ROWS = 1 << 18
"""Rows generated at a time, so that 1M × 32 needs no float64 copy of the whole array."""


def clustered_embeddings(n: int, d: int, *, n_clusters: int = 50, seed: int = 0) -> np.ndarray:
    """(n, d) float32 L2-normalised embeddings in ``n_clusters`` Gaussian clusters, deterministic in ``seed``.

    Rows are in random cluster order (not grouped by cluster).
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    spreads = rng.uniform(*SPREAD_RANGE, size=n_clusters)
    weights = rng.dirichlet(np.full(n_clusters, SIZE_CONCENTRATION))
    labels = rng.choice(n_clusters, size=n, p=weights)
    out = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        lab = labels[start:stop]
        noise = rng.standard_normal((stop - start, d)) * (spreads[lab] / np.sqrt(d))[:, None]
        block = centres[lab] + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out
