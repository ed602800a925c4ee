"""``embedscope demo``: run on the bundled sample dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo_command(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the sample dataset and the report.")] = Path("demo_output"),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Build the sample dataset and write its report (prints the report's path)."""
    from embedscope.demo import run_demo

    run_demo(out, quiet=quiet)
