"""Figures for the recurrent network: its training, gradients over time, truncation, clipping, the sonnet.

Each figure function draws a result it is given (an `RNNResult`, a probe of
`backprop.examples.rnn_gradients`, a `TextResult`); `FIGURES` computes the documentation's
runs and draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from backprop.examples.rnn import RNNResult
from backprop.examples.rnn_gradients import GradNormProbe, TruncationProbe, grad_norm_probe, truncation_probe
from backprop.examples.text import TextResult, train_text
from backprop.plots._style import Figure, new_figure, styled

__all__ = [
    "FIGURES",
    "clipping_effect",
    "rnn_gradient_norms",
    "rnn_training",
    "text_learning_curve",
    "truncation_figure",
]


_STYLES = ["-", "--", "-.", ":"]
_MARKERS = ["o", "s", "^", "D", "v"]


@styled
def rnn_training(result: RNNResult, text: TextResult | None = None, *, title: str | None = None) -> Figure:
    """The worked example's loss and prediction per epoch (and, given ``text``, the sonnet's learning curve).

    Args:
        result: a run of `backprop.examples.rnn.train_rnn`.
        text: a run of `backprop.examples.text.train_text`, drawn in a second panel.
        title: the figure's title (default: the final prediction).

    Examples:
        >>> from backprop.examples.rnn import train_rnn
        >>> from backprop.plots.rnn import rnn_training
        >>> len(rnn_training(train_rnn(epochs=5)).axes)
        2
    """
    fig = new_figure(7.0 if text is not None else 5.0, 3.0)
    axes = fig.subplots(1, 2 if text is not None else 1, squeeze=False)[0]
    ax = axes[0]
    epochs = np.arange(len(result.losses))
    ax.semilogy(epochs, result.losses, lw=1.2, label=r"loss $(\hat y - y)^2$")
    ax.set_xlabel("epoch (gradient-descent step)")
    ax.set_ylabel("loss (log scale)")
    pred_ax = ax.twinx()
    pred_ax.plot(epochs, result.predictions, lw=1.2, ls="--", color="tab:orange", label=r"prediction $\hat y$")
    pred_ax.set_ylim(0.0, 1.0)
    pred_ax.set_ylabel(r"prediction $\hat y$ (target 1)")
    pred_ax.grid(False)
    lines = ax.get_lines() + pred_ax.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], loc="center right", fontsize=7)
    ax.set_title("three-step sequence, BPTT")
    if text is not None:
        _draw_text_curve(axes[1], text)
    fig.suptitle(title or f"RNN → Final Prediction: {result.prediction:.2f}")
    return fig


@styled
def rnn_gradient_norms(probes: Sequence[GradNormProbe]) -> Figure:
    r"""$\|\partial L/\partial h_t\|$ over $t$ for several recurrent weight scales: one panel per probe.

    Args:
        probes: runs of `backprop.examples.rnn_gradients.grad_norm_probe` (e.g. small and large inputs).

    Examples:
        >>> from backprop.examples.rnn_gradients import grad_norm_probe
        >>> from backprop.plots.rnn import rnn_gradient_norms
        >>> fig = rnn_gradient_norms([grad_norm_probe((0.5, 1.5), T=5), grad_norm_probe((0.5,), T=5, x_scale=1.0)])
        >>> [ax.get_yscale() for ax in fig.axes]
        ['log', 'log']
    """
    fig = new_figure(3.5 * len(probes), 3.0)
    axes = fig.subplots(1, len(probes), sharey=True, squeeze=False)[0]
    for ax, probe in zip(axes, probes, strict=True):
        T = probe.norms.shape[1]
        for k, (scale, norms) in enumerate(zip(probe.scales, probe.norms, strict=True)):
            ax.semilogy(np.arange(1, T + 1), norms, ls=_STYLES[k % len(_STYLES)], label=f"$W_h$ scale {scale:g}")
        saturated = probe.x_scale >= 0.1
        ax.set_title(f"inputs ×{probe.x_scale:g}: " + ("saturated tanh units" if saturated else "states near 0"))
        ax.set_xlabel(f"time step $t$ (the loss reads $h_{{{T}}}$)")
    axes[0].set_ylabel(r"$\|\partial L/\partial h_t\|$")
    axes[0].legend(fontsize=7)
    return fig


@styled
def truncation_figure(probe: TruncationProbe) -> Figure:
    r"""$\|g_k - g\| / \|g\|$ for $g = \partial L/\partial W_h$ as the truncated BPTT window $k$ grows.

    One line per recurrent weight scale; $g_k$ is the gradient truncated to $k$ steps.

    Examples:
        >>> from backprop.examples.rnn_gradients import truncation_probe
        >>> from backprop.plots.rnn import truncation_figure
        >>> truncation_figure(truncation_probe((0.5,), (1, 5), T=10)).axes[0].get_xlabel()
        'window $k$ (bptt_steps)'
    """
    fig = new_figure(5.0, 3.0)
    ax = fig.add_subplot()
    for k, (scale, errs) in enumerate(zip(probe.scales, probe.errors, strict=True)):
        ax.semilogy(probe.ks, errs, marker=_MARKERS[k % len(_MARKERS)], ls=_STYLES[k % len(_STYLES)], ms=4,
                    label=f"$W_h$ scale {scale:g}")
    ax.set_xlabel("window $k$ (bptt_steps)")
    ax.set_ylabel(r"$\|g_k - g\|\,/\,\|g\|$,  $g = \partial L/\partial W_h$")
    ax.set_title(f"truncated BPTT over $T$ = {probe.T} steps ($k \\geq {probe.T}$ is full BPTT)")
    ax.legend(fontsize=7)
    return fig


@styled
def clipping_effect(runs: Mapping[str, TextResult], *, title: str = "training loss") -> Figure:
    """Batch loss and gradient norm (before clipping) of several sonnet trainings, step by step.

    Args:
        runs: label → a run of `backprop.examples.text.train_text`.
        title: the loss panel's title.

    Examples:
        >>> from backprop.examples.text import train_text
        >>> from backprop.plots.rnn import clipping_effect
        >>> len(clipping_effect({"clipped": train_text(steps=3, optimizer="sgd", lr=2.0)}).axes)
        2
    """
    fig = new_figure(7.0, 3.0)
    ax_loss, ax_norm = fig.subplots(1, 2)
    for k, (label, run) in enumerate(runs.items()):
        steps = np.arange(1, len(run.losses) + 1)
        ax_loss.plot(steps, run.losses, lw=1, ls=_STYLES[k % len(_STYLES)], label=label)
        ax_norm.semilogy(steps, run.grad_norms, lw=1, ls=_STYLES[k % len(_STYLES)], label=label)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("cross-entropy of the batch (nats/char)")
    ax_loss.set_title(title)
    ax_loss.legend(fontsize=7)
    ax_norm.axhline(1.0, color="k", ls="--", lw=0.8)
    ax_norm.set_xlabel("step")
    ax_norm.set_ylabel(r"$\|g\|$ (log scale)")
    ax_norm.set_title("global gradient norm before clipping")
    return fig


def _draw_text_curve(ax: Axes, run: TextResult) -> None:
    ax.plot(np.arange(1, len(run.losses) + 1), run.losses, lw=0.8, alpha=0.6, label="training batch")
    ax.plot(run.eval_steps, run.eval_losses, "o-", ms=3, label="whole sonnet")
    ax.axhline(np.log(len(run.chars)), color="k", ls="--", lw=0.8, label=f"uniform guess, ln {len(run.chars)}")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title("next-character prediction, Sonnet 18")
    ax.legend(fontsize=7)


@styled
def text_learning_curve(result: TextResult) -> Figure:
    """Learning curve of the next-character model on Sonnet 18: each batch, and the whole text.

    Examples:
        >>> from backprop.examples.text import train_text
        >>> from backprop.plots.rnn import text_learning_curve
        >>> text_learning_curve(train_text(steps=3)).axes[0].get_ylabel()
        'cross-entropy (nats per character)'
    """
    fig = new_figure(5.5, 3.0)
    _draw_text_curve(fig.add_subplot(), result)
    return fig


def _site_grad_norms() -> Figure:
    return rnn_gradient_norms([grad_norm_probe(x_scale=0.01), grad_norm_probe(x_scale=1.0)])


def _site_clipping() -> Figure:
    runs = {
        "no clipping": train_text(optimizer="sgd", lr=2.0, clip=None),
        "clipped at norm 1": train_text(optimizer="sgd", lr=2.0, clip=1.0),
    }
    return clipping_effect(runs, title="training loss, SGD lr 2")


FIGURES: dict[str, Callable[[], Figure]] = {
    "rnn_grad_norms": _site_grad_norms,
    "rnn_truncation": lambda: truncation_figure(truncation_probe()),
    "rnn_clipping": _site_clipping,
    "rnn_text_curve": lambda: text_learning_curve(train_text()),
}
"""File stem → zero-argument function that computes the page's run and draws it."""
