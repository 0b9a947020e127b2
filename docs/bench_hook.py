"""MkDocs build hook: fills the performance page from the committed benchmark results.

A page may contain the markers ``<!-- bench:table -->``, ``<!-- bench:rates -->`` and
``<!-- bench:machine -->``; they are replaced by `backprop.bench.results_table`,
`backprop.bench.rates_table` and `backprop.bench.machine_summary` of `BENCH_RESULTS`, the
``bench-results.json`` beside this file. The benchmark itself is never run during a build.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backprop.bench import load_results, machine_summary, rates_table, results_table

BENCH_RESULTS = Path(__file__).resolve().parent / "bench-results.json"
"""The committed results (``python -m backprop bench --json docs/bench-results.json``)."""

MARKERS = {
    "<!-- bench:table -->": results_table,
    "<!-- bench:rates -->": rates_table,
    "<!-- bench:machine -->": machine_summary,
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Replace the benchmark markers of a page, if it has any."""
    if not any(marker in markdown for marker in MARKERS):
        return markdown
    results = load_results(BENCH_RESULTS)
    for marker, render in MARKERS.items():
        markdown = markdown.replace(marker, render(results))
    return markdown
