"""Runs the examples of every docs page as a test: each ```` ```pycon ```` block, in page order.

A page's blocks share one fresh namespace (as if pasted into one new Python session),
and each printed output must match the page exactly, up to whitespace and ``...``.
"""

from __future__ import annotations

import doctest
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FENCE = re.compile(r"^(?P<indent>[ \t]*)```pycon[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def page_examples(text: str) -> list[doctest.Example]:
    """All examples of a page's pycon blocks, with line numbers counted from the page's top."""
    parser = doctest.DocTestParser()
    examples: list[doctest.Example] = []
    for m in FENCE.finditer(text):
        offset = text.count("\n", 0, m.start("body"))
        for ex in parser.get_examples(textwrap.dedent(m.group("body"))):
            ex.lineno += offset
            examples.append(ex)
    return examples


def run_page(path: Path) -> tuple[int, int, str]:
    """Run a page's examples; return (failures, examples run, report)."""
    examples = page_examples(path.read_text(encoding="utf-8"))
    test = doctest.DocTest(examples, {"__name__": "__main__"}, path.name, str(path), 0, None)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    result = runner.run(test, out=report.append, clear_globs=True)
    return result.failed, result.attempted, "".join(report)


class PageItem(pytest.Item):
    """The examples of one page."""

    def runtest(self) -> None:
        failed, _, report = run_page(self.path)
        if failed:
            raise PageFailureError(report)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, PageFailureError):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"[page examples] {self.path.name}"


class PageFailureError(Exception):
    """A page example printed something other than what the page shows."""


class MarkdownPage(pytest.File):
    """A docs page; one test item if it has any pycon example."""

    def collect(self) -> Iterator[pytest.Item]:
        if page_examples(self.path.read_text(encoding="utf-8")):
            yield PageItem.from_parent(self, name="examples")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".md":
        return MarkdownPage.from_parent(parent, path=file_path)
    return None
