"""``embedscope embed``: embed a folder of images and write a Lightly embeddings CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from embedscope.cli.engine_options import (
    DEFAULT_SHARD_FILES,
    Engine,
    MemoryBudget,
    RayAddress,
    ShardDir,
    ShardFiles,
    embed_on_ray,
    ray_engine_options,
)

if TYPE_CHECKING:
    from embedscope.embed.image_folder_embedding import ImageFolderEmbeddings


def _summary(result: ImageFolderEmbeddings, out: Path) -> str:
    scan = result.scan
    return (
        f"embedded {len(scan.names):,} images ({result.n_from_cache:,} from the cache), "
        f"skipped {len(scan.corrupt):,} corrupt and {len(scan.duplicates):,} duplicate files; wrote {out}"
    )


def embed_command(
    image_dir: Annotated[
        Path, typer.Argument(metavar="IMAGE_DIR", help="Folder of images (searched recursively).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Lightly embeddings CSV to write.")],
    embedding_dim: Annotated[
        int, typer.Option("--embedding-dim", help="Embedding size after PCA (0 keeps the model's 1280).")
    ] = 32,
    model: Annotated[Path | None, typer.Option("--model", help="ONNX image model to embed with (spec: <model>.yaml next to it).")] = None,
    checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="checkpoint.pt written by 'embedscope train' to embed with.")] = None,
    model_precision: Annotated[str, typer.Option("--model-precision", help="float32, or int8 (quantised copy of the model).")] = "float32",
    device: Annotated[str, typer.Option("--device", help="cpu, or cuda (needs embedscope[gpu] and a GPU).")] = "cpu",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display or summary.")] = False,
    engine: Engine = "local",
    ray_address: RayAddress = None,
    shard_dir: ShardDir = None,
    shard_files: ShardFiles = DEFAULT_SHARD_FILES,
    memory_budget: MemoryBudget = None,
) -> None:
    """Embed IMAGE_DIR with EfficientNet-Lite0 (offline; or --model / --checkpoint) and write filenames,embedding_0..,labels to --out.

    Corrupt files and exact duplicates (all but the first name) are left out of the CSV.
    """
    from embedscope.io.output_folder import check_output_file

    check_output_file(out, overwrite=overwrite, inputs=[image_dir])  # also for --engine ray
    ray_options = ray_engine_options(
        engine, address=ray_address, shard_dir=shard_dir, shard_files=shard_files, memory_budget_gib=memory_budget,
        partitions=None,
    )
    if ray_options is not None:
        from embedscope.embed.model_choice import ModelChoice

        choice = ModelChoice(path=model, checkpoint=checkpoint, precision=model_precision, device=device)
        embed_on_ray(image_dir, out, embedding_dim=embedding_dim, options=ray_options, quiet=quiet, model=choice)
        return
    from rich.console import Console

    from embedscope.cli.progress_display import RichProgress
    from embedscope.embed.image_folder_embedding import embed_image_folder
    from embedscope.embed.model_choice import ModelChoice
    from embedscope.ingest.image_folder import scan_image_folder
    from embedscope.io.lightly_csv import write_lightly_csv
    choice = ModelChoice(path=model, checkpoint=checkpoint, precision=model_precision, device=device)
    scan = scan_image_folder(image_dir)
    if quiet:
        result = embed_image_folder(scan, embedding_dim=embedding_dim, model=choice)
    else:
        with RichProgress() as display:
            display.stage(f"embedding images ({choice.label})", total=len(scan.names))
            result = embed_image_folder(
                scan, embedding_dim=embedding_dim, model=choice,
                progress=lambda done, total: display.advance(done, total),
            )
    write_lightly_csv(out, result.names, result.vectors)
    if not quiet:
        Console(stderr=True).print(_summary(result, out))
