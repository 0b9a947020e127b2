r"""Loss functions. Each returns ``(loss, dloss_dprediction)``.

Conventions, stated once and used everywhere:

* Every loss is a **mean**: over all elements for `mse` and
  `binary_cross_entropy`, over the batch for `softmax_cross_entropy`.
  These are PyTorch's defaults (``reduction="mean"``), so numbers can be compared
  with it directly.
* `mse` has **no** ½ in front. Tutorials that write $\tfrac12(y-\hat y)^2$ get a
  gradient half as large, which is the same as halving the learning rate.
* The returned gradient is $\partial L/\partial\hat y$ — the direction of steepest
  *ascent*. Gradient descent subtracts it: $\theta \leftarrow \theta - \eta\,\partial L/\partial\theta$.
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, plain_array, positive_float
from backprop._types import Array
from backprop.activations import softmax

__all__ = ["binary_cross_entropy", "mse", "softmax_cross_entropy"]


def _pair(pred: object, target: object, pred_name: str) -> tuple[Array, Array]:
    p = as_float_array(pred, pred_name)
    t = as_float_array(target, "target")
    if p.shape != t.shape:
        raise ValueError(f"target must have the shape of {pred_name} {p.shape}, got {t.shape}")
    return p, t


def mse(pred: Array, target: Array) -> tuple[float, Array]:
    r"""Mean squared error $L = \frac1n\sum_{i=1}^{n}(\hat y_i - y_i)^2$ over all $n$ elements.

    Gradient: $\partial L/\partial\hat y_i = \frac2n(\hat y_i - y_i)$.

    Args:
        pred: predictions $\hat y$, any shape.
        target: targets $y$, the same shape (no broadcasting).

    Returns:
        The loss and $\partial L/\partial\hat y$ (shape of ``pred``).

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> loss, grad = bp.mse(np.array([[0.5], [1.0]]), np.array([[1.0], [1.0]]))
        >>> loss, grad.tolist()
        (0.125, [[-0.5], [0.0]])
    """
    p, t = _pair(pred, target, "pred")
    diff = p - t
    return float(np.mean(diff * diff)), (2.0 / diff.size) * diff


def binary_cross_entropy(prob: Array, target: Array, *, eps: float = 1e-12) -> tuple[float, Array]:
    r"""Binary cross-entropy of probabilities, mean over all $n$ elements.

    $L = -\frac1n\sum_i \big[y_i\log p_i + (1-y_i)\log(1-p_i)\big]$, with $p$ clipped to
    $[\varepsilon, 1-\varepsilon]$ so that no ``log(0)`` or division by zero happens.

    Gradient: $\partial L/\partial p_i = \frac1n\,\frac{p_i - y_i}{p_i(1-p_i)}$. After a
    sigmoid output $p = \sigma(z)$ this becomes $\partial L/\partial z_i = (p_i - y_i)/n$.

    Args:
        prob: predicted probabilities in $[0, 1]$, any shape.
        target: labels in $[0, 1]$, the same shape.
        eps: clipping margin.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> loss, grad = bp.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
        >>> round(loss, 4), grad.tolist()
        (0.6931, [-1.0, 1.0])
        >>> loss, _ = bp.binary_cross_entropy(np.array([1.0]), np.array([0.0]))  # clipped, finite
        >>> round(loss, 2)
        27.63
    """
    p, t = _pair(prob, target, "prob")
    eps = positive_float(eps, "eps")
    if eps >= 0.5:
        raise ValueError(f"eps must be below 0.5, got {eps}")
    if p.min() < 0.0 or p.max() > 1.0:
        raise ValueError(f"prob must lie in [0, 1], got values in [{p.min():.4g}, {p.max():.4g}]")
    if t.min() < 0.0 or t.max() > 1.0:
        raise ValueError(f"target must lie in [0, 1], got values in [{t.min():.4g}, {t.max():.4g}]")
    pc = np.clip(p, eps, 1.0 - eps)
    loss = -np.mean(t * np.log(pc) + (1.0 - t) * np.log1p(-pc))
    grad = (pc - t) / (pc * (1.0 - pc)) / p.size
    return float(loss), grad


def softmax_cross_entropy(logits: Array, labels: Array) -> tuple[float, Array]:
    r"""Softmax followed by categorical cross-entropy, fused and computed from logits.

    With $p = \mathrm{softmax}(z)$ row by row and one-hot labels $y$,
    $L = -\frac1N\sum_{n=1}^{N}\sum_{c} y_{nc}\log p_{nc}$, evaluated as
    $\log p_{nc} = z_{nc} - \log\sum_k e^{z_{nk}}$ (log-sum-exp, no overflow, no ``log 0``).

    Gradient: $\partial L/\partial z = (p - y)/N$.

    Args:
        logits: ``(N, C)`` scores before softmax.
        labels: either ``(N,)`` integer class indices in ``[0, C)`` or an ``(N, C)``
            float array of one-hot (or soft) targets whose rows sum to 1.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> z = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
        >>> loss, grad = bp.softmax_cross_entropy(z, np.array([0, 1]))
        >>> round(loss, 4), np.round(grad, 4).tolist()
        (0.4904, [[-0.25, 0.25], [0.125, -0.125]])
    """
    z = as_float_array(logits, "logits", ndim=2)
    n, c = z.shape
    if not isinstance(labels, np.ndarray):
        raise TypeError(f"labels must be a numpy.ndarray, got {type(labels).__name__}")
    labels = plain_array(labels, "labels")
    if np.issubdtype(labels.dtype, np.integer):
        if labels.shape != (n,):
            raise ValueError(f"integer labels must have shape ({n},), got {labels.shape}")
        if labels.min() < 0 or labels.max() >= c:
            lo, hi = labels.min(), labels.max()
            raise ValueError(f"labels must be class indices in [0, {c}), got values in [{lo}, {hi}]")
        y = np.zeros_like(z)
        y[np.arange(n), labels] = 1.0
    else:
        y = as_float_array(labels, "labels", ndim=2)
        if y.shape != z.shape:
            raise ValueError(f"one-hot labels must have the shape of logits {z.shape}, got {y.shape}")
        if y.min() < 0.0:
            raise ValueError(f"one-hot labels must be non-negative with rows summing to 1, got minimum {y.min():.4g}")
        sums = y.sum(axis=1)
        if not np.allclose(sums, 1.0):
            raise ValueError(
                "one-hot labels must be non-negative with rows summing to 1, "
                f"got row sums in [{sums.min():.4g}, {sums.max():.4g}]"
            )
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -float(np.sum(y * log_p)) / n
    return loss, (softmax(z) - y) / n
