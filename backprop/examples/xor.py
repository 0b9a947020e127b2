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
symmetry and converge (`train_xor` runs either).

`train_many` trains a stack of such networks at once, one per seed (`initial_weights`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np

from backprop._check import as_float_array, check_shape, make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.layers import Dense, Layer, Sequential, Sigmoid, Wrapper, sigmoid
from backprop.losses import binary_cross_entropy, mse
from backprop.optim import SGD, DivergenceError

__all__ = [
    "XOR_X",
    "XOR_Y",
    "LogEntry",
    "StackedRuns",
    "TwoLayerNet",
    "XORResult",
    "initial_weights",
    "train_many",
    "train_xor",
]

XOR_X: Array = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
"""The four XOR inputs."""
XOR_Y: Array = np.array([[0], [1], [1], [0]], dtype=np.float64)
"""The XOR targets."""


class LogEntry(NamedTuple):
    """One line of a training log: the loss that is optimised and the MSE, before that epoch's update.

    Examples:
        >>> from backprop.examples.xor import XOR_X, XOR_Y, TwoLayerNet
        >>> entry = TwoLayerNet(2, 4, 1, rng=0).train(XOR_X, XOR_Y, epochs=1)[0]
        >>> entry._fields
        ('epoch', 'loss', 'mse')
        >>> print(f"epoch {entry.epoch}: loss {entry.loss:.4f}, mse {entry.mse:.4f}")
        epoch 0: loss 0.9258, mse 0.3430
    """

    epoch: int
    loss: float
    mse: float


class TwoLayerNet(Wrapper):
    r"""Input → sigmoid hidden → sigmoid output, trained by full-batch gradient descent.

    A `Layer` itself (``params``, ``grads``, ``forward``, ``backward`` come from
    `backprop.layers.Wrapper`, handed on to ``self.model``), so `backprop.check_model` can
    check it. The parameters are ``W1``, ``b1``, ``W2``, ``b2`` under the model's keys
    ``0.W``, ``0.b``, ``2.W``, ``2.b``.

    The forward pass is $a_1 = \sigma(x W_1 + b_1)$, $\hat y = \sigma(a_1 W_2 + b_2)$. The
    backward pass, from $\partial L/\partial\hat y$, computes
    $\delta_2 = \partial L/\partial\hat y \odot \hat y(1 - \hat y)$ and
    $\delta_1 = \delta_2 W_2^\top \odot a_1(1 - a_1)$, and the gradients
    $\partial L/\partial W_2 = a_1^\top\delta_2$, $\partial L/\partial b_2 = \sum_n \delta_2$,
    $\partial L/\partial W_1 = x^\top\delta_1$, $\partial L/\partial b_1 = \sum_n \delta_1$.

    Args:
        input_size: number of inputs.
        hidden_size: number of hidden units.
        output_size: number of outputs.
        init_scale: weights are drawn from $\mathcal N(0, 1)$ times this; biases start at 0.
        loss: ``"bce"`` (binary cross-entropy, the natural pair of a sigmoid output) or ``"mse"``.
            The loss that is optimised is the loss that is reported.
        rng: seed or Generator for the initial weights.

    Attributes:
        model: the `Sequential` of ``Dense``, ``Sigmoid``, ``Dense``, ``Sigmoid``.
        loss_name: ``"bce"`` or ``"mse"``.

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

    model: Sequential

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
        self._descent = SGD(1.0)  # plain gradient descent, its steps counted across train_step calls

    def loss(self, pred: Array, y: Array) -> tuple[float, Array]:
        """The chosen loss and its gradient (see `backprop.binary_cross_entropy`, `backprop.mse`)."""
        return binary_cross_entropy(pred, y) if self.loss_name == "bce" else mse(pred, y)

    def train_step(self, x: Array, y: Array, lr: float) -> LogEntry:
        """One forward pass, one backward pass, one descent step; returns the losses before the step."""
        pred = self.forward(x)
        value, dpred = self.loss(pred, y)
        self.backward(dpred)
        self._descent.lr = positive_float(lr, "lr")
        try:
            self._descent.step(self)  # θ ← θ − lr·∂L/∂θ for every parameter
        except DivergenceError as exc:
            exc.during(loss=value)
            raise
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
            try:
                entry = self.train_step(x, y, lr)
            except DivergenceError as exc:
                exc.during(epoch + 1)
                raise
            if epoch % log_every == 0:
                log.append(entry._replace(epoch=epoch))
        return log


@dataclass
class XORResult:
    """What `train_xor` records.

    Attributes:
        net: the trained network.
        log: a `LogEntry` every ``log_every`` epochs (epochs 0, 100, ..., 900 by default).
        mse: the mean squared error before every epoch's update.
        init_scale: the initial weight scale.
        lr: the learning rate.
        epochs: the number of updates.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import train_xor
        >>> result = train_xor(epochs=300)
        >>> result.init_scale, result.lr, result.epochs, len(result.mse), [e.epoch for e in result.log]
        (1.0, 1.0, 300, 300, [0, 100, 200])
        >>> np.round(result.predictions, 2).tolist()
        [0.29, 0.53, 0.64, 0.56]
    """

    net: TwoLayerNet
    init_scale: float
    lr: float
    epochs: int
    log: list[LogEntry] = field(default_factory=list)
    mse: list[float] = field(default_factory=list)

    @property
    def predictions(self) -> Array:
        """The trained network's outputs on `XOR_X`, shape ``(4,)``."""
        return self.net.forward(XOR_X)[:, 0]

    @property
    def final_mse(self) -> float:
        """The mean squared error after the last update (``log`` and ``mse`` stop before it).

        Examples:
            >>> from backprop.examples.xor import train_xor
            >>> result = train_xor()
            >>> print(f"epoch {result.log[-1].epoch}: {result.log[-1].mse:.4f}; final: {result.final_mse:.4f}")
            epoch 900: 0.0007; final: 0.0005
        """
        return float(np.mean((self.predictions - XOR_Y[:, 0]) ** 2))


def train_xor(
    *,
    init_scale: float = 1.0,
    lr: float = 1.0,
    epochs: int = 1000,
    hidden: int = 4,
    log_every: int = 100,
    rng: np.random.Generator | int | None = 0,
) -> XORResult:
    """Train a `TwoLayerNet` (binary cross-entropy) on XOR.

    Args:
        init_scale: initial weights are $\\mathcal N(0, 1)$ times this.
        lr: learning rate.
        epochs: number of full-batch updates.
        hidden: hidden units.
        log_every: interval of the `LogEntry` records in ``log``.
        rng: seed or Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import XOR_X, train_xor
        >>> stuck = train_xor(init_scale=0.01, lr=0.1)   # tiny weights: stuck on the plateau
        >>> f"{stuck.log[-1].mse:.4f}", np.round(stuck.predictions, 2).tolist()
        ('0.2500', [0.5, 0.5, 0.5, 0.5])
        >>> net = stuck.net
        >>> hidden = net.model[1].forward(net.model[0].forward(XOR_X))    # (4 inputs, 4 units)
        >>> np.round(hidden, 2).tolist()
        [[0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5], [0.5, 0.5, 0.5, 0.5]]
        >>> result = train_xor(init_scale=1.0, lr=1.0)
        >>> [e.epoch for e in result.log][-3:], len(result.mse), result.log[-1].mse < 0.01
        ([700, 800, 900], 1000, True)
    """
    log_every = positive_int(log_every, "log_every")
    net = TwoLayerNet(2, hidden, 1, init_scale=init_scale, rng=rng)
    history = net.train(XOR_X, XOR_Y, epochs=epochs, lr=lr, log_every=1)
    return XORResult(
        net=net, init_scale=float(init_scale), lr=float(lr), epochs=len(history),
        log=history[::log_every], mse=[e.mse for e in history],
    )


def initial_weights(
    scale: float, seeds: Iterable[int], *, hidden: int = 4, legacy: bool = False
) -> tuple[Array, Array]:
    """The initial weights of one `TwoLayerNet` per seed, stacked: ``W1`` ``(S, 2, hidden)``, ``W2`` ``(S, hidden, 1)``.

    Each seed's weights are drawn as `TwoLayerNet` draws them (first ``W1``, then ``W2``,
    from $\\mathcal N(0, 1)$, times ``scale``), from ``np.random.default_rng(seed)``, or with
    ``legacy=True`` from ``np.random.RandomState(seed)``, the generator ``np.random.randn`` uses.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import TwoLayerNet, initial_weights
        >>> W1, W2 = initial_weights(0.5, range(3))
        >>> W1.shape, W2.shape
        ((3, 2, 4), (3, 4, 1))
        >>> np.array_equal(W2[2], TwoLayerNet(2, 4, 1, init_scale=0.5, rng=2).params["2.W"])
        True
    """
    scale = positive_float(scale, "scale")
    hidden = positive_int(hidden, "hidden")
    gens = [np.random.RandomState(s) if legacy else np.random.default_rng(s) for s in seeds]
    draws = [(g.standard_normal((2, hidden)), g.standard_normal((hidden, 1))) for g in gens]
    if not draws:
        raise ValueError("seeds must hold at least one seed")
    return scale * np.array([w1 for w1, _ in draws]), scale * np.array([w2 for _, w2 in draws])


@dataclass
class StackedRuns:
    """What `train_many` records for its $S$ networks.

    Attributes:
        mse: the MSE of each network before every epoch's update, ``(epochs, S)``.
        output: each trained network's outputs on `XOR_X`, ``(S, 4, 1)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import initial_weights, train_many
        >>> runs = train_many(*initial_weights(1.0, range(3)), lr=1.0, epochs=300)
        >>> runs.mse.shape, runs.output.shape
        ((300, 3), (3, 4, 1))
        >>> np.round(runs.final_mse, 4).tolist(), runs.learned.tolist()
        ([0.1871, 0.151, 0.0058], [False, False, True])
    """

    mse: Array
    output: Array

    @property
    def final_mse(self) -> Array:
        """Each network's MSE after training, ``(S,)``."""
        final: Array = np.mean((self.output - XOR_Y) ** 2, axis=(1, 2))
        return final

    @property
    def learned(self) -> Array:
        """Whether each network has learned XOR (all four outputs on the right side of 0.5), ``(S,)``."""
        ok: Array = np.all((self.output > 0.5) == (XOR_Y > 0.5), axis=(1, 2))
        return ok


def train_many(W1: Array, W2: Array, lr: float, epochs: int = 1000) -> StackedRuns:
    r"""Gradient descent on binary cross-entropy for $S$ `TwoLayerNet` networks on XOR at once.

    The weights of the $S$ networks are stacked along a first axis, so every matrix product
    of `TwoLayerNet`'s training loop runs for all of them at once; the biases start at
    zero. The output delta is $\delta_2 = (\hat y - y)/4$ (sigmoid and cross-entropy
    cancel), the hidden one $\delta_1 = \delta_2 W_2^\top \odot a_1(1 - a_1)$.

    Args:
        W1: initial input → hidden weights, ``(S, 2, H)`` (see `initial_weights`).
        W2: initial hidden → output weights, ``(S, H, 1)``. Neither is changed.
        lr: learning rate.
        epochs: number of full-batch updates.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.xor import XOR_X, initial_weights, train_many, train_xor
        >>> runs = train_many(*initial_weights(1.0, range(3)), lr=1.0, epochs=300)
        >>> runs.mse.shape, runs.output.shape
        ((300, 3), (3, 4, 1))
        >>> single = train_xor(init_scale=1.0, lr=1.0, epochs=300, rng=1)    # seed 1, on its own
        >>> bool(np.allclose(runs.output[1, :, 0], single.predictions))
        True
    """
    W1 = as_float_array(W1, "W1", ndim=3).copy()
    W2 = as_float_array(W2, "W2", ndim=3).copy()
    S, H = W1.shape[0], W1.shape[2]
    check_shape(W1, "W1", (None, 2, None))
    check_shape(W2, "W2", (S, H, 1))
    lr = positive_float(lr, "lr")
    epochs = positive_int(epochs, "epochs")
    b1, b2 = np.zeros((S, 1, H)), np.zeros((S, 1, 1))
    history = np.empty((epochs, S))
    for epoch in range(epochs):
        a1 = sigmoid(XOR_X @ W1 + b1)                                # (S, 4, H)
        out = sigmoid(a1 @ W2 + b2)                                  # (S, 4, 1)
        history[epoch] = np.mean((out - XOR_Y) ** 2, axis=(1, 2))
        delta2 = (out - XOR_Y) / len(XOR_X)
        delta1 = (delta2 @ W2.transpose(0, 2, 1)) * a1 * (1 - a1)
        W2 -= lr * a1.transpose(0, 2, 1) @ delta2
        b2 -= lr * delta2.sum(axis=1, keepdims=True)
        W1 -= lr * XOR_X.T @ delta1
        b1 -= lr * delta1.sum(axis=1, keepdims=True)
    return StackedRuns(mse=history, output=sigmoid(sigmoid(XOR_X @ W1 + b1) @ W2 + b2))
