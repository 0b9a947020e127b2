"""The machinery that runs the docs pages' examples can fail: a wrong expected value is caught.

``docs/conftest.py`` turns every ```` ```pycon ```` block of a page into a doctest. These
tests load its ``run_page`` by path and feed it temporary pages whose outcome is known.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import DOCS_CONFTEST, RunPage, load_page_runner

FENCE = "```"

pytest_plugins = ("pytester",)


@pytest.fixture(scope="module")
def run_page() -> RunPage:
    return load_page_runner()


def _page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "page.md"
    path.write_text(body.replace("~~~", FENCE), encoding="utf-8")
    return path


GOOD = """# A page

Some prose, then an example:

~~~pycon
>>> x = 2 + 3
>>> print(x)
5
~~~

A second block sees the first block's names, as in one Python session:

~~~pycon
>>> [x * i for i in range(3)]
[0, 5, 10]
~~~
"""


def test_a_correct_page_passes(run_page: RunPage, tmp_path: Path) -> None:
    failed, attempted, report = run_page(_page(tmp_path, GOOD))
    assert (failed, attempted) == (0, 3), report


def test_a_wrong_expected_value_fails(run_page: RunPage, tmp_path: Path) -> None:
    page = _page(tmp_path, GOOD.replace("[0, 5, 10]", "[0, 5, 11]"))
    failed, attempted, report = run_page(page)
    assert (failed, attempted) == (1, 3)
    assert "[0, 5, 11]" in report  # what the page expects...
    assert "[0, 5, 10]" in report  # ...and what the code printed
    assert "line 14" in report  # counted from the top of the page, so the reader can find it


def test_an_exception_fails(run_page: RunPage, tmp_path: Path) -> None:
    page = _page(tmp_path, GOOD.replace("print(x)", "print(undefined_name)"))
    failed, _, report = run_page(page)
    assert failed == 1
    assert "NameError" in report


def test_only_pycon_blocks_run(run_page: RunPage, tmp_path: Path) -> None:
    body = GOOD + "\n~~~python\n>>> 1 + 1\n3\n~~~\n\n~~~bash\n>>> echo no\nyes\n~~~\n"
    failed, attempted, report = run_page(_page(tmp_path, body))
    assert (failed, attempted) == (0, 3), report


def test_each_page_starts_from_a_fresh_namespace(run_page: RunPage, tmp_path: Path) -> None:
    run_page(_page(tmp_path, GOOD))
    other = tmp_path / "other"
    other.mkdir()
    failed, _, report = run_page(_page(other, "~~~pycon\n>>> x\n5\n~~~\n"))
    assert failed == 1
    assert "NameError" in report


def test_the_page_collector_fails_a_wrong_page(pytester: pytest.Pytester) -> None:
    """End to end: pytest, with the docs conftest, reports a page with a wrong value as failed."""
    pytester.makeconftest(DOCS_CONFTEST.read_text(encoding="utf-8"))
    pytester.makefile(".md", good=GOOD.replace("~~~", FENCE), bad=GOOD.replace("~~~", FENCE).replace("5\n", "6\n", 1))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*bad.md*", "*Expected:*", "*6*", "*Got:*", "*5*"])
