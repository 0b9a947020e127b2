"""Pytest plugin for ``pytest --doctest-modules --pyargs backprop``: empty namespaces, and extras skip.

Each docstring's examples run with no module globals, as a reader who pastes them into a
fresh Python has none: an example must import what it uses. A module whose import needs an
optional dependency that is not installed (``backprop.plots`` needs matplotlib) is collected
as a stand-in that skips, with the command that installs the missing extra as the reason.
Under CI (``CI`` set) nothing is skipped: the module's import error is reported, so a check
can never pass by not running.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Generator, Iterable
from pathlib import Path

import pytest

from backprop._extras import EXTRAS, install_hint

PACKAGE_DIR = Path(__file__).resolve().parent
"""The ``backprop`` package directory; only its files are looked at."""


OPTIONAL_PACKAGES: dict[str, str] = {"backprop.plots": "matplotlib"}
"""A subpackage whose every module imports an optional module → that module."""


def unavailable_extra(name: str) -> str | None:
    """The optional module that module ``name`` needs and that is not installed, or None.

    Examples:
        >>> from backprop.conftest import unavailable_extra
        >>> unavailable_extra("backprop.layers") is None
        True
    """
    for package, needed in OPTIONAL_PACKAGES.items():
        if (name == package or name.startswith(f"{package}.")) and importlib.util.find_spec(needed) is None:
            return needed
    return None


def missing_extra(exc: BaseException) -> str | None:
    """The optional module (a key of ``EXTRAS``) whose absence caused ``exc``, or None.

    Follows the chain of causes, so an ImportError re-raised with an install hint is traced
    back to the module that could not be found.

    Examples:
        >>> from backprop.conftest import missing_extra
        >>> missing_extra(ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib.figure"))
        'matplotlib'
        >>> missing_extra(ModuleNotFoundError("No module named 'nope'", name="nope")) is None
        True
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ImportError) and current.name:
            top = current.name.partition(".")[0]
            if top in EXTRAS:
                return top
        current = current.__cause__ or current.__context__
    return None


def skip_reason(missing: str) -> str:
    """Why a module is skipped: the missing module and the command that installs it.

    Examples:
        >>> from backprop.conftest import skip_reason
        >>> print(skip_reason("matplotlib"))
        needs matplotlib: pip install 'backprop-from-scratch[docs]' (from a checkout: pip install -e '.[docs]')
    """
    return f"needs {missing}: {install_hint(EXTRAS[missing])}"


def module_name(path: Path) -> str | None:
    """The import name of a ``.py`` file of this package, or None for any other file.

    Examples:
        >>> from backprop.conftest import PACKAGE_DIR, module_name
        >>> module_name(PACKAGE_DIR / "plots" / "cnn.py"), module_name(PACKAGE_DIR / "__init__.py")
        ('backprop.plots.cnn', 'backprop')
    """
    path = path.resolve()
    if path.suffix != ".py" or not path.is_relative_to(PACKAGE_DIR):
        return None
    parts = ("backprop", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


class MissingExtraModule(pytest.File):
    """Stands in for a module that cannot be imported without an optional extra: it skips."""

    reason = ""

    def collect(self) -> Iterable[pytest.Item | pytest.Collector]:
        pytest.skip(self.reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Empty the namespace of every doctest of this package: only what the example imports is there."""
    for item in items:
        test = getattr(item, "dtest", None)  # a doctest item of pytest's doctest plugin
        if test is not None and module_name(item.path) is not None:
            test.globs.clear()


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> Generator[None, list[pytest.Collector], list[pytest.Collector]]:
    collectors = yield
    name = module_name(file_path)
    if not collectors or name is None or os.environ.get("CI"):
        return collectors
    missing = unavailable_extra(name)
    if missing is None:
        return collectors
    stand_in = MissingExtraModule.from_parent(parent, path=file_path)
    stand_in.reason = f"{name} {skip_reason(missing)}"
    return [stand_in]
