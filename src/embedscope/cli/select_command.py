"""``embedscope select``: the selection alone, as a list of filenames (no metrics, no report)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM, RunParameters


def select_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Embeddings file (.csv, .npy, .parquet), or a folder of images or of videos.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Text file to write: the selected filenames, one a line, in pick order.")],
    n_samples: Annotated[int | None, typer.Option("--n-samples", "-n", help="Number of samples to select.")] = None,
    proportion: Annotated[float | None, typer.Option("--proportion", "-p", help="Fraction of the input to select, in (0, 1].")] = None,
    datapool: Annotated[Path | None, typer.Option("--datapool", help="Embeddings of samples selected in earlier runs.")] = None,
    filenames: Annotated[Path | None, typer.Option("--filenames", help="Names for a .npy INPUT, one a line.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the strategies that draw at random.")] = 0,
    min_distance: Annotated[float | None, typer.Option("--min-distance", help="Stop before a pick closer than this to the selection.")] = None,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Keep raw vectors (no L2 normalisation).")] = False,
    embedding_dim: Annotated[int, typer.Option("--embedding-dim", help="Image embedding size after PCA (0 keeps 1280).")] = DEFAULT_EMBEDDING_DIM,
    selection_config: Annotated[Path | None, typer.Option("--selection-config", help="LightlyOne-style selection config (.json/.yaml); flags override its size.")] = None,
    metadata: Annotated[Path | None, typer.Option("--metadata", help="Per-sample metadata (CSV or JSON lines: filename + columns).")] = None,
    scores: Annotated[Path | None, typer.Option("--scores", help="Per-sample scores (filename, task, score, value).")] = None,
    predictions: Annotated[Path | None, typer.Option("--predictions", help="Predicted classes (filename, task, class; a row per sample or object).")] = None,
    frame_stride: Annotated[int, typer.Option("--frame-stride", help="Video folders: keep every N-th frame.")] = 1,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
) -> None:
    """Select a diverse subset of INPUT and write only the selected filenames (`run` also writes the report)."""
    from rich.console import Console

    from embedscope.cli.progress_display import RichProgress
    from embedscope.errors import ConfigError
    from embedscope.io.filename_list import write_filename_list
    from embedscope.pipeline.local_executor import load_and_select
    from embedscope.progress import SilentProgress

    if out.is_dir():
        raise ConfigError(f"{out}: is a folder; --out expects the path of a text file to write")
    if out.exists() and not overwrite:
        raise ConfigError(f"{out}: exists; pass --overwrite to replace it")
    params = RunParameters(
        input_path=input_path, out_dir=out.parent, n_samples=n_samples, proportion=proportion, datapool_path=datapool,
        filenames_path=filenames, seed=seed, min_distance=min_distance, normalize=not no_normalize,
        embedding_dim=embedding_dim, selection_config_path=selection_config, metadata_path=metadata,
        scores_path=scores, predictions_path=predictions, frame_stride=frame_stride,
    )
    display = SilentProgress() if quiet else RichProgress()
    with display if isinstance(display, RichProgress) else nullcontext():
        inputs, _config, _data, selection = load_and_select(params, progress=display)
    names = inputs.input.names
    write_filename_list(out, [names[int(i)] for i in selection.indices])
    if not quiet:
        stopped = f" (stopped early: {selection.stopped_reason})" if selection.stopped_early else ""
        Console(stderr=True).print(f"selected {len(selection.indices):,} of {len(names):,} samples{stopped}; wrote {out}")
