"""Figures of the regularisation page: overfitting and its cures, and batch normalisation in depth.

Each figure function draws the results it is given (`OverfitRun`, `DeepSigmoidRun`);
`FIGURES` computes the page's runs (cached, so the page's examples share them) and draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib
import numpy as np

from backprop.examples.regularization import (
    GRID,
    REGULARISERS,
    DeepSigmoidRun,
    OverfitRun,
    train_deep_sigmoid,
    train_overfit,
)
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "batchnorm_figure", "overfit_figure"]

_PASTEL = [matplotlib.colormaps["Pastel1"](i) for i in range(3)]  # light versions of Set1's red, blue, green


@styled
def overfit_figure(runs: Sequence[OverfitRun]) -> Figure:
    """One column per run: training and test accuracy over the steps, then the decision regions.

    The regions are drawn with the training points on top; a cross marks each point whose
    label is wrong. Each column's title names the run's regulariser and its final test accuracy.

    Examples:
        >>> from backprop.examples.regularization import train_overfit
        >>> from backprop.plots.regularization import overfit_figure
        >>> fig = overfit_figure([train_overfit("none", steps=10), train_overfit("dropout", steps=10)])
        >>> [ax.get_title() for ax in fig.axes[:2]]
        ['none: test 77.0%', 'dropout: test 58.0%']
    """
    fig = new_figure(2.4 * len(runs), 4.6)
    axes = fig.subplots(2, len(runs), squeeze=False, sharey="row")
    for col, run in enumerate(runs):
        ax = axes[0, col]
        ax.plot(run.steps, run.train_accuracy, label="training (noisy labels)")
        ax.plot(run.steps, run.test_accuracy, ls="--", label="test (true labels)")
        ax.axhline(0.8, color="0.5", lw=0.8, ls=":")
        ax.set_ylim(0.3, 1.0)
        ax.set_xlabel("Adam step")
        ax.set_title(f"{run.regulariser}: test {run.final_test:.1%}")
        ax = axes[1, col]
        data = run.data
        ax.contourf(GRID, GRID, run.regions, levels=np.arange(4) - 0.5, colors=_PASTEL, alpha=0.8)
        ok = ~data.flipped
        ax.scatter(data.x_train[ok, 0], data.x_train[ok, 1], c=data.y_train[ok], cmap="Set1", s=6, vmin=0, vmax=8)
        ax.scatter(data.x_train[data.flipped, 0], data.x_train[data.flipped, 1], c=data.y_train[data.flipped],
                   cmap="Set1", s=14, marker="x", vmin=0, vmax=8, linewidths=1)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    axes[0, 0].set_ylabel("accuracy")
    axes[1, 0].set_ylabel("regions; × wrong label")
    axes[0, 0].legend(fontsize=6, loc="lower right")
    return fig


@styled
def batchnorm_figure(plain: DeepSigmoidRun, normalised: DeepSigmoidRun) -> Figure:
    """‖∂L/∂W‖ per dense layer at initialisation, and the training loss, without and with batch normalisation.

    Examples:
        >>> from backprop.examples.regularization import train_deep_sigmoid
        >>> from backprop.plots.regularization import batchnorm_figure
        >>> fig = batchnorm_figure(train_deep_sigmoid(False, epochs=2), train_deep_sigmoid(True, epochs=2))
        >>> [ax.get_yscale() for ax in fig.axes], fig.get_suptitle()
        (['log', 'linear'], 'accuracy after 2 epochs: 33.3% without BatchNorm, 50.7% with it')
    """
    fig = new_figure(6.4, 2.9)
    ax_norms, ax_loss = fig.subplots(1, 2)
    for run, style in ((plain, "o-"), (normalised, "s--")):
        label = "with BatchNorm" if run.batchnorm else "without"
        ax_norms.semilogy(np.arange(1, len(run.grad_norms) + 1), run.grad_norms, style, ms=4, label=label)
        ax_loss.plot(np.arange(1, len(run.losses) + 1), run.losses, style, ms=3, label=label)
    ax_norms.set_xlabel("dense layer (1 = next to the input)")
    ax_norms.set_ylabel("‖∂L/∂W‖ at initialisation")
    ax_norms.set_title("8 sigmoid layers of 32")
    ax_norms.legend(fontsize=7)
    ax_loss.axhline(np.log(3), color="0.5", lw=0.8, ls=":")
    ax_loss.set_xlabel("epoch (SGD, learning rate 0.1)")
    ax_loss.set_ylabel("cross-entropy")
    ax_loss.set_title("training loss (dotted: ln 3)")
    epochs = len(plain.losses)
    fig.suptitle(f"accuracy after {epochs} epoch{'s' if epochs != 1 else ''}: {plain.accuracy:.1%} without BatchNorm,"
                 f" {normalised.accuracy:.1%} with it")
    return fig


def _overfit_page() -> Figure:
    return overfit_figure([train_overfit(name) for name in REGULARISERS])  # seed 0 of the page's table


def _batchnorm_page() -> Figure:
    return batchnorm_figure(train_deep_sigmoid(False), train_deep_sigmoid(True))


FIGURES: dict[str, Callable[[], Figure]] = {"reg_overfit": _overfit_page, "reg_batchnorm": _batchnorm_page}
"""Site figure stem → zero-argument function that computes its page's run and draws it."""
