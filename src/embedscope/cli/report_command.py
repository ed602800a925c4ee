"""``embedscope report``: the same analysis for a selection made elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from embedscope.cli.common import run_and_write
from embedscope.run_parameters import DEFAULT_EMBEDDING_DIM, DEFAULT_RANDOM_SEEDS, RunParameters


def report_command(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="Embeddings file (.csv, .npy, .parquet) or image folder.")],
    selected: Annotated[Path, typer.Option("--selected", help="The selected filenames, one a line, or a CSV with a selected column (the map's export in report.html).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must be empty unless --overwrite).")],
    datapool: Annotated[Path | None, typer.Option("--datapool", help="Embeddings of samples selected in earlier runs.")] = None,
    filenames: Annotated[Path | None, typer.Option("--filenames", help="Names for a .npy INPUT, one a line.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random comparison subset and projections.")] = 0,
    random_seeds: Annotated[int, typer.Option("--random-seeds", help="Random subsets (seeds S, S+1, …) behind the mean ± sd baseline.")] = DEFAULT_RANDOM_SEEDS,
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Keep raw vectors (no L2 normalisation).")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Exact neighbour search at any size.")] = False,
    embedding_dim: Annotated[int, typer.Option("--embedding-dim", help="Image embedding size after PCA (0 keeps 1280).")] = DEFAULT_EMBEDDING_DIM,
    metadata: Annotated[Path | None, typer.Option("--metadata", help="Per-sample metadata (CSV or JSON lines: filename + columns).")] = None,
    scores: Annotated[Path | None, typer.Option("--scores", help="Per-sample scores (filename, task, score, value).")] = None,
    predictions: Annotated[Path | None, typer.Option("--predictions", help="Predicted classes (filename, task, class; a row per sample or object).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write into a non-empty --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Analyse a selection made elsewhere: the report of `run`, without selecting."""
    params = RunParameters(
        input_path=input_path, out_dir=out, selected_path=selected, datapool_path=datapool, filenames_path=filenames,
        seed=seed, random_seeds=random_seeds, normalize=not no_normalize, exact=exact, overwrite=overwrite, embedding_dim=embedding_dim,
        metadata_path=metadata, scores_path=scores, predictions_path=predictions,
    )
    run_and_write(params, quiet=quiet)
