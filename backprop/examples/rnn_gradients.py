r"""How gradients travel back through time: vanishing, exploding, and truncated BPTT.

Both probes use an `RNN` whose $W_h$ is ``scale`` times a random orthogonal matrix (every
singular value equals ``scale``) and 16 Gaussian input sequences of 4 features. Going back
one step multiplies $\partial L/\partial h_t$ by $\mathrm{diag}(1-h_t^2)\,W_h^\top$, so the
scale decides whether the gradient fades or grows. `grad_norm_probe` and
`truncation_probe` run a probe for several scales, on the same matrix and inputs, and
return what the figures of `backprop.plots.rnn` draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backprop._check import make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.rnn import RNN

__all__ = [
    "SCALES",
    "TRUNCATION_STEPS",
    "GradNormProbe",
    "TruncationProbe",
    "grad_norm_probe",
    "hidden_grad_norms",
    "truncation_error",
    "truncation_probe",
]

SCALES = (0.5, 0.9, 1.0, 1.5, 3.0)
"""Recurrent weight scales the probes compare: $W_h$ = scale × a random orthogonal matrix."""
TRUNCATION_STEPS = (1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 35)
"""Truncation lengths $k$ that `truncation_probe` tries."""

_N, _D = 16, 4  # sequences and input features of a probe


def _draw(gen: np.random.Generator, T: int, H: int) -> tuple[Array, Array, Array]:
    """A random orthogonal ``(H, H)`` matrix, input weights ``(4, H)`` and unit-scale inputs ``(16, T, 4)``."""
    Q, _ = np.linalg.qr(gen.standard_normal((H, H)))
    W_x = gen.standard_normal((_D, H)) * 0.5
    x = gen.standard_normal((_N, T, _D))
    return Q, W_x, x


def _norms(Q: Array, W_x: Array, x: Array, scale: float) -> Array:
    """‖∂L/∂h_t‖ averaged over the sequences when ∂L/∂h_T is a fixed unit vector."""
    H = Q.shape[0]
    rnn = RNN.from_arrays(W_x, positive_float(scale, "scale", allow_zero=True) * Q, np.zeros(H))
    rnn.forward(x)
    rnn.backward(np.full((x.shape[0], H), 1.0 / np.sqrt(H)))
    return np.asarray(np.linalg.norm(rnn.hidden_grads, axis=2).mean(axis=0))


def _truncation(Q: Array, W_x: Array, x: Array, dout: Array, scale: float, bptt_steps: int) -> float:
    H = Q.shape[0]
    rnn = RNN.from_arrays(W_x, positive_float(scale, "scale", allow_zero=True) * Q, np.zeros(H))
    rnn.return_sequences = True
    rnn.forward(x)
    rnn.backward(dout)
    full = rnn.grads["W_h"].copy()
    rnn.bptt_steps = positive_int(bptt_steps, "bptt_steps")
    rnn.backward(dout)
    return float(np.linalg.norm(rnn.grads["W_h"] - full) / np.linalg.norm(full))


def hidden_grad_norms(
    scale: float, *, x_scale: float = 0.01, T: int = 60, H: int = 32, rng: np.random.Generator | int | None = 0
) -> Array:
    r"""$\|\partial L/\partial h_t\|$ for $t = 1..T$ when the loss reads only the last state.

    The inputs are Gaussian times ``x_scale`` and $\partial L/\partial h_T$ is a fixed unit
    vector. While the states stay near 0, which with small inputs they do for ``scale`` ≤ 1,
    the factor $\mathrm{diag}(1-h_t^2)\,W_h^\top$ has norm about ``scale`` and the norm at
    $h_t$ is about $\text{scale}^{T-t}$: at 0.5 it is $0.5^{10}$ at $h_{50}$ and $0.5^{59}$ at
    $h_1$. For ``scale`` > 1 this does not hold: the recurrence amplifies the states
    themselves until the tanh units saturate, and the factors $1 - h_t^2$ then hold the
    growth back. At 1.5 the norm at $h_1$ is $8.6\times10^{2}$, not $1.5^{59}$.

    Args:
        scale: the singular value of $W_h$.
        x_scale: the inputs' standard deviation.
        T: steps.
        H: hidden units.
        rng: a seed or a Generator for $W_h$'s directions, $W_x$ and the inputs.

    Returns:
        The norms averaged over the 16 sequences, shape ``(T,)``.

    Examples:
        >>> from backprop.examples.rnn_gradients import hidden_grad_norms
        >>> norms = hidden_grad_norms(0.5)
        >>> print(f"{norms[-1]:.3f} {norms[-11]:.1e} {norms[0]:.1e}")    # at h_60, h_50 and h_1
        1.000 9.8e-04 1.7e-18
        >>> print(f"{0.5 ** 10:.1e} {0.5 ** 59:.1e}")                   # scale^(T - t) for t = 50, 1
        9.8e-04 1.7e-18
        >>> print(f"{hidden_grad_norms(1.5)[0]:.1e} {1.5 ** 59:.1e}")    # saturated: far below 1.5^59
        8.6e+02 2.5e+10
    """
    Q, W_x, x = _draw(make_rng(rng), positive_int(T, "T"), positive_int(H, "H"))
    return _norms(Q, W_x, x * positive_float(x_scale, "x_scale", allow_zero=True), scale)


def truncation_error(
    scale: float,
    bptt_steps: int,
    *,
    x_scale: float = 0.5,
    T: int = 40,
    H: int = 32,
    rng: np.random.Generator | int | None = 0,
) -> float:
    r"""The error of $\partial L/\partial W_h$ under truncated BPTT, as a fraction of the full-BPTT gradient.

    That is $\|g_k - g\| / \|g\|$, with $g_k$ the gradient of ``bptt_steps=k`` and $g$ that of
    full BPTT (not `backprop.relative_error`, which divides by $\|g_k\| + \|g\|$). Same setup
    as `hidden_grad_norms`, but the loss reads every state (a fixed random
    $\partial L/\partial h_t$ at each step), as in sequence labelling or language modelling.

    Examples:
        >>> from backprop.examples.rnn_gradients import truncation_error
        >>> print(f"{truncation_error(0.5, 5):.1e} {truncation_error(1.5, 5):.1e}")
        1.1e-02 8.0e-01
        >>> truncation_error(0.5, 40)                           # k >= T: exactly full BPTT
        0.0
    """
    gen = make_rng(rng)
    Q, W_x, x = _draw(gen, positive_int(T, "T"), positive_int(H, "H"))
    dout = gen.standard_normal((_N, T, H))
    return _truncation(Q, W_x, x * positive_float(x_scale, "x_scale", allow_zero=True), dout, scale, bptt_steps)


@dataclass
class GradNormProbe:
    r"""What `grad_norm_probe` measured.

    Attributes:
        scales: the scales of $W_h$.
        x_scale: the inputs' standard deviation.
        norms: $\|\partial L/\partial h_t\|$, one row per scale, ``(len(scales), T)``.

    Examples:
        >>> from backprop.examples.rnn_gradients import grad_norm_probe
        >>> from backprop.trace import format_array
        >>> probe = grad_norm_probe((0.5, 1.0), T=5)
        >>> probe.scales, probe.x_scale, probe.norms.shape
        ((0.5, 1.0), 0.01, (2, 5))
        >>> print(format_array(probe.norms, 3))          # halved at every step back at scale 0.5
        [[0.062, 0.125, 0.250, 0.500, 1.000], [0.998, 0.999, 0.999, 0.999, 1.000]]
    """

    scales: tuple[float, ...]
    x_scale: float
    norms: Array


def grad_norm_probe(
    scales: Sequence[float] = SCALES,
    *,
    x_scale: float = 0.01,
    T: int = 60,
    H: int = 32,
    rng: np.random.Generator | int | None = 0,
) -> GradNormProbe:
    """`hidden_grad_norms` for each of ``scales``, all on the same random matrix and inputs.

    Examples:
        >>> from backprop.examples.rnn_gradients import grad_norm_probe, hidden_grad_norms
        >>> probe = grad_norm_probe((0.5, 1.5), T=10)
        >>> probe.norms.shape, bool((probe.norms[1] == hidden_grad_norms(1.5, T=10)).all())
        ((2, 10), True)
    """
    Q, W_x, x = _draw(make_rng(rng), positive_int(T, "T"), positive_int(H, "H"))
    x = x * positive_float(x_scale, "x_scale", allow_zero=True)
    norms = np.array([_norms(Q, W_x, x, s) for s in scales])
    return GradNormProbe(tuple(float(s) for s in scales), float(x_scale), norms)


@dataclass
class TruncationProbe:
    """What `truncation_probe` measured.

    Attributes:
        scales: the scales of $W_h$.
        ks: the truncation lengths.
        T: the sequence length.
        errors: `truncation_error` for each scale (rows) and each ``k`` (columns).

    Examples:
        >>> from backprop.examples.rnn_gradients import truncation_probe
        >>> from backprop.trace import format_array
        >>> probe = truncation_probe((0.5, 1.5), (1, 5, 40))
        >>> probe.scales, probe.ks, probe.T
        ((0.5, 1.5), (1, 5, 40), 40)
        >>> print(format_array(probe.errors, 3))         # k = 40 = T: exactly full BPTT
        [[0.431, 0.011, 0.000], [0.963, 0.804, 0.000]]
    """

    scales: tuple[float, ...]
    ks: tuple[int, ...]
    T: int
    errors: Array


def truncation_probe(
    scales: Sequence[float] = SCALES,
    ks: Sequence[int] = TRUNCATION_STEPS,
    *,
    x_scale: float = 0.5,
    T: int = 40,
    H: int = 32,
    rng: np.random.Generator | int | None = 0,
) -> TruncationProbe:
    """`truncation_error` for each scale and each truncation length ``k``, on one matrix and one input batch.

    Examples:
        >>> from backprop.examples.rnn_gradients import truncation_error, truncation_probe
        >>> probe = truncation_probe((0.5,), (5, 40))
        >>> probe.errors.tolist() == [[truncation_error(0.5, 5), 0.0]]
        True
    """
    gen = make_rng(rng)
    Q, W_x, x = _draw(gen, positive_int(T, "T"), positive_int(H, "H"))
    dout = gen.standard_normal((_N, T, H))
    x = x * positive_float(x_scale, "x_scale", allow_zero=True)
    errors = np.array([[_truncation(Q, W_x, x, dout, s, k) for k in ks] for s in scales])
    return TruncationProbe(tuple(float(s) for s in scales), tuple(int(k) for k in ks), T, errors)
