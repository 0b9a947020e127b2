"""Helpers shared by the tests."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


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
