r"""A two-layer network class trained on XOR, and why tiny initial weights stall it.

`TwoLayerNet` is input → sigmoid hidden layer → sigmoid output. With the
binary cross-entropy loss the output error simplifies to $\delta_2 = (\hat y - y)/m$, with
$m$ the number of entries of $\hat y$ (the loss is their mean; on XOR, the 4 examples of one
output), because the sigmoid's derivative cancels; the hidden error is
$\delta_1 = \delta_2 W_2^\top \odot a_1(1 - a_1)$.

**The 0.25 plateau.** Started from weights drawn $\times 0.01$, every hidden unit computes
almost the same value $\approx 0.5$ for every input, the output is $\approx 0.5$ for all four
XOR inputs, and the mean squared error is $0.25$. The gradient reaching $W_1$ is
proportional to $W_2$, which is tiny, and XOR's targets cancel each other's pull on the
output: the network sits near a saddle point and, with learning rate 0.1, does not leave it
within 1,000 epochs. Larger initial weights (scale 1.0, with learning rate 1.0) break the
symmetry and converge (`train_xor` prints both).
"""

from __future__ import annotations

import argparse
import itertools
from typing import Literal, NamedTuple

import numpy as np

from backprop._check import as_float_array, make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.layers import Dense, Layer, Sequential, Sigmoid
from backprop.losses import binary_cross_entropy, mse

__all__ = ["XOR_X", "XOR_Y", "LogEntry", "TwoLayerNet", "train_xor"]

XOR_X: Array = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
"""The four XOR inputs."""
XOR_Y: Array = np.array([[0], [1], [1], [0]], dtype=np.float64)
"""The XOR targets."""


class LogEntry(NamedTuple):
    """One line of a training log: the loss that is optimised and the MSE, before that epoch's update."""

    epoch: int
    loss: float
    mse: float


class TwoLayerNet:
    r"""Input → sigmoid hidden → sigmoid output, trained by full-batch gradient descent.

    A `Layer` itself (``params``, ``grads``, ``forward``, ``backward``), so
    `backprop.check_model` can check it.

    Args:
        input_size: number of inputs.
        hidden_size: number of hidden units.
        output_size: number of outputs.
        init_scale: weights are drawn from $\mathcal N(0, 1)$ times this; biases start at 0.
        loss: ``"bce"`` (binary cross-entropy, the natural pair of a sigmoid output) or ``"mse"``.
            The loss that is optimised is the loss that is reported.
        rng: seed or Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import XOR_X, XOR_Y, TwoLayerNet
        >>> net = TwoLayerNet(2, 4, 1, init_scale=1.0, rng=0)
        >>> log = net.train(XOR_X, XOR_Y, epochs=1000, lr=1.0)
        >>> [f"{e.mse:.4f}" for e in log[::3]]
        ['0.3430', '0.1871', '0.0043', '0.0007']
        >>> np.round(net.forward(XOR_X)[:, 0], 2).tolist()
        [0.0, 0.98, 0.98, 0.03]
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        init_scale: float = 1.0,
        loss: Literal["bce", "mse"] = "bce",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        sizes = [positive_int(s, n) for s, n in ((input_size, "input_size"), (hidden_size, "hidden_size"),
                                                  (output_size, "output_size"))]
        scale = positive_float(init_scale, "init_scale")
        if loss not in ("bce", "mse"):
            raise ValueError(f"loss must be 'bce' or 'mse', got {loss!r}")
        self.loss_name = loss
        gen = make_rng(rng)
        layers: list[Layer] = []
        for n_in, n_out in itertools.pairwise(sizes):
            layers += [Dense.from_arrays(gen.standard_normal((n_in, n_out)) * scale, np.zeros(n_out)), Sigmoid()]
        self.model = Sequential(*layers)

    @property
    def params(self) -> dict[str, Array]:
        """``W1``, ``b1``, ``W2``, ``b2`` under the model's keys ``0.W``, ``0.b``, ``2.W``, ``2.b``."""
        return self.model.params

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients of the last ``backward``, keyed like ``params``."""
        return self.model.grads

    def forward(self, x: Array) -> Array:
        r"""$a_1 = \sigma(x W_1 + b_1)$, $\hat y = \sigma(a_1 W_2 + b_2)$.

        Args:
            x: inputs, ``(N, input_size)``.

        Returns:
            $\hat y$, the predicted probabilities, ``(N, output_size)``.
        """
        return self.model.forward(x)

    def backward(self, dout: Array) -> Array:
        r"""Backpropagate through both layers: fill ``grads`` and return $\partial L/\partial x$.

        $\delta_2 = \partial L/\partial\hat y \odot \hat y(1 - \hat y)$ and
        $\delta_1 = \delta_2 W_2^\top \odot a_1(1 - a_1)$; ``grads`` get
        $\partial L/\partial W_2 = a_1^\top\delta_2$, $\partial L/\partial b_2 = \sum_n \delta_2$,
        $\partial L/\partial W_1 = x^\top\delta_1$ and $\partial L/\partial b_1 = \sum_n \delta_1$.

        Args:
            dout: $\partial L/\partial\hat y$, ``(N, output_size)``.

        Returns:
            $\partial L/\partial x = \delta_1 W_1^\top$, ``(N, input_size)``.
        """
        return self.model.backward(dout)

    def loss(self, pred: Array, y: Array) -> tuple[float, Array]:
        """The chosen loss and its gradient (see `backprop.binary_cross_entropy`, `backprop.mse`)."""
        return binary_cross_entropy(pred, y) if self.loss_name == "bce" else mse(pred, y)

    def train_step(self, x: Array, y: Array, lr: float) -> LogEntry:
        """One forward pass, one backward pass, one descent step; returns the losses before the step."""
        pred = self.forward(x)
        value, dpred = self.loss(pred, y)
        self.backward(dpred)
        for k, p in self.params.items():
            p -= lr * self.grads[k]
        return LogEntry(0, value, mse(pred, y)[0])

    def train(self, x: Array, y: Array, *, epochs: int = 1000, lr: float = 1.0, log_every: int = 100) -> list[LogEntry]:
        """Full-batch gradient descent; returns a `LogEntry` every ``log_every`` epochs.

        Args:
            x: inputs ``(N, input_size)``.
            y: targets in ``[0, 1]``, ``(N, output_size)``.
            epochs: number of updates.
            lr: learning rate.
            log_every: logging interval in epochs.
        """
        x = as_float_array(x, "x", ndim=2)
        y = as_float_array(y, "y", ndim=2)
        if y.shape[0] != x.shape[0]:
            raise ValueError(f"y must have one row per row of x ({x.shape[0]}), got {y.shape[0]}")
        epochs = positive_int(epochs, "epochs")
        lr = positive_float(lr, "lr")
        log_every = positive_int(log_every, "log_every")
        log = []
        for epoch in range(epochs):
            entry = self.train_step(x, y, lr)
            if epoch % log_every == 0:
                log.append(entry._replace(epoch=epoch))
        return log


def train_xor(
    *, init_scale: float = 1.0, lr: float = 1.0, epochs: int = 1000, hidden: int = 4, seed: int = 0
) -> tuple[TwoLayerNet, list[LogEntry]]:
    """Train a `TwoLayerNet` (binary cross-entropy) on XOR.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import XOR_X, train_xor
        >>> net, log = train_xor(init_scale=0.01, lr=0.1)   # tiny weights: stuck on the plateau
        >>> f"{log[-1].mse:.4f}", np.round(net.forward(XOR_X)[:, 0], 2).tolist()
        ('0.2500', [0.5, 0.5, 0.5, 0.5])
        >>> hidden = net.model[1].forward(net.model[0].forward(XOR_X))    # (4 inputs, 4 units)
        >>> np.round(hidden, 2).tolist()
        [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]
        >>> _, log = train_xor(init_scale=1.0, lr=1.0)
        >>> log[-1].mse < 0.01
        True
    """
    net = TwoLayerNet(2, hidden, 1, init_scale=init_scale, rng=seed)
    return net, net.train(XOR_X, XOR_Y, epochs=epochs, lr=lr)


HELP = "a two-layer network class learns XOR; tiny initial weights stall on the 0.25 plateau"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the initial weight scale, learning rate, epochs and hidden width."""
    parser.add_argument("--init-scale", type=float, default=1.0, help="initial weight scale (default: 1.0)")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate (default: 1.0)")
    parser.add_argument("--epochs", type=int, default=1000, help="training epochs (default: 1000)")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default: 4)")


def run(args: argparse.Namespace) -> int:
    """Train, print the loss every 100 epochs and the predictions, then contrast the tiny-init setting."""
    seed = 0 if args.seed is None else args.seed
    net, log = train_xor(init_scale=args.init_scale, lr=args.lr, epochs=args.epochs, hidden=args.hidden, seed=seed)
    print(f"XOR, 2-{args.hidden}-1 sigmoid net, init ×{args.init_scale}, lr {args.lr}, binary cross-entropy")
    for e in log:
        print(f"Epoch {e.epoch:>5}  BCE {e.loss:.4f}  MSE {e.mse:.4f}")
    print("Predictions:")
    for xi, p, yi in zip(XOR_X, net.forward(XOR_X)[:, 0], XOR_Y[:, 0], strict=True):
        print(f"  input {xi.astype(int).tolist()} -> {p:.4f}  (target {int(yi)})")
    if (args.init_scale, args.lr) != (0.01, 0.1):
        _, tiny = train_xor(init_scale=0.01, lr=0.1, epochs=args.epochs, hidden=args.hidden, seed=seed)
        print(f"With init ×0.01 and lr 0.1 instead: MSE {tiny[0].mse:.4f} → {tiny[-1].mse:.4f}"
              " (stuck at the 0.25 saddle: every output ≈ 0.5)")
    if args.plot:
        from backprop.plots import save
        from backprop.plots.xor import xor_loss_curves

        save(xor_loss_curves(), args.plot)
    return 0
