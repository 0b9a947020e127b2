"""Figures for the deep network."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.examples.dnn import layer_gradient_norms, spiral, train_spiral
from backprop.plots import Figure, new_figure

__all__ = ["FIGURES", "dnn_decision", "dnn_gradient_norms"]


def dnn_gradient_norms(depth: int = 8, width: int = 32) -> Figure:
    """‖∂L/∂W‖ per layer at initialisation for sigmoid, tanh and ReLU hidden layers.

    Examples:
        >>> from backprop.plots.dnn import dnn_gradient_norms
        >>> len(dnn_gradient_norms(depth=3).axes[0].lines)
        3
    """
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    for hidden in ("sigmoid", "tanh", "relu"):
        norms = layer_gradient_norms(hidden, depth=depth, width=width)
        ax.semilogy(np.arange(1, len(norms) + 1), norms, "o-", ms=4, label=hidden)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("‖∂L/∂W‖ at initialisation")
    ax.set_title(f"{depth} hidden layers of {width}: gradients vanish through sigmoid layers")
    ax.legend()
    return fig


def dnn_decision() -> Figure:
    """The trained spiral classifier's decision regions, with the data.

    Examples:
        >>> from backprop.plots.dnn import dnn_decision
        >>> len(dnn_decision().axes)
        2
    """
    net, losses, _, test_acc = train_spiral(epochs=150)
    x, y = spiral(150, 3, rng=0)
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot(1, 2, 1)
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.set_title("training loss")
    ax = fig.add_subplot(1, 2, 2)
    g = np.linspace(-1.1, 1.1, 150)
    gx, gy = np.meshgrid(g, g)
    regions = net.predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap="Pastel1", alpha=0.8)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="Set1", s=6, vmin=0, vmax=8)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_title(f"decision regions (test accuracy {test_acc:.0%})")
    return fig


def _norms() -> Figure:
    return dnn_gradient_norms()


FIGURES: dict[str, Callable[[], Figure]] = {"dnn_grad_norms": _norms, "dnn_spiral": dnn_decision}
