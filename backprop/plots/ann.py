"""Figures for the small ANN and the classic "11 lines" nets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.examples.ann import train_ann
from backprop.examples.trask import trilayer
from backprop.plots import Figure, new_figure

__all__ = ["FIGURES", "ann_gradients", "classic_errors"]


def ann_gradients(seed: int | None = None) -> Figure:
    """∂L/∂W of both layers at the first step (heatmaps) and their norms over training.

    Examples:
        >>> from backprop.plots.ann import ann_gradients
        >>> len(ann_gradients().axes)  # two heatmaps, their colour bar, the curves
        4
    """
    result = train_ann(seed=seed)
    fig = new_figure(7.0, 2.8)
    grid = fig.add_gridspec(1, 3, width_ratios=[1.2, 0.5, 2.2])
    limit = max(float(np.abs(g).max()) for g in result.first_grads)
    for k, (g, title) in enumerate(zip(result.first_grads, ["∂L/∂W₁ (2×4)", "∂L/∂W₂ (4×1)"], strict=True)):
        ax = fig.add_subplot(grid[0, k])
        im = ax.imshow(g, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"{title}, step 1")
        ax.set_xticks(range(g.shape[1]))
        ax.set_yticks(range(g.shape[0]))
        ax.grid(False)
        for (i, j), v in np.ndenumerate(g):
            ax.text(j, i, f"{v:.3f}", ha="center", va="center", fontsize=6)
    fig.colorbar(im, ax=fig.axes, location="left", shrink=0.8)
    ax = fig.add_subplot(grid[0, 2])
    norms = np.array(result.grad_norms)
    steps = np.arange(1, len(norms) + 1)
    ax.semilogy(steps, norms[:, 0], label="‖∂L/∂W₁‖")
    ax.semilogy(steps, norms[:, 1], label="‖∂L/∂W₂‖")
    ax.semilogy(steps, result.losses, "k--", lw=1, label="loss L")
    ax.set_xlabel("gradient-descent step")
    ax.set_title(f"during training (final prediction {result.prediction:.2f})")
    ax.legend()
    return fig


def classic_errors() -> Figure:
    """Mean absolute error of the trilayer "11 lines" net, every 1,000 iterations.

    Examples:
        >>> from backprop.plots.ann import classic_errors
        >>> classic_errors().axes[0].get_yscale()
        'log'
    """
    _, errors = trilayer(report_every=1000)
    fig = new_figure(6.0, 2.6)
    ax = fig.add_subplot()
    ax.semilogy(np.arange(len(errors)) * 1000, errors, "o-", ms=3)
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean |y − ŷ|")
    ax.set_title("Trilayer net on XOR-of-two-inputs: error over 60,000 iterations")
    return fig


FIGURES: dict[str, Callable[[], Figure]] = {"ann_dW": ann_gradients, "classic_errors": classic_errors}
