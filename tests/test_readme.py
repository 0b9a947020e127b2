"""The README's commands and quick start are the ones that work."""

from __future__ import annotations

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
    assert "sed -n 2p README.md" in ci  # CI runs the README's own test command
