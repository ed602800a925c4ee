"""Nearest neighbours in the embedding come from the same photo; raw pixels do clearly worse."""

from __future__ import annotations

import numpy as np

from embedscope.embed.image_embedder import embed_images
from embedscope.embed.projection import l2_normalize_rows, project_features
from tests.embed.conftest import PHOTOS, photo, random_view

VIEWS_PER_PHOTO = 6
REQUIRED_ACCURACY = 0.9  # issue 4: >= 90 % of nearest neighbours come from the same photo
RAW_PIXEL_SIDE = 16  # raw-pixel baseline: 16x16x3 thumbnails, flattened
REQUIRED_MARGIN = 0.25  # the model must beat raw pixels by this much, so the test has teeth


def _nearest_neighbour_accuracy(vectors: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows whose nearest other row (float64 squared L2, brute force) has the same label."""
    v = vectors.astype(np.float64)
    distances = (v * v).sum(1)[:, None] + (v * v).sum(1)[None, :] - 2.0 * v @ v.T
    np.fill_diagonal(distances, np.inf)
    return float((labels[distances.argmin(axis=1)] == labels).mean())


def test_nearest_neighbour_is_the_same_photo() -> None:
    rng = np.random.default_rng(8)
    assert len(PHOTOS) >= 10
    views, labels = [], []
    for label, name in enumerate(PHOTOS):
        source = photo(name)
        for _ in range(VIEWS_PER_PHOTO):
            views.append(random_view(source, rng))
            labels.append(label)
    label_array = np.asarray(labels)

    features = embed_images(views, batch_size=16)
    model_accuracy = _nearest_neighbour_accuracy(l2_normalize_rows(features), label_array)
    projected_accuracy = _nearest_neighbour_accuracy(
        project_features(features, embedding_dim=32), label_array
    )
    pixels = np.stack(
        [
            np.asarray(view.resize((RAW_PIXEL_SIDE, RAW_PIXEL_SIDE)), dtype=np.float32).ravel()
            for view in views
        ]
    )
    pixel_accuracy = _nearest_neighbour_accuracy(l2_normalize_rows(pixels - pixels.mean(0)), label_array)

    assert model_accuracy >= REQUIRED_ACCURACY, model_accuracy
    assert projected_accuracy >= REQUIRED_ACCURACY, projected_accuracy
    assert pixel_accuracy <= model_accuracy - REQUIRED_MARGIN, (pixel_accuracy, model_accuracy)
