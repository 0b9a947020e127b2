r"""Gradient checking by central differences: test any layer, loss or model you write.

The numerical derivative of $f$ at $x$ along element $i$ is

$$\frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}{2\varepsilon},$$

whose error shrinks like $\varepsilon^2$. In float64 with $\varepsilon = 10^{-5}$ a correct
analytic gradient agrees to a `relative_error` far below $10^{-9}$ (the example below);
anything above $10^{-7}$ deserves a look and above $10^{-2}$ is almost certainly a bug.
Checks must run in float64: in float32 the difference $f(x + \varepsilon e_i) - f(x - \varepsilon e_i)$
keeps too few significant digits.

Kinks (ReLU at 0, a max-pool tie) break the approximation: check at inputs away from them.

Examples:
    >>> import numpy as np
    >>> import backprop as bp
    >>> x = np.random.default_rng(0).normal(size=(4, 3))
    >>> net = bp.Sequential(bp.Dense(3, 5, rng=1), bp.Tanh(), bp.Dense(5, 2, rng=2))
    >>> 1e-13 < bp.check_layer(net, x) < 1e-9
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from backprop._check import as_float_array, make_rng, positive_float, safe_norm
from backprop._types import Array
from backprop.layers import Layer, as_layer

__all__ = ["check_layer", "check_loss", "check_model", "numerical_gradient", "relative_error"]

LossFn = Callable[[Array, Array], tuple[float, Array]]


def numerical_gradient(f: Callable[[Array], float], x: Array, eps: float = 1e-5, *, name: str | None = None) -> Array:
    """Central-difference gradient of the scalar function ``f`` at ``x``.

    ``x`` is perturbed **in place**, one element at a time, and restored afterwards, so
    ``f`` may read ``x`` through its argument or through an object that holds it (a
    layer's parameter array).

    Args:
        f: maps the array to one real, finite number (a float, an int, or a float array of
            size 1); anything else raises, naming ``f``.
        x: a writeable float64 array (modified during the call, restored on return, also
            when ``f`` raises).
        eps: the step $\\varepsilon$.
        name: how ``f`` is called in error messages (default: ``f`` and its name).

    Returns:
        An array of the shape of ``x``.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> x = np.array([1.0, 2.0, 3.0])
        >>> np.round(bp.numerical_gradient(lambda v: float(np.sum(v**2)), x), 6).tolist()
        [2.0, 4.0, 6.0]
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"x must be a float64 numpy.ndarray (checked in place), got {got}")
    as_float_array(x, "x")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: numerical_gradient perturbs it in place; pass x.copy()")
    eps = positive_float(eps, "eps")
    if name is None:
        name = f"f ({getattr(f, '__qualname__', type(f).__name__)})"
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError(
            f"x must be contiguous so it can be perturbed in place, got a non-contiguous array of shape {x.shape}"
        )
    for i in range(flat.size):
        old = flat[i]
        try:
            flat[i] = old + eps
            f_plus = _scalar(f(x), name)
            flat[i] = old - eps
            f_minus = _scalar(f(x), name)
        finally:  # x is restored even when f raises
            flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _scalar(value: object, name: str, what: str = "") -> float:
    """``value`` as a float if it is one real, finite number, else a ``TypeError``/``ValueError`` naming ``name``.

    ``what`` says which part of the return value is meant (empty: all of it).
    """
    if type(value) is float:  # the usual answer, taken as it is
        v = value
    else:
        if isinstance(value, np.ndarray):
            if value.size != 1:
                raise TypeError(f"{name} must return a scalar{what}, got an array of shape {value.shape}")
            value = value.reshape(()).item() if np.issubdtype(value.dtype, np.number) else value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{name} must return a real number{what}, got {type(value).__name__}")
        v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must return a finite number{what}, got {v}")
    return v


def relative_error(a: Array, b: Array) -> float:
    r"""Relative error $\|a-b\| / (\|a\| + \|b\|)$ between two arrays of the same shape.

    Norm-based, so a handful of tiny entries cannot blow it up; 0 when both are zero. It lies
    in $[0, 1]$ and is *not* the error as a fraction of the gradient, $\|a-b\|/\|b\|$: for
    two arrays of similar norm it is about half of that. 0.5 means $\|a-b\|$ equals the mean
    of the two norms (for equal norms, the error is as large as the gradient itself); 1 means
    opposite directions, or one array zero.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> bp.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
        0.0
        >>> a, b = np.array([1.1]), np.array([1.0])         # a is 10% larger than b
        >>> round(bp.relative_error(a, b), 4), round(float(np.linalg.norm(a - b) / np.linalg.norm(b)), 4)
        (0.0476, 0.1)
        >>> u, v = np.array([1.0, 0.0]), np.array([0.5, np.sqrt(0.75)])    # unit vectors, 60° apart
        >>> round(float(np.linalg.norm(u - v)), 4), round(bp.relative_error(u, v), 4)
        (1.0, 0.5)
        >>> bp.relative_error(u, -u), bp.relative_error(u, np.zeros(2))
        (1.0, 1.0)
    """
    a = as_float_array(a, "a", bounded=False)
    b = as_float_array(b, "b", bounded=False)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    if scale == 0.0:
        return 0.0
    s = float(np.ldexp(1.0, int(np.frexp(scale)[1]) - 1))  # a power of two, s <= scale < 2s: dividing is exact
    a, b = a / s, b / s  # entries in (-2, 2): a - b cannot overflow, even for a = -b = 1e308
    return safe_norm(a - b) / (safe_norm(a) + safe_norm(b))


def _worst(analytic: dict[str, Array], f: Callable[[Array], float], arrays: dict[str, Array], eps: float) -> float:
    return max(relative_error(analytic[k], numerical_gradient(f, arrays[k], eps)) for k in arrays)


def check_layer(layer: Layer, x: Array, *, eps: float = 1e-5, rng: np.random.Generator | int | None = 0) -> float:
    r"""Worst relative error of a layer's analytic gradients against central differences.

    Uses the scalar $L = \sum \text{forward}(x) \odot G$ for a fixed random $G$, so that
    $\partial L/\partial\,\text{output} = G$; compares ``backward(G)`` (which is
    $\partial L/\partial x$) and every entry of ``grads`` with numerical derivatives.

    Args:
        layer: any `Layer`, including a `Sequential`.
        x: a float64 input of the shape the layer expects.
        eps: finite-difference step.
        rng: seed or Generator for ``G``.

    Returns:
        The largest relative error over $\partial L/\partial x$ and every parameter.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> x = np.random.default_rng(0).normal(size=(4, 3))
        >>> net = bp.Sequential(bp.Dense(3, 5, rng=1), bp.Tanh(), bp.Dense(5, 2, rng=2))
        >>> bp.check_layer(net, x) < 1e-7
        True
    """
    layer = as_layer(layer, "layer")
    x = np.array(as_float_array(x, "x"), dtype=np.float64)  # private copy, perturbed in place
    G = make_rng(rng).normal(size=layer.forward(x).shape)

    def scalar(_: Array) -> float:
        return float(np.sum(layer.forward(x) * G))

    layer.forward(x)
    dx = layer.backward(G)
    analytic = {"x": dx, **{k: v.copy() for k, v in layer.grads.items()}}
    return _worst(analytic, scalar, {"x": x, **layer.params}, eps)


def check_loss(loss: LossFn, pred: Array, target: Array, *, eps: float = 1e-5) -> float:
    """Relative error of a loss function's returned gradient against central differences.

    Args:
        loss: a function ``(pred, target) -> (loss, dloss_dpred)`` such as `backprop.mse`.
        pred: a float64 prediction.
        target: the matching target.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> p = np.array([[0.2, 0.7], [0.9, 0.4]])
        >>> bp.check_loss(bp.binary_cross_entropy, p, np.array([[0.0, 1.0], [1.0, 0.0]])) < 1e-7
        True
    """
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    pred = np.array(as_float_array(pred, "pred"), dtype=np.float64)
    name = f"loss ({getattr(loss, '__qualname__', type(loss).__name__)})"
    _, analytic = _loss_pair(loss(pred, target), name, pred.shape)

    def scalar(p: Array) -> float:
        return _loss_pair(loss(p, target), name, pred.shape)[0]

    return relative_error(analytic, numerical_gradient(scalar, pred, eps, name=name))


def _loss_pair(result: object, name: str, shape: tuple[int, ...]) -> tuple[float, Array]:
    """A loss function's ``(value, gradient)`` checked: a finite scalar and a finite array of the prediction's shape."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{name} must return a pair (loss, dloss_dpred), got {type(result).__name__}")
    value = _scalar(result[0], name, " as the loss value")
    grad = as_float_array(result[1], f"the gradient returned by {name}")
    if grad.shape != shape:
        raise ValueError(f"the gradient returned by {name} must have the prediction's shape {shape}, got {grad.shape}")
    return value, grad


def check_model(model: Layer, loss: LossFn, x: Array, y: Array, *, eps: float = 1e-5) -> float:
    """Worst relative error of ``model`` + ``loss`` gradients (input and every parameter).

    The check a training loop relies on: $L = \\text{loss}(\\text{model}(x), y)$, differentiated
    by ``backward`` from the loss's own gradient, against central differences of $L$.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.normal(size=(6, 4)), rng.integers(0, 3, size=6)
        >>> net = bp.Sequential(bp.Dense(4, 8, rng=1), bp.Sigmoid(), bp.Dense(8, 3, rng=2))
        >>> bp.check_model(net, bp.softmax_cross_entropy, x, y) < 1e-7
        True
    """
    model = as_layer(model, "model")
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    x = np.array(as_float_array(x, "x"), dtype=np.float64)

    name = f"loss ({getattr(loss, '__qualname__', type(loss).__name__)})"
    pred = model.forward(x)

    def scalar(_: Array) -> float:
        return _loss_pair(loss(model.forward(x), y), name, pred.shape)[0]

    _, dpred = _loss_pair(loss(model.forward(x), y), name, pred.shape)
    dx = model.backward(dpred)
    analytic = {"x": dx, **{k: v.copy() for k, v in model.grads.items()}}
    return _worst(analytic, scalar, {"x": x, **model.params}, eps)
