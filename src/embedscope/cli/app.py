"""The ``embedscope`` command: parses flags, calls the pipeline, and is the one place errors become exit codes."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.exceptions import Abort, Exit, TyperException

import embedscope
from embedscope.cli.overlap_command import overlap_command
from embedscope.cli.report_command import report_command
from embedscope.cli.run_command import run_command
from embedscope.cli.select_command import select_command
from embedscope.errors import EmbedscopeError

EXIT_BAD_INPUT = 2  # the conventional exit code for usage and input errors

app = typer.Typer(
    name="embedscope",
    help="Select a small, diverse subset of a dataset and prove it with an embedding analysis report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("run")(run_command)
app.command("select")(select_command)
app.command("report")(report_command)
app.command("overlap")(overlap_command)


def _print_version(value: bool) -> None:
    if value:
        print(f"embedscope {embedscope.__version__}")
        raise Exit(0)


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Select a small, diverse subset of a dataset and prove it with an embedding analysis report."""


def _register_optional_commands() -> None:
    """Commands whose modules need the image extras register only when importable."""
    from embedscope.cli.demo_command import demo_command

    app.command("demo")(demo_command)
    try:
        from embedscope.cli.embed_command import embed_command
    except ImportError:
        return
    app.command("embed")(embed_command)


_register_optional_commands()


def _fail(message: str) -> int:
    print(f"embedscope: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 success, 2 bad input or usage)."""
    try:
        result = app(args=argv, standalone_mode=False)
    except EmbedscopeError as error:
        return _fail(str(error))
    except TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            app(args=["--help"], standalone_mode=False)
            return 0
        return _fail(error.format_message())
    except Exit as error:
        return int(error.exit_code)
    except Abort:
        return _fail("aborted")
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        return _fail(f"{where}{error.strerror or error}")
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
