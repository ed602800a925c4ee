"""LightlyOne's platform fields of ``report_v2.json`` with honest local values.

LightlyOne fills ``runUrl``, ``datasetId``, ``datasetUrl`` and ``annotationSavings`` from its cloud platform;
an offline run has no platform, so: the URLs are ``file://`` URLs of the output folder and of the input, the
dataset id is a content hash of the input (24 hex digits, the length of LightlyOne's ids), and the savings
follow from stated, configurable labelling-cost assumptions (:mod:`embedscope.io.annotation_costs`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from embedscope.io.annotation_costs import AnnotationCosts

DATASET_ID_HEX_DIGITS = 24  # LightlyOne's dataset ids are 24-hex-digit MongoDB ObjectIds
_READ_BLOCK = 1 << 20  # bytes hashed per read


@dataclass(frozen=True)
class PlatformFields:
    """The four required LightlyOne fields that have no computed counterpart in an offline run."""

    run_url: str
    dataset_id: str
    dataset_url: str
    annotation_savings: dict[str, dict[str, float]]


def dataset_id(input_path: Path) -> str:
    """A stable id of the input's content: SHA-256 of a file's bytes; for a folder, of every file's relative
    path and size in sorted order (reading every image of a large folder again would cost minutes; renaming,
    adding, removing or resizing a file changes the id, moving the folder does not). 24 hex digits.

    Raises:
        OSError: the input cannot be read.
    """
    digest = hashlib.sha256()
    path = Path(input_path)
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                file = Path(root) / name
                digest.update(f"{file.relative_to(path).as_posix()}\0{file.stat().st_size}\n".encode())
    else:
        with path.open("rb") as stream:
            while block := stream.read(_READ_BLOCK):
                digest.update(block)
    return digest.hexdigest()[:DATASET_ID_HEX_DIGITS]


def platform_fields(
    *, input_path: Path, out_dir: Path, n_not_selected: int, costs: AnnotationCosts
) -> PlatformFields:
    """The platform fields of one run.

    Args:
        input_path: the run's INPUT (embeddings file or folder).
        out_dir: the output folder (``runUrl``).
        n_not_selected: input samples that the selection removed (they need no label).
        costs: the labelling cost assumptions.
    """
    return PlatformFields(
        run_url=Path(out_dir).resolve().as_uri(),
        dataset_id=dataset_id(input_path),
        dataset_url=Path(input_path).resolve().as_uri(),
        annotation_savings=costs.savings(n_not_selected),
    )
