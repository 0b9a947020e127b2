"""The tutorial site as readers meet it: a strict build, its figures, and every page in a real browser.

One strict MkDocs build, run in this process, feeds every test here; the docs hook draws
the figures through `backprop.plots.render_all`, so they are drawn once per test run.
While it builds, another Python process draws one figure of each family afresh, and the
build's SVG files must be byte-identical to those.

The browser tests serve that build on 127.0.0.1 and open it in headless Chromium
(Debian's ``chromium`` driven by Playwright), one browser and one tab for all of them,
with every request that would leave the machine blocked. On every page, the whole page
(navigation, table of contents, article, and search results when shown) must have no
failed request, no console error, every formula typeset by KaTeX and no TeX source left
as text, and every image loaded. The copy button of a ``pycon`` block must put runnable
code on the clipboard: no prompts, no output. Screenshots of a few pages go to
``artifacts/screenshots/`` (of every page with ``BACKPROP_SCREENSHOTS=1``).

Without Playwright or Chromium the browser tests skip locally, saying how to install
them, and fail in CI (``CI`` set).
"""

from __future__ import annotations

import doctest
import functools
import http.server
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support import require, unavailable

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
INSTALL_BROWSER = "apt-get install chromium && pip install -e '.[browser]'"
ALL_SCREENSHOTS = os.environ.get("BACKPROP_SCREENSHOTS") == "1"
"""Set ``BACKPROP_SCREENSHOTS=1`` for a full-page screenshot of every page."""
SCREENSHOT_PAGES = ("index.html", "deep.html")
"""Pages always photographed: the home page and a model page with math in its table of contents."""


def _env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class _Build:
    """The outcome of one in-process build: the error that stopped it, if any, and the warnings."""

    def __init__(self, error: str | None, warnings: list[str]) -> None:
        self.error = error
        self.warnings = warnings

    def __str__(self) -> str:
        return "\n".join([self.error or "built", *self.warnings])


def _build(config_file: Path, site_dir: Path) -> _Build:
    """Build a site in this process as ``mkdocs build --strict --site-dir site_dir`` does.

    Strict mode counts the records of level WARNING and above that reach the ``mkdocs``
    logger (it adds a counting handler there for the build) and then raises ``Abort``,
    in a process of ours as on the command line. That only works if the logger lets
    warnings through, which is asserted first.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort

    logger = logging.getLogger("mkdocs")
    assert logger.isEnabledFor(logging.WARNING), "mkdocs' warnings are filtered out: strict mode would count none"
    warnings = _Warnings()
    logger.addHandler(warnings)
    try:
        build(load_config(str(config_file), strict=True, site_dir=str(site_dir)))
    except Abort as exc:
        return _Build(str(exc), warnings.messages)
    finally:
        logger.removeHandler(warnings)
    return _Build(None, warnings.messages)


class _Warnings(logging.Handler):
    """Keeps the messages of WARNING and above, as strict mode's own counter sees them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname}: {record.getMessage()}")


def _mkdocs_config() -> dict[str, Any]:
    """mkdocs.yml as MkDocs itself reads it."""
    from mkdocs.utils import yaml_load  # type: ignore[attr-defined]

    with open(ROOT / "mkdocs.yml", "rb") as f:
        data = yaml_load(f)
    assert isinstance(data, dict)
    return data


def _nav_pages(nav: Any) -> list[str]:
    """Every Markdown file named in a mkdocs ``nav`` tree."""
    if isinstance(nav, str):
        return [nav] if nav.endswith(".md") else []
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return []


# Run by another Python: the first figure of each family, drawn afresh into argv[1], and a
# note of the matplotlib settings that importing backprop.plots or drawing changed.
_DRAW_ONE_PER_FAMILY = """
import json, sys
from pathlib import Path
import matplotlib

def settings():  # as stored: reading "backend" the usual way would pick one, importing pyplot
    return {k: repr(dict.__getitem__(matplotlib.rcParams, k)) for k in matplotlib.rcParams}

def changed(before, after):
    return sorted(k for k in before if before[k] != after[k])

out = Path(sys.argv[1])
start = settings()
from backprop.plots import ann, cnn, dnn, rnn, xor
from backprop.plots.site import render
imported = settings()
for family in (ann, cnn, dnn, rnn, xor):
    stem = next(iter(family.FIGURES))
    (out / f"{stem}.svg").write_bytes(render(stem))
drawn = settings()
pyplot = "matplotlib.pyplot" in sys.modules
note = {"import": changed(start, imported), "drawing": changed(imported, drawn), "pyplot": pyplot}
(out / "matplotlib.json").write_text(json.dumps(note))
"""


class _Fresh:
    """What a new Python process drew, and what it saw happen to matplotlib's settings."""

    def __init__(self, folder: Path) -> None:
        self.svg = {p.stem: p.read_bytes() for p in folder.glob("*.svg")}
        self.matplotlib: dict[str, Any] = json.loads((folder / "matplotlib.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def fresh_figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], _Fresh]]:
    """One figure of each family, drawn by a separate Python process (started now, read when asked)."""
    require("matplotlib")
    out = tmp_path_factory.mktemp("fresh-figures")
    # One BLAS thread: its matrices are small, and it shares the machine with the build.
    env = dict(_env(), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-W", "error", "-c", _DRAW_ONE_PER_FAMILY, str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    @functools.cache
    def result() -> _Fresh:
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"drawing figures in a new process failed:\n{stderr}"
        return _Fresh(out)

    yield result
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, fresh_figures: Callable[[], _Fresh]) -> Path:
    """The site, built once in this process with the repository's mkdocs.yml in strict mode.

    ``fresh_figures`` is requested first so that its process draws on the other core meanwhile.
    """
    require("mkdocs")
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    result = _build(ROOT / "mkdocs.yml", out)
    elapsed = time.perf_counter() - start
    assert result.error is None, f"mkdocs build --strict failed:\n{result}"
    assert not result.warnings, result  # strict mode already stops on any; this names them
    print(f"mkdocs build --strict: {elapsed:.1f} s")  # shown with -s; never asserted
    return out


# -- the build --------------------------------------------------------------------------


def test_every_nav_page_is_built(site: Path) -> None:
    pages = _nav_pages(_mkdocs_config()["nav"])
    assert len(pages) >= 5, pages
    missing = [p for p in pages if not (site / p).with_suffix(".html").is_file()]
    assert not missing, f"nav pages missing from the built site: {missing}"


def test_math_is_served_from_the_site(site: Path) -> None:
    """KaTeX's files are part of the site; no page refers to a CDN or any other host."""
    for name in ("katex.min.js", "auto-render.min.js", "katex.min.css", "LICENSE"):
        assert (site / "assets" / "katex" / name).is_file(), name
    fonts = sorted((site / "assets" / "katex" / "fonts").glob("*.woff2"))
    assert len(fonts) >= 10, fonts
    css = (site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    for url in re.findall(r"url\(([^)]+)\)", css):
        assert (site / "assets" / "katex" / url).is_file(), f"katex.min.css refers to a missing file {url}"
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        scripts = re.findall(r"""<script[^>]+src=["']([^"']+)""", text)
        styles = re.findall(r"""<link[^>]+href=["']([^"']+\.css)""", text)
        external = [u for u in scripts + styles if re.match(r"(?:https?:)?//", u)]
        assert not external, f"{page.name} loads {external} from the network"


def test_figures_are_svg_and_byte_identical(site: Path, fresh_figures: Callable[[], _Fresh]) -> None:
    """Every figure is an SVG file, and one figure per family drawn afresh elsewhere gives the same bytes."""
    site_figures = require("backprop.plots.site")
    stems = {*site_figures.SITE_FIGURES, "perf_vs_torch"}  # perf: drawn by the docs hook from its results file
    built = {p.name for p in (site / "figures").iterdir()}
    assert built == {f"{s}.svg" for s in stems}, f"site/figures differs from SITE_FIGURES: {built}"
    for stem in stems:
        svg = (site / "figures" / f"{stem}.svg").read_bytes()
        assert svg.lstrip().startswith(b"<?xml"), stem
        assert b"<svg" in svg, stem
    fresh = fresh_figures().svg
    assert len(fresh) == 5, sorted(fresh)  # one per family
    for stem, again in fresh.items():
        assert (site / "figures" / f"{stem}.svg").read_bytes() == again, f"{stem}.svg differs between two renders"


def test_figures_leave_matplotlib_settings_alone(site: Path, fresh_figures: Callable[[], _Fresh]) -> None:
    """Importing backprop.plots and drawing change no rcParam and need no pyplot; nor do the
    figures depend on the rcParams of the process that draws them."""
    assert fresh_figures().matplotlib == {"import": [], "drawing": [], "pyplot": False}
    import matplotlib

    site_figures = require("backprop.plots.site")
    stem = "dnn_grad_norms"
    with matplotlib.rc_context({"font.size": 20, "axes.grid": False, "lines.linewidth": 4, "svg.hashsalt": None}):
        again = site_figures.render(stem)
    assert (site / "figures" / f"{stem}.svg").read_bytes() == again, f"{stem}.svg depends on the global rcParams"


def test_pages_use_svg_figures_that_exist(site: Path) -> None:
    for page in site.glob("*.html"):
        for src in re.findall(r"""<img[^>]+src=["']([^"']+)""", page.read_text(encoding="utf-8")):
            if src.startswith("figures/"):
                assert src.endswith(".svg"), f"{page.name}: {src}"
                assert (site / src).is_file(), f"{page.name}: {src} was not generated"


def _mini_site(tmp: Path, page: str) -> _Build:
    """Build a two-page site with the repository's ``strict`` and ``validation`` settings."""
    real = _mkdocs_config()
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(page, encoding="utf-8")
    (docs / "other.md").write_text("# Other\n\n## Second part\n\nText.\n", encoding="utf-8")
    config = {
        "site_name": "links",
        "strict": real.get("strict", False),
        "validation": real.get("validation", {}),
        "markdown_extensions": [{"toc": {"permalink": True}}],
        "nav": ["index.md", "other.md"],
    }
    (tmp / "mkdocs.yml").write_text(json.dumps(config), encoding="utf-8")  # JSON is YAML
    return _build(tmp / "mkdocs.yml", tmp / "site")


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("[fine](other.md#second-part) and [here](#top)", True),
        ("[broken anchor](other.md#no-such-part)", False),
        ("[broken anchor here](#nowhere)", False),
        ("[missing page](missing.md)", False),
    ],
)
def test_strict_build_rejects_broken_links(tmp_path: Path, link: str, ok: bool) -> None:
    """The site's own settings turn a broken link or anchor into a failed build, in-process too."""
    require("mkdocs")
    result = _mini_site(tmp_path, f"# Top\n\nSee {link}.\n")
    if ok:
        assert result.error is None, result
        assert not result.warnings, result
    else:
        assert result.error is not None, result
        assert re.fullmatch(r"Aborted with 1 warnings? in strict mode!", result.error), result
        assert len(result.warnings) == 1, result


# -- the browser ------------------------------------------------------------------------


def _browser_missing(what: str) -> NoReturn:
    unavailable(f"{what}, so the site cannot be checked in a browser; install both with: {INSTALL_BROWSER}")


def _chromium() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        _browser_missing("Debian's chromium is not installed")
    return path


def _sync_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("Playwright is not installed")
    return sync_playwright


def test_without_a_browser_the_tests_skip_locally_and_fail_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setitem(sys.modules, "playwright.sync_api", None)  # the import fails
    hint = r"apt-get install chromium && pip install -e '\.\[browser\]'"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=f"chromium is not installed.*{hint}"):
        _chromium()
    with pytest.raises(pytest.skip.Exception, match=f"Playwright is not installed.*{hint}"):
        _sync_playwright()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=f"chromium is not installed.*{hint}"):
        _chromium()
    with pytest.raises(pytest.fail.Exception, match=f"Playwright is not installed.*{hint}"):
        _sync_playwright()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 by a background thread."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


NO_NETWORK = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1"}
"""Every request to another host goes to a proxy that is not there, and fails (so it is reported)."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, with no way out to the network."""
    path = _chromium()
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path,
            proxy=NO_NETWORK,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


class _Tab:
    """One browser tab, reused page after page, that records what goes wrong on it.

    Problems: a failed request (a request to any other host than 127.0.0.1 fails: see
    `NO_NETWORK`), an HTTP error, a console error, an uncaught page error. Before it
    leaves a page it waits for the page's requests to finish; one the browser starts
    after that (its favicon) and cuts short by leaving is not the next page's problem.
    """

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        self.pending: set[Any] = set()
        self.document = 0  # how many pages this tab has loaded
        self.started: dict[Any, int] = {}  # request → the page it was made for
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _request(self, request: Any) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.document += 1
        self.started[request] = self.document
        self.pending.add(request)

    def _finished(self, request: Any) -> None:
        self.pending.discard(request)
        self.started.pop(request, None)

    def _failed(self, request: Any) -> None:
        self.pending.discard(request)
        if request.failure == "net::ERR_ABORTED" and self.started.pop(request, None) != self.document:
            return  # the previous page's, stopped by the move to this one
        self.problems.append(f"failed request: {request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def settle(self, timeout: float = 15.0) -> None:
        """Wait until the page has no request in flight."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        self.problems.extend(f"request never finished: {r.url}" for r in self.pending)
        self.pending.clear()

    def open(self, url: str) -> None:
        """Leave the current page quietly, clear the problems, and load ``url`` with its fonts."""
        self.settle()
        self.problems.clear()
        self.page.goto(url, wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's fonts in place

    def search(self, query: str) -> list[str]:
        """Type ``query`` in the search box; the links of the results shown.

        The search box reads its value on each key released: the query is filled in and
        its last letter typed, so the search runs once, for the whole query.
        """
        box = self.page.locator("input.md-search__input")
        box.click()
        box.fill("")
        box.press("Backspace")  # an empty query clears the results of the previous one
        self.page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
        box.fill(query[:-1])
        box.press(query[-1])
        results = self.page.locator(".md-search-result__item a")
        results.first.wait_for(timeout=15_000)
        return [results.nth(i).get_attribute("href") or "" for i in range(results.count())]

    def check(self) -> list[str]:
        """Everything wrong with the page as it is shown now (see `_PAGE_CHECK`), and its requests."""
        found = self.page.evaluate(_PAGE_CHECK)
        problems = list(self.problems)
        if found["bad"]:
            problems.append(f"unrendered math: {found['bad'][:5]}")
        if found["typeset"] < found["formulas"]:
            problems.append(f"only {found['typeset']} of {found['formulas']} formulas typeset")
        if found["images"]:
            problems.append(f"images not loaded: {found['images']}")
        return problems

    def count(self, selector: str) -> int:
        return int(self.page.evaluate("(s) => document.querySelectorAll(s).length", selector))


@pytest.fixture(scope="module")
def tab(browser: Any, server: str) -> Iterator[_Tab]:
    """One tab for every browser test, in a context allowed to use the clipboard.

    Screenshots left by an earlier run are removed first: those in the folder are of this build.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["clipboard-read", "clipboard-write"]
    )
    tab = _Tab(context.new_page())
    yield tab
    context.close()


# Runs in the page. Every .arithmatex element must hold KaTeX output and no TeX source;
# nowhere on the page (article, navigation, table of contents, header, search results)
# may TeX delimiters be left as text outside code; in the article no $...$ either; and
# every image must have loaded.
_PAGE_CHECK = r"""() => {
  const bad = [];
  const elements = [...document.querySelectorAll(".arithmatex")];
  for (const el of elements) {
    const rest = el.cloneNode(true);
    rest.querySelectorAll(".katex").forEach((k) => k.remove());
    if (!el.querySelector(".katex") || /\\\(|\\\[|\$/.test(rest.textContent)) bad.push(el.textContent.slice(0, 80));
  }
  const parts = [
    [".md-search-result", "search results"], [".md-nav--secondary", "table of contents"],
    [".md-nav--primary", "navigation"], [".md-header", "header"], [".md-footer", "footer"], ["article", "article"],
  ];
  const where = (el) => (parts.find(([selector]) => el.closest(selector)) || ["", "page"])[1];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (el.closest("pre, code, script, style, textarea, .katex")) continue;
    const article = el.closest("article") && !el.closest(".md-search-result");
    const tex = article ? /\\\(|\\\[|\$\$|\$[^\s$][^$]*\$/ : /\\\(|\\\[|\$\$/;
    if (tex.test(n.textContent)) bad.push(`${where(el)}: ${n.textContent.trim().slice(0, 80)}`);
  }
  const images = [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src);
  return { formulas: elements.length, typeset: document.querySelectorAll(".arithmatex .katex").length, bad, images };
}"""


def _pages(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("*.html") if p.name != "404.html")


def test_every_page_in_a_browser(site: Path, server: str, tab: _Tab) -> None:
    """No failed request, no console error, all math typeset (the sidebars' too), all images loaded."""
    failures: dict[str, list[str]] = {}
    formulas = toc_formulas = 0
    for name in _pages(site):
        tab.open(server + name)
        tab.settle()
        problems = tab.check()
        formulas += tab.count(".arithmatex")
        toc_formulas += tab.count(".md-nav--secondary .katex")
        if ALL_SCREENSHOTS or name in SCREENSHOT_PAGES:
            tab.page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)
        if problems:
            failures[name] = problems
    assert not failures, "\n".join(f"{n}: {p}" for n, ps in failures.items() for p in ps)
    assert formulas > 0, "no page has any math: the check above proved nothing"
    assert toc_formulas > 0, "no table of contents has any math: the check above proved nothing for them"


def test_table_of_contents_typesets_heading_math(server: str, tab: _Tab) -> None:
    """The heading "2. $h_T$ where $h_{T-1}$ belongs in BPTT" reads as math in the sidebar."""
    tab.open(server + "pitfalls.html")
    toc = tab.page.locator(".md-sidebar--secondary .md-nav--secondary")
    item = toc.locator(".md-nav__link", has_text="belongs in BPTT")
    assert item.locator(".katex").count() == 2, item.inner_html()
    toc.screenshot(path=str(SCREENSHOTS / "pitfalls-toc.png"))
    assert not tab.check()


def test_site_search_finds_bptt_and_typesets_math(site: Path, server: str, tab: _Tab) -> None:
    """The search box finds "BPTT" on the RNN page (the index is built with the site), and the
    results show math typeset: in a title ("2. $h_T$ where $h_{T-1}$ belongs in BPTT"), in the
    texts, and where the highlighting marks a word inside a formula (the query "y")."""
    tab.open(server + "deep.html")
    hrefs = tab.search("BPTT")
    expected = "rnn.html" if (site / "rnn.html").exists() else ""
    assert any(expected in h for h in hrefs), hrefs
    heading = tab.page.locator(".md-search-result__article", has_text="belongs in BPTT").first
    assert heading.locator("h1 .katex, h2 .katex").count() == 2, heading.inner_html()
    tab.page.screenshot(path=str(SCREENSHOTS / "search.png"))
    problems = {"BPTT": tab.check()}
    tab.search("y")  # a word of many formulas: the highlighting marks it inside them
    assert tab.count(".md-search-result .katex") > 0
    problems["y"] = tab.check()
    assert not any(problems.values()), problems


# -- the copy button --------------------------------------------------------------------

PYCON_FENCE = re.compile(r"^(?P<indent>[ \t]*)```pycon[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S)


class _Reader(doctest.DocTestParser):
    """doctest's reading of a session, except that a ``>>> # comment`` line is kept (doctest skips it)."""

    _IS_BLANK_OR_COMMENT = re.compile(r"^[ ]*$").match


def _runnable(block: str) -> str:
    """What the copy button of a pycon block must copy, by doctest's own reading of the block.

    The source of each example, prompts removed, output left out; a blank line after an
    example of several lines (so that the interactive interpreter ends it there).
    """
    sources = [ex.source for ex in _Reader().get_examples(block)]
    return "".join(s + "\n" if s.count("\n") > 1 else s for s in sources)


def _copy(tab: _Tab, block: Any) -> str:
    """Click the copy button of ``block`` (a locator) and read the clipboard."""
    tab.page.evaluate("navigator.clipboard.writeText('nothing copied')")
    block.hover()
    block.locator("button[data-clipboard-target]").click()
    return str(tab.page.evaluate("navigator.clipboard.readText()"))


_SESSION = """\
>>> import numpy as np
>>> # a comment stays
>>> for i in range(2):
...     print(i)
0
1
>>> def twice(x):
...     return 2 * x
...
>>> twice(3)
6
>>> print("a\\n... b")
a
... b
>>> np.arange(3)
array([0, 1, 2])
>>> 1 / 0
Traceback (most recent call last):
  ...
ZeroDivisionError: division by zero
"""


def test_copy_strips_prompts_and_output(server: str, tab: _Tab) -> None:
    """A pycon block with output lines, a "..." output line and a traceback copies as its code only."""
    tab.open(server + "index.html")
    tab.page.evaluate(
        """(text) => {
          const block = document.createElement("div");
          block.className = "language-pycon highlight";
          block.id = "copy-test";
          block.innerHTML = '<pre id="__code_test"><nav class="md-code__nav"><button class="md-code__button"'
            + ' data-clipboard-target="#__code_test > code" data-md-type="copy"></button></nav><code></code></pre>';
          block.querySelector("code").textContent = text;
          document.querySelector("article").prepend(block);
        }""",
        _SESSION,
    )
    copied = _copy(tab, tab.page.locator("#copy-test"))
    expected = (
        "import numpy as np\n"
        "# a comment stays\n"
        "for i in range(2):\n"
        "    print(i)\n"
        "\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "\n"
        "twice(3)\n"
        'print("a\\n... b")\n'
        "np.arange(3)\n"
        "1 / 0\n"
    )
    assert _runnable(_SESSION) == expected
    assert copied == expected
    assert not tab.check()


COPY_PAGE = "index.md"
"""The page whose copy buttons are clicked: each of its pycon blocks, and one bash block."""


def test_copy_button_copies_runnable_code(site: Path, server: str, tab: _Tab) -> None:
    """Each pycon block's button copies its code, which compiles; a bash block's copies what it shows."""
    markdown = (ROOT / "docs" / COPY_PAGE).read_text(encoding="utf-8")
    blocks = [textwrap.dedent(m.group("body")) for m in PYCON_FENCE.finditer(markdown)]
    parser = doctest.DocTestParser()
    assert any(ex.want for b in blocks for ex in parser.get_examples(b)), "no block with output: nothing to leave out"
    tab.open(server + COPY_PAGE.replace(".md", ".html"))
    shown = tab.page.locator("article .language-pycon")
    assert shown.count() == len(blocks), "the page's pycon blocks are not the Markdown's"
    for n, block in enumerate(blocks):
        assert shown.nth(n).locator("code").inner_text().strip() == block.strip(), f"block {n} is not the Markdown's"
        copied = _copy(tab, shown.nth(n))
        assert copied == _runnable(block), f"block {n}"
        assert not re.search(r"^(>>>|\.\.\.)", copied, re.M), copied
        compile(copied, "<clipboard>", "exec")
    bash = tab.page.locator("article .language-bash").first
    assert _copy(tab, bash) == bash.locator("code").inner_text().rstrip()
    assert not tab.check()


def test_the_browser_cannot_reach_the_network(server: str, tab: _Tab) -> None:
    """A request to any other host fails, and is reported: no check can pass by fetching from outside."""
    tab.open(server + "deploy.html")
    tab.settle()
    assert not tab.problems
    urls = [
        "http://example.com/katex.min.js",
        "https://cdn.jsdelivr.net/npm/katex/dist/katex.min.css",
        "http://93.184.215.14/",
    ]
    tab.page.evaluate("(urls) => Promise.all(urls.map((u) => fetch(u).catch(() => null)))", urls)
    tab.settle()
    failed = [p for p in tab.problems if p.startswith("failed request")]
    assert len(failed) == len(urls), tab.problems
    tab.problems.clear()


def test_site_works_opened_from_disk(site: Path, tab: _Tab) -> None:
    """Opened as file:// with no server and no network, math, figures and search still work."""
    tab.open((site / "gradient-checking.html").as_uri())
    tab.settle()
    problems = tab.check()
    assert tab.count(".arithmatex") > 0
    tab.search("gradient")
    problems += tab.check()
    assert not problems, problems


# -- notebooks and links ----------------------------------------------------------------


def _notebook_hook() -> Any:
    """``docs/notebooks.py``, the hook that makes each page's notebook, loaded by path as MkDocs loads it."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("docs_notebooks_site", ROOT / "docs" / "notebooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_with_examples_links_its_notebook(site: Path) -> None:
    """The build's notebooks are the hook's, one per page with examples, each linked from its page."""
    import nbformat

    hook = _notebook_hook()
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    expected = {}
    for name in pages:
        nb = hook.page_notebook((ROOT / "docs" / name).read_text(encoding="utf-8"), name)
        if nb is not None:
            expected[hook.notebook_uri(name)] = hook.notebook_text(nb)
    assert len(expected) >= 10, sorted(expected)
    built = {f"notebooks/{p.name}" for p in (site / "notebooks").iterdir()}
    assert built == set(expected), f"the site's notebooks differ from the pages with examples: {sorted(built)}"
    for uri, text in expected.items():
        assert (site / uri).read_text(encoding="utf-8") == text, uri
        nbformat.validate(json.loads(text))
    link = re.compile(r'<a[^>]*href="(notebooks/[^"]+\.ipynb)"[^>]*>\s*' + re.escape(hook.LINK_TEXT) + r"\s*</a>")
    for name in pages:
        html = (site / name).with_suffix(".html").read_text(encoding="utf-8")
        linked = link.findall(html)
        uri = hook.notebook_uri(name)
        assert linked == ([uri] if uri in expected else []), f"{name} links {linked}"


class _Links:
    """The links and the ids of one built page: in its article only, not the theme's header and footer."""

    def __init__(self, text: str) -> None:
        from html.parser import HTMLParser

        links: list[str] = []
        ids: set[str] = set()

        class Parser(HTMLParser):
            depth = 0  # > 0 inside <article>

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                values = dict(attrs)
                if values.get("id"):
                    ids.add(str(values["id"]))
                if tag == "article":
                    self.depth += 1
                elif self.depth and tag == "a" and values.get("href") is not None:
                    links.append(str(values["href"]))

            def handle_endtag(self, tag: str) -> None:
                if tag == "article" and self.depth:
                    self.depth -= 1

        Parser().feed(text)
        self.links, self.ids = links, ids


def _external_problem(url: str) -> str | None:
    """Why an absolute address is malformed, or None: http(s), a host name, no spaces or quotes."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r} (http or https only)"
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}", parts.hostname or ""):
        return f"host {parts.hostname!r}"
    if re.search(r"[\s\"'<>\\^`{|}]", url):
        return "characters that must be escaped"
    return None


def check_links(site: Path, references: str = "references.html") -> list[str]:
    """Every broken link of a built site, without fetching anything.

    Internal links (in each page's article, and in the Markdown of each notebook) must
    reach a file of the site and, with ``#anchor``, an element with that id. External ones
    must be well-formed and listed on the references page, which names every source.
    """
    from urllib.parse import unquote, urlsplit

    pages = {p.relative_to(site).as_posix(): _Links(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}
    listed = {u for u in pages[references].links if urlsplit(u).scheme} if references in pages else set()
    sources: list[tuple[str, list[str]]] = [(name, page.links) for name, page in pages.items()]
    for nb in sorted(site.rglob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        sources.append((nb.relative_to(site).as_posix(), re.findall(r"\]\(([^)\s]+)\)", text)))
    problems = []
    for name, links in sources:
        for href in links:
            parts = urlsplit(href)
            if parts.scheme or href.startswith("//"):
                why = _external_problem(href)
                if why is not None:
                    problems.append(f"{name}: {href} is malformed: {why}")
                elif href not in listed:
                    problems.append(f"{name}: {href} is not listed on {references}")
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(name), unquote(parts.path))) if parts.path else name
            target = Path(target).as_posix()
            if not (site / target).is_file():
                problems.append(f"{name}: {href} leads to no file of the site")
            elif parts.fragment and (target not in pages or unquote(parts.fragment) not in pages[target].ids):
                problems.append(f"{name}: {href} leads to no element #{parts.fragment}")
    return problems


def test_every_link_resolves_offline(site: Path) -> None:
    """Internal links and anchors resolve; external addresses are well-formed and on the references page."""
    assert (site / "references.html").is_file()
    problems = check_links(site)
    assert not problems, "\n".join(problems)
    references = _Links((site / "references.html").read_text(encoding="utf-8")).links
    assert sum(1 for u in references if u.startswith("http")) >= 10, references


def test_the_link_check_finds_broken_links(tmp_path: Path) -> None:
    """A missing page or anchor, an unlisted or malformed address, a notebook's bad link: each is reported."""
    (tmp_path / "references.html").write_text(
        '<article><a href="https://example.org/a">A</a><a href="#top" id="top">top</a></article>', encoding="utf-8"
    )
    (tmp_path / "page.html").write_text(
        '<header><a href="https://theme.example.com/">not the article</a></header><article id="here">'
        '<a href="references.html#top">ok</a><a href="#here">ok</a><a href="https://example.org/a">ok</a>'
        '<a href="missing.html">1</a><a href="references.html#nowhere">2</a><a href="https://example.org/b">3</a>'
        '<a href="https://exa mple.org/">4</a><a href="ftp://example.org/">5</a></article>',
        encoding="utf-8",
    )
    (tmp_path / "notebooks").mkdir()
    markdown = {"cell_type": "markdown", "source": "[fine](../page.html#here) and [broken](../gone.html)"}
    (tmp_path / "notebooks" / "page.ipynb").write_text(json.dumps({"cells": [markdown]}), encoding="utf-8")
    problems = check_links(tmp_path)
    assert len(problems) == 6, problems
    for part in ("missing.html", "#nowhere", "example.org/b is not listed", "exa mple", "ftp:", "gone.html"):
        assert any(part in p for p in problems), (part, problems)


# -- figures and their captions ---------------------------------------------------------


class _Figures:
    """Every ``<img>`` of a page's article: its source, its alt text, and the caption of the ``<figure>`` around it."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.images: list[tuple[str, str, str | None]] = []  # (src, alt, caption; None outside a figure)
        figures: list[list[str]] = []  # the caption text of each open <figure>, innermost last
        captions = [0]  # how many <figcaption> elements are open
        found = self.images
        article = [0]

        class Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                if tag == "article":
                    article[0] += 1
                elif tag == "figure":
                    figures.append([])
                elif tag == "figcaption":
                    captions[0] += 1
                elif tag == "img" and article[0]:
                    a = dict(attrs)
                    found.append((a.get("src") or "", a.get("alt") or "", "" if figures else None))
                    if figures:
                        figures[-1].append(f"\0{len(found) - 1}")  # this image belongs to the innermost figure

            def handle_endtag(self, tag: str) -> None:
                if tag == "article":
                    article[0] -= 1
                elif tag == "figcaption":
                    captions[0] -= 1
                elif tag == "figure" and figures:
                    parts = figures.pop()
                    text = " ".join("".join(p for p in parts if not p.startswith("\0")).split())
                    for p in parts:
                        if p.startswith("\0"):
                            src, alt, _ = found[int(p[1:])]
                            found[int(p[1:])] = (src, alt, text)

            def handle_data(self, data: str) -> None:
                if captions[0] and figures:
                    figures[-1].append(data)

        Parser().feed(html)


def test_every_image_sits_in_a_captioned_figure(site: Path) -> None:
    """Each image of every page is inside a <figure> with a non-empty <figcaption> and has alt text; every
    generated figure is shown on some page, and there are at least 18 of them."""
    problems: list[str] = []
    shown: set[str] = set()
    for page in sorted(site.glob("*.html")):
        for src, alt, caption in _Figures(page.read_text(encoding="utf-8")).images:
            shown.add(src)
            if caption is None:
                problems.append(f"{page.name}: {src} is not inside a <figure>")
            elif not caption:
                problems.append(f"{page.name}: the figure of {src} has no caption")
            if not alt.strip():
                problems.append(f"{page.name}: {src} has no alt text")
    assert not problems, "\n".join(problems)
    generated = {f"figures/{p.name}" for p in (site / "figures").glob("*.svg")}
    assert len(generated) >= 18, sorted(generated)
    assert generated <= shown, f"figures no page shows: {sorted(generated - shown)}"


def test_the_figure_check_finds_uncaptioned_images() -> None:
    html = (
        '<header><img src="logo.svg" alt=""></header><article>'
        '<figure><p><img src="a.svg" alt="A"></p><figcaption>Look at <em>this</em>.</figcaption></figure>'
        '<p><img src="b.svg" alt="B"></p>'
        '<figure><img src="c.svg" alt=""><figcaption> </figcaption></figure></article>'
    )
    assert _Figures(html).images == [("a.svg", "A", "Look at this."), ("b.svg", "B", None), ("c.svg", "", "")]
