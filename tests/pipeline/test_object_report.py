"""``predictionTaskInformation.<task>`` for detection tasks: category counts per set (image-level and
object-level) with balance metrics computed here by formula, report keys, and bounding-box examples."""

from __future__ import annotations

import io
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from embedscope.embed.crop_samples import CropMetadata
from embedscope.ingest.crops import plan_crops
from embedscope.ingest.predictions import ObjectPrediction, TaskPredictions
from embedscope.report.assemble.predictions import (
    bounding_box_examples,
    crop_categories,
    image_categories,
    object_level_summary,
    prediction_task_information,
    skipped_predictions,
)
from embedscope.report.colors import SET_COLORS
from embedscope.report.model import (
    EmbeddingData2D,
    EmbeddingInformation,
    NumericDistributionPerSet,
    ScatterPlotData,
)

CATEGORIES = {0: "cat", 1: "dog", 2: "bird"}


def _task() -> TaskPredictions:
    objects = {
        "i0.png": [0, 0, 1],
        "i1.png": [1],
        "i2.png": [],
        "i3.png": [0, 1, 1, 1],
        "i4.png": [0],
    }
    return TaskPredictions(
        task="animals",
        categories=CATEGORIES,
        predictions={
            image: [ObjectPrediction(image, k, c, (1.0, 1.0, 8.0, 8.0)) for k, c in enumerate(ids)]
            for image, ids in objects.items()
        },
    )


def _balance(counts: list[int]) -> tuple[float, float]:
    """Reference: 1 - Gini impurity / its uniform maximum, and entropy / log K."""
    total, k = sum(counts), len(counts)
    shares = [c / total for c in counts]
    gini = 1 - sum(p * p for p in shares)
    entropy = -sum(p * math.log(p) for p in shares if p > 0)
    return 1 - gini / (1 - 1 / k), entropy / math.log(k)


def _expected(values: list[tuple[str, ...]]) -> tuple[dict[str, int], dict[str, float]]:
    counter = Counter(c for objects in values for c in objects)
    counts = {name: counter.get(name, 0) for name in ["cat", "dog", "bird"]}
    imbalance, entropy = _balance(list(counts.values()))
    return counts, {"giniImbalance": imbalance, "normalizedEntropy": entropy}


def _embedding_information() -> EmbeddingInformation:
    empty = EmbeddingData2D(input2d_embeddings=[], selected_excluding_datapool2d_embeddings=[])
    return EmbeddingInformation(
        distance_to_nearest_neighbor_in_set=NumericDistributionPerSet(bins=1, range=(0.0, 1.0)),
        distance_to_cover_input=NumericDistributionPerSet(bins=1, range=(0.0, 1.0)),
        scatter_plot_data=ScatterPlotData(pca_embedding_data=empty, umap_embedding_data=empty),
    )


def test_image_level_category_distribution_per_set() -> None:
    task = _task()
    names = ["i0.png", "i1.png", "i2.png", "i3.png", "i4.png", "unlabelled.png"]
    values = image_categories(task, names)
    selected, random = np.array([3, 0]), np.array([1, 2])
    pool_values = image_categories(task, ["i4.png"])

    info = prediction_task_information(
        task, input_categories=values, selected=selected, random=random, datapool_categories=pool_values
    )

    assert values[5] == () and values[0] == ("cat", "cat", "dog")
    dump = info.model_dump(by_alias=True, exclude_none=True)
    assert dump["taskType"] == "OBJECT_DETECTION"
    assert dump["categoryIdToName"] == {"0": "cat", "1": "dog", "2": "bird"}
    distribution = dump["categoryDistribution"]
    sets = {
        "input": values,
        "selected": [values[3], values[0]],
        "random": [values[1], values[2]],
        "preselectedDatapool": pool_values,
        "selectedWithDatapool": [values[3], values[0], *pool_values],
    }
    assert set(distribution) == set(sets)
    for key, members in sets.items():
        counts, metrics = _expected(members)
        assert distribution[key]["counts"] == counts
        assert distribution[key]["metrics"] == pytest.approx(metrics, abs=1e-12)
    assert distribution["input"]["counts"] == {"cat": 4, "dog": 5, "bird": 0}
    assert dump["detectionTaskInformation"] == {}


def test_object_level_counts_crops_and_carries_the_crop_analysis() -> None:
    task = _task()
    plan = plan_crops(
        task, image_sizes={name: (16, 16) for name in task.predictions}, padding=0.1, min_size=4
    )
    metadata = CropMetadata(task="animals", crops=plan.crops, categories=task.categories)
    names = [crop.name for crop in plan.crops]
    values = crop_categories(metadata, names)
    selected = np.array([0, 4, 8])

    info = prediction_task_information(
        task,
        input_categories=values,
        selected=selected,
        random=np.array([1, 2, 3]),
        crop_embedding_information=_embedding_information(),
    )

    dump = info.model_dump(by_alias=True, exclude_none=True)
    assert dump["categoryDistribution"]["input"]["counts"] == {"cat": 4, "dog": 5, "bird": 0}
    picked = Counter(values[i][0] for i in selected)
    assert dump["categoryDistribution"]["selected"]["counts"] == {
        k: picked.get(k, 0) for k in ["cat", "dog", "bird"]
    }
    crop_info = dump["detectionTaskInformation"]["cropEmbeddingInformation"]
    assert set(crop_info) == {"distanceToNearestNeighborInSet", "distanceToCoverInput", "scatterPlotData"}


def test_bounding_box_examples_draw_selected_and_other_boxes(tmp_path: Path) -> None:
    Image.new("RGB", (960, 720), (0, 0, 0)).save(tmp_path / "big.png")
    Image.new("RGB", (100, 80), (0, 0, 0)).save(tmp_path / "small.png")
    task = TaskPredictions(
        task="t",
        categories={0: "cat"},
        predictions={
            "big.png": [
                ObjectPrediction("big.png", 0, 0, (100.0, 100.0, 400.0, 300.0)),
                ObjectPrediction("big.png", 1, 0, (600.0, 400.0, 200.0, 200.0)),
            ],
            "small.png": [ObjectPrediction("small.png", 0, 0, (10.0, 10.0, 50.0, 40.0))],
        },
    )
    plan = plan_crops(task, image_sizes={"big.png": (960, 720), "small.png": (100, 80)})
    metadata = CropMetadata(task="t", crops=plan.crops, categories=task.categories)

    examples = bounding_box_examples(tmp_path, metadata, selected_names=["big-0-png.png"], limit=5)

    assert list(examples) == ["big.png"]
    picture = np.asarray(Image.open(io.BytesIO(examples["big.png"])).convert("RGB"))
    assert picture.shape == (360, 480, 3)  # longest side scaled to 480
    blue = tuple(int(SET_COLORS["selected"][i : i + 2], 16) for i in (1, 3, 5))
    grey = (0xBD, 0xBD, 0xBD)
    assert tuple(picture[100, 50]) == blue  # left edge of the selected box, x = 100 / 2
    assert tuple(picture[250, 300]) == grey  # left edge of the other box, x = 600 / 2
    assert tuple(picture[5, 5]) == (0, 0, 0)


def test_skipped_and_object_level_summaries() -> None:
    task = _task()
    task.skipped["i9.json"] = "no usable input image 'i9.png'"
    plan = plan_crops(
        task, image_sizes={name: (16, 16) for name in task.predictions}, padding=0.0, min_size=4
    )
    metadata = CropMetadata(
        task="animals",
        crops=plan.crops,
        skipped={"i0-5-png.png": "box too small"},
        categories=task.categories,
    )
    names = [crop.name for crop in plan.crops]

    skipped = skipped_predictions(task, metadata)
    summary = object_level_summary(
        metadata, input_names=names, selected_names=[names[0], names[1], names[-1]], padding=0.0, min_size=4
    )

    assert skipped == {
        "task": "animals",
        "source": "<predictions>",
        "nSkippedPredictions": 1,
        "skippedPredictions": {"i9.json": "no usable input image 'i9.png'"},
        "nSkippedCrops": 1,
        "skippedCrops": {"i0-5-png.png": "box too small"},
    }
    assert summary == {
        "task": "animals",
        "cropPadding": 0.0,
        "minCropSize": 4,
        "nCropsInput": 9,
        "nImagesWithInputCrops": 4,
        "nCropsSelected": 3,
        "nImagesWithSelectedCrops": 2,
        "imagesWithSelectedCrops": ["i0.png", "i4.png"],
    }
    assert crop_categories(metadata, ["i1-0-png.png", "from-an-earlier-run.png"]) == [("dog",), ()]
