r"""Inverted dropout: a regulariser that is a layer, with a training mode and an eval mode.

In training mode every input unit is kept with probability $1 - p$ and zeroed otherwise, and
the kept units are scaled by $1/(1-p)$, so that the expected output equals the input:

$$y = x \odot m, \qquad m_j = \frac{[u_j \ge p]}{1 - p}, \quad u_j \sim U[0, 1).$$

The mask $m$ is a constant of the forward pass, so the backward pass is the same product,
$\partial L/\partial x = \partial L/\partial y \odot m$: a dropped unit passes no gradient.
In eval mode the layer is the identity, $y = x$ and $\partial L/\partial x = \partial L/\partial y$;
thanks to the scaling at training time nothing needs rescaling at test time.
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, check_dout, make_rng, positive_float, require_forward
from backprop._types import Array

__all__ = ["Dropout"]


def _check_mode(owner: str, training: bool, forward_training: bool) -> None:
    """Raise ``RuntimeError`` if a backward pass runs in another mode than the forward pass it follows.

    Args:
        owner: the layer's name, for the message.
        training: the layer's mode now.
        forward_training: its mode during the last ``forward``.

    Examples:
        >>> from backprop.dropout import _check_mode
        >>> _check_mode("Dropout", True, True)
        >>> _check_mode("Dropout", False, True)
        Traceback (most recent call last):
        ...
        RuntimeError: Dropout.backward called in eval mode after a forward in training mode; run forward again ...
    """
    if training != forward_training:
        now, then = ("training", "eval") if training else ("eval", "training")
        raise RuntimeError(
            f"{owner}.backward called in {now} mode after a forward in {then} mode; "
            "run forward again after switching modes"
        )


class Dropout:
    r"""Inverted dropout: $y = x \odot m$ with $m_j = [u_j \ge p]/(1-p)$ in training mode, $y = x$ in eval mode.

    Backward: $\partial L/\partial x = \partial L/\partial y \odot m$ with the mask of the last
    ``forward`` (in eval mode, $\partial L/\partial y$ itself). A layer starts in training
    mode; `eval` and `train` switch it and return it.

    Args:
        p: the probability of dropping a unit, in $[0, 1)$.
        rng: seed or ``numpy.random.Generator`` the masks are drawn from
            (None: a fresh unseeded generator).

    Attributes:
        training: True in training mode, False in eval mode.
        rng: the generator the masks are drawn from; assign a freshly seeded one to draw
            the same masks again.
        mask: $m$ of the last forward in training mode, ``None`` after one in eval mode.

    Examples:
        With $p = 0.5$ the kept units are doubled; the gradient goes through the same mask.

        >>> import numpy as np
        >>> import backprop as bp
        >>> drop = bp.Dropout(0.5, rng=3)
        >>> x = np.array([[1.0, 2.0, 3.0, 4.0]])
        >>> drop.forward(x).tolist(), drop.mask.tolist()
        ([[0.0, 0.0, 6.0, 8.0]], [[0.0, 0.0, 2.0, 2.0]])
        >>> drop.backward(np.ones((1, 4))).tolist()
        [[0.0, 0.0, 2.0, 2.0]]
        >>> drop.eval().forward(x).tolist()          # eval mode: the identity
        [[1.0, 2.0, 3.0, 4.0]]
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | int | None = None) -> None:
        p = positive_float(p, "p", allow_zero=True)
        if p >= 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.rng = make_rng(rng)
        self.training = True
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self.mask: Array | None = None
        self._out: Array | None = None
        self._forward_training = True

    def train(self) -> Dropout:
        """Switch to training mode (a fresh random mask at every ``forward``) and return the layer.

        Examples:
            >>> import backprop as bp
            >>> bp.Dropout(0.2).eval().train().training
            True
        """
        self.training = True
        return self

    def eval(self) -> Dropout:
        """Switch to eval mode (the identity) and return the layer.

        Examples:
            >>> import backprop as bp
            >>> bp.Dropout(0.2).eval().training
            False
        """
        self.training = False
        return self

    def forward(self, x: Array) -> Array:
        r"""$y = x \odot m$ with a new mask $m_j = [u_j \ge p]/(1-p)$ (training mode), or $y = x$ (eval mode).

        Args:
            x: inputs, any shape.

        Returns:
            $y$, the shape of ``x``.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> y = bp.Dropout(0.25, rng=0).forward(np.ones((2, 4)))
            >>> sorted(set(y.ravel().tolist()))      # dropped, or kept and scaled by 1/(1 - 0.25)
            [0.0, 1.3333333333333333]
        """
        x = as_float_array(x, "x")
        if self.training:
            self.mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
            out = x * self.mask
        else:
            self.mask = None
            out = x.copy()
        self._out, self._forward_training = out, self.training
        return out

    def backward(self, dout: Array) -> Array:
        r"""$\partial L/\partial x = \partial L/\partial y \odot m$, $m$ the last forward's mask (1 in eval mode).

        Args:
            dout: $\partial L/\partial y$, the shape of the forward output.

        Returns:
            $\partial L/\partial x$, the same shape.

        Raises:
            RuntimeError: no forward yet, or the mode changed since the forward.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> drop = bp.Dropout(0.5, rng=1)
            >>> drop.forward(np.array([[1.0, 2.0, 3.0, 4.0]])).tolist()
            [[2.0, 4.0, 0.0, 8.0]]
            >>> drop.backward(np.ones((1, 4))).tolist()     # the same mask
            [[2.0, 2.0, 0.0, 2.0]]
        """
        out = require_forward(self._out, type(self).__name__)
        _check_mode(type(self).__name__, self.training, self._forward_training)
        dout = check_dout(dout, out)
        return dout * self.mask if self.mask is not None else dout.copy()

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
