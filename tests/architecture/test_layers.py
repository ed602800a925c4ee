"""The stage contract of docs/architecture.md, checked on the source: a stage never imports a later stage,
no module is over 400 lines, the CLI starts without the heavy libraries, and stage results pickle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "embedscope"
# rank of each top-level part of the package: a module may import only parts of equal or lower rank
RANK = {
    "__init__": 0, "errors": 0, "run_parameters": 0, "progress": 0, "io": 0, "neighbors": 0,
    "ingest": 1, "embed": 2, "train": 2, "select": 3, "analyze": 4, "report": 5, "pipeline": 6, "distributed": 6,
    "demo": 7, "cli": 7,
}
MAX_MODULE_LINES = 400
HEAVY_MODULES = ("numpy", "scipy", "sklearn", "matplotlib", "numba", "onnxruntime", "PIL", "faiss", "umap", "av")


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else "__init__"


def _imported_modules(path: Path) -> list[str]:
    """Every ``embedscope.*`` module imported anywhere in the file (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("embedscope"):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if alias.name.startswith("embedscope")]
    return found


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_part_has_a_rank() -> None:
    parts = {path.relative_to(PACKAGE).parts[0].removesuffix(".py") for path in _modules()}
    assert parts <= set(RANK), parts - set(RANK)


def test_no_stage_imports_a_later_stage() -> None:
    violations = []
    for path in _modules():
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for module in _imported_modules(path):
            if module == "embedscope":
                continue
            if RANK[_part(module)] > RANK[own]:
                violations.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert violations == []


def test_no_module_is_over_the_line_budget() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["run", "--help"]])
def test_cli_starts_without_heavy_libraries(argv: list[str]) -> None:
    code = (
        "import sys; from embedscope.cli.app import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip().splitlines()[-1] == "[]"
