"""A complete :class:`ReportV2` from small synthetic data, built with the package's own building blocks
(k-center greedy, core and extra metrics, report assembly) but without the CLI, images or UMAP."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedscope.analyze.categorical import categorical_distribution
from embedscope.analyze.embedding_metrics import compute_embedding_metrics
from embedscope.analyze.extra_metrics.summary import compute_extra_metrics
from embedscope.analyze.sets import AnalysisSets, random_subset
from embedscope.report.build import ScatterInput, embedding_data_2d, numeric_distribution
from embedscope.report.extra_metrics import EXTRA_METRICS_KEY, extra_metrics_model
from embedscope.report.html_figures import ScatterNames
from embedscope.report.model import (
    CategoricalDist,
    CategoricalDistributionPerSet,
    DatasetAnalysis,
    DatasetInformation,
    DatasetSizes,
    EmbeddingInformation,
    GeneralInformation,
    MetadataKeyInformation,
    PredictionTaskInformation,
    ReportV2,
    RunInformation,
    ScatterPlotData,
    SelectedAndRemovedImageExample,
    WorkerInformation,
)
from embedscope.select.k_center_greedy import COVER_METHOD, k_center_greedy

LONG_NAME = "a/very/deeply/nested/folder/structure/with_an_extremely_long_filename_that_never_breaks_" * 2 + ".jpg"
WEATHER = ("sunny", "rain", "fog", "snow")


@dataclass(frozen=True)
class SyntheticRun:
    report: ReportV2
    names: ScatterNames
    all_names: list[str]


def _categorical(values: list[str]) -> CategoricalDist:
    dist = categorical_distribution(values, categories=list(WEATHER))
    return CategoricalDist(counts=dist.counts, metrics={"giniImbalance": dist.gini_imbalance,
                                                        "normalizedEntropy": dist.normalized_entropy})


def synthetic_run(
    rng: np.random.Generator,
    *,
    n_input: int = 300,
    n_selected: int = 30,
    n_datapool: int = 0,
    dim: int = 8,
    with_sample_data: bool = False,
    listed: int | None = None,
) -> SyntheticRun:
    """A k-center greedy run on clustered vectors, with PCA-like 2-D coordinates (the first two dimensions).

    Args:
        listed: input points listed in the scatter data (all when None), as the pipeline caps them.
    """
    centres = rng.normal(scale=3.0, size=(5, dim))
    vectors = (centres[rng.integers(0, 5, n_input)] + rng.normal(size=(n_input, dim))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    datapool = vectors[:n_datapool] * 0.99 + 0.01 if n_datapool else None
    names = [LONG_NAME if i == 3 else f"img_{i:05d}.jpg" for i in range(n_input)]
    pool_names = [f"pool_{i:04d}.jpg" for i in range(n_datapool)]
    greedy = k_center_greedy(vectors, n_samples=n_selected, datapool=datapool)
    sets = AnalysisSets(input=vectors, selected_indices=np.asarray(greedy.indices, np.int64),
                        random_indices=random_subset(n_input, n_selected, seed=0), datapool=datapool)
    metrics = compute_embedding_metrics(sets, selected_cover=greedy.min_distances, selected_cover_method=COVER_METHOD,
                                        exact=True)
    extra = compute_extra_metrics(sets, metrics, from_greedy=True, normalized=True, seed=0, exact=True)
    listed_rows = np.arange(n_input) if listed is None else np.sort(rng.choice(n_input, listed, replace=False))
    xy = vectors[:, :2].astype(np.float64)
    scatter = ScatterInput(
        input_xy=xy[listed_rows], selected_xy=xy[sets.selected_indices],
        datapool_xy=None if datapool is None else datapool[:, :2].astype(np.float64),
        examples=[(names[int(i)], (float(xy[i, 0]), float(xy[i, 1]))) for i in sets.selected_indices[:4]],
        method="pca", fit_sample_size=n_input, n_input_total=n_input,
    )
    data_2d = embedding_data_2d(scatter)
    info = EmbeddingInformation(
        distance_to_nearest_neighbor_in_set=numeric_distribution(metrics.nearest_in_set, absent=metrics.absent),
        distance_to_cover_input=numeric_distribution(metrics.cover_input),
        scatter_plot_data=ScatterPlotData(pca_embedding_data=data_2d, umap_embedding_data=data_2d),
    )
    metadata = tasks = None
    if with_sample_data:
        weather = [WEATHER[i % 4] if i % 7 else "sunny" for i in range(n_input)]
        brightness = rng.uniform(0, 1, n_input)
        per_set = {"input": np.arange(n_input), "selected": sets.selected_indices, "random": sets.random_indices}
        metadata = {
            "weather": MetadataKeyInformation(type="categorical", category_distribution=CategoricalDistributionPerSet(
                **{name: _categorical([weather[int(i)] for i in rows]) for name, rows in per_set.items()})),
            "brightness": MetadataKeyInformation(type="numeric", numeric_distribution=numeric_distribution(
                {name: brightness[rows] for name, rows in per_set.items()})),
        }
        tasks = {"weather-classifier": PredictionTaskInformation(
            task_type="CLASSIFICATION", category_id_to_name={str(i): w for i, w in enumerate(WEATHER)},
            category_distribution=metadata["weather"].category_distribution)}
    n_pool = 0 if datapool is None else len(datapool)
    report = ReportV2(
        general_information=GeneralInformation(
            worker_information=WorkerInformation(build_version="0.0.test", build_time="2026-01-01T00:00:00+00:00"),
            run_information=RunInformation(start_timestamp=1_790_000_000, end_timestamp=1_790_000_012,
                                           total_processing_time_s=12.5, run_id="00000000-test-run"),
            dataset_information=DatasetInformation(
                dataset_name="synthetic", dataset_sizes=DatasetSizes(
                    n_input=n_input, n_corrupt=0, n_duplicate=0, n_removed=n_input - n_selected,
                    n_selected=n_selected, n_preselected_datapool=n_pool, n_selected_with_datapool=n_selected + n_pool)),
            selected_and_removed_image_examples=[
                SelectedAndRemovedImageExample(selected_image=LONG_NAME, removed_image=names[0], distance=0.125)],
        ),
        dataset_analysis=DatasetAnalysis(embedding_information=info, metadata_information=metadata),
        prediction_task_information=tasks or {},
        embedscope={
            "parameters": {"input_path": "/data/" + LONG_NAME, "n_samples": n_selected, "seed": 0},
            "strategies": ["DIVERSITY on EMBEDDINGS (k-center greedy)"],
            EXTRA_METRICS_KEY: extra_metrics_model(extra).model_dump(mode="json", by_alias=True),
            "stageSeconds": {"select": 0.5, "metrics": 0.25},
        },
    )
    scatter_names = ScatterNames(input=[names[int(i)] for i in listed_rows],
                                 selected=[names[int(i)] for i in sets.selected_indices], datapool=pool_names)
    return SyntheticRun(report=report, names=scatter_names, all_names=names)
