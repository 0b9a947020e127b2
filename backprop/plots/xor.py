"""Figures for the two-layer XOR network: each draws training runs it is given."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from backprop.examples.xor import XORResult, train_xor
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "SCALES", "run_label", "xor_loss_curves"]

SCALES = (0.01, 0.1, 0.5, 1.0, 2.0)
"""Initial weight scales compared in the XOR page's figure (learning rate 1.0, 2,000 epochs, seed 0)."""


def run_label(result: XORResult) -> str:
    """One run as ``python -m backprop xor`` reports it: settings, and the MSE before training and after it.

    Examples:
        >>> from backprop.examples.xor import train_xor
        >>> from backprop.plots.xor import run_label
        >>> run_label(train_xor(init_scale=0.01, lr=0.1))
        'init ×0.01, lr 0.1: MSE 0.2500 → 0.2500 after 1000 epochs'
    """
    mse = f"MSE {result.mse[0]:.4f} → {result.final_mse:.4f} after {result.epochs} epochs"
    return f"init ×{result.init_scale}, lr {result.lr}: {mse}"


@styled
def xor_loss_curves(results: Sequence[XORResult], title: str | None = None) -> Figure:
    """The MSE before every epoch of each training run in ``results``, one curve each (log scale).

    Each curve's legend entry is its `run_label`; the title is ``title``, or the first
    run's label.

    Examples:
        >>> from backprop.examples.xor import train_xor
        >>> from backprop.plots.xor import xor_loss_curves
        >>> runs = [train_xor(epochs=200), train_xor(init_scale=0.01, lr=0.1, epochs=200)]
        >>> ax = xor_loss_curves(runs).axes[0]
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['init ×1.0, lr 1.0: MSE 0.3430 → 0.2386 after 200 epochs',
         'init ×0.01, lr 0.1: MSE 0.2500 → 0.2500 after 200 epochs']
        >>> ax.get_title() == "XOR, 2-4-1 sigmoid net, " + ax.get_legend().get_texts()[0].get_text()
        True
    """
    if not results:
        raise ValueError("results must hold at least one training run")
    fig = new_figure(6.4, 4.4)
    ax = fig.add_subplot()
    styles = ["-", "--", "-.", ":"]
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    for k, result in enumerate(results):
        epochs = len(result.mse)
        every = max(epochs // 8, 1)  # markers shifted from curve to curve: curves on top of each other both show
        ax.semilogy(range(epochs), result.mse, ls=styles[k % len(styles)], marker=markers[k % len(markers)], ms=4,
                    markevery=(k * every // max(len(results), 1), every), label=run_label(result))
    ax.axhline(0.25, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error (log scale)")
    hidden = results[0].net.params["0.W"].shape[1]
    ax.set_title(title if title is not None else f"XOR, 2-{hidden}-1 sigmoid net, {run_label(results[0])}")
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def _xor_page() -> Figure:
    runs = [train_xor(init_scale=scale, lr=1.0, epochs=2000, rng=0) for scale in SCALES]
    return xor_loss_curves(runs, title="XOR, 2-4-1 sigmoid net, learning rate 1.0: the 0.25 plateau of tiny weights")


FIGURES: dict[str, Callable[[], Figure]] = {"xor_loss": _xor_page}
"""Site figure stem → zero-argument function that computes its page's run and draws it."""
