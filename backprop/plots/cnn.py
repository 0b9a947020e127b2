"""Figures for the CNN: the edge kernel's gradient, kernel gradients and saliency maps on digits, training.

Each figure function draws a result it is given (an `EdgeStep`, a `DigitsResult`, an array
of kernel gradients); `FIGURES` computes the documentation's runs (one digits training per
process, shared by its figures) and draws them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes

from backprop._types import Array
from backprop.examples.digits import (
    DigitsResult,
    build_cnn,
    input_gradient,
    kernel_gradients,
    load_digits_split,
    train_digits,
)
from backprop.examples.edge import EDGE_PATCH, SOBEL_X, EdgeStep, edge_step
from backprop.plots._style import Figure, new_figure, styled

__all__ = ["FIGURES", "digit_kernel_gradients", "digit_saliency", "edge_gradients", "training_curve"]


def _heatmap(ax: Axes, a: Array, title: str, limit: float, *, annotate: bool = True) -> None:
    ax.imshow(a, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if annotate:
        for (i, j), v in np.ndenumerate(a):
            color = "white" if abs(v) > 0.6 * limit else "black"
            ax.text(j, i, f"{v + 0.0:.2f}", ha="center", va="center", fontsize=7, color=color)


@styled
def edge_gradients(step: EdgeStep, *, title: str | None = None) -> Figure:
    """The worked example as heatmaps: patch, kernel, ∂L/∂K, ∂L/∂patch and the kernel after one step.

    Args:
        step: the step to draw (`backprop.examples.edge.edge_step`).
        title: the figure's title (default: the loss, its gradient and the learning rate).

    Examples:
        >>> from backprop.examples.edge import edge_step
        >>> from backprop.plots.cnn import edge_gradients
        >>> len(edge_gradients(edge_step()).axes)
        5
    """
    s = step
    fig = new_figure(8.0, 2.2)
    axes = fig.subplots(1, 5)
    _heatmap(axes[0], EDGE_PATCH, "patch x", 1.0)
    _heatmap(axes[1], SOBEL_X, f"kernel K (out {s.output:.2f})", 2.0)
    g = max(float(np.abs(s.grad_kernel).max()), float(np.abs(s.grad_patch).max()))
    _heatmap(axes[2], s.grad_kernel, "∂L/∂K = ∂L/∂out · x", g)
    _heatmap(axes[3], s.grad_patch, "∂L/∂x = ∂L/∂out · K", g)
    _heatmap(axes[4], s.kernel_after, f"K − η∂L/∂K (out {s.output_after:.2f})", 2.0)
    fig.suptitle(title or f"L = (out − {s.target:g})², ∂L/∂out = {s.dout:.2f}, η = {s.lr:g}")
    return fig


@styled
def digit_kernel_gradients(dK: Array) -> Figure:
    """∂L/∂K of each first-layer kernel, one heatmap per kernel, on one colour scale.

    Args:
        dK: ``(filters, kh, kw)``, as `backprop.examples.digits.kernel_gradients` returns.

    Examples:
        >>> import numpy as np
        >>> from backprop.plots.cnn import digit_kernel_gradients
        >>> len(digit_kernel_gradients(np.ones((4, 3, 3))).axes)
        4
    """
    limit = float(np.abs(dK).max()) or 1.0
    cols = min(8, len(dK))
    rows = -(-len(dK) // cols)
    fig = new_figure(8.0, 1.1 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for k, ax in enumerate(axes):
        if k < len(dK):
            _heatmap(ax, dK[k], f"kernel {k}", limit, annotate=False)
        else:
            ax.set_axis_off()
    fig.suptitle("∂L/∂K of each 3×3 kernel at initialisation (one batch of 32 digits); red: K would shrink")
    return fig


@styled
def digit_saliency(result: DigitsResult, *, title: str | None = None, count: int = 6) -> Figure:
    r"""Test digits beside $|\partial L/\partial x|$, the saliency of each pixel for the true label.

    Args:
        result: a trained (or loaded and scored) digits network and its data split.
        title: the figure's title (default: what the figure shows and the test accuracy).
        count: how many test digits to draw.

    Examples:
        >>> from backprop.examples.digits import build_cnn, evaluate_digits
        >>> from backprop.plots.cnn import digit_saliency
        >>> len(digit_saliency(evaluate_digits(build_cnn(0)), count=2).axes)
        4
    """
    model, data = result.model, result.data
    x, labels = data.x_test[:count], data.y_test[:count]
    grads = input_gradient(model, x, labels)[:, 0]
    predicted = model.forward(x).argmax(axis=1)
    fig = new_figure(8.0, 3.0)
    axes = fig.subplots(2, count, squeeze=False)
    for k in range(count):
        top, bottom = axes[0, k], axes[1, k]
        top.imshow(x[k, 0], cmap="gray_r", vmin=0.0, vmax=1.0)
        top.set_title(f"label {labels[k]}, predicted {predicted[k]}", fontsize=7)
        bottom.imshow(np.abs(grads[k]), cmap="magma")
        bottom.set_title("|∂L/∂x|", fontsize=7)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    default = (
        "Input gradient of the cross-entropy: the pixels the loss is most sensitive to"
        f" (test accuracy {result.test_accuracy:.4f})"
    )
    fig.suptitle(title or default)
    return fig


@styled
def training_curve(result: DigitsResult) -> Figure:
    """Training loss and test accuracy of the digits CNN, epoch by epoch.

    Examples:
        >>> from backprop.examples.digits import train_digits
        >>> from backprop.plots.cnn import training_curve
        >>> len(training_curve(train_digits(epochs=1)).axes)
        2
    """
    epochs = np.arange(1, len(result.losses) + 1)
    fig = new_figure(6.0, 2.8)
    ax = fig.add_subplot()
    ax.semilogy(epochs, result.losses, "o-", ms=3, label="training loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy (log scale)")
    acc_ax = ax.twinx()
    acc_ax.plot(epochs, 100 * np.array(result.test_accuracies), "s-", ms=3, color="tab:orange", label="test accuracy")
    acc_ax.set_ylabel("test accuracy (%)")
    acc_ax.grid(False)
    n_test = len(result.data.y_test)
    ax.set_title(f"Digits CNN: {100 * result.test_accuracy:.1f}% of {n_test} test images after {len(epochs)} epochs")
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right")
    return fig


@functools.cache
def _site_digits() -> DigitsResult:
    """The CNN page's digits run (``train_digits(rng=0, epochs=5)``), trained once per process."""
    return train_digits(rng=0, epochs=5)


def _site_kernel_gradients() -> Figure:
    data = load_digits_split()
    return digit_kernel_gradients(kernel_gradients(build_cnn(0), data.x_train[:32], data.y_train[:32]))


FIGURES: dict[str, Callable[[], Figure]] = {
    "cnn_dK": lambda: edge_gradients(edge_step()),
    "cnn_digit_dK": _site_kernel_gradients,
    "cnn_saliency": lambda: digit_saliency(_site_digits()),
    "cnn_training": lambda: training_curve(_site_digits()),
}
"""File stem → zero-argument function that computes the page's run and draws it."""
