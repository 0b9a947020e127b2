"""MkDocs build hook: draws every model's gradient figures by calling the package.

Each figure of `backprop.plots.render_all` becomes ``figures/<stem>.svg`` in the
built site. Nothing is written into ``docs/``. The figures are drawn once per
process and shared, so a test that builds the site in its own process does not draw
them again; ``mkdocs serve`` draws them afresh for every rebuild, since a figure's
data (the benchmark results) may have changed in between.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from backprop.plots import render_all

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
    return files
