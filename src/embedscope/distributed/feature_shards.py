"""The Ray engine's durable embedding output: Parquet shards of (filename, content hash, raw features | failure).

A shard holds the images of one embedding task. It is written atomically (temporary file, then rename) and
named after the content hashes it holds, so a retried task rewrites the same file instead of adding rows, and
a rerun skips every content hash already in a shard: rows are never written twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embedscope.embed.model_spec import FEATURE_DIM
from embedscope.io.atomic import atomic_path

SHARD_GLOB = "shard-*.parquet"
SHARD_KEY_BYTES = 16  # 128-bit name: two different sets of images never share a shard file name
FILENAME, CONTENT_HASH, FEATURES, FAILURE = "filename", "content_hash", "features", "failure"
SCHEMA = pa.schema(
    [
        pa.field(FILENAME, pa.string(), nullable=False),
        pa.field(CONTENT_HASH, pa.string(), nullable=False),
        pa.field(FEATURES, pa.list_(pa.float32(), FEATURE_DIM)),  # null when the image failed to decode
        pa.field(FAILURE, pa.string()),  # null when the image was embedded
    ]
)


def shard_name(content_hashes: Sequence[str]) -> str:
    """``shard-<blake2b of the sorted hashes>.parquet``: the same images always give the same name."""
    digest = hashlib.blake2b("\n".join(sorted(content_hashes)).encode("ascii"), digest_size=SHARD_KEY_BYTES)
    return f"shard-{digest.hexdigest()}.parquet"


def write_feature_shard(
    folder: Path,
    *,
    names: Sequence[str],
    content_hashes: Sequence[str],
    features: np.ndarray,
    ok: np.ndarray,
    failures: Sequence[str | None],
) -> Path:
    """Write one shard atomically.

    Args:
        names, content_hashes: one per image.
        features: (ok.sum(), 1280) float32, rows for the images where ``ok`` is True, in order.
        ok: (len(names),) bool.
        failures: the decode failure reason of each image (None where ``ok``).

    Returns:
        The shard's path.
    """
    flat = np.zeros((len(names), FEATURE_DIM), dtype=np.float32)
    flat[ok] = features
    features_column = pa.FixedSizeListArray.from_arrays(
        pa.array(flat.reshape(-1), pa.float32()), FEATURE_DIM, mask=pa.array(~ok)
    )
    table = pa.Table.from_arrays(
        [pa.array(list(names), pa.string()), pa.array(list(content_hashes), pa.string()), features_column,
         pa.array(list(failures), pa.string())],
        schema=SCHEMA,
    )
    target = Path(folder) / shard_name(content_hashes)
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


def list_shards(folder: Path) -> list[Path]:
    """The finished shards in ``folder`` (temporary files of interrupted writes are not listed)."""
    return sorted(Path(folder).glob(SHARD_GLOB))


def read_shard_index(folder: Path) -> ShardIndex:
    """Read the hash and failure columns of every shard (not the features). Memory: O(rows)."""
    location: dict[str, tuple[Path, int]] = {}
    failures: dict[str, str] = {}
    for path in list_shards(folder):
        table = pq.read_table(path, columns=[CONTENT_HASH, FAILURE])
        for row, (digest, failure) in enumerate(
            zip(table.column(CONTENT_HASH).to_pylist(), table.column(FAILURE).to_pylist())
        ):
            location.setdefault(digest, (path, row))
            if failure is not None:
                failures.setdefault(digest, failure)
    return ShardIndex(location=location, failures=failures)


def read_shard_features(path: Path, rows: np.ndarray) -> np.ndarray:
    """(len(rows), 1280) float32 features at ``rows`` of one shard (rows of decoded images only)."""
    column = pq.read_table(path, columns=[FEATURES]).column(FEATURES).combine_chunks()
    taken = column.take(pa.array(np.asarray(rows, dtype=np.int64)))
    flat = np.asarray(taken.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    return flat.reshape(len(rows), FEATURE_DIM)
