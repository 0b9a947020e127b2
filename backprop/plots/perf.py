"""The benchmark figure: backprop against PyTorch, drawn from a results dict.

The figure function takes the results of `backprop.bench.run_benchmark` (or of a file
read with `backprop.bench.load_results`) and never runs the benchmark itself:
``python -m backprop bench --plot FILE`` draws the run it has just printed, and the
documentation draws its committed results file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backprop.plots import Figure, new_figure, styled

__all__ = ["perf_figure"]


@styled
def perf_figure(results: dict[str, Any]) -> Figure:
    """Times of each workload (left) and their ratio to PyTorch against its target (right).

    Args:
        results: a results dict as written by ``python -m backprop bench --json FILE``.

    Examples:
        >>> from backprop.plots.perf import perf_figure
        >>> r = {"machine": {"cpu": "CPU", "cores": 2, "numpy": "2.0", "torch": {"version": "2.0"}},
        ...      "cases": {"mlp": {"title": "MLP", "backprop_ms": 2.0, "torch_ms": 2.5,
        ...                        "ratio": 0.8, "target": 1.05}}}
        >>> [ax.get_xlabel() for ax in perf_figure(r).axes]
        ['ms per forward + backward', 'backprop time / PyTorch time']
    """
    cases = list(results["cases"].values())
    titles = [c["title"] for c in cases]
    y = np.arange(len(cases))[::-1]
    compared = all("ratio" in c for c in cases)
    fig = new_figure(7.5, 1.0 + 0.6 * len(cases))
    ax = fig.add_subplot(1, 2 if compared else 1, 1)
    h = 0.38 if compared else 0.6
    ax.barh(y + (h / 2 if compared else 0), [c["backprop_ms"] for c in cases], h, label="backprop", color="C0")
    if compared:
        ax.barh(y - h / 2, [c["torch_ms"] for c in cases], h, label="PyTorch", color="C1")
    ax.set_yticks(y, titles)
    ax.set_xlabel("ms per forward + backward")
    ax.legend(loc="best", fontsize=7)
    machine = results["machine"]
    torch_info = machine.get("torch") or {}
    subtitle = f"{machine['cpu']}, {machine['cores']} cores, NumPy {machine['numpy']}"
    if torch_info:
        subtitle += f", PyTorch {torch_info['version']}"
    fig.suptitle(f"float64, medians over rounds — {subtitle}", fontsize=9)
    if compared:
        ax2 = fig.add_subplot(1, 2, 2)
        ratios = [c["ratio"] for c in cases]
        colors = ["C2" if c["ratio"] <= c["target"] else "C3" for c in cases]
        ax2.barh(y, ratios, 0.6, color=colors)
        for yi, c in zip(y, cases, strict=True):
            ax2.plot([c["target"]] * 2, [yi - 0.4, yi + 0.4], "k-", lw=1.5, label="target" if yi == y[0] else None)
        ax2.axvline(1.0, color="0.4", lw=0.8, ls="--")
        for yi, c in zip(y, cases, strict=True):
            ax2.text(max(c["ratio"], c["target"]), yi, f"  {c['ratio']:.2f}×", va="center", fontsize=8)
        ax2.set_yticks(y, [""] * len(cases))
        ax2.set_xlim(0, max(max(ratios), max(c["target"] for c in cases)) * 1.35)
        ax2.set_xlabel("backprop time / PyTorch time")
        ax2.legend(loc="best", fontsize=7)
    return fig
