"""The Ray engine's durable embedding output: Parquet shards of (filename, content hash, raw features | failure).

A shard holds the samples of one embedding task: images (``shard-*``), video frames (``frames-*``) or object
crops (``crops-*``); frames and crops also carry their computed image statistics (``lightly.*`` columns). It is
written atomically (temporary file, then rename) and named after the content keys it holds, so a retried task
rewrites the same file instead of adding rows, and a rerun skips every key already in a shard: rows are never
written twice. The feature width is the model's (1280 for the default model).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedscope.io.atomic import atomic_path

IMAGE_SHARDS = "shard"  # shard file prefixes: one kind of sample per prefix
SHARD_GLOB = f"{IMAGE_SHARDS}-*.parquet"
SHARD_KEY_BYTES = 16  # 128-bit name: two different sets of images never share a shard file name
FILENAME, CONTENT_HASH, FEATURES, FAILURE = "filename", "content_hash", "features", "failure"


def _schema(feature_dim: int, statistics: Sequence[str]) -> pa.Schema:
    return pa.schema(
        [
            pa.field(FILENAME, pa.string(), nullable=False),
            pa.field(CONTENT_HASH, pa.string(), nullable=False),
            pa.field(FEATURES, pa.list_(pa.float32(), feature_dim)),  # null when the sample failed to decode
            pa.field(FAILURE, pa.string()),  # null when the sample was embedded
            *(pa.field(column, pa.float64()) for column in statistics),
        ]
    )


def shard_name(content_hashes: Sequence[str], prefix: str = IMAGE_SHARDS) -> str:
    """``<prefix>-<blake2b of the sorted hashes>.parquet``: the same samples always give the same name."""
    digest = hashlib.blake2b("\n".join(sorted(content_hashes)).encode("utf-8"), digest_size=SHARD_KEY_BYTES)
    return f"{prefix}-{digest.hexdigest()}.parquet"


def write_feature_shard(
    folder: Path,
    *,
    names: Sequence[str],
    content_hashes: Sequence[str],
    features: np.ndarray,
    ok: np.ndarray,
    failures: Sequence[str | None],
    name: str | None = None,
    statistics: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write one shard atomically.

    Args:
        names, content_hashes: one per sample.
        features: (ok.sum(), D) float32, rows for the samples where ``ok`` is True, in order (D: the model's).
        ok: (len(names),) bool.
        failures: the decode failure reason of each sample (None where ``ok``).
        name: the file name (default :func:`shard_name` of ``content_hashes``).
        statistics: ``lightly.<name>`` → (len(names),) float64 computed image statistics, or None.

    Returns:
        The shard's path.
    """
    feature_dim = int(features.shape[1])
    flat = np.zeros((len(names), feature_dim), dtype=np.float32)
    flat[ok] = features
    features_column = pa.FixedSizeListArray.from_arrays(
        pa.array(flat.reshape(-1), pa.float32()), feature_dim, mask=pa.array(~ok)
    )
    statistics = statistics or {}
    table = pa.Table.from_arrays(
        [pa.array(list(names), pa.string()), pa.array(list(content_hashes), pa.string()), features_column,
         pa.array(list(failures), pa.string()),
         *(pa.array(np.asarray(values, dtype=np.float64), pa.float64()) for values in statistics.values())],
        schema=_schema(feature_dim, list(statistics)),
    )
    target = Path(folder) / (name or shard_name(content_hashes))
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


@dataclass(frozen=True)
class ShardIndex:
    """Where each content hash's row lives.

    Attributes:
        location: content hash → (shard path, row in the shard).
        failures: content hash → decode failure reason, for images that could not be decoded.
    """

    location: dict[str, tuple[Path, int]]
    failures: dict[str, str]

    @property
    def n_rows(self) -> int:
        """Distinct content hashes held by the shards."""
        return len(self.location)


def list_shards(folder: Path, prefix: str = IMAGE_SHARDS) -> list[Path]:
    """The finished shards of one kind in ``folder`` (temporary files of interrupted writes are not listed)."""
    return sorted(Path(folder).glob(f"{prefix}-*.parquet"))


def read_shard_index(folder: Path, prefix: str = IMAGE_SHARDS) -> ShardIndex:
    """Read the hash and failure columns of every shard of one kind (not the features). Memory: O(rows)."""
    location: dict[str, tuple[Path, int]] = {}
    failures: dict[str, str] = {}
    for path in list_shards(folder, prefix):
        table = pq.read_table(path, columns=[CONTENT_HASH, FAILURE])
        for row, (digest, failure) in enumerate(
            zip(table.column(CONTENT_HASH).to_pylist(), table.column(FAILURE).to_pylist())
        ):
            location.setdefault(digest, (path, row))
            if failure is not None:
                failures.setdefault(digest, failure)
    return ShardIndex(location=location, failures=failures)


def read_shard_features(path: Path, rows: np.ndarray) -> np.ndarray:
    """(len(rows), D) float32 features at ``rows`` of one shard (rows of decoded samples only; D: the model's)."""
    column = pq.read_table(path, columns=[FEATURES]).column(FEATURES).combine_chunks()
    taken = column.take(pa.array(np.asarray(rows, dtype=np.int64)))
    flat = np.asarray(taken.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    return flat.reshape(len(rows), column.type.list_size)


def read_shard_statistics(path: Path, rows: np.ndarray) -> dict[str, np.ndarray]:
    """``lightly.<name>`` → (len(rows),) float64 statistics at ``rows`` of one shard (empty: none stored)."""
    names = [name for name in pq.read_schema(path).names if name not in (FILENAME, CONTENT_HASH, FEATURES, FAILURE)]
    taken = pq.read_table(path, columns=names).take(pa.array(np.asarray(rows, dtype=np.int64)))
    return {name: taken.column(name).to_numpy().astype(np.float64) for name in names}
