"""The notebook of every page, run in a Jupyter kernel: each cell prints what the page shows.

``docs/notebooks.py``, the MkDocs hook, turns every page with examples into a notebook.
These tests make the notebooks from ``docs/*.md`` with the same function (the built site's
copies are compared with them in ``tests/test_site.py``), run each one in a real ipykernel
kernel through nbclient, and compare the output of every code cell with the page's, as
``docs/conftest.py`` compares the page's examples: doctest's ``OutputChecker`` with
``NORMALIZE_WHITESPACE`` and ``ELLIPSIS``. Anything a cell writes to stderr (a warning,
say) is output the page does not show, so it fails the cell. The starter and self-check
cells of the exercises are not run here; ``tests/test_exercises.py`` runs them.

A kernel takes a good fraction of a second to start and some pages take seconds to run,
so the notebooks run in one separate Python process, through nbclient's async API with a
few kernels at once, started as soon as collection ends (only those of the pages whose
tests were selected), and the tests that read the results run after all other tests.
Meanwhile the kernels work beside the rest of the suite, on one core fewer than the
machine has (on every core when these are the only tests). This module registers itself
as a pytest plugin for those hooks (``pytest_plugins`` below); each kernel is a fresh
one, as a reader's would be, with one BLAS thread.
"""

from __future__ import annotations

import ast
import asyncio
import copy
import doctest
import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

pytest_plugins = ("tests.test_notebooks",)  # its pytest_collection_* and pytest_sessionfinish hooks

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
CORES = os.cpu_count() or 1
"""How many kernels run at once when nothing else runs."""
CELL_TIMEOUT = 300
"""Seconds one cell may take before its notebook fails."""


def load_hook() -> ModuleType:
    """``docs/notebooks.py``, loaded by path as MkDocs loads its hooks."""
    spec = importlib.util.spec_from_file_location("docs_notebooks", DOCS / "notebooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = load_hook()


def pages_with_examples() -> list[str]:
    """The docs pages that get a notebook."""
    return sorted(p.name for p in DOCS.glob("*.md") if page_notebook(p.name) is not None)


@cache
def page_notebook(name: str) -> Any:
    """A page's notebook, as the build makes it (None for a page without examples)."""
    return HOOK.page_notebook((DOCS / name).read_text(encoding="utf-8"), name)


# A page made to fail, run with the real ones: proof that a wrong output is caught.
WRONG = """# A wrong page

~~~pycon
>>> x = 2 + 3
>>> print(x)
5
>>> x * 2
11
>>> import warnings
>>> warnings.warn("not on the page")
>>> print("after a warning")
after a warning
>>> int("seven")
Traceback (most recent call last):
    ...
ValueError: invalid literal for int() with base 10: 'seven'
>>> import json
>>> json.loads("{")
Traceback (most recent call last):
    ...
json.decoder.JSONDecodeError: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)
>>> int("eight")
Traceback (most recent call last):
    ...
ValueError: invalid literal for int() with base 10: 'nine'
~~~
""".replace("~~~", "```")

# A page whose example raises where the page shows a value.
RAISES = """# A page that raises

~~~pycon
>>> 1 / 0
1
>>> print("never printed")
never printed
~~~
""".replace("~~~", "```")


# -- running the notebooks, in another process -------------------------------------------


def _example_cells(nb: Any) -> list[int]:
    """Indices of the cells that run: code cells that are not an exercise's."""
    return [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and HOOK.EXERCISE_TAG not in c.metadata.get("tags", [])
    ]


async def _run_one(name: str, nb: Any, work: Path, index: int) -> dict[str, Any]:
    """Execute one notebook in a new kernel; the expected and actual outputs of each cell."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    ran = copy.deepcopy(nb)
    for cell in ran.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    folder = work / f"run-{index}"
    folder.mkdir()
    # IPC sockets in a folder of ours: no TCP port, not even on localhost.
    km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(folder / "kernel"))
    client = NotebookClient(
        ran,
        km=km,
        timeout=CELL_TIMEOUT,
        skip_cells_with_tag=HOOK.EXERCISE_TAG,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(folder)}},
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    error = None
    try:
        await client.async_execute(env=env, cleanup_kc=True)
    except CellExecutionError as exc:  # an exception the page does not show: later cells did not run
        raised = [c for c in ran.cells if any(o.output_type == "error" for o in c.get("outputs", []))]
        line = raised[-1].metadata.get("page_line") if raised else "?"
        error = f"{exc.ename}: {exc.evalue} (page line {line})"
    seconds = time.perf_counter() - start
    cells = [
        {
            "index": i,
            "line": nb.cells[i].metadata.get("page_line"),
            "source": nb.cells[i].source,
            "expected": nb.cells[i].outputs,
            "got": ran.cells[i].outputs,
        }
        for i in _example_cells(nb)
    ]
    return {"page": name, "seconds": seconds, "error": error, "cells": cells}


async def _run_all(notebooks: dict[str, Any], work: Path, parallel: int) -> list[dict[str, Any]]:
    gate = asyncio.Semaphore(parallel)

    async def one(index: int, name: str, nb: Any) -> dict[str, Any]:
        async with gate:
            return await _run_one(name, nb, work, index)

    return list(await asyncio.gather(*(one(i, n, nb) for i, (n, nb) in enumerate(notebooks.items()))))


def run_notebooks(out: Path, parallel: int, pages: list[str]) -> None:
    """Run the notebooks of ``pages`` and of the two made-up pages, ``parallel`` kernels at a time.

    What each cell printed goes to ``out``, a JSON file, with the seconds the run took.
    """
    notebooks = {name: page_notebook(name) for name in pages}
    for name in ("wrong.md", "raises.md"):
        notebooks[name] = _made_up_notebook(name)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        results = asyncio.run(_run_all(notebooks, Path(work), parallel))
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernels, once they have exited
    cpu = usage.ru_utime + usage.ru_stime
    out.write_text(json.dumps({"seconds": total, "cpu": cpu, "notebooks": results}), encoding="utf-8")


_RUNNER = (
    "import sys; from pathlib import Path; from tests.test_notebooks import run_notebooks;"
    " run_notebooks(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:])"
)


class _Run:
    """The process running the notebooks: started once, read when a test first asks."""

    def __init__(self, parallel: int, pages: list[str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="notebooks-"))
        self.out = self.folder / "results.json"
        self.log = (self.folder / "stderr.txt").open("w", encoding="utf-8")  # the kernels' too: a file cannot fill up
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _RUNNER, str(self.out), str(parallel), *pages],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,  # its own process group: stopped with its kernels
        )
        self._results: dict[str, Any] | None = None

    def results(self) -> dict[str, Any]:
        if self._results is None:
            waited = time.perf_counter()
            self.proc.wait(timeout=600)
            stderr = (self.folder / "stderr.txt").read_text(encoding="utf-8")
            assert self.proc.returncode == 0, f"running the notebooks failed:\n{stderr}"
            self._results = json.loads(self.out.read_text(encoding="utf-8"))
            self._results["waited"] = time.perf_counter() - waited
        return self._results

    def stop(self) -> None:
        """End the run and its kernels if the session ends first (a failure, ``-x``, Ctrl-C)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_run: _Run | None = None


def _the_run(alone: bool = True, pages: list[str] | None = None) -> _Run:
    """The notebooks' run, started on first call: of ``pages`` (default: all).

    Alone, the kernels may use every core; beside the rest of the suite, one core is left
    to the tests.
    """
    global _run
    if _run is None:
        _run = _Run(CORES if alone else max(1, CORES - 1), pages_with_examples() if pages is None else pages)
    return _run


def _is_ours(item: pytest.Item) -> bool:
    """Whether a test reads the kernels' results."""
    return "notebook_runs" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the tests that wait for the kernels to the end of the run."""
    ours = [item for item in items if _is_ours(item)]
    if ours:
        items[:] = [item for item in items if not _is_ours(item)] + ours


def _made_up_notebook(name: str) -> Any:
    return HOOK.page_notebook({"wrong.md": WRONG, "raises.md": RAISES}[name], name)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the kernels as soon as the tests are known, if any test needs them."""
    ours = [item for item in session.items if _is_ours(item)]
    if ours and not session.config.option.collectonly:
        params = [getattr(item, "callspec", None) for item in ours]
        pages = sorted({c.params["page"] for c in params if c is not None and "page" in c.params})
        _the_run(alone=all(item.path == Path(__file__) for item in session.items), pages=pages)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _run is not None:
        _run.stop()


# -- what each cell printed ------------------------------------------------------------


def _merged(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Outputs with consecutive text on the same stream joined (a kernel may send it in pieces)."""
    merged: list[dict[str, Any]] = []
    for out in outputs:
        last = merged[-1] if merged else None
        if last is not None and out["output_type"] == last["output_type"] == "stream" and out["name"] == last["name"]:
            merged[-1] = {**last, "text": last["text"] + out["text"]}
        else:
            merged.append(out)
    return merged


def _text(outputs: list[dict[str, Any]]) -> str:
    """Outputs as the page shows them: printed text, a value's text, an exception's last line."""
    parts = []
    for out in _merged(outputs):
        kind = out["output_type"]
        if kind == "stream":
            parts.append(out["text"] if out["name"] == "stdout" else f"[{out['name']}] {out['text']}")
        elif kind == "execute_result":
            parts.append(out["data"]["text/plain"] + "\n")
        elif kind == "error":
            parts.append(f"{out['ename']}: {out['evalue']}\n")
        else:
            parts.append(f"[{kind}: {sorted(out.get('data', {}))}]\n")
    return "".join(parts)


def _mismatches(result: dict[str, Any]) -> list[str]:
    """A report for every cell whose output differs from the page's."""
    checker = doctest.OutputChecker()
    report = []
    for cell in result["cells"]:
        want, got = _text(cell["expected"]), _text(cell["got"])
        kinds = [o["output_type"] for o in _merged(cell["expected"])], [o["output_type"] for o in _merged(cell["got"])]
        if not checker.check_output(want, got, FLAGS) or kinds[0] != kinds[1]:
            source = textwrap.indent(cell["source"], "    ")
            report.append(
                f"{result['page']}, cell {cell['index']} (page line {cell['line']}):\n{source}\n"
                f"expected {kinds[0]}:\n{textwrap.indent(want, '    ')}got {kinds[1]}:\n{textwrap.indent(got, '    ')}"
            )
    return report


@pytest.fixture(scope="session")
def notebook_runs() -> dict[str, Any]:
    """Every notebook's run, by page; the kernels were started when collection ended."""
    run = _the_run()
    data = run.results()
    runs = {r["page"]: r for r in data["notebooks"]}
    pages = [r for r in data["notebooks"] if r["page"] not in ("wrong.md", "raises.md")]
    cells = sum(len(r["cells"]) for r in pages)
    print(  # shown with -s; never asserted
        f"{len(pages)} notebooks, {cells} cells run in {data['seconds']:.1f} s"
        f" ({data['cpu']:.1f} s of CPU); the tests waited {data['waited']:.1f} s for them"
    )
    return runs


@pytest.mark.parametrize("page", pages_with_examples())
def test_notebook_prints_what_the_page_shows(notebook_runs: dict[str, Any], page: str) -> None:
    assert page in notebook_runs, f"{page} was not run"
    result = notebook_runs[page]
    assert result["error"] is None, f"{page}: a cell raised {result['error']}"
    assert len(result["cells"]) >= 1, page
    problems = _mismatches(result)
    assert not problems, "\n\n".join(problems)


def test_a_wrong_output_fails_its_notebook(notebook_runs: dict[str, Any]) -> None:
    """The wrong page's notebook: a wrong value, a warning and a wrong message are each caught."""
    result = notebook_runs["wrong.md"]
    problems = _mismatches(result)
    assert len(problems) == 3, problems
    wrong_value, warning, wrong_message = problems
    assert "    11\n" in wrong_value  # what the page says...
    assert "    10\n" in wrong_value  # ...and what the kernel printed
    assert "[stderr]" in warning
    assert "not on the page" in warning
    assert "'nine'" in wrong_message
    assert "'eight'" in wrong_message
    assert result["error"] is None  # the expected exception of the raises-exception cell stops nothing
    expected_error = next(c for c in result["cells"] if "seven" in c["source"])
    assert [o["output_type"] for o in expected_error["got"]] == ["error"]


def test_an_exception_fails_its_notebook(notebook_runs: dict[str, Any]) -> None:
    """An exception where the page shows a value stops the notebook, and the report says where."""
    result = notebook_runs["raises.md"]
    assert result["error"] == "ZeroDivisionError: division by zero (page line 4)"
    _, first, second = result["cells"]  # the imports (none), then the two examples
    assert [o["output_type"] for o in first["got"]] == ["error"]
    assert second["got"] == []  # not run
    assert len(_mismatches(result)) == 2


# -- the notebooks themselves (no kernel) -----------------------------------------------


def test_the_pages_with_examples_have_notebooks() -> None:
    pages = pages_with_examples()
    assert {"ann.md", "cnn.md", "rnn.md", "pitfalls.md", "index.md"} <= set(pages), pages
    for name in ("api.md", "deploy.md", "performance.md"):
        assert page_notebook(name) is None, name


@pytest.mark.parametrize("page", pages_with_examples())
def test_notebook_is_the_page(page: str) -> None:
    """Imports first; then the page's examples, every one, in order, each output as the page shows it."""
    nb = page_notebook(page)
    nbformat.validate(nb)
    examples = load_page_examples()((DOCS / page).read_text(encoding="utf-8"))
    first = nb.cells[0]
    assert first.cell_type == "code", "the first cell holds the imports"
    imports = ast.parse(first.source).body
    assert imports, page
    assert all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in imports), first.source
    hoisted = {ast.unparse(s) for s in imports}
    code = [nb.cells[i] for i in _example_cells(nb)[1:]]
    kept = [ex for ex in examples if not (_is_import(ex.source) and _unparsed(ex.source) <= hoisted)]
    assert "".join(c.source + "\n" for c in code) == "".join(ex.source for ex in kept)
    # Each cell ends with an example that has output (or is the last of its block), and shows that output.
    position = 0
    for cell in code:
        n = _count_examples(cell.source, kept[position:])
        last = kept[position + n - 1]
        position += n
        want = _exception_line(last.exc_msg) if last.exc_msg else last.want
        assert _text(cell.outputs) == want, (page, cell.source)
        assert ("raises-exception" in cell.metadata.get("tags", [])) == (last.exc_msg is not None)
    assert position == len(kept)


def _exception_line(exc_msg: str) -> str:
    """A doctest's exception line as a kernel reports it: the class without its module."""
    name, _, message = exc_msg.strip().partition(":")
    return f"{name.rsplit('.', 1)[-1]}:{message}\n"


def _is_import(source: str) -> bool:
    body = ast.parse(source).body
    return bool(body) and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in body)


def _unparsed(source: str) -> set[str]:
    return {ast.unparse(s) for s in ast.parse(source).body}


def _count_examples(source: str, examples: list[doctest.Example]) -> int:
    """How many of ``examples``, from the first, make up a cell's source."""
    text, n = "", 0
    while text != source + "\n":
        assert n < len(examples), source
        text += examples[n].source
        n += 1
    return n


@cache
def load_page_examples() -> Any:
    """``page_examples`` of ``docs/conftest.py``: the examples its doctests run."""
    spec = importlib.util.spec_from_file_location("docs_page_examples_nb", DOCS / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.page_examples


def test_prose_becomes_markdown_with_links_into_the_site() -> None:
    page = """# Title

See [the ANN](ann.md#the-backward-pass), [here](#a-part), [PyTorch](https://pytorch.org/)
and ![a curve](figures/a.svg).

<figure markdown="span">
  ![Alt text](figures/b.svg)
  <figcaption>What to look at,
  in two lines.</figcaption>
</figure>

!!! note "Needs PyTorch"
    Install it first.

~~~pycon
>>> 1 + 1
2
~~~

## A part {#a-part}

~~~bash
python -m backprop ann
~~~
""".replace("~~~", "```")
    nb = HOOK.page_notebook(page, "page.md")
    first, intro, example, rest = (c.source for c in nb.cells)
    assert "import" not in first.split("\n", 1)[1]  # nothing to import: a header comment only
    assert "[the ANN](../ann.html#the-backward-pass)" in intro
    assert "[here](../page.html#a-part)" in intro
    assert "[PyTorch](https://pytorch.org/)" in intro
    assert "![a curve](../figures/a.svg)" in intro
    assert "![Alt text](../figures/b.svg)\n\n*What to look at, in two lines.*" in intro
    assert "> **Needs PyTorch**\n>\n> Install it first." in intro
    assert example == "1 + 1"
    assert rest.startswith("## A part\n")
    assert "```bash\npython -m backprop ann\n```" in rest
    assert HOOK.page_notebook(page, "page.md", directory_urls=True).cells[1].source.count("../ann/#") == 1


def test_an_import_that_a_later_statement_rebinds_stays_in_place() -> None:
    page = "# T\n\n```pycon\n>>> import numpy as np\n>>> x = np.ones(2)\n"
    page += ">>> from math import pi as x\n>>> x\n3.1...\n```\n"
    cells = [c.source for c in HOOK.page_notebook(page, "t.md").cells]
    assert cells[0].endswith("\nimport numpy as np")
    assert cells[2] == "x = np.ones(2)\nfrom math import pi as x\nx"


def test_exercise_cells_are_tagged_and_solutions_fold() -> None:
    page = """# T

```pycon
>>> import numpy as np
```

## Exercises

### 1. Double it

```python title="Starter"
def double(x):
    return x
```

```python title="Self-check"
assert double(2) == 4
```

??? success "Solution"

    ```python title="Solution"
    def double(x):
        return 2 * x
    ```
"""
    nb = HOOK.page_notebook(page, "t.md")
    tagged = [c for c in nb.cells if HOOK.EXERCISE_TAG in c.metadata.get("tags", [])]
    assert [c.source for c in tagged] == ["def double(x):\n    return x", "assert double(2) == 4"]
    assert all(c.cell_type == "code" and c.outputs == [] and c.execution_count is None for c in tagged)
    last = nb.cells[-1]
    assert last.cell_type == "markdown"
    assert last.source.startswith("<details><summary>Solution</summary>\n\n```python")
    assert last.source.endswith("return 2 * x\n```\n\n</details>")


def test_notebooks_are_reproducible() -> None:
    """The same page gives the same file, byte for byte (cell ids are fixed, not random)."""
    text = (DOCS / "ann.md").read_text(encoding="utf-8")
    first, again = (HOOK.notebook_text(HOOK.page_notebook(text, "ann.md")) for _ in range(2))
    assert first == again
