"""The resolved parameters of one run, as the CLI hands them to the pipeline."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from embedscope.io.annotation_costs import AnnotationCosts

DEFAULT_EMBEDDING_DIM = 32  # LightlyOne's default embedding size
DEFAULT_RANDOM_SEEDS = 5  # random subsets behind the mean ± sd of the random baseline
# Crop defaults, equal to embedscope.ingest.crops' (not imported: that module needs the image extra).
DEFAULT_CROP_PADDING = 0.1  # 10 % of the box on each side: some context around the object
DEFAULT_MIN_CROP_SIZE = 4.0  # pixels; smaller boxes hold too little to embed


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
        lightly_predictions_path, coco_path, yolo_path (+ yolo_classes_path): object-detection predictions of
            an image folder (a Lightly predictions folder inside INPUT is found without a flag).
        object_level_task: select object crops of this detection task instead of images.
        crop_padding: fraction of a box's width/height added on each side of a crop.
        min_crop_size: boxes narrower or lower than this many pixels give no crop.
        frame_stride: video folders: every how many frames one becomes a sample.
        export_frames: video folders: write the selected frames as PNGs to OUT/frames/.
        random_seeds: how many random subsets (seeds seed, seed + 1, …) give the random baseline's mean ± sd.
        model_path, checkpoint_path, model_precision, device: the image model (``--model``, ``--checkpoint``,
            ``--model-precision``, ``--device``; see :class:`~embedscope.embed.model_choice.ModelChoice`).
        train_embedding: epochs of SimCLR fine-tuning on INPUT before embedding (0: none).
        annotation_costs: labelling cost assumptions behind ``annotationSavings`` (``--annotation-costs``).
        worker_config_path: ``--worker-config``: LightlyOne's whole run config (its selection config is read
            from it when no ``selection_config_path`` is given).
        relevant_filenames_path: folder INPUT: only the files this list names take part (LightlyOne's
            ``relevant_filenames_file``).
        selected_sequence_length: video folders: select whole sequences of this many consecutive frames
            (LightlyOne's ``selected_sequence_length``; 1 selects single frames).
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
    lightly_predictions_path: Path | None = None
    coco_path: Path | None = None
    yolo_path: Path | None = None
    yolo_classes_path: Path | None = None
    object_level_task: str | None = None
    crop_padding: float = DEFAULT_CROP_PADDING
    min_crop_size: float = DEFAULT_MIN_CROP_SIZE
    frame_stride: int = 1
    export_frames: bool = False
    random_seeds: int = DEFAULT_RANDOM_SEEDS
    model_path: Path | None = None
    checkpoint_path: Path | None = None
    model_precision: str = "float32"
    device: str = "cpu"
    train_embedding: int = 0
    annotation_costs: AnnotationCosts = field(default_factory=AnnotationCosts)
    worker_config_path: Path | None = None
    relevant_filenames_path: Path | None = None
    selected_sequence_length: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def folder_only_flags(self) -> list[str]:
        """The command-line flags given that only a folder INPUT (images or videos) can use."""
        given = {
            "--lightly-predictions": self.lightly_predictions_path is not None,
            "--coco": self.coco_path is not None,
            "--yolo": self.yolo_path is not None,
            "--classes": self.yolo_classes_path is not None,
            "--object-level": self.object_level_task is not None,
            "--crop-padding": self.crop_padding != DEFAULT_CROP_PADDING,
            "--min-crop-size": self.min_crop_size != DEFAULT_MIN_CROP_SIZE,
            "--frame-stride": self.frame_stride != 1,
            "--export-frames": self.export_frames,
            "--model": self.model_path is not None,
            "--checkpoint": self.checkpoint_path is not None,
            "--model-precision": self.model_precision != "float32",
            "--device": self.device != "cpu",
            "relevant_filenames_file": self.relevant_filenames_path is not None,
            "selected_sequence_length": self.selected_sequence_length != 1,
        }
        return [flag for flag, is_given in given.items() if is_given]

    def as_config(self) -> dict[str, Any]:
        """A YAML/JSON-friendly dict of every parameter (paths as absolute strings, so the record stays valid
        from any working directory)."""
        config = asdict(self)
        return {key: (str(value.absolute()) if isinstance(value, Path) else value) for key, value in config.items()}
