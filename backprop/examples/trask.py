r"""The classic "backpropagation in 11 lines" nets, reproduced to their published digits.

Both nets see four examples of three binary inputs (the third input is always 1, so it
acts as a bias). They use the sigmoid, start from ``2*random - 1`` weights under the
legacy ``np.random.seed(1)``, and update with

$$W \mathrel{+}= x^\top\big((y - \hat y)\odot\sigma'(z)\big),$$

which is plain gradient descent on $L = \tfrac12\sum (y - \hat y)^2$ with learning rate 1 and
no averaging over the batch: $-\partial L/\partial W = x^\top\big((y-\hat y)\odot\sigma'\big)$,
so *adding* it is the same as subtracting the gradient.

* The "bilayer" net has **no hidden layer**: inputs connect straight to one sigmoid output
  (logistic regression). Target ``[0, 0, 1, 1]``, the first input column.
* The "trilayer" net has **one hidden layer** of 4 sigmoid units. Target ``[0, 1, 1, 0]``,
  the XOR of the first two inputs, which no net without a hidden layer can learn.

The legacy ``RandomState`` stream is needed to reproduce the published output;
``np.random.default_rng(1)`` draws different weights.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from backprop._check import positive_int
from backprop._types import Array

__all__ = ["BILAYER_Y", "TRILAYER_Y", "TrilayerResult", "X", "bilayer", "trilayer"]

X: Array = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
"""The four training inputs; the last column is a constant 1."""
BILAYER_Y: Array = np.array([[0, 0, 1, 1]], dtype=np.float64).T
"""Bilayer target: equal to the first input."""
TRILAYER_Y: Array = np.array([[0, 1, 1, 0]], dtype=np.float64).T
"""Trilayer target: XOR of the first two inputs."""


def _sigmoid(z: Array) -> Array:
    # The stable logistic function of backprop.sigmoid, without its input checks: the loops
    # below call it 10,000 or 120,000 times on arrays they built themselves. With
    # e = exp(-|z|) it is 1/(1 + e) for z >= 0 and e/(1 + e) for z < 0, bit for bit the two
    # branches of backprop.sigmoid, and no exp overflows.
    e = np.exp(-np.abs(z))
    out: Array = np.where(z >= 0, 1.0, e) / (1.0 + e)
    return out


def bilayer(iterations: int = 10_000) -> Array:
    """Train the net without a hidden layer; return its output on `X`, shape ``(4, 1)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.trask import bilayer
        >>> print(np.array2string(bilayer()[:, 0], precision=8))
        [0.00966449 0.00786506 0.99358898 0.99211957]
    """
    iterations = positive_int(iterations, "iterations")
    np.random.seed(1)  # the legacy global stream: needed for the published numbers
    w0 = 2 * np.random.random((3, 1)) - 1
    for _ in range(iterations):
        out = _sigmoid(X @ w0)                      # forward
        delta = (BILAYER_Y - out) * out * (1 - out)  # -dL/dz, with σ'(z) = σ(z)(1 - σ(z))
        w0 += X.T @ delta                          # descent: W -= dL/dW
    return out


@dataclass
class TrilayerResult:
    """What `trilayer` records.

    Attributes:
        output: the output on `X`, shape ``(4, 1)``, from the last iteration's forward pass.
        errors: the mean absolute error $\\frac14\\sum_n|y_n - \\hat y_n|$ at iterations
            0, ``report_every``, 2 ``report_every``, ...
        report_every: the interval between two recorded errors, in iterations.
        iterations: the number of iterations run.

    Examples:
        >>> from backprop.examples.trask import trilayer
        >>> result = trilayer()
        >>> result.iterations, result.report_every, len(result.errors), result.output.shape
        (60000, 10000, 6, (4, 1))
        >>> print(f"{result.errors[0]:.4f} → {result.errors[-1]:.4f}")
        0.4964 → 0.0035
    """

    output: Array
    report_every: int
    iterations: int
    errors: list[float] = field(default_factory=list)


def trilayer(iterations: int = 60_000, report_every: int = 10_000) -> TrilayerResult:
    """Train the net with one hidden layer of 4 units.

    The run is deterministic (it always starts from the legacy ``np.random.seed(1)``), so it
    is computed once per process for each pair of arguments; every call gets its own copy.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.trask import trilayer
        >>> result = trilayer()
        >>> print(np.array2string(result.output[:, 0], precision=8))
        [0.00260572 0.99672209 0.99701711 0.00386759]
        >>> [f"{e:.6f}" for e in result.errors]
        ['0.496410', '0.008585', '0.005789', '0.004629', '0.003959', '0.003510']
    """
    iterations = positive_int(iterations, "iterations")
    report_every = positive_int(report_every, "report_every")
    output, errors = _trilayer_run(iterations, report_every)
    return TrilayerResult(output=output.copy(), report_every=report_every, iterations=iterations, errors=list(errors))


@functools.cache
def _trilayer_run(iterations: int, report_every: int) -> tuple[Array, tuple[float, ...]]:
    np.random.seed(1)  # the legacy global stream: needed for the published numbers
    w0 = 2 * np.random.random((3, 4)) - 1
    w1 = 2 * np.random.random((4, 1)) - 1
    errors: list[float] = []
    for i in range(iterations):
        h = _sigmoid(X @ w0)
        out = _sigmoid(h @ w1)
        err = TRILAYER_Y - out
        if i % report_every == 0:
            errors.append(float(np.mean(np.abs(err))))
        delta_out = err * out * (1 - out)                # -dL/dz2
        delta_hidden = (delta_out @ w1.T) * h * (1 - h)  # -dL/dz1: chain rule through w1
        w1 += h.T @ delta_out
        w0 += X.T @ delta_hidden
    out.flags.writeable = False
    return out, tuple(errors)
