r"""Optimizers: turn the gradients a backward pass left in ``layer.grads`` into updates.

Every update goes *against* the gradient (descent) and happens in place, so a
`Sequential` passes the change on to its children.

A step first computes every new parameter value, and writes nothing unless all of them are
sane. A value that would be NaN, inf or beyond ±`MAX_MAGNITUDE` (1e100, the largest input a
layer accepts) raises `DivergenceError`, naming the parameter, the step and the learning
rate; the parameters and the optimizer's state stay as they were after the last good step.
"""

from __future__ import annotations

import numpy as np

from backprop._check import MAX_MAGNITUDE, DivergenceError, as_float_array, in_range, positive_float
from backprop._types import Array
from backprop.layers import Layer, as_layer

__all__ = ["SGD", "Adam", "AdamW", "DivergenceError"]


def _pairs(layer: Layer) -> list[tuple[str, Array, Array]]:
    """``(key, parameter, gradient)`` for every parameter, each gradient checked against its parameter."""
    layer = as_layer(layer, "layer")
    params, grads = layer.params, layer.grads
    if params.keys() != grads.keys():
        raise ValueError(f"grads keys {sorted(grads)} do not match params keys {sorted(params)}")
    out = []
    for k, p in params.items():
        g = as_float_array(grads[k], f"gradient {k!r}", finite=False)  # a NaN or inf is found by _check_update
        if g.shape != p.shape:
            raise ValueError(f"gradient {k!r} has shape {g.shape}, expected the parameter's shape {p.shape}")
        out.append((k, p, g))
    return out


def _check_update(new: Array, key: str, step: int, lr: float, grad: Array) -> None:
    """Raise `DivergenceError` if the would-be parameter ``new`` has a NaN, an inf or an entry beyond ±1e100.

    A NaN or inf in ``grad`` itself is reported as such (a ``ValueError``), since the step is not to blame.
    """
    if in_range(new):
        return
    as_float_array(grad, f"gradient {key!r}", bounded=False)
    bad = new[~(np.abs(new) <= MAX_MAGNITUDE)]
    value = float("nan") if np.isnan(bad).any() else float(bad[np.argmax(np.abs(bad))])
    raise DivergenceError.refused_step(step, key, lr, value)


class SGD:
    r"""Stochastic gradient descent, optionally with momentum and weight decay.

    With weight decay $\lambda$ the gradient is $g = \nabla L + \lambda\theta$ (L2
    regularisation, as ``torch.optim.SGD`` adds it, before momentum). Plain:
    $\theta \leftarrow \theta - \eta\,g$. With momentum $\mu$:
    $v \leftarrow \mu v - \eta g$, $\theta \leftarrow \theta + v$.

    Args:
        lr: learning rate $\eta > 0$.
        momentum: $\mu \in [0, 1)$.
        weight_decay: $\lambda \ge 0$.

    Raises:
        DivergenceError: from `step`, when an update would leave a parameter non-finite or
            beyond ±1e100; nothing is written.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> layer = bp.Dense.from_arrays(np.array([[1.0]]), np.array([0.0]))
        >>> _ = layer.forward(np.array([[2.0]]))
        >>> _ = layer.backward(np.array([[1.0]]))   # dL/dW = 2, dL/db = 1
        >>> bp.SGD(lr=0.1).step(layer)
        >>> layer.params["W"].tolist(), layer.params["b"].tolist()
        ([[0.8]], [-0.1])
        >>> bp.SGD(lr=0.1, weight_decay=0.5).step(layer)   # g = 2 + 0.5·0.8 for W
        >>> np.round(layer.params["W"], 6).tolist()
        [[0.56]]
    """

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr = positive_float(lr, "lr")
        self.momentum = positive_float(momentum, "momentum", allow_zero=True)
        if self.momentum >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum}")
        self.weight_decay = positive_float(weight_decay, "weight_decay", allow_zero=True)
        self._velocity: dict[tuple[int, str], Array] = {}
        self.t = 0

    def step(self, layer: Layer) -> None:
        """Update every parameter of ``layer`` in place from ``layer.grads``; see the class for the rule."""
        pairs = _pairs(layer)
        t = self.t + 1
        updates: list[tuple[Array, Array, tuple[int, str], Array | None]] = []
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by name
            for k, p, g in pairs:
                if self.weight_decay:
                    g = g + self.weight_decay * p
                if self.momentum == 0.0:
                    new_p, v = p - self.lr * g, None
                else:
                    old = self._velocity.get((id(p), k))
                    v = -self.lr * g if old is None else self.momentum * old - self.lr * g
                    new_p = p + v
                _check_update(new_p, k, t, self.lr, g)
                updates.append((p, new_p, (id(p), k), v))
        for p, new_p, key, v in updates:  # every update is sane: write them all
            p[...] = new_p
            if v is not None:
                self._velocity[key] = v
        self.t = t


class Adam:
    r"""Adam (Kingma & Ba, 2015) with bias correction, optionally with L2 weight decay.

    $g = \nabla L + \lambda\theta$ (the decay is part of the gradient, as in
    ``torch.optim.Adam``), $m \leftarrow \beta_1 m + (1-\beta_1) g$,
    $v \leftarrow \beta_2 v + (1-\beta_2) g^2$,
    $\theta \leftarrow \theta - \eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$ with
    $\hat m = m/(1-\beta_1^t)$, $\hat v = v/(1-\beta_2^t)$. Because $\hat v$ divides the
    decay too, a weight with large gradients is barely decayed; `AdamW` decouples it.

    Args:
        lr: learning rate $\eta$.
        beta1: decay of the first moment, in [0, 1).
        beta2: decay of the second moment, in [0, 1).
        eps: added to the denominator.
        weight_decay: $\lambda \ge 0$, added to the gradient.

    Raises:
        DivergenceError: from `step`, when an update would leave a parameter non-finite or
            beyond ±1e100; nothing is written, and the step count ``t`` stays.

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

    decoupled = False
    """Whether weight decay shrinks θ directly (`AdamW`) instead of joining the gradient."""

    def __init__(
        self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.lr = positive_float(lr, "lr")
        self.beta1 = positive_float(beta1, "beta1", allow_zero=True)
        self.beta2 = positive_float(beta2, "beta2", allow_zero=True)
        self.eps = positive_float(eps, "eps")
        for name, b in (("beta1", self.beta1), ("beta2", self.beta2)):
            if b >= 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {b}")
        self.weight_decay = positive_float(weight_decay, "weight_decay", allow_zero=True)
        self._state: dict[tuple[int, str], tuple[Array, Array]] = {}  # (m, v) after the last good step
        self._spare: dict[tuple[int, str], tuple[Array, Array, Array]] = {}  # where the next step is computed
        self.t = 0

    def step(self, layer: Layer) -> None:
        """Update every parameter of ``layer`` in place from ``layer.grads``; see the class for the rule.

        The new moments and parameters are computed into spare arrays of their shapes, kept
        from one step to the next, so that a step makes one temporary array per parameter
        instead of a dozen. They replace the old ones only once every parameter's update has
        passed the check.
        """
        pairs = _pairs(layer)  # validated before anything is computed
        t = self.t + 1
        updates: list[tuple[Array, tuple[int, str], tuple[Array, Array, Array]]] = []
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by name
            for k, p, g in pairs:
                key = (id(p), k)
                if self.weight_decay and not self.decoupled:
                    g = g + self.weight_decay * p
                m, v = self._state.get(key) or (np.zeros_like(p), np.zeros_like(p))  # both moments start at 0
                spare = self._spare.get(key)
                if spare is None or spare[0].shape != p.shape:
                    spare = self._spare[key] = (np.empty_like(p), np.empty_like(p), np.empty_like(p))
                self._update(t, p, g, m, v, *spare)
                _check_update(spare[2], k, t, self.lr, g)
                updates.append((p, key, spare))
        for p, key, (m_new, v_new, p_new) in updates:  # every update is sane: write them all
            p[...] = p_new
            old = self._state.get(key)
            self._state[key] = (m_new, v_new)
            if old is not None:  # the old moments are the next step's spare arrays
                self._spare[key] = (old[0], old[1], p_new)
            else:
                del self._spare[key]
        self.t = t

    def _update(self, t: int, p: Array, g: Array, m: Array, v: Array, m_new: Array, v_new: Array, p_new: Array) -> None:
        r"""Step ``t`` for one parameter ``p``: its new $m$, $v$ and $\theta$ into ``m_new``, ``v_new``, ``p_new``.

        $\eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$ is computed as
        $(\eta\sqrt{c_2}/c_1)\, m/(\sqrt v + \varepsilon\sqrt{c_2})$ with $c_i = 1 - \beta_i^t$: the same
        number up to rounding, in fewer passes. An overflow on the way leaves an inf or a NaN in ``p_new``.
        """
        b1, b2 = self.beta1, self.beta2
        root_c2 = np.sqrt(1.0 - b2**t)
        np.multiply(m, b1, out=m_new)  # m ← β1 m + (1 − β1) g
        np.multiply(g, 1.0 - b1, out=p_new)
        m_new += p_new
        np.multiply(v, b2, out=v_new)  # v ← β2 v + (1 − β2) g²
        np.multiply(g, 1.0 - b2, out=p_new)
        p_new *= g
        v_new += p_new
        np.multiply(m_new, self.lr * root_c2 / (1.0 - b1**t), out=p_new)
        p_new /= np.sqrt(v_new) + self.eps * root_c2  # the one temporary: √v + ε√c2
        if self.decoupled:  # AdamW: θ − ηλθ first
            p_new -= p
            p_new += self.lr * self.weight_decay * p
            np.negative(p_new, out=p_new)
        else:
            np.subtract(p, p_new, out=p_new)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Each step first shrinks every parameter, $\theta \leftarrow \theta - \eta\lambda\theta$,
    then takes Adam's step on the loss gradient alone. The decay no longer passes through
    $\sqrt{\hat v}$, so every weight shrinks by the same fraction $\eta\lambda$, however
    large its gradients.

    Args:
        lr: learning rate $\eta$.
        beta1: decay of the first moment, in [0, 1).
        beta2: decay of the second moment, in [0, 1).
        eps: added to the denominator.
        weight_decay: $\lambda \ge 0$.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> def one_step(opt):
        ...     layer = bp.Dense.from_arrays(np.array([[1.0], [10.0]]), np.array([0.0]))
        ...     _ = layer.forward(np.array([[1.0, 0.0]]))
        ...     _ = layer.backward(np.array([[0.0]]))     # a zero loss gradient: only the decay acts
        ...     opt.step(layer)
        ...     return np.round(layer.params["W"].ravel(), 4).tolist()
        >>> one_step(bp.AdamW(lr=0.1, weight_decay=0.1))   # each weight shrinks by 1%
        [0.99, 9.9]
        >>> one_step(bp.Adam(lr=0.1, weight_decay=0.1))    # L2 through Adam: both move by ~lr
        [0.9, 9.9]
    """

    decoupled = True

    def __init__(
        self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, weight_decay)
