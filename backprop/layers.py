r"""Layers: each one's forward pass and backward pass side by side.

Conventions (the same on every page of the tutorial):

* Row vectors, batch first: a batch of ``N`` inputs with ``D`` features is an
  ``(N, D)`` array and a dense layer computes $z = xW + b$ with ``W`` of shape
  ``(D, M)`` and ``b`` of shape ``(M,)``. Written per neuron this is the
  textbook $z_i = \sum_j w_{ji} x_j + b_i$ followed by $a_i = f(z_i)$.
* ``forward(x)`` caches what the backward pass needs and returns the output.
* ``backward(dout)`` receives $\partial L/\partial\,\text{output}$, stores
  $\partial L/\partial\theta$ for every parameter in ``grads`` and returns
  $\partial L/\partial x$. It never updates parameters: an optimizer does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from backprop._check import (
    DivergenceError,
    MagnitudeError,
    as_float_array,
    check_shape,
    in_range,
    make_rng,
    positive_int,
    require_forward,
)
from backprop._types import Array
from backprop.activations import LeakyReLU as LeakyReLU  # re-exported: the activation layers used to live here
from backprop.activations import ReLU as ReLU
from backprop.activations import Sigmoid as Sigmoid
from backprop.activations import Softmax as Softmax
from backprop.activations import Tanh as Tanh
from backprop.activations import sigmoid as sigmoid
from backprop.activations import softmax as softmax

__all__ = ["Dense", "Layer", "Sequential", "Wrapper", "as_layer"]


@runtime_checkable
class Layer(Protocol):
    """What every layer (and every stack of layers) provides.

    Attributes:
        params: the trainable arrays by name; optimizers update them in place.
        grads: $\\partial L/\\partial$ each parameter, same keys and shapes as ``params``,
            written by the last ``backward`` call.

    Examples:
        >>> import backprop as bp
        >>> isinstance(bp.Dense(2, 3, rng=0), bp.Layer)
        True
    """

    @property
    def params(self) -> dict[str, Array]:
        """The trainable arrays by name."""
        ...

    @property
    def grads(self) -> dict[str, Array]:
        """dL/d(each parameter), filled by ``backward``."""
        ...

    def forward(self, x: Array) -> Array:
        """Compute the output for input ``x`` and cache what ``backward`` needs.

        Args:
            x: a batch of inputs, batch axis first.

        Returns:
            The output, batch axis first.
        """
        ...

    def backward(self, dout: Array) -> Array:
        """Given dL/d(output), fill ``grads`` and return dL/dx.

        Args:
            dout: dL/d(output), the shape of the last ``forward``'s output.

        Returns:
            dL/dx, the shape of the last ``forward``'s input.
        """
        ...


def as_layer(obj: object, name: str) -> Layer:
    """Return ``obj`` if it is a layer instance (params, grads, forward and backward), else raise ``TypeError``.

    A layer *class* passed where an instance belongs is named in the message, with the call
    that was probably meant: ``bp.Sequential`` itself looks like a layer to ``isinstance``,
    because its ``params`` and ``grads`` are properties of the class.

    Args:
        obj: the value to check.
        name: how the value is called in the error message.

    Returns:
        ``obj``, typed as a `Layer`.

    Raises:
        TypeError: ``obj`` is a class, or lacks one of the four parts of a layer.

    Examples:
        >>> import backprop as bp
        >>> from backprop.layers import as_layer
        >>> as_layer(bp.Tanh(), "layer")
        Tanh()
        >>> as_layer(bp.Sequential, "layer")
        Traceback (most recent call last):
        ...
        TypeError: layer must be a layer instance, got the class Sequential (call it: Sequential(...))
        >>> as_layer(3, "layer")
        Traceback (most recent call last):
        ...
        TypeError: layer must provide params, grads, forward and backward, got int
    """
    if isinstance(obj, type):
        if callable(getattr(obj, "forward", None)) and callable(getattr(obj, "backward", None)):
            raise TypeError(
                f"{name} must be a layer instance, got the class {obj.__name__} (call it: {obj.__name__}(...))"
            )
        raise TypeError(f"{name} must provide params, grads, forward and backward, got the class {obj.__name__}")
    if not isinstance(obj, Layer):
        raise TypeError(f"{name} must provide params, grads, forward and backward, got {type(obj).__name__}")
    return obj


class Dense:
    r"""Fully connected layer: $z = xW + b$.

    Backward, for upstream gradient $\delta = \partial L/\partial z$ of shape ``(N, M)``:
    $\partial L/\partial W = x^\top\delta$, $\partial L/\partial b = \sum_n \delta_n$,
    $\partial L/\partial x = \delta W^\top$.

    Args:
        n_in: number of input features ``D``.
        n_out: number of output features ``M``.
        rng: seed or ``numpy.random.Generator`` for the initial weights
            (None: a fresh unseeded generator).
        init: ``"xavier"`` (Glorot uniform, $U(\pm\sqrt{6/(D+M)})$, for sigmoid/tanh)
            or ``"he"`` ($\mathcal N(0, 2/D)$, for ReLU). Biases start at zero.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> layer = bp.Dense.from_arrays(np.array([[1.0, -1.0], [0.5, 2.0]]), np.array([0.0, 1.0]))
        >>> layer.forward(np.array([[1.0, 1.0]])).tolist()
        [[1.5, 2.0]]
        >>> layer.backward(np.array([[1.0, 0.0]])).tolist()
        [[1.0, 0.5]]
        >>> layer.grads["W"].tolist(), layer.grads["b"].tolist()
        ([[1.0, 0.0], [1.0, 0.0]], [1.0, 0.0])
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        rng: np.random.Generator | int | None = None,
        init: Literal["xavier", "he"] = "xavier",
    ) -> None:
        n_in = positive_int(n_in, "n_in")
        n_out = positive_int(n_out, "n_out")
        gen = make_rng(rng)
        if init == "xavier":
            limit = np.sqrt(6.0 / (n_in + n_out))
            w = gen.uniform(-limit, limit, size=(n_in, n_out))
        elif init == "he":
            w = gen.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        else:
            raise ValueError(f"init must be 'xavier' or 'he', got {init!r}")
        self.params: dict[str, Array] = {"W": w, "b": np.zeros(n_out)}
        self.grads: dict[str, Array] = {"W": np.zeros_like(w), "b": np.zeros(n_out)}
        self._x: Array | None = None

    @classmethod
    def from_arrays(cls, W: Array, b: Array) -> Dense:
        """Build a layer with the given weights ``W`` (``(D, M)``) and bias ``b`` (``(M,)``).

        The arrays are copied. This is how the worked examples set hand-written weights.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> bp.Dense.from_arrays(np.ones((3, 2)), np.zeros(2)).params["W"].shape
            (3, 2)
        """
        W = as_float_array(W, "W", ndim=2)
        b = as_float_array(b, "b", ndim=1)
        check_shape(b, "b", (W.shape[1],))
        layer = cls(W.shape[0], W.shape[1], rng=0)
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        return layer

    @property
    def n_in(self) -> int:
        """Number of input features."""
        return int(self.params["W"].shape[0])

    @property
    def n_out(self) -> int:
        """Number of output features."""
        return int(self.params["W"].shape[1])

    def forward(self, x: Array) -> Array:
        r"""$z = xW + b$; keeps $x$ for `backward`.

        Args:
            x: inputs, ``(N, D)``.

        Returns:
            $z$, ``(N, M)``.
        """
        x = as_float_array(x, "x", ndim=2)
        check_shape(x, "x", (None, self.n_in))
        self._x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, dout: Array) -> Array:
        r"""Fill ``grads`` and return $\partial L/\partial x$, for $\delta = \partial L/\partial z$.

        $\partial L/\partial W = x^\top\delta$ ``(D, M)``, $\partial L/\partial b = \sum_n \delta_n$ ``(M,)``,
        $\partial L/\partial x = \delta W^\top$.

        Args:
            dout: $\delta$, ``(N, M)``.

        Returns:
            $\partial L/\partial x$, ``(N, D)``.
        """
        x = require_forward(self._x, type(self).__name__)
        dout = as_float_array(dout, "dout", ndim=2)
        check_shape(dout, "dout", (x.shape[0], self.n_out))
        self.grads["W"] = x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        dx: Array = dout @ self.params["W"].T
        return dx

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out})"


def _positions(layer: Layer, path: str) -> Iterator[tuple[str, Layer]]:
    """``layer`` at ``path``, then every layer inside it (through nested Sequential and Wrapper models)."""
    yield path, layer
    if isinstance(layer, Sequential):
        for i, child in enumerate(layer.layers):
            yield from _positions(child, f"{path}.{i}")
    elif isinstance(layer, Wrapper):
        yield from _positions(layer.model, path)


def _reject_reuse(layers: tuple[Layer, ...]) -> None:
    """Raise ``ValueError`` if one layer object appears at two positions of a stack, at any depth.

    A layer caches its forward input for its backward pass, so a second use overwrites the
    first's cache, and its ``grads`` would hold one use's gradient instead of their sum.
    """
    seen: dict[int, str] = {}
    for i, layer in enumerate(layers):
        for path, obj in _positions(layer, str(i)):
            first = seen.setdefault(id(obj), path)
            if first != path:
                raise ValueError(
                    f"the same layer object {obj!r} appears at positions {first} and {path}: its second forward "
                    "would overwrite the cache of the first, giving wrong gradients; give each position its own "
                    "layer (a weight shared between positions needs its own layer type whose gradient is the "
                    "sum over its uses)"
                )


def _overflow(layers: Sequence[Layer], i: int, what: str, largest: float) -> DivergenceError:
    """The `DivergenceError` of layer ``i`` whose ``what`` has entries as large as ``largest``."""
    return DivergenceError(f"layer {i} ({type(layers[i]).__name__}) {what} has entries as large as {largest:.3g}")


class Sequential:
    """A stack of layers applied in order; itself a `Layer`.

    ``params`` and ``grads`` hold every child's arrays under ``"<index>.<name>"`` keys;
    the arrays are the children's own, so an optimizer that updates ``params`` in
    place updates the children.

    Each layer object may appear only once, at any depth: a layer keeps its last forward
    input for its backward pass, so using one object twice would give wrong gradients.

    Args:
        *layers: the layers, first to last.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> net = bp.Sequential(bp.Dense(2, 3, rng=0), bp.Tanh(), bp.Dense(3, 1, rng=1))
        >>> net.forward(np.zeros((5, 2))).shape
        (5, 1)
        >>> sorted(net.params)
        ['0.W', '0.b', '2.W', '2.b']
        >>> net.backward(np.ones((5, 1))).shape
        (5, 2)
    """

    def __init__(self, *layers: Layer) -> None:
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        self.layers: tuple[Layer, ...] = tuple(as_layer(layer, f"layer {i}") for i, layer in enumerate(layers))
        _reject_reuse(self.layers)

    @property
    def params(self) -> dict[str, Array]:
        """Every child's parameters, keyed ``"<index>.<name>"``."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> dict[str, Array]:
        """Every child's gradients, keyed like ``params``."""
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def forward(self, x: Array) -> Array:
        r"""Each layer's ``forward`` in turn, first to last: $f_k(\cdots f_2(f_1(x)))$.

        Args:
            x: the first layer's input.

        Returns:
            The last layer's output.

        Raises:
            DivergenceError: a layer's output is beyond ±1e100, too large for the next
                layer or the loss (the weights have grown out of range).
        """
        for i, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except MagnitudeError as exc:
                if i == 0:
                    raise  # the caller's own input
                raise _overflow(self.layers, i - 1, "output", exc.largest) from None
        if not in_range(x):  # the loss takes the last output
            raise _overflow(self.layers, len(self.layers) - 1, "output", float(np.max(np.abs(x))))
        return x

    def backward(self, dout: Array) -> Array:
        """The chain rule: each layer's ``backward`` in reverse order, each fed the previous result.

        Args:
            dout: dL/d(the last layer's output), its shape.

        Returns:
            dL/d(the first layer's input), its shape.

        Raises:
            DivergenceError: a layer's input gradient is beyond ±1e100, too large for the
                layer before it.
        """
        last = len(self.layers) - 1
        for i, layer in zip(range(last, -1, -1), reversed(self.layers), strict=True):
            try:
                dout = layer.backward(dout)
            except MagnitudeError as exc:
                if i == last:
                    raise  # the caller's own dout
                raise _overflow(self.layers, i + 1, "input gradient", exc.largest) from None
        return dout

    def train(self) -> Sequential:
        """Put every child that has a training mode (a ``train()`` method) in training mode; return the stack.

        Layers without one (`Dense`, the activations, ...) behave the same in both modes and are
        left alone; a nested `Sequential` passes the call on to its own children.

        Examples:
            >>> import backprop as bp
            >>> net = bp.Sequential(bp.Dense(2, 3, rng=0), bp.Dropout(0.5), bp.BatchNorm(3))
            >>> [layer.training for layer in net.eval().train().layers[1:]]
            [True, True]
        """
        for layer in self.layers:
            if callable(getattr(layer, "train", None)):
                layer.train()  # type: ignore[attr-defined]
        return self

    def eval(self) -> Sequential:
        """Put every child that has an eval mode (an ``eval()`` method) in eval mode; return the stack.

        Call it before measuring or predicting: dropout then keeps every unit and batch
        normalisation uses its running statistics.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> net = bp.Sequential(bp.Dense(2, 3, rng=0), bp.Dropout(0.5), bp.BatchNorm(3))
            >>> [layer.training for layer in net.eval().layers[1:]]
            [False, False]
        """
        for layer in self.layers:
            if callable(getattr(layer, "eval", None)):
                layer.eval()  # type: ignore[attr-defined]
        return self

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __repr__(self) -> str:
        return "Sequential(" + ", ".join(map(repr, self.layers)) + ")"


class Wrapper:
    """A model built around one inner `Layer`, ``self.model``: it hands on params, grads, forward and backward.

    A subclass builds ``self.model`` (usually a `Sequential`) in its ``__init__`` and adds
    what is its own (a loss, a training loop, a prediction rule); the four parts of a layer
    are delegated here, once, so it is a `Layer` itself and `backprop.check_model`, the
    optimizers and `backprop.save_params` work on it.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.layers import Wrapper
        >>> class Logistic(Wrapper):
        ...     def __init__(self) -> None:
        ...         self.model = bp.Sequential(bp.Dense.from_arrays(np.ones((2, 1)), np.zeros(1)), bp.Sigmoid())
        >>> net = Logistic()
        >>> print(net.forward(np.array([[0.0, 0.0]])).tolist(), sorted(net.params))
        [[0.5]] ['0.W', '0.b']
    """

    model: Layer

    @property
    def params(self) -> dict[str, Array]:
        """The inner model's parameters, under its keys."""
        return self.model.params

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients of the last ``backward``, keyed like ``params``."""
        return self.model.grads

    def forward(self, x: Array) -> Array:
        """The inner model's forward pass.

        Args:
            x: the inner model's input.

        Returns:
            Its output.
        """
        return self.model.forward(x)

    def backward(self, dout: Array) -> Array:
        """The inner model's backward pass: fills ``grads``.

        Args:
            dout: dL/d(``forward``'s output), its shape.

        Returns:
            dL/d(``forward``'s input), its shape.
        """
        return self.model.backward(dout)
