"""Helpers shared by the tests."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import NoReturn, cast

import pytest

# What the "11 lines" tutorial prints (seed 004), as published.
PUBLISHED_BILAYER = [0.00966449, 0.00786506, 0.99358898, 0.99211957]
PUBLISHED_TRILAYER = [0.00260572, 0.99672209, 0.99701711, 0.00386759]
PUBLISHED_ERRORS = [
    0.4964100319027255,
    0.008584525653247157,
    0.0057894598625078085,
    0.004629176776769985,
    0.0039587652802736475,
    0.003510122567861678,
]


def require(module: str) -> ModuleType:
    """Import an optional dependency for a test.

    Outside CI a missing module skips the test; in CI (``CI`` set) it fails it, so a
    check can never pass by not running.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is required in CI but cannot be imported: {exc}")
        pytest.skip(f"{module} is not installed")


DOCS_CONFTEST = Path(__file__).resolve().parent.parent / "docs" / "conftest.py"
"""The pytest plugin that runs every ```` ```pycon ```` block of a docs page."""

RunPage = Callable[[Path], tuple[int, int, str]]
"""``run_page(path) -> (failures, examples run, report)``."""


def load_page_runner() -> RunPage:
    """``run_page`` of ``docs/conftest.py``: runs a Markdown file's pycon examples as one session."""
    spec = importlib.util.spec_from_file_location("docs_page_examples", DOCS_CONFTEST)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return cast(RunPage, module.run_page)


def unavailable(reason: str) -> NoReturn:
    """Skip the test because something it needs is missing; in CI (``CI`` set), fail it.

    ``reason`` says what is missing and how to install it.
    """
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)
