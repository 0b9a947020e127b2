"""MkDocs build hook: fills the performance page from the committed benchmark results.

A page may contain the markers ``<!-- bench:table -->`` and ``<!-- bench:machine -->``;
they are replaced by `backprop.bench.results_table` and
`backprop.bench.machine_summary` of ``docs/bench-results.json``. The benchmark itself
is never run during a build.
"""

from __future__ import annotations

from typing import Any

from backprop.bench import load_results, machine_summary, results_table

MARKERS = {"<!-- bench:table -->": results_table, "<!-- bench:machine -->": machine_summary}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the benchmark markers of a page, if it has any."""
    if not any(marker in markdown for marker in MARKERS):
        return markdown
    results = load_results()
    for marker, render in MARKERS.items():
        markdown = markdown.replace(marker, render(results))
    return markdown
