r"""The CNN worked example: a 3×3 edge kernel gives 3.66, and one gradient step, done right and wrong.

The Sobel-x kernel $K = \begin{bmatrix}1&0&-1\\2&0&-2\\1&0&-1\end{bmatrix}$ responds to a
vertical edge: bright on the left, dark on the right. On the 3×3 patch `EDGE_PATCH` its
output is $\sum \text{patch}\odot K = 3.66$. One step of gradient descent on
$L = (\text{out} - y)^2$ toward the target $y = 4$ then moves the output to 3.95; the same
step with the sign flipped (``error = y − out``, then *subtract*
$\eta\cdot\text{error}\cdot\text{patch}$) is gradient ascent and moves it away, to 3.51.

Examples:
    >>> from backprop.examples.edge import edge_step
    >>> s = edge_step()
    >>> print(f"{s.output:.2f} → descent {s.output_after:.2f}, wrong sign {s.output_wrong_sign:.2f}")
    3.66 → descent 3.95, wrong sign 3.51
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop._check import as_float_array, positive_float
from backprop._types import Array
from backprop.conv import Conv2D
from backprop.layers import Sequential
from backprop.losses import mse
from backprop.optim import SGD
from backprop.trace import Trace, format_array, trace

__all__ = [
    "EDGE_LR",
    "EDGE_PATCH",
    "EDGE_TARGET",
    "SOBEL_X",
    "EdgeStep",
    "edge_layer",
    "edge_report",
    "edge_step",
    "edge_trace",
]

SOBEL_X: Array = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
"""The Sobel-x edge kernel, shape ``(3, 3)``: positive where the left side is brighter."""
EDGE_PATCH: Array = np.array([[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]])
"""A 3×3 image patch with a vertical edge: bright left column, dark right column."""
EDGE_TARGET = 4.0
"""The output the training step aims for (a stronger edge response)."""
EDGE_LR = 0.1
"""The learning rate of the training step."""


def edge_layer() -> Conv2D:
    """A one-kernel `Conv2D` holding `SOBEL_X` and bias 0.

    Examples:
        >>> from backprop.examples.edge import EDGE_PATCH, edge_layer
        >>> conv = edge_layer()
        >>> out = conv.forward(EDGE_PATCH.reshape(1, 1, 3, 3))
        >>> print(f"CNN → Convolution Output: {out[0, 0, 0, 0]:.2f}")
        CNN → Convolution Output: 3.66
    """
    return Conv2D.from_arrays(SOBEL_X.reshape(1, 1, 3, 3), np.zeros(1))


@dataclass
class EdgeStep:
    r"""One training step of the edge kernel, done right and done with the sign flipped.

    Attributes:
        output: the convolution output before the step (3.66).
        target: the target $y$.
        lr: the learning rate $\eta$.
        loss: $L = (\text{out} - y)^2$ before the step.
        dout: $\partial L/\partial\,\text{out} = 2(\text{out} - y)$.
        grad_kernel: $\partial L/\partial K = \partial L/\partial\,\text{out}\cdot\text{patch}$, ``(3, 3)``.
        grad_b: $\partial L/\partial b = \partial L/\partial\,\text{out}$.
        grad_patch: $\partial L/\partial\,\text{patch} = \partial L/\partial\,\text{out}\cdot K$, ``(3, 3)``.
        kernel_after: $K - \eta\,\partial L/\partial K$.
        output_after: the output after the descent step.
        loss_after: the loss after the descent step.
        output_wrong_sign: the output after ``K ← K − η·(y − out)·patch`` (and the same for $b$).
        loss_wrong_sign: the loss after that step.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.edge import edge_step
        >>> s = edge_step()
        >>> print(f"dL/db {s.grad_b:.2f}, lr {s.lr}")
        dL/db -0.68, lr 0.1
        >>> (np.round(s.grad_patch, 2) + 0.0).tolist()      # ∂L/∂out · K; + 0.0: print -0.0 as 0.0
        [[-0.68, 0.0, 0.68], [-1.36, 0.0, 1.36], [-0.68, 0.0, 0.68]]
        >>> (np.round(s.kernel_after, 4) + 0.0).tolist()
        [[1.0612, 0.034, -1.0], [2.0646, 0.034, -1.9993], [1.0612, 0.034, -0.9986]]
    """

    output: float
    target: float
    lr: float
    loss: float
    dout: float
    grad_kernel: Array
    grad_b: float
    grad_patch: Array
    kernel_after: Array
    output_after: float
    loss_after: float
    output_wrong_sign: float
    loss_wrong_sign: float


def edge_step(target: float = EDGE_TARGET, lr: float = EDGE_LR) -> EdgeStep:
    r"""Run the edge kernel on `EDGE_PATCH`, then take one gradient step toward ``target``.

    The descent step is what `SGD` does with the gradients of
    `Conv2D.backward`. The "wrong sign" step follows a
    common mistake: it computes ``error = y − out`` (the *negative* of the gradient's
    direction) and then still subtracts ``η · error · patch``, which climbs the loss.

    Args:
        target: the desired output $y$.
        lr: the learning rate $\eta > 0$.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.edge import edge_step
        >>> s = edge_step()
        >>> print(f"out {s.output:.2f}, target {s.target:.2f}, loss {s.loss:.4f}, dL/dout {s.dout:.2f}")
        out 3.66, target 4.00, loss 0.1156, dL/dout -0.68
        >>> (np.round(s.grad_kernel, 4) + 0.0).tolist()   # + 0.0: print -0.0 as 0.0
        [[-0.612, -0.34, 0.0], [-0.646, -0.34, -0.0068], [-0.612, -0.34, -0.0136]]
        >>> print(f"descent: {s.output:.2f} → {s.output_after:.2f} (loss {s.loss_after:.4f})")
        descent: 3.66 → 3.95 (loss 0.0024)
        >>> print(f"wrong sign: {s.output:.2f} → {s.output_wrong_sign:.2f} (loss {s.loss_wrong_sign:.4f})")
        wrong sign: 3.66 → 3.51 (loss 0.2355)
    """
    target = float(as_float_array(np.array([target], dtype=np.float64), "target")[0])
    lr = positive_float(lr, "lr")
    x = EDGE_PATCH.reshape(1, 1, 3, 3)
    y = np.full((1, 1, 1, 1), target)

    conv = edge_layer()
    out = conv.forward(x)
    loss, dout = mse(out, y)  # L = (out - y)², dL/dout = 2(out - y)
    dx = conv.backward(dout)
    grad_kernel, grad_b = conv.grads["W"][0, 0].copy(), float(conv.grads["b"][0])
    SGD(lr).step(conv)  # K ← K − η ∂L/∂K,  b ← b − η ∂L/∂b
    out_after = conv.forward(x)
    loss_after, _ = mse(out_after, y)

    wrong = edge_layer()
    error = target - float(out[0, 0, 0, 0])  # y − out: the opposite sign of ∂L/∂out ...
    wrong.params["W"] -= lr * error * x  # ... and still subtracted: the step goes uphill
    wrong.params["b"] -= lr * error
    out_wrong = wrong.forward(x)
    loss_wrong, _ = mse(out_wrong, y)

    return EdgeStep(
        output=float(out[0, 0, 0, 0]),
        target=target,
        lr=lr,
        loss=loss,
        dout=float(dout[0, 0, 0, 0]),
        grad_kernel=grad_kernel,
        grad_b=grad_b,
        grad_patch=dx[0, 0].copy(),
        kernel_after=conv.params["W"][0, 0].copy(),
        output_after=float(out_after[0, 0, 0, 0]),
        loss_after=loss_after,
        output_wrong_sign=float(out_wrong[0, 0, 0, 0]),
        loss_wrong_sign=loss_wrong,
    )


def edge_trace(target: float = EDGE_TARGET) -> Trace:
    """The forward/backward pass of the edge example recorded by `backprop.trace`.

    Examples:
        >>> from backprop.examples.edge import edge_trace
        >>> print(edge_trace().to_text(2))
        loss L = 0.12
        ∂L/∂ŷ = [[[-0.68]]]
        layer 1: Conv2D(1, 1, kernel_size=(3, 3), stride=1, padding=0)
          input x             [[[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]]]
          z (pre-activation)  [[[3.66]]]
          a = f(z)            [[[3.66]]]
          ∂L/∂a (upstream)    [[[-0.68]]]
          δ = ∂L/∂z           [[[-0.68]]]
          ∂L/∂W               [[[-0.61, -0.34, 0.00], [-0.65, -0.34, -0.01], [-0.61, -0.34, -0.01]]]
          ∂L/∂b               [-0.68]
    """
    return trace(Sequential(edge_layer()), EDGE_PATCH.reshape(1, 1, 3, 3), np.full((1, 1, 1, 1), target), mse)


def edge_report(step: EdgeStep, *, chain_rule: bool = False) -> list[str]:
    """The worked example as lines of text (with ``chain_rule``, every quantity of the step).

    Examples:
        >>> from backprop.examples.edge import edge_report, edge_step
        >>> for line in edge_report(edge_step()):
        ...     print(line)
        CNN → Convolution Output: 3.66
        one gradient-descent step toward y = 4.00 (lr 0.1): output 3.66 → 3.95, loss 0.1156 → 0.0024
        same step with the sign flipped (error = y − out, then subtract): output 3.66 → 3.51, loss 0.1156 → 0.2355
    """
    lines = [f"CNN → Convolution Output: {step.output:.2f}"]
    if chain_rule:
        lines += [
            "chain rule through the convolution:",
            f"  patch            {format_array(EDGE_PATCH)}",
            f"  kernel K         {format_array(SOBEL_X)}",
            f"  out = Σ patch⊙K + b = {step.output:.4f}",
            f"  L = (out − y)² = ({step.output:.4f} − {step.target:.4f})² = {step.loss:.4f}",
            f"  ∂L/∂out = 2(out − y) = {step.dout:.4f}",
            f"  ∂L/∂K = ∂L/∂out · patch = {format_array(step.grad_kernel)}",
            f"  ∂L/∂b = ∂L/∂out = {step.grad_b:.4f}",
            f"  ∂L/∂patch = ∂L/∂out · K = {format_array(step.grad_patch)}",
            f"  K − η ∂L/∂K = {format_array(step.kernel_after)}",
        ]
    lines += [
        f"one gradient-descent step toward y = {step.target:.2f} (lr {step.lr:g}): "
        f"output {step.output:.2f} → {step.output_after:.2f}, loss {step.loss:.4f} → {step.loss_after:.4f}",
        "same step with the sign flipped (error = y − out, then subtract): "
        f"output {step.output:.2f} → {step.output_wrong_sign:.2f}, loss {step.loss:.4f} → {step.loss_wrong_sign:.4f}",
    ]
    return lines
