"""Scanning an image folder: usable files, corrupt files, exact duplicates."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from embedscope.errors import InputFileError
from embedscope.ingest.file_walk import link_problem
from embedscope.ingest.image_decode import DECODE_ERRORS, describe_decode_error
from embedscope.ingest.image_files import find_image_files
from embedscope.io.relevant_filenames import RelevantFilenames

HASH_DIGEST_BYTES = 16  # 128-bit blake2b: accidental collisions are out of reach for any dataset size
READ_CHUNK_BYTES = 1 << 20  # hash large files in 1 MiB pieces so memory stays flat
SCAN_WORKERS = 4  # reading + hashing is I/O bound and hashlib releases the GIL; a few threads hide latency


@dataclass(frozen=True)
class ImageFolderScan:
    """What a folder holds, before any image is decoded in full.

    Attributes:
        root: the scanned folder.
        names: usable images, relative to ``root`` with ``/`` separators, sorted by code point.
        corrupt: name → one-line reason, for files that cannot be opened and decoded.
        duplicates: duplicate name → kept name (same bytes; the first name in sorted order is kept).
        content_hashes: name → blake2b hex digest of the file's bytes, for every name in ``names`` and
            ``duplicates`` (the embedding cache is keyed by it).
    """

    root: Path
    names: list[str]
    corrupt: dict[str, str]
    duplicates: dict[str, str]
    content_hashes: dict[str, str] = field(default_factory=dict)

    def with_corrupt(self, late_corrupt: Mapping[str, str]) -> ImageFolderScan:
        """This scan with more corrupt files (found while decoding for the embedding).

        A duplicate of a newly corrupt file has the same bytes, so it is corrupt too (and no longer a duplicate).

        Args:
            late_corrupt: name (in ``names``) → reason.

        Raises:
            InputFileError: no usable image is left.
        """
        if not late_corrupt:
            return self
        corrupt = dict(self.corrupt)
        corrupt.update(late_corrupt)
        duplicates: dict[str, str] = {}
        for name, kept in self.duplicates.items():
            if kept in late_corrupt:
                corrupt[name] = f"same bytes as corrupt file '{kept}': {late_corrupt[kept]}"
            else:
                duplicates[name] = kept
        names = [name for name in self.names if name not in late_corrupt]
        _require_usable(self.root, names, corrupt)
        return replace(self, names=names, corrupt=dict(sorted(corrupt.items())), duplicates=duplicates)


def file_digest(path: Path) -> str:
    """blake2b hex digest (:data:`HASH_DIGEST_BYTES`) of a file's bytes."""
    digest = hashlib.blake2b(digest_size=HASH_DIGEST_BYTES)
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def check_image_file(path: Path) -> tuple[str | None, str]:
    """Cheap checks (non-empty, header Pillow recognises) and the content hash: (reason or None, digest)."""
    if (broken := link_problem(path)) is not None:
        return broken, ""
    try:
        if path.stat().st_size == 0:
            return "empty file (0 bytes)", ""
        Image.open(path).close()  # parses the header only; the pixels are decoded for the embedding
        return None, file_digest(path)
    except DECODE_ERRORS as error:
        return describe_decode_error(error), ""


def _require_usable(root: Path, names: list[str], corrupt: Mapping[str, str]) -> None:
    if not names:
        raise InputFileError(
            root,
            f"all {len(corrupt)} image files are corrupt (first: '{min(corrupt)}': {corrupt[min(corrupt)]}); "
            "expected at least one readable jpg/jpeg/png/bmp/gif/tif/tiff/webp image",
        )


def listed_image_files(root: Path, relevant: RelevantFilenames | None = None) -> list[str]:
    """The image files below ``root`` (relative names) that take part: all, or those ``relevant`` lists.

    Raises:
        InputFileError: no image files, or ``relevant`` lists none of them.
    """
    names = find_image_files(root)
    if relevant is not None:
        names = relevant.keep(names)
        if not names:
            raise InputFileError(relevant.source, f"lists none of the image files below {root}")
    if not names:
        raise InputFileError(
            root, "no image files found (looked recursively for jpg, jpeg, png, bmp, gif, tif, tiff, webp)"
        )
    return names


def scan_image_folder(root: Path, *, relevant: RelevantFilenames | None = None) -> ImageFolderScan:
    """Find the images below ``root``, reject files that are empty or not images, and group exact duplicates.

    Only headers are parsed here; a file whose pixel data turns out to be undecodable (e.g. a truncated JPEG)
    is found when it is decoded for the embedding, and added with :meth:`ImageFolderScan.with_corrupt`.
    Cost: every file is read once (hashing); memory is O(number of files).

    ``relevant``: only the images it lists take part (LightlyOne's ``relevant_filenames_file``).

    Raises:
        InputFileError: ``root`` is not a folder, holds no (listed) image files, or every image is corrupt.
    """
    root = Path(root)
    all_names = listed_image_files(root, relevant)
    with ThreadPoolExecutor(max_workers=min(SCAN_WORKERS, os.cpu_count() or 1)) as pool:
        checks = list(pool.map(check_image_file, (root / name for name in all_names)))
    return scan_from_checks(root, all_names, checks)


def scan_from_checks(root: Path, all_names: list[str], checks: list[tuple[str | None, str]]) -> ImageFolderScan:
    """Group checked files into usable, corrupt and duplicate (the first name in sorted order is kept).

    Args:
        all_names: every image file below ``root``, sorted (:func:`find_image_files`).
        checks: :func:`check_image_file` of each name, in the same order (computed anywhere: threads, Ray).

    Raises:
        InputFileError: every image is corrupt.
    """
    names: list[str] = []
    corrupt: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    content_hashes: dict[str, str] = {}
    first_with_hash: dict[str, str] = {}
    for name, (reason, digest) in zip(all_names, checks):
        if reason is not None:
            corrupt[name] = reason
            continue
        content_hashes[name] = digest
        kept = first_with_hash.setdefault(digest, name)
        if kept == name:
            names.append(name)
        else:
            duplicates[name] = kept
    _require_usable(root, names, corrupt)
    return ImageFolderScan(
        root=root, names=names, corrupt=corrupt, duplicates=duplicates, content_hashes=content_hashes
    )
