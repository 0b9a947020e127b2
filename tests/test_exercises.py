"""The exercises of the model pages: every solution passes its self-check, every starter fails it.

An exercise is a ``### `` part of a page's ``## Exercises`` section with three code blocks,
marked by their titles:

* ```` ```python title="Starter" ````, the code the reader completes;
* ```` ```python title="Self-check" ````, which the reader runs after it: it raises an
  ``AssertionError`` saying what is wrong until the answer is right, and then prints
  ``All checks passed.``;
* ```` ```python title="Solution" ````, inside a folded ``??? success "Solution"`` block.

They are ``python`` blocks, not ``pycon``: the page's doctests (``docs/conftest.py``) do
not run them, and a starter, which fails by design, cannot break them. Here each starter
and each solution runs in a fresh namespace, followed by its self-check, as a reader
pastes them into a new Python session.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import re
import sys
import traceback
from pathlib import Path
from typing import NamedTuple

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODEL_PAGES = (
    "ann.md",
    "classic.md",
    "xor.md",
    "deep.md",
    "cnn.md",
    "rnn.md",
    "graph.md",
    "regularization.md",
    "gated.md",
)
"""The pages that must have exercises, two to four each."""
PASSED = "All checks passed."
"""What a self-check prints last when the answer is right."""

_spec = importlib.util.spec_from_file_location("docs_notebooks_ex", DOCS / "notebooks.py")
assert _spec is not None
assert _spec.loader is not None
HOOK = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(HOOK)  # the fence and titles the notebooks use: one definition of the markup

SECTION = re.compile(r"^## Exercises[ \t]*\n(?P<body>.*?)(?=^## |\Z)", re.M | re.S)
EXERCISE = re.compile(r"^### (?P<title>[^\n]+)\n(?P<body>.*?)(?=^### |\Z)", re.M | re.S)
TITLE = re.compile(r'^python\s+title="(?P<title>[^"]+)"\s*$')


class Exercise(NamedTuple):
    page: str
    title: str
    starter: str
    check: str
    solution: str


def page_exercises(page: str) -> list[Exercise]:
    """The exercises of a page, each with its three blocks; asserts the markup is as described above."""
    text = (DOCS / page).read_text(encoding="utf-8")
    section = SECTION.search(text)
    if section is None:
        return []
    exercises = []
    for m in EXERCISE.finditer(section["body"]):
        body, blocks = m["body"], {}
        for fence in HOOK.FENCE.finditer(body):
            title = TITLE.match(fence["info"].strip())
            if title is None:
                continue
            assert title["title"] in HOOK.EXERCISE_TITLES, f"{page}, {m['title']}: unknown block {title['title']!r}"
            assert title["title"] not in blocks, f"{page}, {m['title']}: two {title['title']} blocks"
            indent = "    " if title["title"] == "Solution" else ""
            assert fence["indent"] == indent, f"{page}, {m['title']}: {title['title']} indented {fence['indent']!r}"
            if title["title"] == "Solution":
                folded = body[: fence.start()].rstrip().rsplit("\n", 1)[-1]
                assert folded == '??? success "Solution"', f"{page}, {m['title']}: the solution is not folded"
            blocks[title["title"]] = _dedent(fence["body"], indent)
        missing = set(HOOK.EXERCISE_TITLES) - set(blocks)
        assert not missing, f"{page}, {m['title']}: no {sorted(missing)} block"
        exercises.append(Exercise(page, m["title"], blocks["Starter"], blocks["Self-check"], blocks["Solution"]))
    return exercises


def _dedent(body: str, indent: str) -> str:
    lines = body.split("\n")
    assert all(not line or line.startswith(indent) for line in lines), body
    return "\n".join(line[len(indent) :] for line in lines)


def _all_exercises() -> list[Exercise]:
    return [ex for page in sorted(p.name for p in DOCS.glob("*.md")) for ex in page_exercises(page)]


EXERCISES = _all_exercises()
IDS = [f"{e.page[: -len('.md')]}-{e.title.split('.')[0]}" for e in EXERCISES]  # ann-1, ann-2, ...


def _run(code: str, name: str, namespace: dict[str, object]) -> str:
    """Run ``code`` in ``namespace`` as file ``name``; what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), namespace)
    return out.getvalue()


def _fresh() -> dict[str, object]:
    return {"__name__": "__main__"}


@pytest.mark.parametrize("page", MODEL_PAGES)
def test_every_model_page_ends_with_two_to_four_exercises(page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    exercises = page_exercises(page)
    assert 2 <= len(exercises) <= 4, f"{page} has {len(exercises)} exercises"
    headings = re.findall(r"^## (.+)$", text, re.M)
    assert headings[-1].strip() == "Exercises", f"{page}: the exercises are not the last section: {headings}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_solution_passes_its_self_check(exercise: Exercise) -> None:
    namespace = _fresh()
    _run(exercise.solution, "<solution>", namespace)
    printed = _run(exercise.check, "<self-check>", namespace)
    assert printed.rstrip("\n").split("\n")[-1] == PASSED, printed


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_starter_fails_its_self_check(exercise: Exercise) -> None:
    """The starter runs; then an assertion of the self-check, not some other error, rejects it."""
    namespace = _fresh()
    _run(exercise.starter, "<starter>", namespace)
    with pytest.raises(AssertionError) as failure:
        _run(exercise.check, "<self-check>", namespace)
    where = traceback.extract_tb(failure.value.__traceback__)[-1]
    assert where.filename == "<self-check>", f"the assertion that failed is not the self-check's: {where}"
    assert str(failure.value), "a self-check's assertion says what is wrong"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_solution_completes_the_starter(exercise: Exercise) -> None:
    """The solution defines what the starter defines (the self-check uses those names) and imports the same."""
    assert _top_level(exercise.starter) == _top_level(exercise.solution)


def _top_level(code: str) -> set[str]:
    names = set()
    for node in ast.parse(code).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


EXAMPLE = '''# A page

## Exercises

### 1. Double it

```python title="Starter"
def double(x):
    return x
```

```python title="Self-check"
assert double(2) == 4, "double(2) should be 4"
print("All checks passed.")
```

??? success "Solution"

    ```python title="Solution"
    def double(x):
        return 2 * x
    ```
'''


def test_the_markup_is_read_as_described(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page with one exercise gives its three blocks; an unfolded solution is refused."""
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path)
    (tmp_path / "page.md").write_text(EXAMPLE, encoding="utf-8")
    (exercise,) = page_exercises("page.md")
    assert exercise.starter == "def double(x):\n    return x\n"
    assert exercise.solution == "def double(x):\n    return 2 * x\n"
    test_the_solution_passes_its_self_check(exercise)
    test_the_starter_fails_its_self_check(exercise)
    (tmp_path / "page.md").write_text(EXAMPLE.replace('??? success "Solution"', "The solution:"), encoding="utf-8")
    with pytest.raises(AssertionError, match="not folded"):
        page_exercises("page.md")


def test_a_starter_that_passes_is_a_broken_exercise() -> None:
    solved = Exercise("page.md", "1. Double it", "def double(x):\n    return 2 * x\n", "assert double(2) == 4\n", "")
    with pytest.raises(pytest.fail.Exception, match="DID NOT RAISE"):
        test_the_starter_fails_its_self_check(solved)
