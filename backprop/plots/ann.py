"""Figures for the small ANN and the classic "11 lines" nets: each draws a result it is given."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.examples.ann import ANNResult, train_ann
from backprop.examples.trask import TrilayerResult, trilayer
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "ann_gradients", "classic_errors"]


@styled
def ann_gradients(result: ANNResult) -> Figure:
    """∂L/∂W of both layers at the first step (heatmaps) and their norms over the training run ``result``.

    The figure's title carries the run's settings and its final prediction, as
    ``python -m backprop ann`` prints it.

    Examples:
        >>> from backprop.examples.ann import train_ann
        >>> from backprop.plots.ann import ann_gradients
        >>> fig = ann_gradients(train_ann(epochs=20))
        >>> len(fig.axes)  # two heatmaps, their colour bar, the curves
        4
        >>> fig.get_suptitle()
        '20 steps, lr 0.25: final prediction 0.75'
    """
    fig = new_figure(7.4, 3.2)
    grid = fig.add_gridspec(1, 3, width_ratios=[1.6, 0.55, 2.0])
    limit = max(float(np.abs(g).max()) for g in result.first_grads) or 1.0
    panels = [
        (r"$\partial L/\partial W^{(1)}$ at step 1", "input", "hidden unit"),
        (r"$\partial L/\partial W^{(2)}$ at step 1", "hidden unit", "output"),
    ]
    for k, (g, (title, rows, cols)) in enumerate(zip(result.first_grads, panels, strict=True)):
        ax = fig.add_subplot(grid[0, k])
        im = ax.imshow(g, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(title)
        ax.set_xticks(range(g.shape[1]), [str(j + 1) for j in range(g.shape[1])])
        ax.set_yticks(range(g.shape[0]), [str(i + 1) for i in range(g.shape[0])])
        ax.set_xlabel(cols)
        ax.set_ylabel(rows)
        ax.grid(False)
        for (i, j), v in np.ndenumerate(g):  # white on the dark cells, black on the light ones
            ax.text(j, i, f"{v + 0.0:.3f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(v) > 0.55 * limit else "black")
    fig.colorbar(im, ax=fig.axes, location="left", shrink=0.8, label=r"$\partial L/\partial w$")
    ax = fig.add_subplot(grid[0, 2])
    norms = np.array(result.grad_norms)
    steps = np.arange(1, len(norms) + 1)
    ax.semilogy(steps, norms[:, 0], label=r"$\|\partial L/\partial W^{(1)}\|$")
    ax.semilogy(steps, norms[:, 1], "--", label=r"$\|\partial L/\partial W^{(2)}\|$")
    ax.semilogy(steps, result.losses, "k:", lw=1.2, label="loss $L$")
    ax.set_xlabel("gradient-descent step")
    ax.set_title("during training")
    ax.legend()
    fig.suptitle(f"{result.epochs} steps, lr {result.lr}: final prediction {result.prediction:.2f}")
    return fig


@styled
def classic_errors(result: TrilayerResult) -> Figure:
    """Mean absolute error of the trilayer "11 lines" net, as recorded every ``result.report_every`` iterations.

    Examples:
        >>> from backprop.examples.trask import trilayer
        >>> from backprop.plots.ann import classic_errors
        >>> fig = classic_errors(trilayer(iterations=300, report_every=100))
        >>> ax = fig.axes[0]
        >>> ax.get_yscale(), len(ax.lines[0].get_xdata())
        ('log', 3)
        >>> fig.get_suptitle(), ax.get_title()
        ('Trilayer net, 300 iterations', 'mean |error| 0.496410 → 0.359759 (iteration 200)')
    """
    errors = result.errors
    at = np.arange(len(errors)) * result.report_every
    fig = new_figure(6.0, 2.6)
    ax = fig.add_subplot()
    ax.semilogy(at, errors, "o-", ms=3)
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"mean $|y - \hat y|$")
    ax.set_title(f"mean |error| {errors[0]:.6f} → {errors[-1]:.6f} (iteration {at[-1]:,})")
    fig.suptitle(f"Trilayer net, {result.iterations:,} iterations")
    return fig


def _ann_page() -> Figure:
    return ann_gradients(train_ann())  # the ANN page's run: hand-written weights, 1,000 steps, lr 0.25


def _classic_page() -> Figure:
    return classic_errors(trilayer(report_every=1000))  # the classic page's run, every 1,000 iterations


FIGURES: dict[str, Callable[[], Figure]] = {"ann_dW": _ann_page, "classic_errors": _classic_page}
"""Site figure stem → zero-argument function that computes its page's run and draws it."""
