"""Helpers to run the installed CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedscope.io.lightly_csv import write_lightly_csv


def run_cli(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m embedscope.cli.app ARGS`` with output captured."""
    return subprocess.run(
        [sys.executable, "-m", "embedscope.cli.app", *map(str, args)],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def clustered(rng: np.random.Generator, n: int, d: int, n_clusters: int = 4) -> np.ndarray:
    centres = rng.normal(size=(n_clusters, d)) * 3
    return (centres[rng.integers(0, n_clusters, n)] + rng.normal(size=(n, d))).astype(np.float32)


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    """A 300 × 8 Lightly CSV with names img_000.jpg …"""
    rng = np.random.default_rng(7)
    path = tmp_path / "input.csv"
    write_lightly_csv(path, [f"img_{i:03d}.jpg" for i in range(300)], clustered(rng, 300, 8))
    return path
