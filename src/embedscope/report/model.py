"""The in-memory report: LightlyOne's ``ReportV2`` shape plus embedscope's (ext) fields, read by the PDF and HTML.

Keys are camelCase; (ext) fields live under keys LightlyOne does not use (``schemaVersion``, ``embedscope``,
``embedscope*``). On disk it is split in two (:mod:`embedscope.report.json_writer`): ``report_v2.json`` holds
exactly LightlyOne's schema, ``report_embedscope.json`` the (ext) fields. See REPORT_V2.md.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

SCHEMA_VERSION = "embedscope-report-v2.1"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class WorkerInformation(_Model):
    build_version: str
    build_time: str


class RunInformation(_Model):
    start_timestamp: int  # unix seconds
    end_timestamp: int
    total_processing_time_s: float
    run_id: str


class DatasetSizes(_Model):
    n_input: int
    n_corrupt: int
    n_duplicate: int
    n_removed: int
    n_selected: int
    n_preselected_datapool: int
    n_selected_with_datapool: int


class DatasetInformation(_Model):
    dataset_name: str
    dataset_sizes: DatasetSizes


class SelectedAndRemovedImageExample(_Model):
    selected_image: str
    removed_image: str
    distance: float


class GeneralInformation(_Model):
    worker_information: WorkerInformation
    run_information: RunInformation
    dataset_information: DatasetInformation
    selected_and_removed_image_examples: list[SelectedAndRemovedImageExample] = Field(default_factory=list)


class DistMetrics(_Model):
    mean: float
    std: float
    min: float
    median: float
    max: float


class Dist(_Model):
    counts: list[int]
    metrics: DistMetrics


class NeighborSearchInfo(_Model):
    """(ext) how one set's neighbour distances were computed."""

    method: str
    recall: float | None = None
    recall_sample_size: int | None = None


class NumericDistributionPerSet(_Model):
    bins: int
    range: tuple[float, float]
    input: Dist | None = None
    selected: Dist | None = None
    random: Dist | None = None
    preselected_datapool: Dist | None = None
    selected_with_datapool: Dist | None = None
    absent_sets: dict[str, str] = Field(default_factory=dict, alias="embedscopeAbsentSets")  # (ext)
    neighbor_search: dict[str, NeighborSearchInfo] = Field(
        default_factory=dict, alias="embedscopeNeighborSearch"
    )  # (ext)


class ExampleImage(_Model):
    location: tuple[float, float]
    filename: str


class ProjectionInfo(_Model):
    """(ext) how the 2-D coordinates were made and which subsample is listed."""

    method: str
    fit_sample_size: int
    n_input_total: int
    n_input_listed: int


class EmbeddingData2D(_Model):
    input2d_embeddings: list[tuple[float, float]] = Field(alias="input2dEmbeddings")
    selected_excluding_datapool2d_embeddings: list[tuple[float, float]] = Field(
        alias="selectedExcludingDatapool2dEmbeddings"
    )
    datapool2d_embeddings: list[tuple[float, float]] | None = Field(default=None, alias="datapool2dEmbeddings")
    example_images: list[ExampleImage] = Field(default_factory=list)
    projection: ProjectionInfo | None = Field(default=None, alias="embedscopeProjection")  # (ext)


class ScatterPlotData(_Model):
    pca_embedding_data: EmbeddingData2D
    umap_embedding_data: EmbeddingData2D


class EmbeddingInformation(_Model):
    distance_to_nearest_neighbor_in_set: NumericDistributionPerSet
    distance_to_cover_input: NumericDistributionPerSet
    scatter_plot_data: ScatterPlotData


class CategoricalDist(_Model):
    counts: dict[str, int]
    metrics: dict[str, float]  # giniImbalance, normalizedEntropy


class CategoricalDistributionPerSet(_Model):
    input: CategoricalDist | None = None
    selected: CategoricalDist | None = None
    random: CategoricalDist | None = None
    preselected_datapool: CategoricalDist | None = None
    selected_with_datapool: CategoricalDist | None = None


class DetectionTaskInformation(_Model):
    crop_embedding_information: EmbeddingInformation | None = None


class PredictionTaskInformation(_Model):
    task_type: str
    category_id_to_name: dict[str, str] = Field(default_factory=dict)
    category_distribution: CategoricalDistributionPerSet | None = None
    category_to_counts_per_sample: dict[str, NumericDistributionPerSet] = Field(default_factory=dict)
    detection_task_information: DetectionTaskInformation | None = None


class MetadataKeyInformation(_Model):
    """One metadata column (or score) per set: category counts, or a numeric histogram."""

    type: str  # "categorical" or "numeric"
    category_distribution: CategoricalDistributionPerSet | None = None
    numeric_distribution: NumericDistributionPerSet | None = None


class DatasetAnalysis(_Model):
    embedding_information: EmbeddingInformation
    metadata_information: dict[str, MetadataKeyInformation] | None = None
    score_information: dict[str, MetadataKeyInformation] | None = Field(
        default=None, alias="embedscopeScoreInformation"
    )  # (ext) "<task>/<score>" → numeric distribution per set


class ReportV2(_Model):
    """The whole ``report_v2.json``."""

    schema_version: str = SCHEMA_VERSION  # (ext) key "schemaVersion"
    general_information: GeneralInformation
    dataset_analysis: DatasetAnalysis
    prediction_task_information: dict[str, PredictionTaskInformation] = Field(default_factory=dict)
    embedscope: dict[str, Any] = Field(default_factory=dict)  # (ext) parameters, extra metrics, skipped files



class MeanSd(_Model):
    """(ext) a statistic over several random subsets: mean and sample standard deviation (ddof=1; 0 for one)."""

    mean: float
    sd: float
    values: list[float]


class RandomBaseline(_Model):
    """(ext) metrics of ``len(seeds)`` uniform random subsets of the input, each the size of the selection."""

    seeds: list[int]
    subset_size: int
    diversity_mean: MeanSd | None = None  # mean distance to the nearest other sample of the subset
    coverage_mean: MeanSd  # mean distance of input samples to subset ∪ datapool
    coverage_max: MeanSd  # max distance of input samples to subset ∪ datapool (k-center radius)
    vendi_score: MeanSd | None = None
    prdc_coverage: MeanSd | None = None  # PRDC of subset ∪ datapool against the input (as ``prdc``)
    prdc_recall: MeanSd | None = None
    coverage_queries: int | None = None  # extra seeds' coverage measured on this many sampled input samples


class SelectedMetrics(_Model):
    """(ext) the selection's values of the statistics in :class:`RandomBaseline`."""

    diversity_mean: float | None = None
    coverage_mean: float
    coverage_max: float
    vendi_score: float | None = None


class PrdcScores(_Model):
    """(ext) PRDC coverage and recall of one covering set against the input (Naeem et al. 2020)."""

    coverage: float
    recall: float


class PrdcInformation(_Model):
    """(ext) PRDC with k nearest neighbours; real = the input, fake = the covering set (∪ datapool).

    Either set above ``nReal``/``nFake`` samples is replaced by a seeded uniform subsample (``method`` says so).
    """

    k: int
    n_real: int
    n_real_total: int
    n_fake: int
    n_fake_total: int
    method: str
    selected: PrdcScores
    random: PrdcScores  # the report's random set; all seeds in ``randomBaseline.prdcCoverage``/``prdcRecall``


class VendiScores(_Model):
    """(ext) Vendi score (effective number of distinct samples; Friedman & Dieng 2022) of three sets."""

    kernel: str
    input: float
    selected: float | None = None
    random: float | None = None


class KCenterInformation(_Model):
    """(ext) k-center and facility-location objectives of the selection (datapool included as centres)."""

    radius: float  # max distance of an input sample to selected ∪ datapool
    optimal_radius_lower_bound: float | None = None  # radius / 2 when the selection is the k-center greedy
    lower_bound_note: str
    facility_location_objective: float  # mean distance of an input sample to selected ∪ datapool
    random_radius: float  # the same two objectives for the report's random set
    random_facility_location_objective: float


class ExtraMetrics(_Model):
    """(ext) ``report.embedscope["extraMetrics"]``: metrics beyond LightlyOne's report."""

    selected: SelectedMetrics
    random_baseline: RandomBaseline
    prdc: PrdcInformation | None = None
    prdc_absent_reason: str | None = None
    vendi_score: VendiScores
    k_center: KCenterInformation
