"""The PDF's scatter plots coloured by folder (the demo's day / night) when the map opens so."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from embedscope.report.folder_scatter import folder_colours_text, folder_scatter_plots
from embedscope.report.run_sample_map import run_sample_map


def _map(names: list[str], rng: np.random.Generator):  # type: ignore[no-untyped-def]
    xy = rng.normal(size=(len(names), 2)).astype(np.float32)
    xy[[n.startswith("night/") for n in names]] += 6.0  # two clusters
    return run_sample_map(names, [], selected=np.arange(0, len(names), 10), random=None,
                          projections={"UMAP": xy, "PCA": xy[:, ::-1].copy()})


def _has_colour(png: bytes, rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    return bool((np.abs(pixels - np.array(rgb)).sum(axis=1) < tolerance).sum() > 20)


def test_day_and_night_are_drawn_in_the_maps_folder_colours(rng: np.random.Generator) -> None:
    names = [f"day/{i}.jpg" for i in range(140)] + [f"night/{i}.jpg" for i in range(60)]
    sample_map = _map(names, rng)
    plots = folder_scatter_plots(sample_map)
    assert set(plots) == {"scatter_pca", "scatter_umap"}
    for png in plots.values():  # day is the most frequent folder: the first map colour; night the second
        assert _has_colour(png, (0x1F, 0x77, 0xB4)) and _has_colour(png, (0xFF, 0x7F, 0x0E))
    assert folder_colours_text(sample_map).startswith("Samples coloured by top-level folder (day, night);")


def test_one_folder_keeps_the_set_colours(rng: np.random.Generator) -> None:
    assert folder_scatter_plots(_map([f"day/{i}.jpg" for i in range(50)], rng)) == {}
    assert folder_scatter_plots(None) == {}
