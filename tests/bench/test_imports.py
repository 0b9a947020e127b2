"""Imports run one way: the core ← ``backprop.bench`` ← ``backprop.plots.perf`` ← ``backprop.cli.bench``."""

from __future__ import annotations

import ast
from pathlib import Path

import backprop

PACKAGE = Path(backprop.__file__).resolve().parent


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_bench_imports_neither_plots_nor_cli_nor_matplotlib() -> None:
    for path in sorted((PACKAGE / "bench").glob("*.py")):
        bad = {m for m in imported(path) if m.startswith(("backprop.plots", "backprop.cli", "matplotlib", "torch"))}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_perf_figure_imports_no_command() -> None:
    assert not {m for m in imported(PACKAGE / "plots" / "perf.py") if m.startswith("backprop.cli")}


def test_nothing_in_the_package_names_the_docs_folder() -> None:
    for path in [
        *sorted((PACKAGE / "bench").glob("*.py")),
        PACKAGE / "plots" / "perf.py",
        PACKAGE / "cli" / "bench.py",
    ]:
        text = path.read_text(encoding="utf-8")
        assert '"docs"' not in text, path.name  # results paths are arguments
        assert "bench-results.json" not in text, path.name
