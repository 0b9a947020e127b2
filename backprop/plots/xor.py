"""Figures for the two-layer XOR network."""

from __future__ import annotations

from collections.abc import Callable

from backprop.examples.xor import train_xor
from backprop.plots import Figure, new_figure

__all__ = ["FIGURES", "xor_loss_curves"]

SCALES = (0.01, 0.1, 0.5, 1.0, 2.0)
"""Initial weight scales compared in `xor_loss_curves`."""


def xor_loss_curves(lr: float = 1.0, epochs: int = 2000, seed: int = 0) -> Figure:
    """MSE on XOR over training for several initial weight scales (same learning rate and seed).

    Examples:
        >>> from backprop.plots.xor import xor_loss_curves
        >>> len(xor_loss_curves(epochs=200).axes[0].get_legend().get_texts())
        5
    """
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    for scale in SCALES:
        _, log = train_xor(init_scale=scale, lr=lr, epochs=epochs, seed=seed)
        ax.semilogy([e.epoch for e in log], [e.mse for e in log], label=f"init × {scale}")
    ax.axhline(0.25, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"XOR, 2-4-1 sigmoid net, learning rate {lr}: the 0.25 plateau of tiny weights")
    ax.legend()
    return fig


def _curves() -> Figure:
    return xor_loss_curves()


FIGURES: dict[str, Callable[[], Figure]] = {"xor_loss": _curves}
