"""The tutorial site as readers meet it: a strict build, its figures, and every page in a real browser.

One strict ``mkdocs build`` (figures included) feeds every test here. The browser test
serves that build on 127.0.0.1, opens each page in headless Chromium (Debian's
``chromium`` driven by Playwright) with every request that would leave the machine
blocked, and requires: no failed request, no console error, every formula typeset by
KaTeX, every image loaded, and the site search working. A screenshot of each page goes
to ``artifacts/screenshots/``.

Without Playwright or Chromium these tests skip locally and fail in CI (``CI`` set).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import require

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def _env() -> dict[str, str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=config.parent,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


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


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once with ``mkdocs build --strict`` from the repository's mkdocs.yml."""
    require("mkdocs")
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    result = _mkdocs_build(ROOT / "mkdocs.yml", out)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
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


def test_figures_are_svg_and_byte_identical(site: Path) -> None:
    """Every figure is an SVG, and drawing it again gives the same bytes as the build did."""
    plots = pytest.importorskip("backprop.plots")
    figures = plots.all_figures()
    assert figures
    built = {p.stem for p in (site / "figures").iterdir()}
    assert built == set(figures), f"site/figures differs from all_figures(): {built ^ set(figures)}"
    assert all(p.suffix == ".svg" for p in (site / "figures").iterdir())
    for stem, make in figures.items():
        again = plots.to_svg(make())
        assert again.lstrip().startswith(b"<?xml"), stem
        assert b"<svg" in again, stem
        assert (site / "figures" / f"{stem}.svg").read_bytes() == again, f"{stem}.svg differs between two renders"


def test_pages_use_svg_figures_that_exist(site: Path) -> None:
    for page in site.glob("*.html"):
        for src in re.findall(r"""<img[^>]+src=["']([^"']+)""", page.read_text(encoding="utf-8")):
            if src.startswith("figures/"):
                assert src.endswith(".svg"), f"{page.name}: {src}"
                assert (site / src).is_file(), f"{page.name}: {src} was not generated"


def _mini_site(tmp: Path, page: str) -> subprocess.CompletedProcess[str]:
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
    return _mkdocs_build(tmp / "mkdocs.yml", tmp / "site")


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
    """The site's own settings turn a broken link or anchor into a failed build."""
    require("mkdocs")
    result = _mini_site(tmp_path, f"# Top\n\nSee {link}.\n")
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    if not ok:
        assert "Aborted" in result.stdout + result.stderr


# -- the browser ------------------------------------------------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright."""
    require("playwright")
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path,
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


# Runs in the page: every .arithmatex element must hold KaTeX output and no TeX source,
# and no TeX delimiters may be left in the article's text outside code.
_MATH_CHECK = r"""() => {
  const bad = [];
  const elements = [...document.querySelectorAll(".arithmatex")];
  for (const el of elements) {
    const rest = el.cloneNode(true);
    rest.querySelectorAll(".katex").forEach((k) => k.remove());
    if (!el.querySelector(".katex") || /\\\(|\\\[|\$/.test(rest.textContent)) bad.push(el.textContent.slice(0, 80));
  }
  const root = document.querySelector("article") || document.body;
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (n.parentElement.closest("pre, code, script, style, .katex, .arithmatex")) continue;
    if (/\\\(|\\\[|\$\$|\$[^\s$][^$]*\$/.test(n.textContent)) bad.push(n.textContent.slice(0, 80));
  }
  return { formulas: elements.length, typeset: document.querySelectorAll(".arithmatex .katex").length, bad };
}"""

_IMAGES = "() => [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src)"


class _Watch:
    """Collects what went wrong while a page loaded."""

    def __init__(self, page: Any, allowed_host: str) -> None:
        self.problems: list[str] = []
        self.allowed_host = allowed_host
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url} ({r.failure})"))
        page.on("response", self._response)
        page.route("**/*", self._route)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _route(self, route: Any) -> None:
        url: str = route.request.url
        if url.startswith((self.allowed_host, "file://", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()  # no network: anything else is reported as a failed request


def _pages(site: Path) -> list[str]:
    return sorted(p.name for p in site.glob("*.html") if p.name != "404.html")


def test_every_page_in_a_browser(site: Path, server: str, browser: Any) -> None:
    """No failed request, no console error, all math typeset, all images loaded; screenshots saved."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    failures: dict[str, list[str]] = {}
    total_formulas = 0
    for name in _pages(site):
        page = context.new_page()
        watch = _Watch(page, server)
        page.goto(server + name, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")  # KaTeX's fonts in place
        math = page.evaluate(_MATH_CHECK)
        total_formulas += math["formulas"]
        problems = list(watch.problems)
        if math["bad"]:
            problems.append(f"unrendered math: {math['bad'][:5]}")
        if math["typeset"] < math["formulas"]:
            problems.append(f"only {math['typeset']} of {math['formulas']} formulas typeset")
        if broken := page.evaluate(_IMAGES):
            problems.append(f"images not loaded: {broken}")
        page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)
        if problems:
            failures[name] = problems
        page.close()
    context.close()
    assert not failures, "\n".join(f"{n}: {p}" for n, ps in failures.items() for p in ps)
    assert total_formulas > 0, "no page has any math: the check above proved nothing"


def test_site_search_finds_bptt(site: Path, server: str, browser: Any) -> None:
    """The search box finds "BPTT" on the RNN page (the index is built with the site)."""
    context = browser.new_context()
    page = context.new_page()
    watch = _Watch(page, server)
    page.goto(server + "index.html", wait_until="load")
    page.locator("input.md-search__input").click()
    page.keyboard.type("BPTT")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=15_000)
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(results.count())]
    context.close()
    assert not watch.problems, watch.problems
    expected = "rnn.html" if (site / "rnn.html").exists() else ""
    assert any(expected in h for h in hrefs), hrefs


def test_site_works_opened_from_disk(site: Path, browser: Any) -> None:
    """Opened as file:// with no server and no network, math, figures and search still work."""
    context = browser.new_context()
    page = context.new_page()
    watch = _Watch(page, "file://")
    page.goto((site / "gradient-checking.html").as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    math = page.evaluate(_MATH_CHECK)
    page.locator("input.md-search__input").click()
    page.keyboard.type("gradient")
    page.locator(".md-search-result__item a").first.wait_for(timeout=15_000)
    context.close()
    assert not watch.problems, watch.problems
    assert math["formulas"] > 0, math
    assert math["typeset"] == math["formulas"], math
    assert not math["bad"], math
