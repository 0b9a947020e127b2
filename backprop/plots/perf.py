"""The benchmark figure: each workload's GFLOP/s against the machine's peak, and its ratio to PyTorch.

The figure function takes the results of `backprop.bench.run_benchmark` (or of a file
read with `backprop.bench.load_results`) and never runs the benchmark itself:
``python -m backprop bench --plot FILE`` draws the run it has just printed, and the
documentation draws its committed results file.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from backprop.plots import Figure, new_figure, styled

__all__ = ["perf_figure"]


def _stable(entry: dict[str, Any], key: str) -> bool:
    spread = entry.get("spread", {}).get(key)
    return spread is None or bool(spread["stable"])


def _span(entry: dict[str, Any], key: str) -> tuple[float, float]:
    """How far below and above the median ``entry[key]`` its rounds went (0, 0 without a spread)."""
    spread = entry.get("spread", {}).get(key)
    if spread is None:
        return 0.0, 0.0
    return entry[key] - spread["min"], spread["max"] - entry[key]


def _workloads(results: dict[str, Any]) -> list[dict[str, Any]]:
    entries = list(results["cases"].values())
    train = results.get("train")
    if train and "backprop_gflops" in train:
        entries.append(train)
    return entries


@styled
def perf_figure(results: dict[str, Any]) -> Figure:
    """GFLOP/s of each workload against the GEMM peak (left) and its ratio to PyTorch against its target (right).

    Bars are medians over the rounds, their whiskers the smallest and largest round. A
    ratio or a fraction of the peak that did not hold still is labelled "unstable".

    Args:
        results: a results dict as written by ``python -m backprop bench --json FILE``.

    Examples:
        >>> from backprop.plots.perf import perf_figure
        >>> r = {"machine": {"cpu": "CPU", "cores": 2, "numpy": "2.0", "torch": {"version": "2.0"}},
        ...      "peak": {"title": "GEMM", "backprop_gflops": 150.0, "torch_gflops": 160.0},
        ...      "cases": {"mlp": {"title": "MLP", "backprop_ms": 2.0, "torch_ms": 2.5, "ratio": 0.8,
        ...                        "target": 1.05, "backprop_gflops": 90.0, "torch_gflops": 72.0,
        ...                        "backprop_of_peak": 0.6}}}
        >>> [ax.get_xlabel() for ax in perf_figure(r).axes]
        ['GFLOP/s (forward + backward)', 'backprop time / PyTorch time']
    """
    entries = _workloads(results)
    titles = [textwrap.fill(e["title"], 24) for e in entries]
    y = np.arange(len(entries))[::-1]
    compared = all("ratio" in e for e in entries)
    fig = new_figure(8.0, 1.9 + 0.75 * len(entries))
    ax = fig.add_subplot(1, 2 if compared else 1, 1)
    h = 0.38 if compared else 0.6
    rated = all("backprop_gflops" in e for e in entries)
    if rated:
        sides = [("backprop", "C0", h / 2 if compared else 0.0)]
        if compared:
            sides.append(("PyTorch", "C1", -h / 2))
        for label, color, dy in sides:
            key = "backprop_gflops" if label == "backprop" else "torch_gflops"
            values = [e[key] for e in entries]
            err = np.array([_span(e, key) for e in entries]).T
            ax.barh(y + dy, values, h, xerr=err, label=label, color=color, ecolor="0.3", capsize=2)
        peak = results.get("peak")
        right = max(e.get("torch_gflops", 0.0) for e in entries)
        if peak:
            low, high = _span(peak, "backprop_gflops")
            p = peak["backprop_gflops"]
            ax.axvspan(p - low, p + high, color="k", alpha=0.08, lw=0)
            ax.axvline(p, color="k", lw=1.5, label=f"peak: NumPy GEMM, {p:.0f} GFLOP/s")
            if "torch_gflops" in peak:
                ax.axvline(peak["torch_gflops"], color="C1", lw=1.0, ls="--",
                           label=f"PyTorch GEMM, {peak['torch_gflops']:.0f} GFLOP/s")
            right = max(right, p + high, peak.get("torch_gflops", 0.0))
        for label, color, dy in sides:  # each bar's fraction of the peak at its end
            side = "backprop" if label == "backprop" else "torch"
            for yi, e in zip(y, entries, strict=True):
                if f"{side}_of_peak" in e:
                    text = f"{100 * e[f'{side}_of_peak']:.0f}%" if _stable(e, f"{side}_of_peak") else "unstable"
                    x = e[f"{side}_gflops"] + _span(e, f"{side}_gflops")[1]
                    ax.text(x, yi + dy, f" {text}", va="center", fontsize=7, color=color)
        ax.set_xlim(0, max(right, max(e["backprop_gflops"] for e in entries)) * 1.15)
        ax.set_xlabel("GFLOP/s (forward + backward)")
    else:  # a results file from before FLOP rates were measured: times only
        ax.barh(y + (h / 2 if compared else 0), [e.get("backprop_ms", 0.0) for e in entries], h, label="backprop")
        if compared:
            ax.barh(y - h / 2, [e.get("torch_ms", 0.0) for e in entries], h, label="PyTorch", color="C1")
        ax.set_xlabel("ms per forward + backward")
    ax.set_yticks(y, titles, fontsize=7)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, ncols=2)
    machine = results["machine"]
    torch_info = machine.get("torch") or {}
    threads = results.get("threads") or {}
    subtitle = f"{machine['cpu']}, {machine['cores']} cores, NumPy {machine['numpy']}"
    if torch_info:
        subtitle += f", PyTorch {torch_info['version']}"
    if threads.get("numpy"):
        subtitle += f", {threads['numpy']} threads each"
    fig.suptitle(f"float64, medians over rounds — {subtitle}", fontsize=9)
    if compared:
        ax2 = fig.add_subplot(1, 2, 2)
        ratios = [e["ratio"] for e in entries]
        stable = [_stable(e, "ratio") for e in entries]
        colors = [
            ("C2" if e["ratio"] <= e["target"] else "C3") if ok else "0.7"
            for e, ok in zip(entries, stable, strict=True)
        ]
        err = np.array([_span(e, "ratio") for e in entries]).T
        ax2.barh(y, ratios, 0.6, color=colors, xerr=err, ecolor="0.3", capsize=2)
        for yi, e in zip(y, entries, strict=True):
            ax2.plot([e["target"]] * 2, [yi - 0.4, yi + 0.4], "k-", lw=1.5, label="target" if yi == y[0] else None)
        ax2.axvline(1.0, color="0.4", lw=0.8, ls="--")
        for yi, e, ok in zip(y, entries, stable, strict=True):
            label = f"{e['ratio']:.2f}×" if ok else "unstable"
            x = max(e["ratio"] + _span(e, "ratio")[1], e["target"])
            ax2.text(x, yi, f"  {label}", va="center", fontsize=8)
        ax2.set_yticks(y, [""] * len(entries))
        highest = max(max(r + _span(e, "ratio")[1] for r, e in zip(ratios, entries, strict=True)),
                      max(e["target"] for e in entries))
        ax2.set_xlim(0, highest * 1.4)
        ax2.set_xlabel("backprop time / PyTorch time")
        ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7)
    return fig
