r"""An L-layer network of any depth, trained with mini-batches.

Layer $l$ computes $z^{(l)} = a^{(l-1)}W^{(l)} + b^{(l)}$ and $a^{(l)} = f(z^{(l)})$, with
$f$ = ReLU, tanh or sigmoid in the hidden layers. The output is either

* a **sigmoid** with binary cross-entropy (one or more independent yes/no outputs), or
* a **softmax** with categorical cross-entropy, fused and computed from the logits.

In both cases the error at the output's pre-activation simplifies to $\hat y - y$ divided by
the number of terms the loss averages: for $N$ examples and $K$ outputs,
$\delta^{(L)} = (\hat y - y)/(NK)$ for the sigmoid output (binary cross-entropy is a mean
over all $NK$ outputs) and $\delta^{(L)} = (\hat y - y)/N$ for the softmax output (a mean
over the $N$ examples). The backward recursion is
$\delta^{(l)} = \delta^{(l+1)}W^{(l+1)\top}\odot f'(z^{(l)})$,
$\partial L/\partial W^{(l)} = a^{(l-1)\top}\delta^{(l)}$,
$\partial L/\partial b^{(l)} = \sum_n \delta^{(l)}_n$.

The bias lives in each layer's ``b``; no column of ones is appended to the input (doing
both gives every first-layer unit two biases). Weights start with He initialisation for
ReLU and Glorot (Xavier) for sigmoid and tanh, which keep activations from shrinking or
growing with depth for those activations.

Examples:
    The sigmoid output's error, $N = 2$ examples and $K = 2$ outputs:

    >>> import numpy as np
    >>> from backprop.deep import DeepNetwork
    >>> net = DeepNetwork([2, 3, 2], hidden="tanh", output="sigmoid", rng=0)
    >>> x, y = np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> p = net.forward(x)
    >>> _, dp = net.loss(p, y)
    >>> delta = net.model.layers[-1].backward(dp)    # through the Sigmoid: δ at its input
    >>> np.allclose(delta, (p - y) / (2 * 2))
    True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from backprop._check import as_float_array, make_rng, plain_array, positive_int
from backprop._types import Array
from backprop.layers import Dense, Layer, ReLU, Sequential, Sigmoid, Tanh, Wrapper, softmax
from backprop.losses import binary_cross_entropy, softmax_cross_entropy
from backprop.optim import SGD, Adam, DivergenceError

__all__ = ["DeepNetwork"]

_HIDDEN = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


class DeepNetwork(Wrapper):
    r"""A fully connected network of any depth; a `Layer` itself (a `backprop.layers.Wrapper` of ``model``).

    ``model`` is the `Sequential` of `Dense` layers and activations; ``params``, ``grads``,
    ``forward`` and ``backward`` are those of ``model``.

    Forward: $z^{(l)} = a^{(l-1)}W^{(l)} + b^{(l)}$, $a^{(l)} = f(z^{(l)})$ layer by layer, from
    $a^{(0)} = x$ ``(N, n_inputs)``, to probabilities (sigmoid output) or logits (softmax
    output) ``(N, n_outputs)``.

    Backward, from $\partial L/\partial\,\text{output}$ ``(N, n_outputs)`` down:
    $\delta^{(l)} = \delta^{(l+1)}W^{(l+1)\top}\odot f'(z^{(l)})$, and each dense layer gets
    $\partial L/\partial W^{(l)} = a^{(l-1)\top}\delta^{(l)}$ and
    $\partial L/\partial b^{(l)} = \sum_n \delta^{(l)}_n$; it returns $\partial L/\partial x$ ``(N, n_inputs)``.

    Args:
        layer_sizes: ``[n_inputs, hidden_1, ..., hidden_k, n_outputs]`` (at least two entries).
        hidden: hidden activation, ``"relu"``, ``"tanh"`` or ``"sigmoid"``.
        output: ``"sigmoid"`` (binary cross-entropy; ``forward`` returns probabilities) or
            ``"softmax"`` (categorical cross-entropy; ``forward`` returns logits, see
            `predict_proba`).
        rng: seed or Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.deep import DeepNetwork
        >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
        >>> y = np.array([0, 1, 1, 0])
        >>> net = DeepNetwork([2, 8, 8, 2], hidden="tanh", output="softmax", rng=0)
        >>> losses = net.fit(x, y, epochs=300, batch_size=4, optimizer=bp.Adam(lr=0.05), rng=0)
        >>> net.predict(x).tolist(), net.accuracy(x, y)
        ([0, 1, 1, 0], 1.0)
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        *,
        hidden: Literal["relu", "tanh", "sigmoid"] = "relu",
        output: Literal["sigmoid", "softmax"] = "softmax",
        rng: np.random.Generator | int | None = None,
    ) -> None:
        if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
            raise TypeError(f"layer_sizes must be a sequence of ints, got {type(layer_sizes).__name__}")
        sizes = [positive_int(n, f"layer_sizes[{i}]") for i, n in enumerate(layer_sizes)]
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least an input and an output size, got {sizes}")
        if not isinstance(hidden, str):
            raise TypeError(f"hidden must be a str, one of {sorted(_HIDDEN)}, got {type(hidden).__name__} {hidden!r}")
        if hidden not in _HIDDEN:
            raise ValueError(f"hidden must be one of {sorted(_HIDDEN)}, got {hidden!r}")
        if not isinstance(output, str):
            raise TypeError(f"output must be a str, 'sigmoid' or 'softmax', got {type(output).__name__} {output!r}")
        if output not in ("sigmoid", "softmax"):
            raise ValueError(f"output must be 'sigmoid' or 'softmax', got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError(f"a softmax output needs at least 2 units, got {sizes[-1]}")
        self.hidden, self.output, self.sizes = hidden, output, sizes
        gen = make_rng(rng)
        init: Literal["he", "xavier"] = "he" if hidden == "relu" else "xavier"
        layers: list[Layer] = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            last = i == len(sizes) - 2
            layers.append(Dense(n_in, n_out, rng=gen, init="xavier" if last else init))
            if not last:
                layers.append(_HIDDEN[hidden]())
        if output == "sigmoid":
            layers.append(Sigmoid())
        self.model: Sequential = Sequential(*layers)

    @property
    def dense_layers(self) -> list[Dense]:
        """The dense layers, input to output."""
        return [layer for layer in self.model.layers if isinstance(layer, Dense)]

    def loss(self, out: Array, y: Array) -> tuple[float, Array]:
        """The output's loss on ``forward``'s result: binary or categorical cross-entropy."""
        if self.output == "sigmoid":
            return binary_cross_entropy(out, self._targets(y, out.shape))
        return softmax_cross_entropy(out, y)

    def _targets(self, y: Array, shape: tuple[int, ...]) -> Array:
        if isinstance(y, np.ndarray) and np.issubdtype(y.dtype, np.integer):
            y = y.astype(np.float64)
        y = as_float_array(y, "y", ndim=(1, 2))
        if y.ndim == 1:
            y = y[:, None]
        if y.shape != shape:
            raise ValueError(f"y must have shape {shape} (or ({shape[0]},) for one output), got {y.shape}")
        return y

    def predict_proba(self, x: Array) -> Array:
        """Class probabilities, shape ``(N, n_outputs)``."""
        out = self.forward(x)
        return softmax(out) if self.output == "softmax" else out

    def predict(self, x: Array) -> npt.NDArray[np.int64]:
        """Predicted labels: argmax for softmax, ``p > 0.5`` per output for sigmoid (as 0/1)."""
        p = self.predict_proba(x)
        if self.output == "softmax":
            idx: npt.NDArray[np.int64] = p.argmax(axis=1)
            return idx
        labels = (p > 0.5).astype(np.int64)
        return labels[:, 0] if labels.shape[1] == 1 else labels

    def accuracy(self, x: Array, y: npt.NDArray[Any]) -> float:
        """Fraction of correct predictions (``y`` as integer labels, or one-hot for softmax)."""
        y = plain_array(y, "y")
        pred = self.predict(x)
        if self.output == "softmax" and y.ndim == 2:
            y = y.argmax(axis=1)
        if self.output == "sigmoid" and y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != pred.shape:
            raise ValueError(f"y must have shape {pred.shape}, got {y.shape}")
        return float(np.mean(pred == y))

    def train_step(self, x: Array, y: Array, optimizer: SGD | Adam) -> float:
        """Forward, loss, backward and one optimizer step on one batch; returns the batch loss."""
        value, dout = self.loss(self.forward(x), y)
        self.backward(dout)
        try:
            optimizer.step(self)
        except DivergenceError as exc:
            exc.during(loss=value)
            raise
        return value

    def fit(
        self,
        x: Array,
        y: Array,
        *,
        epochs: int = 100,
        batch_size: int = 32,
        optimizer: SGD | Adam | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> list[float]:
        """Mini-batch training; the data is shuffled every epoch.

        Args:
            x: inputs ``(N, n_inputs)``.
            y: labels: ``(N,)`` ints or ``(N, C)`` one-hot for softmax; ``(N,)`` or
                ``(N, n_outputs)`` 0/1 values for sigmoid.
            epochs: passes over the data.
            batch_size: examples per update (the last batch may be smaller).
            optimizer: default ``Adam(lr=0.01)``.
            rng: seed or Generator for the shuffling.

        Returns:
            The mean batch loss of every epoch.

        Raises:
            DivergenceError: a step would have sent a parameter beyond ±1e100 (``lr`` too
                large); its ``epoch`` and ``loss`` say where.
        """
        x = as_float_array(x, "x", ndim=2)
        if not isinstance(y, np.ndarray):
            raise TypeError(f"y must be a numpy.ndarray with one row per row of x ({len(x)}), got {type(y).__name__}")
        y = plain_array(y, "y")
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(f"y must be an array with one row per row of x ({len(x)}), got shape {y.shape}")
        if optimizer is not None and not callable(getattr(optimizer, "step", None)):
            got = type(optimizer).__name__
            raise TypeError(f"optimizer must have a step(layer) method, like SGD or Adam, got {got}")
        epochs = positive_int(epochs, "epochs")
        batch_size = positive_int(batch_size, "batch_size")
        opt = optimizer if optimizer is not None else Adam(lr=0.01)
        gen = make_rng(rng)
        history: list[float] = []
        for epoch in range(1, epochs + 1):
            order = gen.permutation(len(x))
            losses: list[float] = []
            try:
                for batch in np.array_split(order, -(-len(x) // batch_size)):
                    losses.append(self.train_step(x[batch], y[batch], opt))
            except DivergenceError as exc:
                exc.during(epoch, losses[-1] if losses else history[-1] if history else None)
                raise
            history.append(float(np.mean(losses)))
        return history

    def __repr__(self) -> str:
        return f"DeepNetwork({self.sizes}, hidden={self.hidden!r}, output={self.output!r})"
