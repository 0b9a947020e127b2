"""The README's commands and quick start are the ones that work."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run_page(path: Path) -> tuple[int, int, str]:
    spec = importlib.util.spec_from_file_location("docs_page_examples_readme", ROOT / "docs" / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: tuple[int, int, str] = module.run_page(path)
    return result


def test_quick_start_prints_what_the_readme_shows() -> None:
    failed, attempted, report = _run_page(ROOT / "README.md")
    assert attempted >= 8
    assert failed == 0, report


def test_first_two_lines_serve_the_site_and_run_the_tests() -> None:
    serve, test = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:2]
    for line in (serve, test):
        assert line.startswith("python3 -m venv .venv && "), line
    assert serve.endswith("mkdocs serve"), serve
    assert test.endswith("python -m pytest"), test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'sed -n 2p README.md' in ci  # CI runs the README's own test command
