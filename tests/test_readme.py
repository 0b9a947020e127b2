"""The README's commands and quick start are the ones that work."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import load_page_runner

ROOT = Path(__file__).resolve().parent.parent


def test_quick_start_prints_what_the_readme_shows() -> None:
    failed, attempted, report = load_page_runner()(ROOT / "README.md")
    assert attempted >= 8
    assert failed == 0, report


def test_first_two_lines_serve_the_site_and_run_the_tests() -> None:
    serve, test = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:2]
    for line in (serve, test):
        assert line.startswith("python3 -m venv .venv && "), line
    assert serve.endswith("mkdocs serve"), serve
    assert test.endswith("python -m pytest"), test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "serve_command=$(sed -n 1p README.md)" in ci  # CI serves the README's own site command...
    assert "test_command=$(sed -n 2p README.md)" in ci  # ...and runs its own test command
    assert 'eval "$test_command"' in ci


def test_install_hints_name_our_distribution() -> None:
    """``backprop`` on PyPI is another project: no hint may tell anyone to install it."""
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "backprop").rglob("*.py")]
    wrong = re.compile(r"""install\s+(-e\s+)?["']?backprop(\[|["'\s]|$)""", re.M)
    bad = [str(p.relative_to(ROOT)) for p in texts if wrong.search(p.read_text(encoding="utf-8"))]
    assert bad == []
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "backprop-from-scratch"' in pyproject
