r"""Optimizers: turn the gradients a backward pass left in ``layer.grads`` into updates.

Every update goes *against* the gradient (descent) and happens in place, so a
`Sequential` passes the change on to its children.
"""

from __future__ import annotations

import numpy as np

from backprop._check import positive_float
from backprop._types import Array
from backprop.layers import Layer, as_layer

__all__ = ["SGD", "Adam"]


def _pairs(layer: Layer) -> list[tuple[str, Array, Array]]:
    layer = as_layer(layer, "layer")
    params, grads = layer.params, layer.grads
    if params.keys() != grads.keys():
        raise ValueError(f"grads keys {sorted(grads)} do not match params keys {sorted(params)}")
    out = []
    for k, p in params.items():
        g = grads[k]
        if g.shape != p.shape:
            raise ValueError(f"gradient {k!r} has shape {g.shape}, expected the parameter's shape {p.shape}")
        if not np.isfinite(g).all():
            raise ValueError(f"gradient {k!r} must be finite, got NaN or inf in array of shape {g.shape}")
        out.append((k, p, g))
    return out


class SGD:
    r"""Stochastic gradient descent, optionally with momentum.

    Plain: $\theta \leftarrow \theta - \eta\,g$. With momentum $\mu$:
    $v \leftarrow \mu v - \eta g$, $\theta \leftarrow \theta + v$.

    Args:
        lr: learning rate $\eta > 0$.
        momentum: $\mu \in [0, 1)$.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> layer = bp.Dense.from_arrays(np.array([[1.0]]), np.array([0.0]))
        >>> _ = layer.forward(np.array([[2.0]]))
        >>> _ = layer.backward(np.array([[1.0]]))   # dL/dW = 2, dL/db = 1
        >>> bp.SGD(lr=0.1).step(layer)
        >>> layer.params["W"].tolist(), layer.params["b"].tolist()
        ([[0.8]], [-0.1])
    """

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr = positive_float(lr, "lr")
        self.momentum = positive_float(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        self._velocity: dict[tuple[int, str], Array] = {}

    def step(self, layer: Layer) -> None:
        """Update every parameter of ``layer`` in place from ``layer.grads``."""
        for k, p, g in _pairs(layer):
            if self.momentum == 0.0:
                p -= self.lr * g
                continue
            v = self._velocity.setdefault((id(p), k), np.zeros_like(p))
            v *= self.momentum
            v -= self.lr * g
            p += v


class Adam:
    r"""Adam (Kingma & Ba, 2015) with bias correction.

    $m \leftarrow \beta_1 m + (1-\beta_1) g$, $v \leftarrow \beta_2 v + (1-\beta_2) g^2$,
    $\theta \leftarrow \theta - \eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$ with
    $\hat m = m/(1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$.

    Args:
        lr: learning rate $\eta$.
        beta1: decay of the first moment, in [0, 1).
        beta2: decay of the second moment, in [0, 1).
        eps: added to the denominator.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> layer = bp.Dense.from_arrays(np.array([[1.0]]), np.array([0.0]))
        >>> _ = layer.forward(np.array([[2.0]]))
        >>> _ = layer.backward(np.array([[1.0]]))
        >>> bp.Adam(lr=0.1).step(layer)   # the first step moves each parameter by ~lr
        >>> np.round(layer.params["W"], 6).tolist()
        [[0.9]]
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr = positive_float(lr, "lr")
        self.beta1 = positive_float(beta1, "beta1", allow_zero=True)
        self.beta2 = positive_float(beta2, "beta2", allow_zero=True)
        self.eps = positive_float(eps, "eps")
        for name, b in (("beta1", self.beta1), ("beta2", self.beta2)):
            if b >= 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {b}")
        self._state: dict[tuple[int, str], tuple[Array, Array]] = {}
        self.t = 0

    def step(self, layer: Layer) -> None:
        """Update every parameter of ``layer`` in place from ``layer.grads``."""
        pairs = _pairs(layer)  # validated before the step count moves
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for k, p, g in pairs:
            m, v = self._state.setdefault((id(p), k), (np.zeros_like(p), np.zeros_like(p)))
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
