"""On-disk cache of raw image features, one ``.npz`` per dataset folder, keyed by file content hash."""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Collection
from pathlib import Path

import numpy as np

from embedscope.io.atomic import atomic_path

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1  # bump when the file layout changes; older files are then ignored
ROOT_KEY_BYTES = 8  # 64-bit hash of the folder path names the cache file


def feature_cache_path(cache_dir: Path, root: Path, *, model_key: str) -> Path:
    """The cache file for dataset folder ``root`` and one model:
    ``<cache_dir>/features/<hash of absolute root and model_key>.npz`` (each model keeps its own file)."""
    named = f"{Path(root).resolve()}\0{model_key}"
    key = hashlib.blake2b(named.encode("utf-8"), digest_size=ROOT_KEY_BYTES).hexdigest()
    return Path(cache_dir) / "features" / f"{key}.npz"


class FeatureCache:
    """Features and decode failures of files by content hash, for one dataset folder and one model.

    A cache written by another model (``model_key``) or format is ignored; an unreadable file is ignored with
    a warning. Memory: (entries, feature_dim) float32, 5 KB per image for 1280-d features.
    """

    def __init__(self, path: Path, model_key: str) -> None:
        self.path = Path(path)
        self.model_key = model_key
        self._rows: dict[str, np.ndarray] = {}
        self._failures: dict[str, str] = {}
        self._changed = False

    @classmethod
    def load(cls, path: Path, model_key: str) -> FeatureCache:
        """Read ``path`` if it exists and belongs to ``model_key``; otherwise an empty cache."""
        cache = cls(path, model_key)
        if not cache.path.is_file():
            return cache
        try:
            with np.load(cache.path, allow_pickle=False) as data:
                if int(data["format"]) != CACHE_FORMAT or str(data["model_key"]) != model_key:
                    logger.info("feature cache %s is for another model or format; starting afresh", path)
                    return cache
                features = np.asarray(data["features"], dtype=np.float32)
                cache._rows = dict(zip((str(d) for d in data["digests"]), features))
                cache._failures = {
                    str(d): str(r) for d, r in zip(data["failed_digests"], data["failed_reasons"])
                }
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            logger.warning("ignoring unreadable feature cache %s: %s", path, error)
            cache._rows, cache._failures = {}, {}
        return cache

    def features(self, digest: str) -> np.ndarray | None:
        """The cached (feature_dim,) float32 features of a file with this content hash, or None."""
        return self._rows.get(digest)

    def failure(self, digest: str) -> str | None:
        """The cached decode failure reason of a file with this content hash, or None."""
        return self._failures.get(digest)

    def add(self, digests: Collection[str], features: np.ndarray, failures: dict[str, str]) -> None:
        """Remember features ((len(digests), feature_dim) float32, row per digest) and decode failures."""
        for digest, row in zip(digests, np.asarray(features, dtype=np.float32)):
            self._rows[digest] = row
        self._failures.update(failures)
        self._changed = self._changed or bool(len(digests) or failures)

    def save(self, *, keep: Collection[str]) -> None:
        """Write the entries whose digest is in ``keep`` (others are dropped) atomically, if anything changed."""
        keep_set = set(keep)
        if not self._changed and keep_set.issuperset(self._rows) and keep_set.issuperset(self._failures):
            return
        digests = sorted(d for d in self._rows if d in keep_set)
        failed = sorted(d for d in self._failures if d in keep_set)
        features = np.stack([self._rows[d] for d in digests]) if digests else np.empty((0, 0), np.float32)
        with atomic_path(self.path) as tmp, tmp.open("wb") as handle:
            np.savez(
                handle,
                format=np.int64(CACHE_FORMAT),
                model_key=np.str_(self.model_key),
                digests=np.asarray(digests, dtype=str),
                features=features.astype(np.float32),
                failed_digests=np.asarray(failed, dtype=str),
                failed_reasons=np.asarray([self._failures[d] for d in failed], dtype=str),
            )
        self._changed = False
