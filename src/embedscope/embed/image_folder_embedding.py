"""Embedding every usable image of a scanned folder, reusing cached features."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embedscope.embed.cache_location import resolve_cache_dir
from embedscope.embed.feature_cache import FeatureCache, feature_cache_path
from embedscope.embed.image_embedder import DEFAULT_BATCH_SIZE, embed_image_files
from embedscope.embed.model_choice import ModelChoice, load_feature_extractor
from embedscope.embed.projection import project_features
from embedscope.errors import InputFileError
from embedscope.ingest.image_folder import ImageFolderScan, file_digest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageFolderEmbeddings:
    """The embeddings of a folder's images.

    Attributes:
        scan: the input scan updated with the files that failed to decode (``scan.with_corrupt``):
            ``scan.names`` are exactly the embedded images, in the row order of ``vectors``, and
            ``scan.corrupt`` / ``scan.duplicates`` are the final lists for the report.
        vectors: (len(scan.names), embedding_dim or 1280) float32, L2-normalised rows.
        late_corrupt: name → reason for files that passed the scan but failed to decode (included in
            ``scan.corrupt``; also remembered by the cache, so a re-run reports them without decoding).
        n_embedded: images decoded and run through the network in this call (0 when all came from the cache).
        n_from_cache: images whose features came from the cache.
    """

    scan: ImageFolderScan
    vectors: np.ndarray
    late_corrupt: dict[str, str]
    n_embedded: int
    n_from_cache: int

    @property
    def names(self) -> list[str]:
        """The embedded images (same as ``scan.names``), one per row of ``vectors``."""
        return self.scan.names


def embed_image_folder(
    scan: ImageFolderScan,
    *,
    embedding_dim: int = 32,
    batch_size: int = DEFAULT_BATCH_SIZE,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    model: ModelChoice | None = None,
) -> ImageFolderEmbeddings:
    """Embed the usable images of ``scan`` with the image model (EfficientNet-Lite0 by default), then PCA + L2
    normalisation.

    Files are decoded once (in parallel, JPEG draft mode) and run through the ONNX model in batches. Features
    are cached in ``<cache_dir>/features/<hash of the folder path and the model>.npz`` keyed by the file content
    hash, so a re-run only decodes new or changed files, and switching models never mixes their vectors. A file that cannot be decoded is moved to ``corrupt``.

    Args:
        scan: from :func:`~embedscope.ingest.image_folder.scan_image_folder`.
        embedding_dim: PCA output dimension; 0 keeps the 1280 features.
        batch_size: images per network call.
        cache_dir: cache folder (default: ``$EMBEDSCOPE_CACHE_DIR``, ``$XDG_CACHE_HOME/embedscope`` or
            ``~/.cache/embedscope``); the model is exported there on first use (needs torch once).
        progress: called as ``progress(done, total)`` with ``total = len(scan.names)``.
        model: the image model (default: EfficientNet-Lite0, float32, CPU).

    Memory: (len(scan.names), feature_dim) float32 raw features plus the cache (5 KB per image each).

    Raises:
        InputFileError: every image is corrupt, or fewer than 2 usable images for the PCA (naming the folder).
        ConfigError: ``embedding_dim`` out of range.
        EmbedscopeError: a model that cannot be used (see :class:`FeatureExtractor`).
    """
    _require_images_for_pca(scan, len(scan.names), embedding_dim)  # before any decoding
    cache_folder = resolve_cache_dir(cache_dir)
    extractor = load_feature_extractor(model, cache_folder)
    model_key = extractor.spec.key
    cache = FeatureCache.load(feature_cache_path(cache_folder, scan.root, model_key=model_key), model_key)
    digests = [scan.content_hashes.get(name) or file_digest(scan.root / name) for name in scan.names]
    total = len(scan.names)
    features = np.empty((total, extractor.feature_dim), dtype=np.float32)
    late_corrupt: dict[str, str] = {}
    to_embed: list[int] = []
    for index, (name, digest) in enumerate(zip(scan.names, digests)):
        cached = cache.features(digest)
        failure = cache.failure(digest)
        if cached is not None:
            features[index] = cached
        elif failure is not None:
            late_corrupt[name] = failure
        else:
            to_embed.append(index)
    n_from_cache = total - len(to_embed) - len(late_corrupt)
    already_done = total - len(to_embed)
    if progress is not None:
        progress(already_done, total)
    n_embedded = 0
    if to_embed:
        result = embed_image_files(
            [scan.root / scan.names[i] for i in to_embed],
            batch_size=batch_size,
            cache_dir=cache_folder,
            model=model,
            progress=None if progress is None else (lambda done: progress(already_done + done, total)),
        )
        embedded_rows = [to_embed[i] for i in result.ok]
        features[embedded_rows] = result.features
        new_failures = {to_embed[i]: reason for i, reason in result.failures.items()}
        late_corrupt.update({scan.names[row]: reason for row, reason in new_failures.items()})
        cache.add(
            [digests[row] for row in embedded_rows],
            result.features,
            {digests[row]: reason for row, reason in new_failures.items()},
        )
        n_embedded = len(embedded_rows)
    cache.save(keep=digests)
    logger.info(
        "image features: %d embedded, %d from cache, %d failed to decode",
        n_embedded,
        n_from_cache,
        len(late_corrupt),
    )
    final_scan = scan.with_corrupt(dict(sorted(late_corrupt.items())))
    usable = np.asarray([name not in late_corrupt for name in scan.names], dtype=bool)
    _require_images_for_pca(final_scan, int(usable.sum()), embedding_dim)
    vectors = project_features(features[usable], embedding_dim=embedding_dim)
    return ImageFolderEmbeddings(
        scan=final_scan,
        vectors=vectors,
        late_corrupt=dict(sorted(late_corrupt.items())),
        n_embedded=n_embedded,
        n_from_cache=n_from_cache,
    )


def _require_images_for_pca(scan: ImageFolderScan, n_usable: int, embedding_dim: int) -> None:
    """The PCA to ``embedding_dim`` (not 0) needs 2 images; say so naming the folder and what was left out."""
    if embedding_dim == 0 or n_usable >= 2:
        return
    raise InputFileError(
        scan.root,
        f"has {n_usable} usable image(s) ({len(scan.corrupt)} corrupt, {len(scan.duplicates)} duplicate(s) set "
        "aside); at least 2 different readable images are needed",
    )
