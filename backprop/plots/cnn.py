"""Figures for the CNN: the edge kernel's gradient, kernel gradients and saliency maps on digits, training."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes

from backprop._types import Array
from backprop.examples.cnn import (
    EDGE_PATCH,
    SOBEL_X,
    DigitsData,
    DigitsResult,
    build_cnn,
    edge_step,
    input_gradient,
    load_digits_split,
    train_digits,
)
from backprop.layers import Layer
from backprop.losses import softmax_cross_entropy
from backprop.plots import Figure, new_figure

__all__ = ["FIGURES", "digit_kernel_gradients", "digit_saliency", "edge_gradients", "training_curve"]


@functools.cache
def _digits_run() -> DigitsResult:
    """One training run (seed 0) shared by the digits figures."""
    return train_digits(seed=0)


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


def edge_gradients() -> Figure:
    """The worked example as heatmaps: patch, kernel, ∂L/∂K, ∂L/∂patch and the kernel after one step.

    Examples:
        >>> from backprop.plots.cnn import edge_gradients
        >>> len(edge_gradients().axes)
        5
    """
    s = edge_step()
    fig = new_figure(8.0, 2.2)
    axes = fig.subplots(1, 5)
    _heatmap(axes[0], EDGE_PATCH, "patch x", 1.0)
    _heatmap(axes[1], SOBEL_X, f"kernel K (out {s.output:.2f})", 2.0)
    g = max(float(np.abs(s.grad_kernel).max()), float(np.abs(s.grad_patch).max()))
    _heatmap(axes[2], s.grad_kernel, "∂L/∂K = ∂L/∂out · x", g)
    _heatmap(axes[3], s.grad_patch, "∂L/∂x = ∂L/∂out · K", g)
    _heatmap(axes[4], s.kernel_after, f"K − η∂L/∂K (out {s.output_after:.2f})", 2.0)
    fig.suptitle(f"L = (out − {s.target:.0f})², ∂L/∂out = {s.dout:.2f}, η = {s.lr:g}")
    return fig


def digit_kernel_gradients() -> Figure:
    """∂L/∂K of the 32 first-layer kernels of the untrained digits CNN, for its first batch of 32 images.

    Examples:
        >>> from backprop.plots.cnn import digit_kernel_gradients
        >>> len(digit_kernel_gradients().axes)
        32
    """
    data = load_digits_split()
    model = build_cnn(0)
    _, dlogits = softmax_cross_entropy(model.forward(data.x_train[:32]), data.y_train[:32])
    model.backward(dlogits)
    dK = model.grads["0.W"][:, 0]  # (32, 3, 3)
    limit = float(np.abs(dK).max())
    fig = new_figure(8.0, 4.4)
    axes = fig.subplots(4, 8)
    for k, ax in enumerate(axes.flat):
        _heatmap(ax, dK[k], f"kernel {k}", limit, annotate=False)
    fig.suptitle("∂L/∂K of each 3×3 kernel at initialisation (one batch of 32 digits); red: K would shrink")
    return fig


def digit_saliency(model: Layer | None = None, data: DigitsData | None = None) -> Figure:
    """Test digits beside $|\\partial L/\\partial x|$, the saliency of each pixel for the true label.

    Args:
        model: a trained digits network (default: a shared run of `train_digits`).
        data: its data split (default: the run's).

    Examples:
        >>> from backprop.plots.cnn import digit_saliency
        >>> len(digit_saliency().axes)
        12
    """
    if model is None or data is None:
        run = _digits_run()
        model, data = run.model, run.data
    x, labels = data.x_test[:6], data.y_test[:6]
    grads = input_gradient(model, x, labels)[:, 0]
    predicted = model.forward(x).argmax(axis=1)
    fig = new_figure(8.0, 3.0)
    axes = fig.subplots(2, 6)
    for k in range(6):
        top, bottom = axes[0, k], axes[1, k]
        top.imshow(x[k, 0], cmap="gray_r", vmin=0.0, vmax=1.0)
        top.set_title(f"label {labels[k]}, predicted {predicted[k]}", fontsize=7)
        bottom.imshow(np.abs(grads[k]), cmap="magma")
        bottom.set_title("|∂L/∂x|", fontsize=7)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
    fig.suptitle("Input gradient of the cross-entropy: the pixels the loss is most sensitive to")
    return fig


def training_curve(result: DigitsResult | None = None) -> Figure:
    """Training loss and test accuracy of the digits CNN, epoch by epoch.

    Examples:
        >>> from backprop.plots.cnn import training_curve
        >>> len(training_curve().axes)
        2
    """
    if result is None:
        result = _digits_run()
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
    ax.set_title(f"Digits CNN: {100 * result.test_accuracy:.1f}% of 360 test images after {len(epochs)} epochs")
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right")
    return fig


FIGURES: dict[str, Callable[[], Figure]] = {
    "cnn_dK": edge_gradients,
    "cnn_digit_dK": digit_kernel_gradients,
    "cnn_saliency": digit_saliency,
    "cnn_training": training_curve,
}
