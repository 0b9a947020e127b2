"""MkDocs build hook: draws the site's figures by calling the package.

Each figure of `backprop.plots.site.render_all` becomes ``figures/<stem>.svg`` in the built
site, and the benchmark figure is drawn from this folder's ``bench-results.json``. Nothing
is written into ``docs/``. The figures are drawn once per process and shared, so a test that
builds the site in its own process does not draw them again; ``mkdocs serve`` draws them
afresh for every rebuild, since a figure's data (the benchmark results) may have changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from backprop.bench import load_results
from backprop.plots import to_svg
from backprop.plots.perf import perf_figure
from backprop.plots.site import render_all

BENCH_RESULTS = Path(__file__).resolve().parent / "bench-results.json"
"""The committed benchmark results that the performance page and its figure show."""

PERF_STEM = "perf_vs_torch"

_serving = False


def on_startup(*, command: str, dirty: bool) -> None:
    """Note whether this is ``mkdocs serve`` (MkDocs keeps this module across its rebuilds)."""
    global _serving
    _serving = command == "serve"


@event_priority(100)
def on_files(files: Files, config: Any) -> Files:
    """Add the generated figures to the site's files before anything else looks at them."""
    if _serving:
        render_all.cache_clear()
    for stem, svg in render_all().items():
        files.append(File.generated(config, f"figures/{stem}.svg", content=svg))
    perf = to_svg(perf_figure(load_results(BENCH_RESULTS)))
    files.append(File.generated(config, f"figures/{PERF_STEM}.svg", content=perf))
    return files
