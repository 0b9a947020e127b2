"""Every docstring example under ``backprop/`` runs alone, in an empty namespace.

``pytest --doctest-modules`` runs each docstring with its module's globals, so an example
that calls ``sigmoid(...)`` without importing it passes there and fails for a reader who
pastes it into a fresh Python. Here each docstring runs with ``globs = {}``: it has to
import everything it uses, and it cannot lean on another docstring either.
"""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import os
import pkgutil
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import backprop
from backprop.conftest import missing_extra, skip_reason

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

pytest_plugins = ("pytester",)


def all_modules() -> list[str]:
    """Every module of the package, also those of a subpackage that cannot be imported here."""
    names = {"backprop"}
    unimportable: list[str] = []
    for info in pkgutil.walk_packages(backprop.__path__, "backprop.", onerror=unimportable.append):
        names.add(info.name)
    for package in unimportable:  # walk_packages does not look inside these: list them without importing
        spec = importlib.util.find_spec(package)
        locations = spec.submodule_search_locations if spec else None
        names.update(info.name for info in pkgutil.walk_packages(locations or [], f"{package}."))
    return sorted(names)


MODULES = all_modules()

MIN_EXAMPLES, MIN_DOCSTRINGS = 440, 110
"""Found with every extra installed (455 examples in 113 docstrings when this was written)."""
MIN_CORE_EXAMPLES, MIN_CORE_DOCSTRINGS = 400, 90
"""Found without the optional extras, hence without ``backprop.plots`` (413 in 94)."""


def import_optional(name: str) -> types.ModuleType | str:
    """Import module ``name``, or say why not: it needs an optional extra that is not installed.

    Under CI (``CI`` set) a missing extra fails the test instead, as `tests.support.require` does.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing = missing_extra(exc)
        if missing is None:
            raise
        if os.environ.get("CI"):
            pytest.fail(f"{name} {skip_reason(missing)}, and CI must check it: {exc}")
        return f"{name} {skip_reason(missing)}"


def docstring_tests(module: types.ModuleType) -> list[doctest.DocTest]:
    """The docstrings of ``module`` (and of everything defined in it) that hold examples."""
    tests = doctest.DocTestFinder(recurse=True).find(module, globs={})
    return [t for t in tests if t.examples]


def failures_in_empty_namespace(module: types.ModuleType) -> tuple[int, list[str]]:
    """Run every docstring of ``module`` with no globals; return (examples run, one report per failing docstring)."""
    run, reports = 0, []
    for test in docstring_tests(module):
        test.globs = {}
        out: list[str] = []
        result = doctest.DocTestRunner(optionflags=FLAGS).run(test, out=out.append)
        run += result.attempted
        if result.failed:
            reports.append(f"{test.name}: {result.failed} of {result.attempted} examples failed\n{''.join(out)}")
    return run, reports


@pytest.mark.parametrize("name", MODULES)
def test_docstrings_run_alone(name: str) -> None:
    module = import_optional(name)
    if isinstance(module, str):
        pytest.skip(module)
    _, reports = failures_in_empty_namespace(module)
    if reports:
        names = "\n".join(f"  {r.partition(':')[0]}" for r in reports)
        pytest.fail(
            f"{len(reports)} docstring(s) of {name} fail in an empty namespace:\n{names}\n\n" + "\n".join(reports),
            pytrace=False,
        )


def test_enough_examples_are_checked(record_property: Callable[[str, object], None]) -> None:
    """The checker sees the package's examples (not, say, none after a broken walk)."""
    examples = docstrings = 0
    skipped: list[str] = []
    for name in MODULES:
        module = import_optional(name)
        if isinstance(module, str):
            skipped.append(name)
            continue
        tests = docstring_tests(module)
        docstrings += len(tests)
        examples += sum(len(t.examples) for t in tests)
    record_property("docstring_examples", examples)
    record_property("docstrings", docstrings)
    print(f"{examples} examples in {docstrings} docstrings of {len(MODULES) - len(skipped)} modules, "
          f"each docstring run in an empty namespace" + (f" ({', '.join(skipped)} skipped)" if skipped else ""))
    least = (MIN_CORE_EXAMPLES, MIN_CORE_DOCSTRINGS) if skipped else (MIN_EXAMPLES, MIN_DOCSTRINGS)
    assert examples >= least[0], f"only {examples} examples found, expected at least {least[0]}"
    assert docstrings >= least[1], f"only {docstrings} docstrings with examples found, expected at least {least[1]}"


# --------------------------------------------------------------------------- the checker can fail


def synthetic_module(monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> types.ModuleType:
    """A module built from ``source`` and importable as ``name`` during the test."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, name, module)
    return module


DOUBLE = 'def double(x):\n    """Twice x.\n\n    {example}\n    """\n    return 2 * x\n'
"""A one-function module; ``{example}`` is its docstring's example."""


def test_the_synthetic_module_passes_when_right(monkeypatch: pytest.MonkeyPatch) -> None:
    example = DOUBLE.format(example=">>> from right import double\n    >>> double(2)\n    4")
    assert failures_in_empty_namespace(synthetic_module(monkeypatch, "right", example)) == (2, [])


def test_a_wrong_expected_value_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    example = DOUBLE.format(example=">>> from wrong_value import double\n    >>> double(2)\n    5")
    module = synthetic_module(monkeypatch, "wrong_value", example)
    run, reports = failures_in_empty_namespace(module)
    assert run == 2
    assert len(reports) == 1
    assert reports[0].startswith("wrong_value.double: 1 of 2 examples failed")
    assert "Expected:\n    5\nGot:\n    4" in reports[0]


def test_a_name_used_without_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    # The module defines ``double``, so plain --doctest-modules would pass this example.
    module = synthetic_module(monkeypatch, "no_import", DOUBLE.format(example=">>> double(2)\n    4"))
    with_globals = doctest.DocTestFinder().find(module)  # the module's globals, as --doctest-modules runs it
    assert doctest.DocTestRunner().run(with_globals[0]).failed == 0
    run, reports = failures_in_empty_namespace(module)
    assert run == 1
    assert len(reports) == 1
    assert "NameError: name 'double' is not defined" in reports[0]


def test_pytest_doctest_modules_runs_backprop_in_empty_namespaces(pytester: pytest.Pytester) -> None:
    """``pytest --doctest-modules --pyargs backprop`` with the package's plugin gives no module globals."""
    items, _ = pytester.inline_genitems("--doctest-modules", "--pyargs", "backprop.losses")
    doctests = [item for item in items if getattr(item, "dtest", None) is not None]
    assert len(doctests) >= 3
    for item in doctests:
        assert item.dtest.globs == {}, item.name  # type: ignore[attr-defined]


def test_a_docstring_cannot_lean_on_another(monkeypatch: pytest.MonkeyPatch) -> None:
    module = synthetic_module(
        monkeypatch,
        "leaning",
        'def first():\n    """>>> shared = 3"""\n\n\ndef second():\n    """>>> shared\n    3\n    """\n',
    )
    _, reports = failures_in_empty_namespace(module)
    assert [r.partition(":")[0] for r in reports] == ["leaning.second"]


def test_no_docstring_lost_a_backslash_to_an_escape() -> None:
    r"""A docstring written without the ``r`` prefix turns the ``\t`` of ``\text`` into a tab: wrong math."""
    eaten = []
    for path in sorted(Path(backprop.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node, clean=False)
                if doc and any(c in doc for c in "\t\b\f\r\a\v"):
                    eaten.append(f"{path.name}:{getattr(node, 'name', '<module>')}")
    assert not eaten, f"docstrings with a control character (use r\"\"\"): {eaten}"
