"""LightlyOne's ``lightly_path_regex``: metadata read from the samples' file paths (e.g. a camera id).

LightlyOne's schema describes the key as "The Lightly Path Regex to extract information from filenames for
metadata balancing and more" and documents nothing further, so embedscope reads it as follows (stated in the
README): the value is a Python regular expression with at least one *named* group; it is searched
(:func:`re.search`) in each sample's name — its path relative to INPUT with ``/`` separators (video frames:
``<video path without extension>-<frame>-<ext>.png``, object crops: ``<image path without extension>-<object>-
<ext>.png``) — and every named group becomes a categorical metadata column of that name, holding the group's
text, or nothing (a missing value) when the path does not match or the group took no part in the match. The
columns are used like ``--metadata`` columns: ``input: {type: METADATA, key: camera}`` in BALANCE, and per set
in the report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from embedscope.errors import ConfigError
from embedscope.select.path_regex import compile_path_regex
from embedscope.select.run_sample_data import RunSampleData
from embedscope.select.sample_data import SampleData

SOURCE = Path("lightly_path_regex")  # what the report names as the origin of the columns without a --metadata file


def path_metadata_columns(names: Sequence[str], pattern: str) -> dict[str, np.ndarray]:
    """Group name → (n,) object array of the group's text in each name, None where it did not match.

    Raises:
        ValueError: as :func:`compile_path_regex`.
    """
    compiled = compile_path_regex(pattern)
    columns = {group: np.full(len(names), None, dtype=object) for group in compiled.groupindex}
    for row, name in enumerate(names):
        match = compiled.search(name)
        if match is None:
            continue
        for group, value in match.groupdict().items():
            columns[group][row] = value
    return columns


def with_path_metadata(sample_data: RunSampleData, pattern: str) -> RunSampleData:
    """``sample_data`` with the path columns of ``pattern`` added as categorical metadata, for the input and
    the datapool.

    Raises:
        ConfigError: a group named like a column that ``--metadata`` (or the computed image statistics) gives.
    """
    pool = sample_data.datapool
    return RunSampleData(
        input=_with_columns(sample_data.input, pattern),
        datapool=_with_columns(pool, pattern) if pool is not None else None,
    )


def _with_columns(data: SampleData, pattern: str) -> SampleData:
    columns = path_metadata_columns(data.names, pattern)
    taken = sorted(set(columns) & (set(data.numeric) | set(data.categorical)))
    if taken:
        raise ConfigError(
            f"lightly_path_regex: group '{taken[0]}' is also a metadata column of "
            f"{data.sources.get('metadata', 'the run')}; rename the group"
        )
    sources = {"metadata": SOURCE, **data.sources}
    return dataclasses.replace(data, categorical={**data.categorical, **columns}, sources=sources)
