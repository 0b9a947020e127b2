r"""The recurrent network worked end to end: a three-step sequence to 0.92, and a pitfall.

**The worked example.** The sequence $x_1 = [1, 0]$, $x_2 = [0, 1]$, $x_3 = [1, 1]$ has
target $y = 1$. An `RNN` with 4 hidden units reads it, and a sigmoid
readout of the last state predicts $\hat y = \sigma(h_3 W_o + c)$. The loss is the squared
error $L = (\hat y - y)^2$ (no ½; see `backprop.mse`), the gradients come from full
BPTT, and plain gradient descent with learning rate 0.1 runs for 200 epochs. Every initial
weight is written out below, so the result does not depend on any random stream.

**The pitfall.** `simplified_bptt_pitfall` is a "simplified BPTT" that stops after the
last step *and* multiplies $\delta_T$ by $h_T$ where $h_{T-1}$ belongs; a gradient check
rejects it.

The gradient probes (vanishing and exploding gradients, truncation) are in
`backprop.examples.rnn_gradients`; the sonnet model in `backprop.examples.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backprop._check import as_float_array, check_shape, positive_float, positive_int
from backprop._types import Array
from backprop.layers import Dense, Sequential, Sigmoid
from backprop.losses import mse
from backprop.optim import SGD, DivergenceError
from backprop.rnn import RNN
from backprop.trace import format_array

__all__ = [
    "RNN_B",
    "RNN_C",
    "RNN_WH",
    "RNN_WO",
    "RNN_WX",
    "RNN_X",
    "RNN_Y",
    "BPTTPass",
    "RNNResult",
    "build_rnn",
    "first_pass",
    "simplified_bptt_pitfall",
    "train_rnn",
]

RNN_X: Array = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
"""The sequence $x_1, x_2, x_3$, shape ``(1, 3, 2)`` (one sequence, 3 steps, 2 features)."""
RNN_Y: Array = np.array([[1.0]])
"""Its target, shape ``(1, 1)``."""
RNN_WX: Array = np.array([[0.1, -0.2, 0.3, 0.0], [0.2, 0.1, -0.1, 0.3]])
"""Hand-written input → hidden weights $W_x$, ``(2, 4)``."""
RNN_WH: Array = np.array([[0.1, 0.0, -0.1, 0.2], [0.0, 0.1, 0.2, -0.1], [-0.2, 0.1, 0.1, 0.0], [0.1, -0.1, 0.0, 0.1]])
"""Hand-written hidden → hidden weights $W_h$, ``(4, 4)``; the hidden bias $b$ starts at 0."""
RNN_WO: Array = np.array([[-0.2], [0.1], [-0.3], [-0.1]])
"""Hand-written readout weights $W_o$, ``(4, 1)``."""
RNN_C: Array = np.array([-0.1])
"""Hand-written readout bias $c$, ``(1,)``."""
RNN_B: Array = np.zeros(4)
"""Initial hidden bias $b$, ``(4,)``."""


def build_rnn(*, bptt_steps: int | None = None) -> Sequential:
    """The worked example's network: ``RNN(2, 4)`` → ``Dense(4, 1)`` → ``Sigmoid``, hand-written weights.

    Args:
        bptt_steps: passed to `RNN` (None: full BPTT).

    Examples:
        >>> from backprop.examples.rnn import RNN_X, build_rnn
        >>> net = build_rnn()
        >>> net
        Sequential(RNN(2, 4), Dense(4, 1), Sigmoid())
        >>> print(f"{net.forward(RNN_X)[0, 0]:.4f}")
        0.4315
    """
    return Sequential(
        RNN.from_arrays(RNN_WX, RNN_WH, RNN_B, bptt_steps=bptt_steps),
        Dense.from_arrays(RNN_WO, RNN_C),
        Sigmoid(),
    )


@dataclass
class RNNResult:
    """What `train_rnn` records.

    Attributes:
        model: the trained network.
        prediction: its final output for `RNN_X`.
        losses: the loss before each epoch's update.
        predictions: the output before each epoch's update.

    Examples:
        >>> from backprop.examples.rnn import train_rnn
        >>> result = train_rnn(epochs=5)
        >>> len(result.losses), len(result.predictions), result.model
        (5, 5, Sequential(RNN(2, 4), Dense(4, 1), Sigmoid()))
        >>> print(f"ŷ {result.predictions[0]:.4f} → {result.prediction:.4f}")   # first update: before, last: after
        ŷ 0.4315 → 0.4856
        >>> print(f"loss {result.losses[0]:.4f} → {result.losses[-1]:.4f}")
        loss 0.3232 → 0.2751
    """

    model: Sequential
    prediction: float
    losses: list[float] = field(default_factory=list)
    predictions: list[float] = field(default_factory=list)


def train_rnn(*, epochs: int = 200, lr: float = 0.1, bptt_steps: int | None = None) -> RNNResult:
    """Train `build_rnn` on (`RNN_X`, `RNN_Y`): MSE, BPTT, plain gradient descent.

    Args:
        epochs: number of updates.
        lr: learning rate.
        bptt_steps: None for full BPTT, or the truncation length.

    Examples:
        >>> from backprop.examples.rnn import train_rnn
        >>> result = train_rnn()
        >>> print(f"RNN → Final Prediction: {result.prediction:.2f}")
        RNN → Final Prediction: 0.92
        >>> print(f"{result.prediction:.4f}")
        0.9204
        >>> print(f"{result.losses[0]:.4f} → {result.losses[-1]:.4f}")
        0.3232 → 0.0064
    """
    epochs = positive_int(epochs, "epochs")
    opt = SGD(positive_float(lr, "lr"))
    net = build_rnn(bptt_steps=bptt_steps)
    result = RNNResult(model=net, prediction=float("nan"))
    for epoch in range(1, epochs + 1):
        try:
            pred = net.forward(RNN_X)
            loss, dpred = mse(pred, RNN_Y)
            net.backward(dpred)
            result.losses.append(loss)
            result.predictions.append(float(pred[0, 0]))
            opt.step(net)
        except DivergenceError as exc:
            exc.during(epoch, result.losses[-1] if result.losses else None)
            raise
    result.prediction = float(net.forward(RNN_X)[0, 0])
    return result


@dataclass
class BPTTPass:
    r"""One forward and backward pass of the worked example, every quantity of BPTT.

    Attributes:
        prediction: $\hat y$.
        loss: $L = (\hat y - y)^2$.
        dpred: $\partial L/\partial \hat y$.
        states: $h_t$ for $t = 1..T$, ``(T, H)``.
        hidden_grads: $\partial L/\partial h_t$ (direct part plus what flows back from $t+1$), ``(T, H)``.
        deltas: $\delta_t = \partial L/\partial a_t = \partial L/\partial h_t \odot (1 - h_t^2)$, ``(T, H)``.
        grads: ``"W_x"``, ``"W_h"``, ``"b"`` of the `RNN`, ``"W_o"``, ``"c"`` of the readout.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.rnn import first_pass
        >>> p = first_pass()
        >>> p.states.shape, p.hidden_grads.shape, list(p.grads)
        ((3, 4), (3, 4), ['W_x', 'W_h', 'b', 'W_o', 'c'])
        >>> print(f"ŷ {p.prediction:.4f}, L {p.loss:.4f}, ∂L/∂ŷ {p.dpred:.4f}")
        ŷ 0.4315, L 0.3232, ∂L/∂ŷ -1.1371
        >>> bool(np.allclose(p.deltas, p.hidden_grads * (1 - p.states**2)))
        True
    """

    prediction: float
    loss: float
    dpred: float
    states: Array
    hidden_grads: Array
    deltas: Array
    grads: dict[str, Array]

    def to_text(self) -> str:
        """A table of $h_t$, $\\partial L/\\partial h_t$, $\\delta_t$ per step, then each gradient (one row a line).

        Examples:
            >>> from backprop.examples.rnn import first_pass
            >>> lines = first_pass().to_text().splitlines()
            >>> print("\\n".join(lines[:3]))
            prediction ŷ = 0.4315, loss L = (ŷ − y)² = 0.3232, ∂L/∂ŷ = -1.1371
            t  h_t                                ∂L/∂h_t                            δ_t = ∂L/∂a_t
            1  [0.0997, -0.1974, 0.2913, 0.0000]  [0.0024, -0.0007, 0.0003, 0.0000]  [0.0024, -0.0007, 0.0003, 0.0000]
            >>> lines[-1]
            '∂L/∂c    [-0.2789]'
        """
        rows = [("t", "h_t", "∂L/∂h_t", "δ_t = ∂L/∂a_t")]
        for t in range(self.states.shape[0]):
            rows.append(
                (
                    str(t + 1),
                    format_array(self.states[t]),
                    format_array(self.hidden_grads[t]),
                    format_array(self.deltas[t]),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [f"prediction ŷ = {self.prediction:.4f}, loss L = (ŷ − y)² = {self.loss:.4f}, ∂L/∂ŷ = {self.dpred:.4f}"]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        for name, g in self.grads.items():
            parts = [format_array(row) for row in g] if g.ndim == 2 else [format_array(g)]
            label = f"∂L/∂{name}"
            lines += [f"{label if i == 0 else '':<8} {part}" for i, part in enumerate(parts)]
        return "\n".join(lines)


def first_pass(net: Sequential | None = None) -> BPTTPass:
    r"""BPTT with numbers: one forward and backward pass of the worked example, step by step.

    For each time step ($x_1, x_2, x_3$ = `RNN_X`): the state $h_t$, the gradient
    $\partial L/\partial h_t$ that reaches it (direct part plus what flows back from step
    $t+1$) and $\delta_t = \partial L/\partial a_t = \partial L/\partial h_t \odot (1 - h_t^2)$;
    then every parameter gradient. Parameters are not changed.

    Args:
        net: a network built like `build_rnn` (default: a fresh one).

    Examples:
        >>> from backprop.examples.rnn import first_pass
        >>> print(first_pass().to_text())
        prediction ŷ = 0.4315, loss L = (ŷ − y)² = 0.3232, ∂L/∂ŷ = -1.1371
        t  h_t                                ∂L/∂h_t                            δ_t = ∂L/∂a_t
        1  [0.0997, -0.1974, 0.2913, 0.0000]  [0.0024, -0.0007, 0.0003, 0.0000]  [0.0024, -0.0007, 0.0003, 0.0000]
        2  [0.1506, 0.1090, -0.1197, 0.3272]  [0.0018, 0.0109, -0.0044, 0.0101]  [0.0017, 0.0108, -0.0044, 0.0090]
        3  [0.3555, -0.1330, 0.1923, 0.3381]  [0.0558, -0.0279, 0.0837, 0.0279]  [0.0487, -0.0274, 0.0806, 0.0247]
        ∂L/∂W_x  [0.0511, -0.0281, 0.0809, 0.0247]
                 [0.0505, -0.0166, 0.0762, 0.0337]
        ∂L/∂W_h  [0.0075, -0.0031, 0.0117, 0.0046]
                 [0.0050, -0.0051, 0.0096, 0.0009]
                 [-0.0053, 0.0064, -0.0109, -0.0003]
                 [0.0159, -0.0090, 0.0264, 0.0081]
        ∂L/∂b    [0.0528, -0.0173, 0.0765, 0.0337]
        ∂L/∂W_o  [-0.0992]
                 [0.0371]
                 [-0.0536]
                 [-0.0943]
        ∂L/∂c    [-0.2789]
    """
    net = build_rnn() if net is None else net
    if len(net) != 3 or not isinstance(net.layers[0], RNN) or not isinstance(net.layers[1], Dense):
        raise TypeError(f"net must be RNN → Dense → Sigmoid like build_rnn(), got {net!r}")
    rnn, readout = net.layers[0], net.layers[1]
    pred = net.forward(RNN_X)
    loss, dpred = mse(pred, RNN_Y)
    net.backward(dpred)
    return BPTTPass(
        prediction=float(pred[0, 0]),
        loss=loss,
        dpred=float(dpred[0, 0]),
        states=rnn.states[0].copy(),
        hidden_grads=rnn.hidden_grads[0].copy(),
        deltas=rnn.deltas[0].copy(),
        grads={
            "W_x": rnn.grads["W_x"].copy(),
            "W_h": rnn.grads["W_h"].copy(),
            "b": rnn.grads["b"].copy(),
            "W_o": readout.grads["W"].copy(),
            "c": readout.grads["b"].copy(),
        },
    )


def simplified_bptt_pitfall(rnn: RNN, x: Array, dh_last: Array) -> dict[str, Array]:
    r"""A **wrong** "simplified BPTT", kept to show what a gradient check catches.

    It backpropagates only through the last step and pairs $\delta_T$ with $h_T$:
    $\partial L/\partial W_h \approx h_T^\top \delta_T$ instead of $h_{T-1}^\top\delta_T$ (and it drops
    the earlier steps' terms $\sum_{t<T} h_{t-1}^\top\delta_t$). Stopping after one step on its
    own is a legitimate approximation (truncated BPTT with ``bptt_steps=1``, which gives the
    same $\partial L/\partial W_x$ and $\partial L/\partial b$); using $h_T$ is a bug: $h_T$ is
    the step's *output*, while $W_h$ multiplies the step's *input* state $h_{T-1}$.

    Args:
        rnn: an `RNN` (``return_sequences=False``) right after ``forward(x)``.
        x: the input of that forward pass, ``(N, T, D)``.
        dh_last: $\partial L/\partial h_T$, ``(N, H)``.

    Returns:
        ``{"W_x", "W_h", "b"}`` as this shortcut computes them.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.examples.rnn import RNN_X, RNN_Y, build_rnn, simplified_bptt_pitfall
        >>> net = build_rnn()
        >>> _, dpred = bp.mse(net.forward(RNN_X), RNN_Y)
        >>> dh_last = net.layers[1].backward(net.layers[2].backward(dpred))    # ∂L/∂h_3
        >>> wrong = simplified_bptt_pitfall(net.layers[0], RNN_X, dh_last)
        >>> np.round(wrong["W_h"][0], 4).tolist()                            # row 0 of h_3ᵀδ_3
        [0.0173, -0.0097, 0.0286, 0.0088]
    """
    if not isinstance(rnn, RNN):
        raise TypeError(f"rnn must be an RNN, got {type(rnn).__name__}")
    if rnn.return_sequences:
        raise ValueError("simplified_bptt_pitfall needs an RNN with return_sequences=False")
    states = rnn.states  # (N, T, H); raises if forward has not run
    N, T, H = states.shape
    x = as_float_array(x, "x", ndim=3)
    check_shape(x, "x", (N, T, rnn.n_in))
    dh_last = as_float_array(dh_last, "dh_last", ndim=2)
    check_shape(dh_last, "dh_last", (N, H))
    h_T = states[:, T - 1]
    delta_T = dh_last * (1.0 - h_T**2)
    return {"W_x": x[:, T - 1].T @ delta_T, "W_h": h_T.T @ delta_T, "b": delta_T.sum(axis=0)}
