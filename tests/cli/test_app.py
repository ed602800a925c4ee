"""The top-level command: version, help."""

from __future__ import annotations

import embedscope
from tests.cli.conftest import run_cli


def test_version_prints_the_package_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"embedscope {embedscope.__version__}"


def test_no_arguments_prints_help_listing_the_commands() -> None:
    result = run_cli()
    assert result.returncode == 0
    for command in ("run", "select", "report", "embed", "demo", "train"):
        assert f"  {command} " in result.stdout
