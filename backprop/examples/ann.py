r"""A small ANN worked end to end: one input, a 2-4-1 network, 1,000 steps to a prediction of 0.98.

The network is $x \to \text{Dense}(2,4) \to \tanh \to \text{Dense}(4,1) \to \sigma \to \hat y$, the
input is $x = [1, 0]$ and the target $y = 1$. The loss is the mean squared error
$L = (\hat y - y)^2$ (no ½; see `backprop.mse`), and plain gradient descent with learning
rate 0.25 runs for 1,000 steps. (With the ½ convention the same trajectory needs learning
rate 0.5.)

The initial weights are written out below, small (±0.1) and biases zero, so the first
forward and backward pass can be followed on paper; ``rng=`` (a seed or a Generator) draws
$\mathcal N(0,1)\times0.1$ weights instead, and those end at 0.98 too (seeds 0 to 4 in
`train_ann`'s example).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backprop._check import make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.layers import Dense, Sequential, Sigmoid, Tanh
from backprop.losses import mse
from backprop.optim import SGD, DivergenceError
from backprop.trace import Trace, trace

__all__ = ["ANN_W1", "ANN_W2", "ANN_X", "ANN_Y", "ANNResult", "build_ann", "first_pass", "train_ann"]

ANN_X: Array = np.array([[1.0, 0.0]])
"""The single training input."""
ANN_Y: Array = np.array([[1.0]])
"""Its target."""
ANN_W1: Array = np.array([[0.1, -0.1, 0.1, 0.0], [0.0, 0.1, -0.1, 0.1]])
"""Hand-written input → hidden weights, shape ``(2, 4)``."""
ANN_W2: Array = np.array([[0.1], [-0.1], [0.1], [0.0]])
"""Hand-written hidden → output weights, shape ``(4, 1)``."""


def build_ann(rng: np.random.Generator | int | None = None) -> Sequential:
    """The 2-4-1 tanh/sigmoid network: hand-written weights, or ``N(0,1) × 0.1`` ones drawn from ``rng``.

    Args:
        rng: None for the hand-written `ANN_W1`, `ANN_W2`; a seed or a Generator to draw
            the weights (first ``W1``, then ``W2``). The biases start at zero either way.

    Examples:
        >>> from backprop.examples.ann import ANN_X, build_ann
        >>> net = build_ann()
        >>> net
        Sequential(Dense(2, 4), Tanh(), Dense(4, 1), Sigmoid())
        >>> print(f"{net.forward(ANN_X)[0, 0]:.4f}")
        0.5075
    """
    if rng is None:
        W1, W2 = ANN_W1, ANN_W2
    else:
        gen = make_rng(rng)
        W1, W2 = gen.standard_normal((2, 4)) * 0.1, gen.standard_normal((4, 1)) * 0.1
    return Sequential(Dense.from_arrays(W1, np.zeros(4)), Tanh(), Dense.from_arrays(W2, np.zeros(1)), Sigmoid())


@dataclass
class ANNResult:
    """What `train_ann` records.

    Attributes:
        model: the trained network.
        prediction: its final output for `ANN_X`.
        losses: the loss before each step.
        grad_norms: per step, the Frobenius norm of $\\partial L/\\partial W$ of each dense layer.
        first_grads: $\\partial L/\\partial W$ of each dense layer at the first step.
        epochs: the number of gradient-descent steps.
        lr: the learning rate.

    Examples:
        >>> from backprop.examples.ann import train_ann
        >>> result = train_ann(epochs=10)
        >>> result.epochs, result.lr, len(result.losses), [g.shape for g in result.first_grads]
        (10, 0.25, 10, [(2, 4), (4, 1)])
        >>> print(f"loss {result.losses[0]:.4f} → {result.losses[-1]:.4f}, prediction {result.prediction:.4f}")
        loss 0.2426 → 0.1289, prediction 0.6533
        >>> print(" ".join(f"{n:.4f}" for n in result.grad_norms[0]))     # ‖∂L/∂W‖ of both layers, first step
        0.0422 0.0425
    """

    model: Sequential
    prediction: float
    epochs: int
    lr: float
    losses: list[float] = field(default_factory=list)
    grad_norms: list[tuple[float, float]] = field(default_factory=list)
    first_grads: list[Array] = field(default_factory=list)


def train_ann(*, rng: np.random.Generator | int | None = None, epochs: int = 1000, lr: float = 0.25) -> ANNResult:
    """Train `build_ann` on (`ANN_X`, `ANN_Y`) with MSE and plain gradient descent.

    Args:
        rng: initial weights: None for the hand-written ones, else a seed or a Generator
            (see `build_ann`).
        epochs: gradient-descent steps.
        lr: learning rate.

    Examples:
        >>> from backprop.examples.ann import train_ann
        >>> result = train_ann()
        >>> print(f"ANN → Final Prediction: {result.prediction:.2f}")
        ANN → Final Prediction: 0.98
        >>> print(f"{result.prediction:.4f}")
        0.9819
        >>> print(f"{result.losses[0]:.4f} → {result.losses[-1]:.6f}")
        0.2426 → 0.000329
        >>> [f"{train_ann(rng=seed).prediction:.2f}" for seed in range(5)]    # random initial weights
        ['0.98', '0.98', '0.98', '0.98', '0.98']
    """
    epochs = positive_int(epochs, "epochs")
    lr = positive_float(lr, "lr")
    opt = SGD(lr)
    net = build_ann(rng)
    result = ANNResult(model=net, prediction=float("nan"), epochs=epochs, lr=lr)
    for step in range(epochs):
        try:
            loss, dpred = mse(net.forward(ANN_X), ANN_Y)
            net.backward(dpred)
            dW1, dW2 = net.grads["0.W"], net.grads["2.W"]
            if step == 0:
                result.first_grads = [dW1.copy(), dW2.copy()]
            result.losses.append(loss)
            result.grad_norms.append((float(np.linalg.norm(dW1)), float(np.linalg.norm(dW2))))
            opt.step(net)
        except DivergenceError as exc:
            exc.during(step + 1, result.losses[-1] if result.losses else None)
            raise
    result.prediction = float(net.forward(ANN_X)[0, 0])
    return result


def first_pass(rng: np.random.Generator | int | None = None) -> Trace:
    """The chain rule with numbers: the first forward/backward pass of the untrained network.

    Args:
        rng: initial weights, as for `build_ann` (None: the hand-written ones).

    Examples:
        >>> from backprop.examples.ann import first_pass
        >>> print(first_pass().to_text())
        loss L = 0.2426
        ∂L/∂ŷ = [-0.9851]
        layer 1: Dense(2, 4) → Tanh
          input x             [1.0000, 0.0000]
          z (pre-activation)  [0.1000, -0.1000, 0.1000, 0.0000]
          a = f(z)            [0.0997, -0.0997, 0.0997, 0.0000]
          ∂L/∂a (upstream)    [-0.0246, 0.0246, -0.0246, 0.0000]
          δ = ∂L/∂z           [-0.0244, 0.0244, -0.0244, 0.0000]
          ∂L/∂W               [[-0.0244, 0.0244, -0.0244, 0.0000], [0.0000, 0.0000, 0.0000, 0.0000]]
          ∂L/∂b               [-0.0244, 0.0244, -0.0244, 0.0000]
        layer 2: Dense(4, 1) → Sigmoid
          input x             [0.0997, -0.0997, 0.0997, 0.0000]
          z (pre-activation)  [0.0299]
          a = f(z)            [0.5075]
          ∂L/∂a (upstream)    [-0.9851]
          δ = ∂L/∂z           [-0.2462]
          ∂L/∂W               [[-0.0245], [0.0245], [-0.0245], [0.0000]]
          ∂L/∂b               [-0.2462]
    """
    return trace(build_ann(rng), ANN_X, ANN_Y, mse)

