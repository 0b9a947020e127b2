r"""Activation layers and functions: elementwise (and softmax) nonlinearities with their derivatives.

A layer here has no parameters. Each subclass of `_Activation` is two methods: ``_f``, the
function, and ``_df``, its derivative, which may read the forward output as well as the
input (σ′ = σ(1 − σ), tanh′ = 1 − tanh²: cheapest from the output). `sigmoid` and `softmax`
are the numerically stable functions the layers and losses share.
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, check_dout, positive_float, require_forward
from backprop._types import Array

__all__ = ["LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh", "sigmoid", "softmax"]


def sigmoid(z: Array) -> Array:
    r"""Numerically stable logistic function $\sigma(z) = 1/(1+e^{-z})$.

    For $z < 0$ it evaluates $e^{z}/(1+e^{z})$, so no ``exp`` overflows. Like a NumPy
    ufunc it maps $\pm\infty$ to 1 and 0 and lets NaN through (the `Sigmoid` layer rejects non-finite input).

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> np.round(bp.sigmoid(np.array([-1000.0, 0.0, 2.0])), 4).tolist()
        [0.0, 0.5, 0.8808]
    """
    z = as_float_array(z, "z", finite=False)
    out = np.empty_like(z, dtype=np.float64)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def softmax(z: Array) -> Array:
    r"""Row-wise softmax $e^{z_i - m}/\sum_j e^{z_j - m}$ with $m = \max_j z_j$ (no overflow).

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> np.round(bp.softmax(np.array([[1000.0, 1000.0], [0.0, np.log(3.0)]])), 4).tolist()
        [[0.5, 0.5], [0.25, 0.75]]
    """
    z = as_float_array(z, "z", ndim=(1, 2))
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    p: Array = e / e.sum(axis=-1, keepdims=True)
    return p


class _Activation:
    """An elementwise layer with no parameters; subclasses define ``_f`` and ``_df``.

    ``_df`` gets both the input and the output: several derivatives are cheapest
    from the output (σ' = σ(1 − σ), tanh' = 1 − tanh²).
    """

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._x: Array | None = None
        self._out: Array | None = None

    def _f(self, x: Array) -> Array:
        raise NotImplementedError

    def _df(self, x: Array, out: Array) -> Array:
        raise NotImplementedError

    def forward(self, x: Array) -> Array:
        r"""$a = f(x)$ elementwise (``_f``); keeps $x$ and $a$ for `backward`.

        Args:
            x: inputs, any shape.

        Returns:
            $a$, the shape of ``x``.
        """
        x = as_float_array(x, "x")
        self._x = x
        self._out = self._f(x)
        return self._out

    def backward(self, dout: Array) -> Array:
        r"""$\partial L/\partial x = \partial L/\partial a \odot f'(x)$, with $f'$ from ``_df(x, a)``.

        Args:
            dout: $\partial L/\partial a$, the shape of the forward output.

        Returns:
            $\partial L/\partial x$, the same shape.
        """
        out = require_forward(self._out, type(self).__name__)
        dout = check_dout(dout, out)
        assert self._x is not None
        return dout * self._df(self._x, out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(_Activation):
    r"""Logistic activation $a = \sigma(z)$; backward uses $\sigma'(z) = a(1-a)$.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> s = bp.Sigmoid()
        >>> s.forward(np.array([[0.0]])).tolist()
        [[0.5]]
        >>> s.backward(np.array([[1.0]])).tolist()
        [[0.25]]
    """

    def _f(self, x: Array) -> Array:
        return sigmoid(x)

    def _df(self, x: Array, out: Array) -> Array:
        return out * (1.0 - out)


class Tanh(_Activation):
    r"""Hyperbolic tangent $a = \tanh z$; backward uses $\tanh'(z) = 1 - a^2$.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> t = bp.Tanh()
        >>> t.forward(np.array([[0.0]])).tolist()
        [[0.0]]
        >>> t.backward(np.array([[2.0]])).tolist()
        [[2.0]]
    """

    def _f(self, x: Array) -> Array:
        return np.tanh(x)

    def _df(self, x: Array, out: Array) -> Array:
        return 1.0 - out * out


class ReLU(_Activation):
    r"""Rectified linear unit $a = \max(0, z)$; $\partial a/\partial z$ is 1 where $z > 0$, else 0.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> r = bp.ReLU()
        >>> r.forward(np.array([[-2.0, 3.0]])).tolist()
        [[0.0, 3.0]]
        >>> r.backward(np.array([[5.0, 5.0]])).tolist()
        [[0.0, 5.0]]
    """

    def _f(self, x: Array) -> Array:
        return np.maximum(x, 0.0)

    def _df(self, x: Array, out: Array) -> Array:
        return (x > 0).astype(np.float64)


class LeakyReLU(_Activation):
    r"""Leaky ReLU: $a = z$ for $z > 0$, else $\alpha z$.

    Args:
        alpha: slope for negative inputs, ``0 <= alpha < 1``.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> r = bp.LeakyReLU(alpha=0.1)
        >>> r.forward(np.array([[-2.0, 3.0]])).tolist()
        [[-0.2, 3.0]]
        >>> r.backward(np.array([[1.0, 1.0]])).tolist()
        [[0.1, 1.0]]
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        alpha = positive_float(alpha, "alpha", allow_zero=True)
        if alpha >= 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {alpha}")
        self.alpha = alpha

    def _f(self, x: Array) -> Array:
        return np.where(x > 0, x, self.alpha * x)

    def _df(self, x: Array, out: Array) -> Array:
        return np.where(x > 0, 1.0, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Softmax(_Activation):
    r"""Softmax over the last axis: $a_i = e^{z_i}/\sum_j e^{z_j}$.

    Its Jacobian is $\partial a_i/\partial z_j = a_i(\delta_{ij} - a_j)$, so the backward
    pass is $\partial L/\partial z = a \odot (g - \sum_j g_j a_j)$ for upstream $g$.
    For classification prefer the fused `backprop.softmax_cross_entropy` on logits.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> s = bp.Softmax()
        >>> s.forward(np.array([[0.0, 0.0]])).tolist()
        [[0.5, 0.5]]
        >>> s.backward(np.array([[1.0, 0.0]])).tolist()
        [[0.25, -0.25]]
    """

    def forward(self, x: Array) -> Array:
        r"""$a = \mathrm{softmax}(x)$ row by row; keeps $a$ for `backward`.

        Args:
            x: logits, ``(N, C)``.

        Returns:
            $a$, ``(N, C)``, each row summing to 1.
        """
        x = as_float_array(x, "x", ndim=2)
        return super().forward(x)

    def _f(self, x: Array) -> Array:
        return softmax(x)

    def backward(self, dout: Array) -> Array:
        r"""$\partial L/\partial z = a \odot (g - \sum_j g_j a_j)$, row by row.

        Args:
            dout: $g = \partial L/\partial a$, ``(N, C)``.

        Returns:
            $\partial L/\partial z$, ``(N, C)``.
        """
        a = require_forward(self._out, type(self).__name__)
        g = check_dout(dout, a)
        dz: Array = a * (g - (g * a).sum(axis=-1, keepdims=True))
        return dz
