"""The resolved parameters of one run, as the CLI hands them to the pipeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_EMBEDDING_DIM = 32  # LightlyOne's default embedding size


@dataclass(frozen=True)
class RunParameters:
    """Everything a run depends on. Exactly one of ``n_samples`` / ``proportion`` is set.

    Attributes:
        input_path: embeddings file (.csv/.npy/.parquet) or image folder.
        out_dir: output folder.
        selected_path: for ``embedscope report``: the names selected elsewhere (no selection is run).
        min_distance: k-center greedy stops before a pick whose distance is below it.
        normalize: L2-normalise embeddings (LightlyOne's default).
        exact: exact neighbour search at any size.
        selection_config_path: a LightlyOne-style selection config (.json/.yaml); k-center greedy when None.
        metadata_path, scores_path, predictions_path: per-sample data for strategies and the report.
    """

    input_path: Path
    out_dir: Path
    n_samples: int | None = None
    proportion: float | None = None
    datapool_path: Path | None = None
    filenames_path: Path | None = None
    selected_path: Path | None = None
    seed: int = 0
    min_distance: float | None = None
    normalize: bool = True
    exact: bool = False
    overwrite: bool = False
    embedding_dim: int = DEFAULT_EMBEDDING_DIM
    selection_config_path: Path | None = None
    metadata_path: Path | None = None
    scores_path: Path | None = None
    predictions_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_config(self) -> dict[str, Any]:
        """A YAML/JSON-friendly dict of every parameter (paths as strings)."""
        config = asdict(self)
        return {key: (str(value) if isinstance(value, Path) else value) for key, value in config.items()}
