"""Figures for the deep network: each draws a result it is given."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.examples.dnn import GradientNorms, SpiralResult, compare_gradient_norms, train_spiral
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "dnn_decision", "dnn_gradient_norms"]


@styled
def dnn_gradient_norms(result: GradientNorms) -> Figure:
    """‖∂L/∂W‖ per layer at initialisation, one curve per hidden activation of ``result``.

    Examples:
        >>> from backprop.examples.dnn import compare_gradient_norms
        >>> from backprop.plots.dnn import dnn_gradient_norms
        >>> ax = dnn_gradient_norms(compare_gradient_norms(depth=3)).axes[0]
        >>> len(ax.lines), ax.get_title()
        (3, '3 hidden layers of 32: gradients vanish through sigmoid layers')
    """
    fig = new_figure(6.4, 3.0)
    ax = fig.add_subplot()
    for hidden, norms in result.norms.items():
        ax.semilogy(np.arange(1, len(norms) + 1), norms, "o-", ms=4, label=hidden)
    ax.set_xlabel("layer $l$ (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial L/\partial W^{(l)}\|$ at initialisation")
    ax.set_title(f"{result.depth} hidden layers of {result.width}: gradients vanish through sigmoid layers")
    ax.legend()
    return fig


@styled
def dnn_decision(result: SpiralResult) -> Figure:
    """The training loss of ``result`` and its classifier's decision regions, with the data.

    The figure's title carries what ``python -m backprop dnn`` prints: the last epoch's
    loss and both accuracies.

    Examples:
        >>> from backprop.examples.dnn import train_spiral
        >>> from backprop.plots.dnn import dnn_decision
        >>> fig = dnn_decision(train_spiral(epochs=3, sizes=(8,)))
        >>> fig.get_suptitle()
        'epoch 3: loss 0.8914, train accuracy 53.6%, test accuracy 54.4%'
        >>> [ax.get_title() for ax in fig.axes]
        ['training loss', 'decision regions']
    """
    losses = result.losses
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
    regions = result.net.predict(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    classes = int(result.y.max()) + 1
    colors = [f"C{c}" for c in range(classes)]  # one colour per class, for its region and its points
    ax.contourf(gx, gy, regions, levels=np.arange(classes + 1) - 0.5, colors=colors, alpha=0.25)
    for c, color in enumerate(colors):
        mine = result.y == c
        ax.scatter(result.x[mine, 0], result.x[mine, 1], color=color, s=6, label=f"class {c}")
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), markerscale=1.5, handletextpad=0.2)
    ax.set_title("decision regions")
    fig.suptitle(
        f"epoch {len(losses)}: loss {losses[-1]:.4f}, train accuracy {result.train_accuracy:.1%},"
        f" test accuracy {result.test_accuracy:.1%}"
    )
    return fig


def _norms_page() -> Figure:
    return dnn_gradient_norms(compare_gradient_norms(depth=8, width=32))  # the deep page's probe


def _spiral_page() -> Figure:
    return dnn_decision(train_spiral(epochs=150))  # the deep page's run: 150 epochs, seed 0


FIGURES: dict[str, Callable[[], Figure]] = {"dnn_grad_norms": _norms_page, "dnn_spiral": _spiral_page}
"""Site figure stem → zero-argument function that computes its page's run and draws it."""
