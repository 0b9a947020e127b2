"""Figures of the gated-RNN page: gradients through time, and the long-memory task.

Each figure function draws the results it is given (`GradientProbe`, `MemoryTable`);
`FIGURES` computes the page's runs (cached, so the page's examples share them) and draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from backprop.examples.memory import NAMES, GradientProbe, MemoryTable, gradient_probe, memory_table
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "gradient_figure", "memory_figure"]

_STYLES = {"rnn": ":", "lstm": "-", "gru": "--"}


@styled
def gradient_figure(probes: Sequence[GradientProbe]) -> Figure:
    r"""$\|\partial L/\partial h_t\|$ (and the LSTM's $\|\partial L/\partial c_t\|$) against the steps back.

    One panel per probe (e.g. the gate biases used for training, and all biases 0).

    Examples:
        >>> from backprop.examples.memory import gradient_probe
        >>> from backprop.plots.gated import gradient_figure
        >>> ax = gradient_figure([gradient_probe(20)]).axes[0]
        >>> [line.get_label() for line in ax.get_lines()]
        ['tanh RNN, $h_t$', 'LSTM, $h_t$', 'LSTM, $c_t$', 'GRU, $h_t$']
    """
    fig = new_figure(3.4 * len(probes), 3.1)
    axes = fig.subplots(1, len(probes), sharey=True, squeeze=False)[0]
    for ax, probe in zip(axes, probes, strict=True):
        back = np.arange(probe.T, -1, -1)  # h_1 is T steps back from h_{T+1}
        for kind, norms in probe.hidden.items():
            ax.semilogy(back, norms, ls=_STYLES[kind], label=f"{NAMES[kind]}, $h_t$")
            if kind == "lstm":
                ax.semilogy(back, probe.cell, ls="-", lw=2.2, alpha=0.6, label="LSTM, $c_t$")
        ax.set_xlabel("steps back from the loss")
        ax.set_title(f"gate bias {probe.gate_bias:g}" + (" (PyTorch's default)" if probe.gate_bias == 0 else ""))
    axes[0].set_ylabel("gradient norm / its value at the last step")
    axes[0].legend(fontsize=7)
    return fig


@styled
def memory_figure(table: MemoryTable) -> Figure:
    """Test accuracy on the long-memory task against $T$: each run a dot, the mean a line, one colour per layer.

    Examples:
        >>> from backprop.examples.memory import memory_table
        >>> from backprop.plots.gated import memory_figure
        >>> ax = memory_figure(memory_table(lengths=(3, 5), kinds=("gru",), seeds=(0,), steps=5)).axes[0]
        >>> ax.get_xlabel(), [line.get_label() for line in ax.get_lines()]
        ('noise steps $T$ before the answer', ['GRU', 'chance'])
    """
    fig = new_figure(4.6, 3.0)
    ax = fig.add_subplot()
    lengths = table.lengths
    for k, kind in enumerate(table.kinds):
        runs = [table.runs[kind, T] for T in lengths]
        color, offset = f"C{k}", (k - 1) * 1.2  # side by side, so that equal means stay visible
        xs = [T + offset for T in lengths]
        ax.plot(xs, [r.mean for r in runs], ls=_STYLES[kind], marker="o", color=color, label=NAMES[kind])
        for x, r in zip(xs, runs, strict=True):
            ax.scatter([x] * len(r.accuracies), r.accuracies, s=9, color=color, alpha=0.5)
    ax.axhline(0.25, color="0.5", lw=0.8, ls=":", label="chance")
    ax.set_ylim(0.0, 1.05)
    ax.set_xticks(lengths)
    ax.set_xlabel("noise steps $T$ before the answer")
    ax.set_ylabel("test accuracy")
    n = len(next(iter(table.runs.values())).seeds)
    ax.set_title(f"name the first symbol: {n} runs each (dots), mean (line)")
    ax.legend(fontsize=7)
    return fig


def _grad_norms_page() -> Figure:
    return gradient_figure([gradient_probe(), gradient_probe(gate_bias=0.0)])


FIGURES: dict[str, Callable[[], Figure]] = {
    "gated_grad_norms": _grad_norms_page,
    "gated_memory": lambda: memory_figure(memory_table()),
}
"""Site figure stem → zero-argument function that computes its page's run and draws it."""
