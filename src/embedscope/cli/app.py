"""The ``embedscope`` command: parses flags, calls the pipeline, and is the one place errors become exit codes."""

from __future__ import annotations

import importlib.util
import sys
from typing import Annotated

import typer
from typer.exceptions import Abort, Exit, TyperException

import embedscope
from embedscope.cli.diagnostics import Terminated, diagnostics
from embedscope.cli.overlap_command import overlap_command
from embedscope.cli.report_command import report_command
from embedscope.cli.run_command import run_command
from embedscope.cli.select_command import select_command
from embedscope.errors import EmbedscopeError

IMAGE_EXTRA_MODULES = ("PIL", "onnxruntime", "av")  # what `pip install embedscope[images]` brings
EXIT_BAD_INPUT = 2  # the conventional exit code for usage and input errors
EXIT_INTERRUPTED = {KeyboardInterrupt: 130, Terminated: 143}  # 128 + SIGINT / SIGTERM, as shells report them
_STOPPED = {KeyboardInterrupt: "interrupted", Terminated: "terminated"}

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
    """Commands whose modules need the image extras register only when those are installed (looked up, not
    imported: ``embedscope --help`` stays fast)."""
    from embedscope.cli.demo_command import demo_command

    app.command("demo")(demo_command)
    if all(importlib.util.find_spec(module) is not None for module in IMAGE_EXTRA_MODULES):
        from embedscope.cli.embed_command import embed_command

        app.command("embed")(embed_command)

        from embedscope.cli.train_command import train_command

        app.command("train")(train_command)


_register_optional_commands()


def _fail(message: str) -> int:
    one_line = message.replace("\r", "\\r").replace("\n", "\\n")  # a quoted cell may hold line breaks
    print(f"embedscope: error: {one_line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 success, 2 bad input or usage)."""
    with diagnostics():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, standalone_mode=False)
    except EmbedscopeError as error:
        return _fail(str(error))
    except (KeyboardInterrupt, Terminated) as stop:
        print(f"embedscope: {_STOPPED[type(stop)]}; no output was changed", file=sys.stderr)
        return EXIT_INTERRUPTED[type(stop)]
    except RecursionError:
        return _fail("an input is nested too deeply to read (hundreds of levels of brackets)")
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
    if result == EXIT_INTERRUPTED[KeyboardInterrupt]:  # typer turns Ctrl-C into this exit code (commands return None)
        print("embedscope: interrupted; no output was changed", file=sys.stderr)
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
