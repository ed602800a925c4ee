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


ISOTROPIC_SHARE = 0.1
"""With ``intrinsic_dim``: the share of each cluster's noise norm spread evenly over all d dimensions."""


def clustered_embeddings(
    n: int,
    d: int,
    *,
    n_clusters: int = 50,
    seed: int = 0,
    intrinsic_dim: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """(n, d) float32 L2-normalised embeddings in ``n_clusters`` Gaussian clusters, deterministic in ``seed``.

    Rows are in random cluster order (not grouped by cluster). With ``intrinsic_dim`` r, each cluster's
    noise lies mostly in its own random r-dimensional subspace (plus ISOTROPIC_SHARE of isotropic noise),
    as in real CLIP/DINOv2 embeddings, whose intrinsic dimension is a few tens at 512–1024 dimensions;
    without it the noise is isotropic in all d dimensions (the hardest case for any pruning).
    ``out``: an (n, d) float32 array to fill (e.g. a memory-mapped .npy), else a new one.
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_clusters, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    spreads = rng.uniform(*SPREAD_RANGE, size=n_clusters)
    weights = rng.dirichlet(np.full(n_clusters, SIZE_CONCENTRATION))
    labels = rng.choice(n_clusters, size=n, p=weights)
    bases = None
    if intrinsic_dim is not None:
        bases = [np.linalg.qr(rng.standard_normal((d, intrinsic_dim)))[0].T for _ in range(n_clusters)]
    out = np.empty((n, d), dtype=np.float32) if out is None else out
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        lab = labels[start:stop]
        if bases is None:
            noise = rng.standard_normal((stop - start, d)) * (spreads[lab] / np.sqrt(d))[:, None]
        else:
            noise = rng.standard_normal((stop - start, d)) * (ISOTROPIC_SHARE / np.sqrt(d))
            low = rng.standard_normal((stop - start, intrinsic_dim)) * np.sqrt(
                (1.0 - ISOTROPIC_SHARE**2) / intrinsic_dim
            )
            for c in np.unique(lab):
                rows = lab == c
                noise[rows] += low[rows] @ bases[c]
            noise *= spreads[lab][:, None]
        block = centres[lab] + noise
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out
