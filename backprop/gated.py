r"""Gated recurrent layers: the LSTM and the GRU, with (truncated) backpropagation through time.

Both read a sequence $x_1, \dots, x_T$ like `backprop.RNN` and take the same shapes: inputs
``(N, T, D)``, and out either every hidden state ``(N, T, H)`` or only the last ``(N, H)``.
Their gates are sigmoids $\sigma \in (0, 1)$ that decide, unit by unit and step by step, how
much of the old state is kept. Where the gate says "keep", the state is *copied* forward, so
the gradient flowing back along that path is multiplied by the gate value (close to 1) rather
than by $W_h^\top$ and a $\tanh'$ at every step, as in the tanh RNN: it neither vanishes nor
explodes as quickly.

**LSTM.** With $a_t = x_t W_x + h_{t-1} W_h + b$ split into four blocks of $H$ columns,
in PyTorch's order $i, f, g, o$:

$$i_t = \sigma(a^i_t), \quad f_t = \sigma(a^f_t), \quad g_t = \tanh(a^g_t), \quad o_t = \sigma(a^o_t),$$

$$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t).$$

Backward, for $t = T, \dots, 1$, with $\partial L/\partial h_t = g^{\text{out}}_t + \delta_{t+1} W_h^\top$
(the direct gradient from step $t$'s output plus what comes back from step $t+1$) and
$\delta_t = \partial L/\partial a_t$:

$$\frac{\partial L}{\partial c_t} = \frac{\partial L}{\partial c_{t+1}} \odot f_{t+1}
+ \frac{\partial L}{\partial h_t} \odot o_t \odot \big(1 - \tanh^2 c_t\big),$$

$$\delta^i_t = \frac{\partial L}{\partial c_t} \odot g_t \odot i_t(1 - i_t), \quad
\delta^f_t = \frac{\partial L}{\partial c_t} \odot c_{t-1} \odot f_t(1 - f_t), \quad
\delta^g_t = \frac{\partial L}{\partial c_t} \odot i_t \odot (1 - g_t^2), \quad
\delta^o_t = \frac{\partial L}{\partial h_t} \odot \tanh c_t \odot o_t(1 - o_t).$$

The first line is the additive path: from $c_t$ to $c_{t-1}$ the gradient is only multiplied
by $f_t$. The parameter gradients are sums over the steps, exactly as for the RNN:
$\partial L/\partial W_x = \sum_t x_t^\top\delta_t$, $\partial L/\partial W_h = \sum_t h_{t-1}^\top\delta_t$,
$\partial L/\partial b = \sum_{t,n}\delta_{t,n}$, $\partial L/\partial x_t = \delta_t W_x^\top$;
and $\partial L/\partial h_0 = \delta_1 W_h^\top$, $\partial L/\partial c_0 = \partial L/\partial c_1 \odot f_1$.

**GRU** (exactly ``torch.nn.GRU``). With the input part $u_t = x_t W_x + b_x$ and the hidden
part $s_t = h_{t-1} W_h + b_h$, each split into blocks $r, z, n$:

$$r_t = \sigma(u^r_t + s^r_t), \quad z_t = \sigma(u^z_t + s^z_t), \quad
n_t = \tanh\big(u^n_t + r_t \odot s^n_t\big), \qquad h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}.$$

Backward, with $d_t = \partial L/\partial h_t$ (direct plus from step $t+1$) and
$\nu_t = d_t \odot (1 - z_t) \odot (1 - n_t^2)$, the gradient at $\tanh$'s argument:

$$\frac{\partial L}{\partial u_t} = \Big[\nu_t \odot s^n_t \odot r_t(1 - r_t),\;
d_t \odot (h_{t-1} - n_t) \odot z_t(1 - z_t),\; \nu_t\Big], \qquad
\frac{\partial L}{\partial s_t} = \Big[\text{the same } r \text{ and } z \text{ blocks},\; \nu_t \odot r_t\Big],$$

$$\frac{\partial L}{\partial h_{t-1}} = d_t \odot z_t + \frac{\partial L}{\partial s_t} W_h^\top
\quad (\text{plus } h_{t-1}\text{'s own direct gradient}).$$

Here the additive path is $h_{t-1} \to h_t$ through $z_t$. Then
$\partial L/\partial W_x = \sum_t x_t^\top \partial L/\partial u_t$,
$\partial L/\partial b_x = \sum_{t,n}\partial L/\partial u_t$,
$\partial L/\partial W_h = \sum_t h_{t-1}^\top \partial L/\partial s_t$,
$\partial L/\partial b_h = \sum_{t,n}\partial L/\partial s_t$.

As in `backprop.rnn`, every input product $x_t W_x$ is one matrix product before the time
loop and every sum over $t$ one product over all $N T$ rows after it. Truncated BPTT
(``bptt_steps=k``) means the same as for `backprop.RNN`: the gradient that enters at step $t$
flows back through the steps $t, \dots, t-k+1$ only (through both $h$ and, for the LSTM, $c$).
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, check_shape, make_rng, positive_int, require_forward
from backprop._types import Array

__all__ = ["GRU", "LSTM"]


def _sigmoid(z: Array) -> Array:
    r"""$\sigma(z) = \tfrac12\big(1 + \tanh(z/2)\big)$: the logistic function, with no ``exp`` to overflow.

    Examples:
        >>> import numpy as np
        >>> from backprop.gated import _sigmoid
        >>> np.round(_sigmoid(np.array([-1000.0, 0.0, 2.0])), 4).tolist()
        [0.0, 0.5, 0.8808]
    """
    s: Array = 0.5 * np.tanh(0.5 * z) + 0.5
    return s


def _blocks(a: Array, k: int) -> list[Array]:
    """The ``k`` equal column blocks of the last axis of ``a`` (views)."""
    H = a.shape[-1] // k
    return [a[..., j * H : (j + 1) * H] for j in range(k)]


def _read_only(a: Array) -> Array:
    """A time-major ``(T, N, H)`` array as a read-only batch-first ``(N, T, H)`` view."""
    view: Array = a.transpose(1, 0, 2)
    view.flags.writeable = False
    return view


class _GatedRecurrent:
    """What the LSTM and the GRU share: arguments, shapes, initial states and the direct gradients."""

    _n_gates: int

    def __init__(
        self, n_in: int, n_hidden: int, return_sequences: bool, bptt_steps: int | None,
        rng: np.random.Generator | int | None,
    ) -> None:
        D = positive_int(n_in, "n_in")
        H = positive_int(n_hidden, "n_hidden")
        if not isinstance(return_sequences, bool):
            raise TypeError(f"return_sequences must be a bool, got {type(return_sequences).__name__}")
        self.return_sequences = return_sequences
        self.bptt_steps = None if bptt_steps is None else positive_int(bptt_steps, "bptt_steps")
        gen = make_rng(rng)
        limit = 1.0 / np.sqrt(H)
        G = self._n_gates * H
        self.params: dict[str, Array] = {
            "W_x": gen.uniform(-limit, limit, size=(D, G)),
            "W_h": gen.uniform(-limit, limit, size=(H, G)),
        }
        self.dh0: Array | None = None
        self._x: Array | None = None  # inputs, time-major and flattened: (T*N, D)
        self._hs: Array | None = None  # states h_0..h_T, time-major: (T+1, N, H)
        self._dh: Array | None = None  # dL/dh_t, (T, N, H)

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
            raise RuntimeError(f"{type(self).__name__}.states read before forward")
        return _read_only(self._hs[1:])

    @property
    def hidden_grads(self) -> Array:
        r"""$\partial L/\partial h_t$ for $t = 1..T$ from the last ``backward``, ``(N, T, H)`` (read-only).

        The direct gradient from step $t$'s output plus what flows back from step $t+1$
        (under truncation, only the part still within its ``bptt_steps``).
        """
        if self._dh is None:
            raise RuntimeError(f"{type(self).__name__}.hidden_grads read before backward")
        return _read_only(self._dh)

    def _inputs(self, x: Array) -> tuple[Array, int, int]:
        """``x`` checked and turned time-major and flat, ``(T*N, D)``, with ``N`` and ``T``."""
        x = as_float_array(x, "x", ndim=3)
        check_shape(x, "x", (None, None, self.n_in))
        N, T, D = x.shape
        # Time-major copy of x, so that step t reads a contiguous (N, D) block.
        return np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(T * N, D), N, T

    def _initial(self, state: Array | None, name: str, N: int) -> Array:
        """An initial state ``(N, H)``: zeros, or ``state`` checked."""
        if state is None:
            return np.zeros((N, self.n_hidden))
        state = as_float_array(state, name, ndim=2)
        check_shape(state, name, (N, self.n_hidden))
        return state

    def _output(self, hs: Array) -> Array:
        out: Array = hs[1:].transpose(1, 0, 2).copy() if self.return_sequences else hs[-1].copy()
        return out

    def _direct_grads(self, dout: Array, N: int, T: int) -> Array:
        """The gradients $g_t$ arriving at each $h_t$ from the output, time-major ``(T, N, H)``."""
        H = self.n_hidden
        dout = as_float_array(dout, "dout")
        check_shape(dout, "dout", (N, T, H) if self.return_sequences else (N, H))
        if self.return_sequences:
            g: Array = dout.transpose(1, 0, 2)
            return g
        g = np.zeros((T, N, H))  # only the last state is read: g_t = 0 for t < T
        g[T - 1] = dout
        return g

    def _full(self, T: int) -> bool:
        """Whether the backward pass is full BPTT (no ``bptt_steps``, or at least ``T``)."""
        return self.bptt_steps is None or self.bptt_steps >= T

    def __repr__(self) -> str:
        extra = "".join(
            [", return_sequences=True" if self.return_sequences else "",
             f", bptt_steps={self.bptt_steps}" if self.bptt_steps is not None else ""]
        )
        return f"{type(self).__name__}({self.n_in}, {self.n_hidden}{extra})"


class LSTM(_GatedRecurrent):
    r"""Long short-term memory layer, gates $i, f, g, o$ in PyTorch's order, with (truncated) BPTT.

    $a_t = x_t W_x + h_{t-1} W_h + b$; $i_t, f_t, o_t = \sigma(\cdot)$ and $g_t = \tanh(\cdot)$ of its
    four blocks; $c_t = f_t \odot c_{t-1} + i_t \odot g_t$; $h_t = o_t \odot \tanh c_t$. The
    backward formulas are in the module docstring (`backprop.gated`).

    The weights map onto ``torch.nn.LSTM`` as ``weight_ih_l0 = W_x.T``, ``weight_hh_l0 = W_h.T``
    and ``bias_ih_l0 + bias_hh_l0 = b`` (torch keeps two biases; only their sum matters).

    Args:
        n_in: input features ``D``.
        n_hidden: hidden units ``H``.
        return_sequences: if True, ``forward`` returns every state ``(N, T, H)`` and
            ``backward`` expects ``(N, T, H)``; otherwise only the last state ``(N, H)``.
        bptt_steps: ``k`` for truncated BPTT (as in `backprop.RNN`), or None for full BPTT.
        rng: seed or Generator for the initial weights: $W_x, W_h \sim U(\pm 1/\sqrt{H})$
            (PyTorch's default), $b = 0$.

    Attributes:
        params: ``"W_x"`` ``(D, 4H)``, ``"W_h"`` ``(H, 4H)``, ``"b"`` ``(4H,)``, column blocks $i, f, g, o$.
        grads: the same keys, filled by ``backward``.
        dh0: $\partial L/\partial h_0$, ``(N, H)``, filled by ``backward``.
        dc0: $\partial L/\partial c_0$, ``(N, H)``, filled by ``backward``.

    Examples:
        One unit with every weight 0 and biases $(0, 0, 1, 0)$: every gate is $\sigma(0) = 0.5$
        and $g = \tanh 1 = 0.7616$, so $c_1 = 0.5 \cdot 0.7616 = 0.3808$,
        $c_2 = 0.5\,c_1 + 0.3808 = 0.5712$ and $h_t = 0.5 \tanh c_t$.

        >>> import numpy as np
        >>> import backprop as bp
        >>> lstm = bp.LSTM.from_arrays(np.zeros((1, 4)), np.zeros((1, 4)), np.array([0.0, 0.0, 1.0, 0.0]))
        >>> x = np.zeros((1, 2, 1))                              # N=1, T=2, D=1
        >>> np.round(lstm.forward(x), 4).tolist()                # the last state h_2
        [[0.2581]]
        >>> np.round(lstm.cell_states, 4).tolist()               # c_1, c_2
        [[[0.3808], [0.5712]]]
        >>> dx = lstm.backward(np.array([[1.0]]))
        >>> np.round(lstm.cell_grads, 4).tolist()                # dL/dc_2 reaches c_1 times f_2 = 0.5
        [[[0.1834], [0.3667]]]
        >>> np.round(lstm.grads["b"], 4).tolist()
        [0.1047, 0.0349, 0.1155, 0.1291]
    """

    _n_gates = 4

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        return_sequences: bool = False,
        bptt_steps: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(n_in, n_hidden, return_sequences, bptt_steps, rng)
        self.params["b"] = np.zeros(4 * self.n_hidden)
        self.grads: dict[str, Array] = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.dc0: Array | None = None
        self._cs: Array | None = None  # cell states c_0..c_T, (T+1, N, H)
        self._gates: Array | None = None  # i, f, g, o after their nonlinearity, (T, N, 4H)
        self._tc: Array | None = None  # tanh(c_t), (T, N, H)
        self._dc: Array | None = None  # dL/dc_t, (T, N, H)

    @classmethod
    def from_arrays(
        cls, W_x: Array, W_h: Array, b: Array, *, return_sequences: bool = False, bptt_steps: int | None = None
    ) -> LSTM:
        """Build a layer with the given ``W_x`` ``(D, 4H)``, ``W_h`` ``(H, 4H)``, ``b`` ``(4H,)`` (copied).

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> bp.LSTM.from_arrays(np.zeros((2, 12)), np.zeros((3, 12)), np.zeros(12))
            LSTM(2, 3)
        """
        W_x = as_float_array(W_x, "W_x", ndim=2)
        W_h = as_float_array(W_h, "W_h", ndim=2)
        H = W_h.shape[0]
        check_shape(W_h, "W_h", (H, 4 * H))
        check_shape(W_x, "W_x", (None, 4 * H))
        b = as_float_array(b, "b", ndim=1)
        check_shape(b, "b", (4 * H,))
        layer = cls(W_x.shape[0], H, return_sequences=return_sequences, bptt_steps=bptt_steps, rng=0)
        for name, value in (("W_x", W_x), ("W_h", W_h), ("b", b)):
            layer.params[name][...] = value
        return layer

    @property
    def cell_states(self) -> Array:
        """Every cell state $c_1, \\dots, c_T$ of the last ``forward``, ``(N, T, H)`` (a read-only view)."""
        if self._cs is None:
            raise RuntimeError("LSTM.cell_states read before forward")
        return _read_only(self._cs[1:])

    @property
    def cell_grads(self) -> Array:
        r"""$\partial L/\partial c_t$ for $t = 1..T$ from the last ``backward``, ``(N, T, H)`` (read-only)."""
        if self._dc is None:
            raise RuntimeError("LSTM.cell_grads read before backward")
        return _read_only(self._dc)

    def forward(self, x: Array, h0: Array | None = None, c0: Array | None = None) -> Array:
        r"""Run the cell for $t = 1, \dots, T$: gates from $a_t = x_t W_x + h_{t-1} W_h + b$, then $c_t$, then $h_t$.

        Args:
            x: inputs ``(N, T, D)``.
            h0: initial hidden states ``(N, H)``, or None for zeros.
            c0: initial cell states ``(N, H)``, or None for zeros.

        Returns:
            ``(N, T, H)`` (every state) if ``return_sequences``, else ``(N, H)`` (the last state).

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> x = np.random.default_rng(1).normal(size=(2, 7, 3))     # N=2, T=7, D=3
            >>> lstm = bp.LSTM(3, 5, return_sequences=True, rng=0)
            >>> lstm.forward(x).shape, lstm.cell_states.shape
            ((2, 7, 5), (2, 7, 5))
            >>> bp.LSTM(3, 5, rng=0).forward(x, np.zeros((2, 5)), np.ones((2, 5))).shape
            (2, 5)
        """
        xt, N, T = self._inputs(x)
        H = self.n_hidden
        hs, cs = np.empty((T + 1, N, H)), np.empty((T + 1, N, H))
        hs[0], cs[0] = self._initial(h0, "h0", N), self._initial(c0, "c0", N)
        # All input projections x_t W_x + b in one matrix product, outside the loop.
        a = (xt @ self.params["W_x"] + self.params["b"]).reshape(T, N, 4 * H)
        W_h = self.params["W_h"]
        gates, tc = np.empty((T, N, 4 * H)), np.empty((T, N, H))
        for t in range(T):  # index t is step t + 1 of the formulas: hs[t] is h_{t-1} there
            z = a[t] + hs[t] @ W_h  # a_t, the pre-activations of i, f, g, o
            a_i, a_f, a_g, a_o = _blocks(z, 4)
            i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
            cs[t + 1] = f * cs[t] + i * g
            tc[t] = np.tanh(cs[t + 1])
            hs[t + 1] = o * tc[t]
            gates[t] = np.concatenate([i, f, g, o], axis=1)
        self._x, self._hs, self._cs, self._gates, self._tc = xt, hs, cs, gates, tc
        self._dh = self._dc = None
        return self._output(hs)

    def _cell_backward(self, t: int, dh: Array, dc_next: Array) -> tuple[Array, Array]:
        r"""One step back: $\partial L/\partial c_t$ and $\delta_t$ from $\partial L/\partial h_t$ and ``dc_next``.

        ``dc_next`` is $\partial L/\partial c_{t+1} \odot f_{t+1}$.

        Linear in the gradients, so ``dh`` and ``dc_next`` may carry extra leading axes (one
        row per origin, for truncated BPTT).
        """
        assert self._gates is not None
        assert self._tc is not None
        assert self._cs is not None
        i, f, g, o = _blocks(self._gates[t], 4)
        tc, c_prev = self._tc[t], self._cs[t]
        dc = dc_next + dh * o * (1.0 - tc**2)
        delta = np.concatenate(
            [dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f), dc * i * (1.0 - g**2), dh * tc * o * (1.0 - o)],
            axis=-1,
        )
        return dc, delta

    def backward(self, dout: Array) -> Array:
        r"""Backpropagate through time; fill ``grads``, ``dh0`` and ``dc0`` and return $\partial L/\partial x$.

        For $t = T, \dots, 1$: $\partial L/\partial h_t = g^{\text{out}}_t + \delta_{t+1} W_h^\top$;
        $\partial L/\partial c_t = \partial L/\partial c_{t+1} \odot f_{t+1}
        + \partial L/\partial h_t \odot o_t \odot (1 - \tanh^2 c_t)$;
        $\delta_t$ from them (module docstring). Then
        $\partial L/\partial W_x = \sum_t x_t^\top\delta_t$, $\partial L/\partial W_h = \sum_t h_{t-1}^\top\delta_t$,
        $\partial L/\partial b = \sum_{t,n}\delta_{t,n}$, $\partial L/\partial x_t = \delta_t W_x^\top$,
        $\partial L/\partial h_0 = \delta_1 W_h^\top$, $\partial L/\partial c_0 = \partial L/\partial c_1 \odot f_1$.

        Args:
            dout: the direct gradients $g^{\text{out}}_t$ = dL/d(output): ``(N, T, H)`` if
                ``return_sequences``, else ``(N, H)`` ($g^{\text{out}}_T$; the others are 0).

        Returns:
            $\partial L/\partial x$, ``(N, T, D)``.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> lstm = bp.LSTM(3, 5, rng=0)
            >>> _ = lstm.forward(np.random.default_rng(1).normal(size=(2, 7, 3)))
            >>> dx = lstm.backward(np.ones((2, 5)))
            >>> dx.shape, lstm.dh0.shape, lstm.dc0.shape, lstm.grads["W_h"].shape
            ((2, 7, 3), (2, 5), (2, 5), (5, 20))
        """
        hs = require_forward(self._hs, type(self).__name__)
        xt = require_forward(self._x, type(self).__name__)
        gates = require_forward(self._gates, type(self).__name__)
        T1, N, H = hs.shape
        T = T1 - 1
        g_out = self._direct_grads(dout, N, T)  # (T, N, H); g alone is the candidate gate
        W_hT = self.params["W_h"].T
        f = _blocks(gates, 4)[1]
        dh, dc, delta = np.empty((T, N, H)), np.empty((T, N, H)), np.empty((T, N, 4 * H))
        if self._full(T):
            dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))  # delta_{T+1} W_h^T and dL/dc_{T+1} f_{T+1}: 0
            for t in range(T - 1, -1, -1):
                dh[t] = g_out[t] + dh_next
                dc[t], delta[t] = self._cell_backward(t, dh[t], dc_next)
                dh_next, dc_next = delta[t] @ W_hT, dc[t] * f[t]
        else:
            self._truncated(g_out, W_hT, dh, dc, delta)
        D2 = delta.reshape(T * N, 4 * H)
        # Sums over time as single products over all T*N rows.
        self.grads["W_x"] = xt.T @ D2
        self.grads["W_h"] = hs[:T].reshape(T * N, H).T @ D2
        self.grads["b"] = D2.sum(axis=0)
        self.dh0, self.dc0 = delta[0] @ W_hT, dc[0] * f[0]
        self._dh, self._dc = dh, dc
        dx = D2 @ self.params["W_x"].T
        return np.ascontiguousarray(dx.reshape(T, N, -1).transpose(1, 0, 2))

    def _truncated(self, g_out: Array, W_hT: Array, dh: Array, dc: Array, delta: Array) -> None:
        """Truncated BPTT into ``dh``, ``dc``, ``delta``, keeping one gradient per origin step in flight.

        ``carry_h[j]`` and ``carry_c[j]`` are the gradients that originated at step s + j (from
        ``g_out[s + j]``), carried back to h_s and (through c_{s+1}) to c_s; an origin k steps back stops.
        """
        assert self._gates is not None
        assert self.bptt_steps is not None
        T, N, H = g_out.shape
        k = self.bptt_steps
        f = _blocks(self._gates, 4)[1]
        carry_h = carry_c = np.empty((0, N, H))
        for s in range(T - 1, -1, -1):
            carry_h = np.concatenate([g_out[s][None], carry_h])
            carry_c = np.concatenate([np.zeros((1, N, H)), carry_c])  # the new origin has not been through c_{s+1}
            dc_s, delta_s = self._cell_backward(s, carry_h, carry_c)
            dh[s], dc[s], delta[s] = carry_h.sum(axis=0), dc_s.sum(axis=0), delta_s.sum(axis=0)
            carry_h, carry_c = delta_s[: k - 1] @ W_hT, dc_s[: k - 1] * f[s]


class GRU(_GatedRecurrent):
    r"""Gated recurrent unit, exactly ``torch.nn.GRU``: gates $r, z$ and candidate $n$, with (truncated) BPTT.

    $r_t = \sigma(u^r_t + s^r_t)$, $z_t = \sigma(u^z_t + s^z_t)$, $n_t = \tanh(u^n_t + r_t \odot s^n_t)$,
    $h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$, where $u_t = x_t W_x + b_x$ and
    $s_t = h_{t-1} W_h + b_h$ (blocks $r, z, n$). The reset gate multiplies the *hidden part*
    $s^n_t$, bias included, which is why the GRU keeps two biases. The backward formulas are in
    the module docstring (`backprop.gated`).

    The weights map onto ``torch.nn.GRU`` as ``weight_ih_l0 = W_x.T``, ``weight_hh_l0 = W_h.T``,
    ``bias_ih_l0 = b_x`` and ``bias_hh_l0 = b_h``.

    Args:
        n_in: input features ``D``.
        n_hidden: hidden units ``H``.
        return_sequences: if True, ``forward`` returns every state ``(N, T, H)`` and
            ``backward`` expects ``(N, T, H)``; otherwise only the last state ``(N, H)``.
        bptt_steps: ``k`` for truncated BPTT (as in `backprop.RNN`), or None for full BPTT.
        rng: seed or Generator for the initial weights: $W_x, W_h \sim U(\pm 1/\sqrt{H})$
            (PyTorch's default), $b_x = b_h = 0$.

    Attributes:
        params: ``"W_x"`` ``(D, 3H)``, ``"W_h"`` ``(H, 3H)``, ``"b_x"`` ``(3H,)``, ``"b_h"`` ``(3H,)``,
            column blocks $r, z, n$.
        grads: the same keys, filled by ``backward``.
        dh0: $\partial L/\partial h_0$, ``(N, H)``, filled by ``backward``.

    Examples:
        One unit with every weight 0 and $b_x = (0, 0, 1)$: $r = z = 0.5$ and $n = \tanh 1 = 0.7616$,
        so $h_1 = 0.5 \cdot 0.7616 = 0.3808$ and $h_2 = 0.5 \cdot 0.7616 + 0.5\,h_1 = 0.5712$.
        With $\partial L/\partial h_2 = 1$, $h_1$ receives $z_2 = 0.5$ through the additive path.

        >>> import numpy as np
        >>> import backprop as bp
        >>> gru = bp.GRU.from_arrays(np.zeros((1, 3)), np.zeros((1, 3)), np.array([0.0, 0.0, 1.0]), np.zeros(3))
        >>> x = np.zeros((1, 2, 1))
        >>> np.round(gru.forward(x), 4).tolist()
        [[0.5712]]
        >>> dx = gru.backward(np.array([[1.0]]))
        >>> np.round(gru.hidden_grads, 4).tolist()                # dL/dh_1, dL/dh_2
        [[[0.5], [1.0]]]
        >>> np.round(gru.grads["b_x"], 4).tolist()
        [0.0, -0.1904, 0.315]
    """

    _n_gates = 3

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        *,
        return_sequences: bool = False,
        bptt_steps: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        super().__init__(n_in, n_hidden, return_sequences, bptt_steps, rng)
        self.params["b_x"] = np.zeros(3 * self.n_hidden)
        self.params["b_h"] = np.zeros(3 * self.n_hidden)
        self.grads: dict[str, Array] = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._gates: Array | None = None  # r, z, n, (T, N, 3H)
        self._sn: Array | None = None  # s^n_t = (h_{t-1} W_h + b_h) block n, (T, N, H)

    @classmethod
    def from_arrays(
        cls, W_x: Array, W_h: Array, b_x: Array, b_h: Array, *, return_sequences: bool = False,
        bptt_steps: int | None = None,
    ) -> GRU:
        """Build a layer with the given ``W_x`` ``(D, 3H)``, ``W_h`` ``(H, 3H)``, ``b_x``, ``b_h`` ``(3H,)`` (copied).

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> bp.GRU.from_arrays(np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(9), np.zeros(9))
            GRU(2, 3)
        """
        W_x = as_float_array(W_x, "W_x", ndim=2)
        W_h = as_float_array(W_h, "W_h", ndim=2)
        H = W_h.shape[0]
        check_shape(W_h, "W_h", (H, 3 * H))
        check_shape(W_x, "W_x", (None, 3 * H))
        b_x = as_float_array(b_x, "b_x", ndim=1)
        check_shape(b_x, "b_x", (3 * H,))
        b_h = as_float_array(b_h, "b_h", ndim=1)
        check_shape(b_h, "b_h", (3 * H,))
        layer = cls(W_x.shape[0], H, return_sequences=return_sequences, bptt_steps=bptt_steps, rng=0)
        for name, value in (("W_x", W_x), ("W_h", W_h), ("b_x", b_x), ("b_h", b_h)):
            layer.params[name][...] = value
        return layer

    def forward(self, x: Array, h0: Array | None = None) -> Array:
        r"""Run the cell for $t = 1, \dots, T$: $r_t$, $z_t$, $n_t$, then $h_t = (1 - z_t) n_t + z_t h_{t-1}$.

        Args:
            x: inputs ``(N, T, D)``.
            h0: initial states ``(N, H)``, or None for zeros.

        Returns:
            ``(N, T, H)`` (every state) if ``return_sequences``, else ``(N, H)`` (the last state).

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> x = np.random.default_rng(1).normal(size=(2, 7, 3))     # N=2, T=7, D=3
            >>> bp.GRU(3, 5, return_sequences=True, rng=0).forward(x).shape
            (2, 7, 5)
            >>> bp.GRU(3, 5, rng=0).forward(x, np.zeros((2, 5))).shape
            (2, 5)
        """
        xt, N, T = self._inputs(x)
        H = self.n_hidden
        hs = np.empty((T + 1, N, H))
        hs[0] = self._initial(h0, "h0", N)
        # All input parts u_t = x_t W_x + b_x in one matrix product, outside the loop.
        u = (xt @ self.params["W_x"] + self.params["b_x"]).reshape(T, N, 3 * H)
        W_h, b_h = self.params["W_h"], self.params["b_h"]
        gates, sn = np.empty((T, N, 3 * H)), np.empty((T, N, H))
        for t in range(T):  # index t is step t + 1 of the formulas: hs[t] is h_{t-1} there
            u_r, u_z, u_n = _blocks(u[t], 3)
            s_r, s_z, s_n = _blocks(hs[t] @ W_h + b_h, 3)  # s_t, the hidden parts
            r, z = _sigmoid(u_r + s_r), _sigmoid(u_z + s_z)
            n = np.tanh(u_n + r * s_n)
            hs[t + 1] = (1.0 - z) * n + z * hs[t]
            gates[t], sn[t] = np.concatenate([r, z, n], axis=1), s_n
        self._x, self._hs, self._gates, self._sn = xt, hs, gates, sn
        self._dh = None
        return self._output(hs)

    def _cell_backward(self, t: int, dh: Array) -> tuple[Array, Array, Array]:
        r"""One step back: $\partial L/\partial u_t$, $\partial L/\partial s_t$ and $d_t \odot z_t$ (to $h_{t-1}$).

        Linear in ``dh`` ($\partial L/\partial h_t$), which may carry extra leading axes (one row
        per origin, for truncated BPTT).
        """
        assert self._gates is not None
        assert self._sn is not None
        assert self._hs is not None
        r, z, n = _blocks(self._gates[t], 3)
        h_prev, s_n = self._hs[t], self._sn[t]
        nu = dh * (1.0 - z) * (1.0 - n**2)  # at tanh's argument u^n + r * s^n
        d_r = nu * s_n * r * (1.0 - r)
        d_z = dh * (h_prev - n) * z * (1.0 - z)
        du = np.concatenate([d_r, d_z, nu], axis=-1)
        ds = np.concatenate([d_r, d_z, nu * r], axis=-1)
        return du, ds, dh * z

    def backward(self, dout: Array) -> Array:
        r"""Backpropagate through time; fill ``grads`` and ``dh0`` and return $\partial L/\partial x$.

        For $t = T, \dots, 1$:
        $d_t = \partial L/\partial h_t = g_t + d_{t+1} \odot z_{t+1} + \partial L/\partial s_{t+1}\,W_h^\top$,
        then $\partial L/\partial u_t$ and $\partial L/\partial s_t$ (module docstring). Then
        $\partial L/\partial W_x = \sum_t x_t^\top\,\partial L/\partial u_t$,
        $\partial L/\partial W_h = \sum_t h_{t-1}^\top\,\partial L/\partial s_t$, the biases the sums of
        $\partial L/\partial u_t$ and $\partial L/\partial s_t$,
        $\partial L/\partial x_t = \partial L/\partial u_t\,W_x^\top$ and
        $\partial L/\partial h_0 = d_1 \odot z_1 + \partial L/\partial s_1\,W_h^\top$.

        Args:
            dout: the direct gradients $g_t$ = dL/d(output): ``(N, T, H)`` if ``return_sequences``,
                else ``(N, H)`` ($g_T$; the other $g_t$ are 0).

        Returns:
            $\partial L/\partial x$, ``(N, T, D)``.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> gru = bp.GRU(3, 5, bptt_steps=3, rng=0)              # truncated to 3 steps
            >>> _ = gru.forward(np.random.default_rng(1).normal(size=(2, 7, 3)))
            >>> dx = gru.backward(np.ones((2, 5)))
            >>> dx.shape, gru.dh0.shape, sorted(gru.grads)
            ((2, 7, 3), (2, 5), ['W_h', 'W_x', 'b_h', 'b_x'])
            >>> bool(np.all(dx[:, :4] == 0.0))                        # steps 1-4 are out of reach
            True
        """
        hs = require_forward(self._hs, type(self).__name__)
        xt = require_forward(self._x, type(self).__name__)
        gates = require_forward(self._gates, type(self).__name__)
        T1, N, H = hs.shape
        T = T1 - 1
        g = self._direct_grads(dout, N, T)
        W_hT = self.params["W_h"].T
        dh, du, ds = np.empty((T, N, H)), np.empty((T, N, 3 * H)), np.empty((T, N, 3 * H))
        if self._full(T):
            dh_next = np.zeros((N, H))  # what h_T receives from step T + 1: nothing
            for t in range(T - 1, -1, -1):
                dh[t] = g[t] + dh_next
                du[t], ds[t], through_z = self._cell_backward(t, dh[t])
                dh_next = through_z + ds[t] @ W_hT
        else:
            self._truncated(g, W_hT, dh, du, ds)
        DU, DS = du.reshape(T * N, 3 * H), ds.reshape(T * N, 3 * H)
        # Sums over time as single products over all T*N rows.
        self.grads["W_x"] = xt.T @ DU
        self.grads["W_h"] = hs[:T].reshape(T * N, H).T @ DS
        self.grads["b_x"] = DU.sum(axis=0)
        self.grads["b_h"] = DS.sum(axis=0)
        self.dh0 = dh[0] * _blocks(gates[0], 3)[1] + ds[0] @ W_hT
        self._dh = dh
        dx = DU @ self.params["W_x"].T
        return np.ascontiguousarray(dx.reshape(T, N, -1).transpose(1, 0, 2))

    def _truncated(self, g: Array, W_hT: Array, dh: Array, du: Array, ds: Array) -> None:
        """Truncated BPTT into ``dh``, ``du``, ``ds``; ``carry[j]`` is the gradient from origin step s + j at h_s."""
        assert self.bptt_steps is not None
        T, N, H = g.shape
        k = self.bptt_steps
        carry = np.empty((0, N, H))
        for s in range(T - 1, -1, -1):
            carry = np.concatenate([g[s][None], carry])
            du_s, ds_s, through_z = self._cell_backward(s, carry)
            dh[s], du[s], ds[s] = carry.sum(axis=0), du_s.sum(axis=0), ds_s.sum(axis=0)
            carry = (through_z + ds_s @ W_hT)[: k - 1]  # an origin k steps back stops here
