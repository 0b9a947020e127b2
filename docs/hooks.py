"""MkDocs build hook: draws every model's gradient figures by calling the package.

Each figure of `backprop.plots.all_figures` becomes ``figures/<stem>.svg`` in the
built site. Nothing is written into ``docs/``.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

from backprop.plots import all_figures, to_svg


@event_priority(100)
def on_files(files: Files, config: Any) -> Files:
    """Add the generated figures to the site's files before anything else looks at them."""
    for stem, make in all_figures().items():
        files.append(File.generated(config, f"figures/{stem}.svg", content=to_svg(make())))
    return files
