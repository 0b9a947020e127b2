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
from matplotlib.colors import LogNorm
from matplotlib.ticker import MaxNLocator

from backprop._check import positive_int
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
            ax.text(j, i, f"{v + 0.0:.2f}", ha="center", va="center", fontsize=8, color=color)


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
    fig = new_figure(8.0, 2.3)
    axes = fig.subplots(1, 5)
    _heatmap(axes[0], EDGE_PATCH, "patch $x$", 1.0)
    _heatmap(axes[1], SOBEL_X, f"kernel $K$ (out {s.output:.2f})", 2.0)
    g = max(float(np.abs(s.grad_kernel).max()), float(np.abs(s.grad_patch).max()))
    _heatmap(axes[2], s.grad_kernel, r"$\partial L/\partial K$ = $\delta\, x$", g)
    _heatmap(axes[3], s.grad_patch, r"$\partial L/\partial x$ = $\delta\, K$", g)
    _heatmap(axes[4], s.kernel_after, f"$K - \\eta\\,\\partial L/\\partial K$ (out {s.output_after:.2f})", 2.0)
    default = (f"$L = (\\mathrm{{out}} - {s.target:g})^2$, $\\delta = \\partial L/\\partial\\,\\mathrm{{out}}$"
               f" = {s.dout:.2f}, $\\eta$ = {s.lr:g}")
    fig.suptitle(title or default)
    return fig


@styled
def digit_kernel_gradients(dK: Array) -> Figure:
    """∂L/∂K of each first-layer kernel, one heatmap per kernel, on one colour scale.

    Args:
        dK: ``(filters, kh, kw)``, as `backprop.examples.digits.kernel_gradients` returns.

    Examples:
        >>> import numpy as np
        >>> from backprop.plots.cnn import digit_kernel_gradients
        >>> len(digit_kernel_gradients(np.ones((4, 3, 3))).axes)     # 4 kernels and the colour bar
        5
    """
    limit = float(np.abs(dK).max()) or 1.0
    cols = min(8, len(dK))
    rows = -(-len(dK) // cols)
    fig = new_figure(8.4, 1.1 * rows + 0.3)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for k, ax in enumerate(axes):
        if k < len(dK):
            _heatmap(ax, dK[k], f"kernel {k}", limit, annotate=False)
        else:
            ax.set_axis_off()
    image = axes[0].images[0]
    fig.colorbar(image, ax=list(axes), location="right", shrink=0.9, label=r"$\partial L/\partial K$ (one scale)")
    fig.suptitle(r"$\partial L/\partial K$ of each 3×3 kernel at initialisation, one batch of 32 digits;"
                 " red: descent lowers that weight")
    return fig


def _one_per_label(labels: Array, count: int) -> list[int]:
    """The index of the first example of each label, in label order, for the first ``count`` labels."""
    return [int(np.flatnonzero(labels == label)[0]) for label in np.unique(labels)[:count]]


@styled
def digit_saliency(result: DigitsResult, *, title: str | None = None, count: int = 6) -> Figure:
    r"""Test digits above $|\partial L/\partial x|$, the saliency of each pixel for the true label.

    The digits are the first test image of each of ``count`` labels (0, 1, 2, ...), so that
    no digit is shown twice; every saliency map is drawn on one colour scale.

    Args:
        result: a trained (or loaded and scored) digits network and its data split.
        title: the figure's title (default: what the figure shows and the test accuracy).
        count: how many test digits to draw (at most one per label).

    Examples:
        >>> from backprop.examples.digits import build_cnn, evaluate_digits
        >>> from backprop.plots.cnn import digit_saliency
        >>> fig = digit_saliency(evaluate_digits(build_cnn(0)), count=2)
        >>> [ax.get_title() for ax in fig.axes[:2]], len(fig.axes)   # 2 digits, 2 maps, 2 colour bars
        (['label 0, predicted 4', 'label 1, predicted 4'], 6)
    """
    model, data = result.model, result.data
    count = positive_int(count, "count")
    chosen = _one_per_label(data.y_test, count)
    x, labels = data.x_test[chosen], data.y_test[chosen]
    saliency = np.abs(input_gradient(model, x, labels)[:, 0])
    predicted = model.forward(x).argmax(axis=1)
    top = float(saliency.max()) or 1.0  # one logarithmic scale for every map, so that they can be compared
    scale = LogNorm(vmin=top * 1e-3, vmax=top)
    fig = new_figure(8.4, 3.4)
    axes = fig.subplots(2, len(chosen), squeeze=False)
    for k in range(len(chosen)):
        upper, bottom = axes[0, k], axes[1, k]
        ink = upper.imshow(x[k, 0], cmap="gray_r", vmin=0.0, vmax=1.0)
        upper.set_title(f"label {labels[k]}, predicted {predicted[k]}", fontsize=7.5)
        heat = bottom.imshow(np.maximum(saliency[k], top * 1e-3), cmap="magma", norm=scale)
        for ax in (upper, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    fig.colorbar(ink, ax=list(axes[0]), location="right", shrink=0.9, label="ink")
    fig.colorbar(heat, ax=list(axes[1]), location="right", shrink=0.9, label=r"$|\partial L/\partial x|$ (log scale)")
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
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
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
