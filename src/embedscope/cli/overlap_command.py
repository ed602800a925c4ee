"""``embedscope overlap A B``: every cross-set pair closer than a threshold (leaks between train and test)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def overlap_command(
    a: Annotated[Path, typer.Argument(metavar="A", help="First embeddings file (.csv, .npy, .parquet), e.g. train.")],
    b: Annotated[Path, typer.Argument(metavar="B", help="Second embeddings file of the same dimension, e.g. test.")],
    threshold: Annotated[str, typer.Option("--threshold", metavar="D", help="Report pairs closer than D (Euclidean, after L2 normalisation unless --no-normalize).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must be empty unless --overwrite).")],
    no_normalize: Annotated[bool, typer.Option("--no-normalize", help="Keep raw vectors (no L2 normalisation).")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Never fall back to the approximate search.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the search's k-means.")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Write into a non-empty --out.")] = False,
) -> None:
    """Find leaks between two sets: every pair (a in A, b in B) closer than D; writes overlap.json,
    overlap_pairs.csv, report.pdf and report.html."""
    # numpy, matplotlib and the search load here, not at `embedscope --help`
    from embedscope.analyze.set_overlap import set_overlap
    from embedscope.errors import InputFileError
    from embedscope.ingest.samples import l2_normalize
    from embedscope.io.embeddings_file import read_embeddings
    from embedscope.neighbors.near_duplicates import validate_threshold
    from embedscope.report.overlap_report import overlap_json, write_overlap_outputs
    from embedscope.report.write_outputs import check_output_folder

    distance = validate_threshold(threshold, flag="--threshold")
    check_output_folder(out, overwrite=overwrite)
    table_a, table_b = read_embeddings(a), read_embeddings(b)
    if table_a.dim != table_b.dim:
        raise InputFileError(b, f"embeddings have dimension {table_b.dim} but {a} has {table_a.dim}; both sets must come from the same model")
    if not no_normalize:
        table_a, table_b = l2_normalize(table_a), l2_normalize(table_b)
    result = set_overlap(table_a.vectors, table_b.vectors, threshold=distance, exact=exact, seed=seed)
    document = overlap_json(result, table_a.names, table_b.names, a=str(a), b=str(b))
    write_overlap_outputs(document, out)
    print(f"{result.pairs.first.size:,} pairs closer than {distance:g}: {result.n_a_with_match:,} of {result.n_a:,} "
          f"samples of A, {result.n_b_with_match:,} of {result.n_b:,} of B")
    print(f"report: {(out / 'report.pdf').resolve()}")
