"""Figures for the recurrent network: gradients over time, truncation, clipping, the sonnet."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from backprop.examples.rnn import hidden_grad_norms, train_text, truncation_error
from backprop.plots import Figure, new_figure

__all__ = ["FIGURES", "clipping_effect", "rnn_gradient_norms", "text_learning_curve", "truncation_figure"]

SCALES = (0.5, 0.9, 1.0, 1.5, 3.0)
"""Recurrent weight scales shown: $W_h$ = scale × a random orthogonal matrix."""


def rnn_gradient_norms() -> Figure:
    """‖∂L/∂h_t‖ over t for several recurrent weight scales, with small and with large inputs.

    Examples:
        >>> from backprop.plots.rnn import rnn_gradient_norms
        >>> [ax.get_yscale() for ax in rnn_gradient_norms().axes]
        ['log', 'log']
    """
    fig = new_figure(7.0, 3.0)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, x_scale, title in zip(
        axes, (0.01, 1.0), ("small inputs (×0.01): states near 0", "inputs ×1: saturated tanh units"), strict=True
    ):
        for scale in SCALES:
            norms = hidden_grad_norms(scale, x_scale=x_scale)
            ax.semilogy(np.arange(1, norms.size + 1), norms, label=f"W_h scale {scale}")
        ax.set_title(title)
        ax.set_xlabel("time step t (the loss reads h_60)")
    axes[0].set_ylabel("‖∂L/∂h_t‖")
    axes[0].legend(fontsize=7)
    return fig


def truncation_figure() -> Figure:
    """‖∂L/∂W_h truncated − full‖ / ‖full‖ (`truncation_error`) as the truncated BPTT window k grows.

    Examples:
        >>> from backprop.plots.rnn import truncation_figure
        >>> truncation_figure().axes[0].get_xlabel()
        'bptt_steps k'
    """
    ks = np.array([1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 35])
    fig = new_figure(5.0, 3.0)
    ax = fig.add_subplot()
    for scale in SCALES:
        errs = np.array([truncation_error(scale, int(k)) for k in ks])
        ax.semilogy(ks, errs, "o-", ms=3, label=f"W_h scale {scale}")
    ax.set_xlabel("bptt_steps k")
    ax.set_ylabel("‖ΔW_h truncated − full‖ / ‖full‖")
    ax.set_title("truncated BPTT over T = 40 steps (k ≥ 40 is full BPTT)")
    ax.legend(fontsize=7)
    return fig


def clipping_effect() -> Figure:
    """Sonnet task, plain SGD with learning rate 2: without clipping it blows up, with clipping it learns.

    Examples:
        >>> from backprop.plots.rnn import clipping_effect
        >>> len(clipping_effect().axes)
        2
    """
    runs = {
        "no clipping": train_text(optimizer="sgd", lr=2.0, clip=None),
        "clipped at norm 1": train_text(optimizer="sgd", lr=2.0, clip=1.0),
    }
    fig = new_figure(7.0, 3.0)
    ax_loss, ax_norm = fig.subplots(1, 2)
    for label, run in runs.items():
        steps = np.arange(1, len(run.losses) + 1)
        ax_loss.plot(steps, run.losses, lw=1, label=label)
        ax_norm.semilogy(steps, run.grad_norms, lw=1, label=label)
    ax_loss.set_xlabel("SGD step")
    ax_loss.set_ylabel("cross-entropy of the batch (nats/char)")
    ax_loss.set_title("training loss, SGD lr 2")
    ax_loss.legend(fontsize=7)
    ax_norm.axhline(1.0, color="k", ls="--", lw=0.8)
    ax_norm.set_xlabel("SGD step")
    ax_norm.set_title("global gradient norm before clipping")
    return fig


def text_learning_curve() -> Figure:
    """Learning curve of the next-character model on Sonnet 18 (Adam, clipping at norm 1).

    Examples:
        >>> from backprop.plots.rnn import text_learning_curve
        >>> text_learning_curve().axes[0].get_ylabel()
        'cross-entropy (nats per character)'
    """
    run = train_text()
    fig = new_figure(5.5, 3.0)
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(run.losses) + 1), run.losses, lw=0.8, alpha=0.6, label="training batch")
    ax.plot(run.eval_steps, run.eval_losses, "o-", ms=3, label="whole sonnet")
    ax.axhline(np.log(len(run.chars)), color="k", ls="--", lw=0.8, label=f"uniform guess, ln {len(run.chars)}")
    ax.set_xlabel("Adam step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("next-character prediction, Sonnet 18")
    ax.legend(fontsize=7)
    return fig


FIGURES: dict[str, Callable[[], Figure]] = {
    "rnn_grad_norms": rnn_gradient_norms,
    "rnn_truncation": truncation_figure,
    "rnn_clipping": clipping_effect,
    "rnn_text_curve": text_learning_curve,
}
"""File stem → figure function."""
