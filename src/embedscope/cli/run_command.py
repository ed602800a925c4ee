"""``embedscope run``: select a diverse subset of INPUT and write the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from embedscope.cli.common import apply_lightly_files, run_and_write
from embedscope.cli.engine_options import (
    DEFAULT_SHARD_FILES,
    Engine,
    MemoryBudget,
    Partitions,
    RayAddress,
    ShardDir,
    ShardFiles,
    ray_engine_options,
    refuse_local_only_flags,
)
from embedscope.run_parameters import (
    DEFAULT_CROP_PADDING,
    DEFAULT_EMBEDDING_DIM,
    DEFAULT_MIN_CROP_SIZE,
    DEFAULT_RANDOM_SEEDS,
    RunParameters,
)


def run_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Embeddings file (.csv, .npy, .parquet), or a folder of images or of videos.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must be empty unless --overwrite).")],
    n_samples: Annotated[int | None, typer.Option("--n-samples", "-n", help="Number of samples to select.")] = None,
    proportion: Annotated[float | None, typer.Option("--proportion", "-p", help="Fraction of the input to select, in (0, 1].")] = None,
    datapool: Annotated[Path | None, typer.Option("--datapool", help="Embeddings of samples selected in earlier runs.")] = None,
    filenames: Annotated[Path | None, typer.Option("--filenames", help="Names for a .npy INPUT, one a line.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random comparison subset and projections.")] = 0,
    min_distance: Annotated[float | None, typer.Option("--min-distance", help="Stop before a pick closer than this to the selection.")] = None,
    random_seeds: Annotated[int, typer.Option("--random-seeds", help="Random subsets (seeds S, S+1, …) behind the mean ± sd baseline.")] = DEFAULT_RANDOM_SEEDS,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Keep raw vectors (no L2 normalisation).")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Exact neighbour search at any size.")] = False,
    embedding_dim: Annotated[int, typer.Option("--embedding-dim", help="Image embedding size after PCA (0 keeps 1280).")] = DEFAULT_EMBEDDING_DIM,
    selection_config: Annotated[Path | None, typer.Option("--selection-config", help="LightlyOne-style selection config (.json/.yaml); flags override its size.")] = None,
    metadata: Annotated[Path | None, typer.Option("--metadata", help="Per-sample metadata (CSV or JSON lines: filename + columns).")] = None,
    scores: Annotated[Path | None, typer.Option("--scores", help="Per-sample scores (filename, task, score, value).")] = None,
    predictions: Annotated[Path | None, typer.Option("--predictions", help="Predicted classes (filename, task, class; a row per sample or object).")] = None,
    lightly_predictions: Annotated[Path | None, typer.Option("--lightly-predictions", help="Lightly predictions folder (tasks.json); INPUT/.lightly/predictions is found without this flag.")] = None,
    coco: Annotated[Path | None, typer.Option("--coco", help="COCO detection JSON over the images of INPUT (task: the file name without extension).")] = None,
    yolo: Annotated[Path | None, typer.Option("--yolo", help="YOLO label folder (<image path without extension>.txt; task 'yolo'); needs --classes.")] = None,
    classes: Annotated[Path | None, typer.Option("--classes", help="YOLO class names: classes.txt (one a line) or data.yaml.")] = None,
    object_level: Annotated[str | None, typer.Option("--object-level", metavar="TASK", help="Select object crops of this detection task instead of images.")] = None,
    crop_padding: Annotated[float, typer.Option("--crop-padding", help="Crop margin on each side, as a fraction of the box size.")] = DEFAULT_CROP_PADDING,
    min_crop_size: Annotated[float, typer.Option("--min-crop-size", help="Boxes narrower or lower than this (pixels) give no crop.")] = DEFAULT_MIN_CROP_SIZE,
    frame_stride: Annotated[int, typer.Option("--frame-stride", help="Video folders: keep every N-th frame.")] = 1,
    export_frames: Annotated[bool, typer.Option("--export-frames", help="Video folders: write the selected frames as PNGs to OUT/frames/.")] = False,
    model: Annotated[Path | None, typer.Option("--model", help="ONNX image model to embed with (spec: <model>.yaml next to it).")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="checkpoint.pt written by 'embedscope train' to embed with.")] = None,
    model_precision: Annotated[str, typer.Option("--model-precision", help="float32, or int8 (quantised copy of the model).")] = "float32",
    device: Annotated[str, typer.Option("--device", help="cpu, or cuda (needs embedscope[gpu] and a GPU).")] = "cpu",
    train_embedding: Annotated[int, typer.Option("--train-embedding", metavar="E", help="Fine-tune the model on INPUT (SimCLR, E epochs) before embedding.")] = 0,
    worker_config: Annotated[Path | None, typer.Option("--worker-config", help="LightlyOne run config {worker_config, selection_config} as its client schedules it.")] = None,
    annotation_costs: Annotated[Path | None, typer.Option("--annotation-costs", help="Labelling cost assumptions behind annotationSavings (YAML/JSON; see README).")] = None,
    near_duplicate_threshold: Annotated[str | None, typer.Option("--near-duplicate-threshold", metavar="D", help="Near-duplicates: pairs closer than D (Euclidean, in the selection's space); default 0.05 in the report.")] = None,
    remove_near_duplicates: Annotated[bool, typer.Option("--remove-near-duplicates", help="Keep one sample per near-duplicate group (nearest to the group mean); the rest leave the input.")] = False,
    outliers: Annotated[str | None, typer.Option("--outliers", metavar="Z", help="k-center with Z outliers (a count, or a fraction such as 0.01): outliers are listed, not selected; with --selection-config they leave the candidates before its strategies (which need DIVERSITY on EMBEDDINGS).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write into a non-empty --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    engine: Engine = "local",
    ray_address: RayAddress = None,
    shard_dir: ShardDir = None,
    shard_files: ShardFiles = DEFAULT_SHARD_FILES,
    memory_budget: MemoryBudget = None,
    partitions: Partitions = None,
) -> None:
    """Select a diverse subset of INPUT (k-center greedy) and write report.pdf, report.html (interactive: map of
    every sample, colour-by, lasso selection and export), report_v2.json and data files."""
    params = RunParameters(
        input_path=input_path, out_dir=out, n_samples=n_samples, proportion=proportion, datapool_path=datapool,
        filenames_path=filenames, seed=seed, random_seeds=random_seeds, min_distance=min_distance, normalize=not no_normalize, exact=exact,
        overwrite=overwrite, embedding_dim=embedding_dim,
        metadata_path=metadata, scores_path=scores, predictions_path=predictions,
        selection_config_path=selection_config,
        lightly_predictions_path=lightly_predictions, coco_path=coco, yolo_path=yolo, yolo_classes_path=classes,
        object_level_task=object_level, crop_padding=crop_padding, min_crop_size=min_crop_size,
        frame_stride=frame_stride, export_frames=export_frames, model_path=model, checkpoint_path=checkpoint,
        model_precision=model_precision, device=device, train_embedding=train_embedding,
        extra=hygiene_flags(near_duplicate_threshold, remove_near_duplicates, outliers),
    )
    params = apply_lightly_files(params, worker_config=worker_config, annotation_costs=annotation_costs)
    ray_options = ray_engine_options(
        engine, address=ray_address, shard_dir=shard_dir, shard_files=shard_files, memory_budget_gib=memory_budget,
        partitions=partitions,
    )
    refuse_local_only_flags(ray_options, train_embedding=train_embedding)
    if train_embedding:
        from embedscope.cli.train_command import run_with_training

        run_with_training(params, quiet=quiet)
        return
    run_and_write(params, quiet=quiet, ray_options=ray_options)


def hygiene_flags(threshold: str | None, remove: bool, outliers: str | None) -> dict[str, object]:
    """The hygiene flags for ``RunParameters.extra``; the threshold checked here (before any loading)."""
    from embedscope.neighbors.near_duplicates import validate_threshold  # numpy: not at --help

    flags: dict[str, object] = {}
    if threshold is not None:
        flags["near_duplicate_threshold"] = validate_threshold(threshold)
    if remove:
        flags["remove_near_duplicates"] = True
    if outliers is not None:
        flags["outliers"] = outliers
    return flags
