"""The benchmark figure: rates against the peak line, ratios against their targets, "unstable" where due."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from backprop.bench import load_results
from tests.support import require

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "bench-results.json"


@pytest.fixture(autouse=True)
def _matplotlib() -> None:
    require("matplotlib")


def _labels(ax: Any) -> list[str]:
    return [text.get_text().strip() for text in ax.texts]


def test_committed_results_draw_rates_against_the_peak_and_ratios() -> None:
    from backprop.plots.perf import perf_figure

    results = load_results(COMMITTED)
    fig = perf_figure(results)
    rates, ratios = fig.axes
    peak = results["peak"]["backprop_gflops"]
    assert any(np.array_equal(line.get_xdata(), [peak, peak]) for line in rates.get_lines())
    entries = [*results["cases"].values(), results["train"]]
    expected = [f"{e['ratio']:.2f}×" if e["spread"]["ratio"]["stable"] else "unstable" for e in entries]
    assert _labels(ratios) == expected
    fractions = [f"{100 * e['backprop_of_peak']:.0f}%" if e["spread"]["backprop_of_peak"]["stable"] else "unstable"
                 for e in entries]
    assert _labels(rates)[: len(entries)] == fractions


def test_unstable_figures_are_labelled_so() -> None:
    from backprop.plots.perf import perf_figure

    wobbly = {"min": 0.2, "max": 0.9, "passes": [0.3, 0.8], "stable": False}
    case = {"title": "Conv2D", "backprop_ms": 20.0, "torch_ms": 30.0, "ratio": 0.67, "target": 0.7,
            "backprop_gflops": 45.0, "torch_gflops": 30.0, "backprop_of_peak": 0.3, "torch_of_peak": 0.2,
            "spread": {"ratio": wobbly, "backprop_of_peak": wobbly}}
    results = {"machine": {"cpu": "CPU", "cores": 2, "numpy": "2.0", "torch": {"version": "2.0"}},
               "peak": {"title": "GEMM", "backprop_gflops": 150.0}, "cases": {"conv2d": case}}
    rates, ratios = perf_figure(results).axes
    assert _labels(ratios) == ["unstable"]
    assert _labels(rates) == ["unstable", "20%"]


def test_without_torch_only_the_rates_are_drawn() -> None:
    from backprop.plots.perf import perf_figure

    case = {"title": "MLP", "backprop_ms": 2.0, "target": 1.05, "backprop_gflops": 90.0, "backprop_of_peak": 0.6}
    results = {"machine": {"cpu": "CPU", "cores": 2, "numpy": "2.0", "torch": None},
               "peak": {"title": "GEMM", "backprop_gflops": 150.0}, "cases": {"mlp": case}}
    (rates,) = perf_figure(results).axes
    assert rates.get_xlabel() == "GFLOP/s (forward + backward)"
    assert _labels(rates) == ["60%"]
