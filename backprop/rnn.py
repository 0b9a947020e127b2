r"""A recurrent layer trained by backpropagation through time (BPTT), and gradient clipping.

The layer reads a sequence $x_1, \dots, x_T$ and keeps a hidden state

$$h_t = \tanh(a_t), \qquad a_t = x_t W_x + h_{t-1} W_h + b, \qquad t = 1, \dots, T,$$

starting from $h_0$ (zeros unless given). The same $W_x$, $W_h$, $b$ are used at every
step, so the network *unrolled* over time is a deep feed-forward network with shared
weights, and its backward pass is ordinary backpropagation through that unrolled graph.

Backward pass (full BPTT). Write $g_t = \partial L/\partial h_t$ for the gradient arriving
at $h_t$ directly from the output at step $t$ (zero at the steps whose output is not used),
and $\delta_t = \partial L/\partial a_t$. Since $h_t$ influences $L$ directly and through
$a_{t+1}$,

$$\frac{\partial L}{\partial h_t} = g_t + \delta_{t+1} W_h^\top, \qquad
\delta_t = \Big(g_t + \delta_{t+1} W_h^\top\Big) \odot \big(1 - h_t^2\big),$$

with $\delta_{T+1} = 0$, computed for $t = T, \dots, 1$. Then, summing over the steps
(the weights are shared),

$$\frac{\partial L}{\partial W_x} = \sum_t x_t^\top \delta_t, \quad
\frac{\partial L}{\partial W_h} = \sum_t h_{t-1}^\top \delta_t, \quad
\frac{\partial L}{\partial b} = \sum_t \sum_n \delta_{t,n}, \quad
\frac{\partial L}{\partial x_t} = \delta_t W_x^\top, \quad
\frac{\partial L}{\partial h_0} = \delta_1 W_h^\top.$$

Only the recursion for $\delta_t$ is sequential. The implementation computes every
$x_t W_x$ in one matrix product before the time loop, and every sum over $t$ above as one
matrix product over all $N T$ rows after it, so each step of either loop costs a single
$(N, H) \times (H, H)$ product.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from backprop._check import (
    as_float_array,
    check_shape,
    make_rng,
    positive_float,
    positive_int,
    require_forward,
    safe_norm,
)
from backprop._types import Array
from backprop.layers import Layer, as_layer

__all__ = ["RNN", "clip_grad_norm"]


class RNN:
    r"""Elman recurrent layer $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$ with (truncated) BPTT.

    The formulas of the backward pass are in the module docstring (`backprop.rnn`).

    **Truncated BPTT.** With ``bptt_steps=k`` the gradient that enters at step $t$ (from
    that step's output) flows back through at most $k$ steps of the recurrence: the steps
    $t, t-1, \dots, t-k+1$. Each of those steps adds it to $\partial L/\partial W_x$,
    $\partial L/\partial W_h$, $\partial L/\partial b$ and to the gradient of its inputs
    $x_s$ and $h_{s-1}$; at step $t-k+1$ it stops (the state $h_{t-k}$ is treated as a
    constant for it). $h_0$ is the input state of step 1, so it receives the gradient of
    every step $t \le k$. In formulas, with $J_s = \mathrm{diag}(1 - h_s^2)$,

    $$\delta_s = \sum_{t=s}^{\min(T,\, s+k-1)} g_t \, \frac{\partial h_t}{\partial h_s} J_s,
    \qquad \frac{\partial h_t}{\partial h_s} = J_t W_h^\top J_{t-1} W_h^\top \cdots J_{s+1} W_h^\top$$

    (row vectors multiplied from the left; the product is the identity for $t = s$),

    and the parameter and input gradients use these $\delta_s$ exactly as full BPTT does.
    ``k = 1`` keeps only each step's own contribution; ``k >= T`` (or ``None``) is full
    BPTT. The truncated pass keeps up to $k$ gradients in flight, so it costs about $k$
    times as much per step as the full one (one stacked matrix product per step).

    Args:
        n_in: input features ``D``.
        n_hidden: hidden units ``H``.
        return_sequences: if True, ``forward`` returns every state ``(N, T, H)`` and
            ``backward`` expects ``(N, T, H)``; otherwise only the last state ``(N, H)``.
        bptt_steps: ``k`` for truncated BPTT, or None for full BPTT.
        rng: seed or Generator for the initial weights: $W_x \sim U(\pm 1/\sqrt{H})$,
            $W_h \sim U(\pm 1/\sqrt{H})$ (PyTorch's default), $b = 0$.

    Attributes:
        params: ``"W_x"`` ``(D, H)``, ``"W_h"`` ``(H, H)``, ``"b"`` ``(H,)``.
        grads: the same keys, filled by ``backward``.
        dh0: $\partial L/\partial h_0$, ``(N, H)``, filled by ``backward``.

    Examples:
        One unit, $W_x = 1$, $W_h = 0.5$, $b = 0$, inputs $0.5$ then $1$:
        $h_1 = \tanh 0.5 = 0.4621$, $h_2 = \tanh(1 + 0.5 h_1) = 0.8429$. With
        $\partial L/\partial h_2 = 1$: $\delta_2 = 1 - h_2^2 = 0.2895$,
        $\delta_1 = 0.5\,\delta_2 (1 - h_1^2) = 0.1139$ and
        $\partial L/\partial W_h = h_0\delta_1 + h_1\delta_2 = 0.1338$.

        >>> import numpy as np
        >>> import backprop as bp
        >>> rnn = bp.RNN.from_arrays(np.array([[1.0]]), np.array([[0.5]]), np.array([0.0]))
        >>> x = np.array([[[0.5], [1.0]]])                      # N=1, T=2, D=1
        >>> np.round(rnn.forward(x), 4).tolist()                # the last state h_2
        [[0.8429]]
        >>> np.round(rnn.states, 4).tolist()                    # h_1, h_2
        [[[0.4621], [0.8429]]]
        >>> dx = rnn.backward(np.array([[1.0]]))
        >>> np.round(rnn.deltas, 4).tolist()
        [[[0.1139], [0.2895]]]
        >>> np.round(rnn.grads["W_h"], 4).tolist(), np.round(dx, 4).tolist()
        ([[0.1338]], [[[0.1139], [0.2895]]])
    """

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        return_sequences: bool = False,
        bptt_steps: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        n_in = positive_int(n_in, "n_in")
        n_hidden = positive_int(n_hidden, "n_hidden")
        if not isinstance(return_sequences, bool):
            raise TypeError(f"return_sequences must be a bool, got {type(return_sequences).__name__}")
        self.return_sequences = return_sequences
        self.bptt_steps = None if bptt_steps is None else positive_int(bptt_steps, "bptt_steps")
        gen = make_rng(rng)
        limit = 1.0 / np.sqrt(n_hidden)
        self.params: dict[str, Array] = {
            "W_x": gen.uniform(-limit, limit, size=(n_in, n_hidden)),
            "W_h": gen.uniform(-limit, limit, size=(n_hidden, n_hidden)),
            "b": np.zeros(n_hidden),
        }
        self.grads: dict[str, Array] = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.dh0: Array | None = None
        self._x: Array | None = None  # inputs, time-major and flattened: (T*N, D)
        self._hs: Array | None = None  # states h_0..h_T, time-major: (T+1, N, H)
        self._dh: Array | None = None  # dL/dh_t, (T, N, H)
        self._delta: Array | None = None  # dL/da_t, (T, N, H)

    @classmethod
    def from_arrays(
        cls,
        W_x: Array,
        W_h: Array,
        b: Array,
        *,
        return_sequences: bool = False,
        bptt_steps: int | None = None,
    ) -> RNN:
        """Build a layer with hand-written weights ``W_x`` ``(D, H)``, ``W_h`` ``(H, H)``, ``b`` ``(H,)``.

        The arrays are copied.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> bp.RNN.from_arrays(np.zeros((2, 3)), np.eye(3), np.zeros(3))
            RNN(2, 3)
        """
        W_x = as_float_array(W_x, "W_x", ndim=2)
        H = W_x.shape[1]
        W_h = as_float_array(W_h, "W_h", ndim=2)
        check_shape(W_h, "W_h", (H, H))
        b = as_float_array(b, "b", ndim=1)
        check_shape(b, "b", (H,))
        layer = cls(W_x.shape[0], H, return_sequences=return_sequences, bptt_steps=bptt_steps, rng=0)
        layer.params["W_x"][...] = W_x
        layer.params["W_h"][...] = W_h
        layer.params["b"][...] = b
        return layer

    @property
    def n_in(self) -> int:
        """Number of input features ``D``."""
        return int(self.params["W_x"].shape[0])

    @property
    def n_hidden(self) -> int:
        """Number of hidden units ``H``."""
        return int(self.params["W_h"].shape[0])

    @property
    def states(self) -> Array:
        """Every hidden state $h_1, \\dots, h_T$ of the last ``forward``, ``(N, T, H)`` (a read-only view)."""
        if self._hs is None:
            raise RuntimeError("RNN.states read before forward")
        view: Array = self._hs[1:].transpose(1, 0, 2)
        view.flags.writeable = False
        return view

    @property
    def hidden_grads(self) -> Array:
        r"""$\partial L/\partial h_t$ for $t = 1..T$ from the last ``backward``, ``(N, T, H)`` (read-only).

        This is $g_t + \delta_{t+1} W_h^\top$: the direct gradient plus what flows back from the
        next step (under truncation, only the part that is still within its ``bptt_steps``).
        """
        if self._dh is None:
            raise RuntimeError("RNN.hidden_grads read before backward")
        view: Array = self._dh.transpose(1, 0, 2)
        view.flags.writeable = False
        return view

    @property
    def deltas(self) -> Array:
        r"""$\delta_t = \partial L/\partial a_t$ (before the tanh) from the last ``backward``, ``(N, T, H)``."""
        if self._delta is None:
            raise RuntimeError("RNN.deltas read before backward")
        view: Array = self._delta.transpose(1, 0, 2)
        view.flags.writeable = False
        return view

    def forward(self, x: Array, h0: Array | None = None) -> Array:
        r"""Run the recurrence $h_t = \tanh(x_t W_x + h_{t-1} W_h + b)$ for $t = 1, \dots, T$.

        Every $x_t W_x + b$ is one matrix product before the loop; the states are kept for `backward`.

        Args:
            x: inputs ``(N, T, D)``.
            h0: initial states ``(N, H)``, or None for zeros.

        Returns:
            ``(N, T, H)`` (every state) if ``return_sequences``, else ``(N, H)`` (the last state).
        """
        x = as_float_array(x, "x", ndim=3)
        check_shape(x, "x", (None, None, self.n_in))
        N, T, D = x.shape
        H = self.n_hidden
        W_h = self.params["W_h"]
        hs = np.empty((T + 1, N, H))
        if h0 is None:
            hs[0] = 0.0
        else:
            h0 = as_float_array(h0, "h0", ndim=2)
            check_shape(h0, "h0", (N, H))
            hs[0] = h0
        # Time-major copy of x, so that step t reads a contiguous (N, D) block.
        xt = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D)
        # All input projections x_t W_x + b in one matrix product, outside the loop.
        a = xt @ self.params["W_x"]
        a += self.params["b"]
        a3 = a.reshape(T, N, H)
        for t in range(T):  # h_t = tanh(a_t + h_{t-1} W_h), computed in place in hs[t + 1]
            h = hs[t + 1]
            np.matmul(hs[t], W_h, out=h)
            h += a3[t]
            np.tanh(h, out=h)
        self._x, self._hs = xt, hs
        self._dh = self._delta = None
        out: Array = hs[1:].transpose(1, 0, 2).copy() if self.return_sequences else hs[T].copy()
        return out

    def backward(self, dout: Array) -> Array:
        r"""Backpropagate through time; fill ``grads`` and ``dh0`` and return $\partial L/\partial x$.

        For $t = T, \dots, 1$: $\delta_t = (g_t + \delta_{t+1} W_h^\top) \odot (1 - h_t^2)$ (under
        ``bptt_steps``, only the terms still within the window); then
        $\partial L/\partial W_x = \sum_t x_t^\top\delta_t$, $\partial L/\partial W_h = \sum_t h_{t-1}^\top\delta_t$,
        $\partial L/\partial b = \sum_{t,n}\delta_{t,n}$, $\partial L/\partial h_0 = \delta_1 W_h^\top$ and
        $\partial L/\partial x_t = \delta_t W_x^\top$.

        Args:
            dout: the direct gradients $g_t$ = dL/d(output): ``(N, T, H)`` if ``return_sequences``,
                else ``(N, H)`` ($g_T$; the other $g_t$ are 0).

        Returns:
            $\partial L/\partial x$, ``(N, T, D)``.
        """
        hs = require_forward(self._hs, type(self).__name__)  # h_0..h_T, (T+1, N, H)
        xt = require_forward(self._x, type(self).__name__)  # x_1..x_T, (T·N, D)
        T1, N, H = hs.shape
        T = T1 - 1
        dout = as_float_array(dout, "dout")
        check_shape(dout, "dout", (N, T, H) if self.return_sequences else (N, H))
        W_hT = np.ascontiguousarray(self.params["W_h"].T)  # contiguous: the product in the loop runs faster
        if self.return_sequences:
            g = dout.transpose(1, 0, 2)  # the direct gradients g_t, time-major: (T, N, H)
        else:
            g = np.zeros((T, N, H))  # only the last state is read: g_t = 0 for t < T
            g[T - 1] = dout
        k = self.bptt_steps
        if k is None or k >= T:
            dh = np.empty((T, N, H))  # dL/dh_t
            delta = np.empty((T, N, H))  # delta_t = dL/da_t
            deriv = np.empty((N, H))  # tanh'(a_t) = 1 - h_t^2, one step at a time
            dh[T - 1] = g[T - 1]  # delta_{T+1} = 0: nothing flows back into the last step
            for t in range(T - 1, -1, -1):  # index t is step t + 1 of the formulas; hs[t + 1] is its h
                if t < T - 1:  # dL/dh_t = g_t + delta_{t+1} W_h^T, written in place
                    np.matmul(delta[t + 1], W_hT, out=dh[t])
                    dh[t] += g[t]
                np.multiply(hs[t + 1], hs[t + 1], out=deriv)
                np.subtract(1.0, deriv, out=deriv)
                np.multiply(dh[t], deriv, out=delta[t])  # delta_t = dL/dh_t ⊙ (1 - h_t^2)
        else:
            deriv_all = np.square(hs[1:])  # tanh'(a_t) = 1 - h_t^2 for every step at once, (T, N, H)
            np.subtract(1.0, deriv_all, out=deriv_all)
            dh, delta = self._truncated(g, deriv_all, W_hT, k)
        D2 = delta.reshape(T * N, H)
        # Sums over time as single products over all T*N rows.
        self.grads["W_x"] = xt.T @ D2
        self.grads["W_h"] = hs[:T].reshape(T * N, H).T @ D2
        self.grads["b"] = D2.sum(axis=0)
        self.dh0 = delta[0] @ W_hT
        self._dh, self._delta = dh, delta
        dx = D2 @ self.params["W_x"].T
        return np.ascontiguousarray(dx.reshape(T, N, -1).transpose(1, 0, 2))

    @staticmethod
    def _truncated(g: Array, deriv: Array, W_hT: Array, k: int) -> tuple[Array, Array]:
        """Truncated BPTT: ``(dL/dh_t, delta_t)``, ``(T, N, H)`` each, keeping at most ``k`` gradients in flight.

        ``g`` holds the direct gradients g_t and ``deriv`` the 1 - h_t^2. ``carry[j]`` is the
        gradient that originated at step s + j (from ``g[s + j]``), carried back to step s:
        first with respect to h_s, then to a_s, then to h_{s-1}.
        """
        T, N, H = g.shape
        dh, delta = np.empty((T, N, H)), np.empty((T, N, H))
        carry = np.empty((0, N, H))
        for s in range(T - 1, -1, -1):
            carry = np.concatenate([g[s][None], carry])  # with respect to h_s
            dh[s] = carry.sum(axis=0)
            carry = carry * deriv[s]  # with respect to a_s
            delta[s] = carry.sum(axis=0)
            carry = carry[: k - 1] @ W_hT  # with respect to h_{s-1}; an origin k steps back stops here
        return dh, delta

    def __repr__(self) -> str:
        extra = "".join(
            [", return_sequences=True" if self.return_sequences else "",
             f", bptt_steps={self.bptt_steps}" if self.bptt_steps is not None else ""]
        )
        return f"RNN({self.n_in}, {self.n_hidden}{extra})"


def clip_grad_norm(layer_or_grads: Layer | Mapping[str, Array], max_norm: float) -> float:
    r"""Rescale all gradients together so that their global norm is at most ``max_norm``.

    The global norm is $\|g\| = \sqrt{\sum_k \|g_k\|^2}$ over every gradient array. If
    it exceeds ``max_norm`` every array is multiplied **in place** by
    $\text{max\_norm}/\|g\|$: the direction of the update is kept, only its length is
    capped. This tames the occasional huge step of an exploding gradient.

    Args:
        layer_or_grads: a `Layer` (its ``grads`` are clipped) or a dict of
            gradient arrays.
        max_norm: the largest allowed global norm, > 0.

    Returns:
        The global norm **before** clipping.

    Raises:
        ValueError: a gradient holds NaN or inf, or ``max_norm`` is not > 0.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
        >>> bp.clip_grad_norm(grads, 1.0)           # norm 5 > 1: every array scaled by 1/5
        5.0
        >>> np.round(grads["a"], 6).tolist(), np.round(grads["b"], 6).tolist()
        ([0.6], [[0.8]])
        >>> small = {"a": np.array([0.6]), "b": np.array([[0.8]])}
        >>> bp.clip_grad_norm(small, 10.0)          # norm 1 <= 10: unchanged
        1.0
        >>> small["a"].tolist(), small["b"].tolist()
        ([0.6], [[0.8]])
    """
    max_norm = positive_float(max_norm, "max_norm")
    if isinstance(layer_or_grads, Mapping):
        grads = dict(layer_or_grads)
    else:
        grads = as_layer(layer_or_grads, "layer_or_grads (a layer, or else a dict of arrays)").grads
    for name, g in grads.items():
        if not isinstance(g, np.ndarray) or not np.issubdtype(g.dtype, np.floating):
            raise TypeError(f"gradient {name!r} must be a floating-point numpy.ndarray, got {type(g).__name__}")
    total = safe_norm(*grads.values())  # finite for gradients as large as 1e308
    if not np.isfinite(total):
        raise ValueError(f"gradients must be finite to be clipped, got global norm {total}")
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total
