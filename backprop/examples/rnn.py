r"""Recurrent networks worked end to end: a three-step sequence to 0.92, a pitfall, and a sonnet.

**The worked example.** The sequence $x_1 = [1, 0]$, $x_2 = [0, 1]$, $x_3 = [1, 1]$ has
target $y = 1$. An `RNN` with 4 hidden units reads it, and a sigmoid
readout of the last state predicts $\hat y = \sigma(h_3 W_o + c)$. The loss is the squared
error $L = (\hat y - y)^2$ (no ½; see `backprop.mse`), the gradients come from full
BPTT, and plain gradient descent with learning rate 0.1 runs for 200 epochs. Every initial
weight is written out below, so the result does not depend on any random stream.

**The pitfall.** `simplified_bptt_pitfall` is a "simplified BPTT" that stops after the
last step *and* multiplies $\delta_T$ by $h_T$ where $h_{T-1}$ belongs; a gradient check
rejects it.

**A real sequence.** `train_text` trains a next-character model on Shakespeare's
Sonnet 18 (public domain, shipped as ``backprop/data/sonnet18.txt``) with Adam and gradient
clipping.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from backprop._check import as_float_array, check_shape, make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.layers import Dense, Sequential, Sigmoid
from backprop.losses import mse, softmax_cross_entropy
from backprop.optim import SGD, Adam
from backprop.rnn import RNN, clip_grad_norm

__all__ = [
    "RNN_B",
    "RNN_C",
    "RNN_WH",
    "RNN_WO",
    "RNN_WX",
    "RNN_X",
    "RNN_Y",
    "NextCharModel",
    "RNNResult",
    "TextResult",
    "build_rnn",
    "complete",
    "first_pass",
    "hidden_grad_norms",
    "load_text",
    "one_hot",
    "simplified_bptt_pitfall",
    "train_rnn",
    "train_text",
    "truncation_error",
]

RNN_X: Array = np.array([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
"""The sequence $x_1, x_2, x_3$, shape ``(1, 3, 2)`` (one sequence, 3 steps, 2 features)."""
RNN_Y: Array = np.array([[1.0]])
"""Its target, shape ``(1, 1)``."""
RNN_WX: Array = np.array([[0.1, -0.2, 0.3, 0.0], [0.2, 0.1, -0.1, 0.3]])
"""Hand-written input → hidden weights $W_x$, ``(2, 4)``."""
RNN_WH: Array = np.array(
    [[0.1, 0.0, -0.1, 0.2], [0.0, 0.1, 0.2, -0.1], [-0.2, 0.1, 0.1, 0.0], [0.1, -0.1, 0.0, 0.1]]
)
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
    for _ in range(epochs):
        pred = net.forward(RNN_X)
        loss, dpred = mse(pred, RNN_Y)
        net.backward(dpred)
        result.losses.append(loss)
        result.predictions.append(float(pred[0, 0]))
        opt.step(net)
    result.prediction = float(net.forward(RNN_X)[0, 0])
    return result


def _fmt(a: Array) -> str:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        return f"{round(float(a), 4) + 0.0:.4f}"  # + 0.0 turns -0.0 into 0.0
    return "[" + ", ".join(_fmt(row) for row in a) + "]"


def first_pass(net: Sequential | None = None) -> str:
    r"""BPTT with numbers: one forward and backward pass of the worked example, step by step.

    For each time step ($x_1, x_2, x_3$ = `RNN_X`): the state $h_t$, the gradient
    $\partial L/\partial h_t$ that reaches it (direct part plus what flows back from step
    $t+1$) and $\delta_t = \partial L/\partial a_t = \partial L/\partial h_t \odot (1 - h_t^2)$;
    then every parameter gradient (matrices one row per line). Parameters are not changed.

    Args:
        net: a network built like `build_rnn` (default: a fresh one).

    Examples:
        >>> from backprop.examples.rnn import first_pass
        >>> print(first_pass())
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
    rows = [("t", "h_t", "∂L/∂h_t", "δ_t = ∂L/∂a_t")]
    for t in range(RNN_X.shape[1]):
        rows.append((
            str(t + 1),
            _fmt(rnn.states[0, t]),
            _fmt(rnn.hidden_grads[0, t]),
            _fmt(rnn.deltas[0, t]),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [f"prediction ŷ = {pred[0, 0]:.4f}, loss L = (ŷ − y)² = {loss:.4f}, ∂L/∂ŷ = {dpred[0, 0]:.4f}"]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    grads = [
        ("∂L/∂W_x", rnn.grads["W_x"]),
        ("∂L/∂W_h", rnn.grads["W_h"]),
        ("∂L/∂b", rnn.grads["b"]),
        ("∂L/∂W_o", readout.grads["W"]),
        ("∂L/∂c", readout.grads["b"]),
    ]
    for name, g in grads:
        parts = [_fmt(row) for row in g] if g.ndim == 2 else [_fmt(g)]
        lines += [f"{name if i == 0 else '':<8} {part}" for i, part in enumerate(parts)]
    return "\n".join(lines)


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


# --------------------------------------------------------------------------- gradients over time


def _probe(scale: float, x_scale: float, T: int, H: int, seed: int) -> tuple[RNN, Array]:
    """An RNN whose W_h is ``scale`` times a random orthogonal matrix, and a batch of inputs."""
    scale = positive_float(scale, "scale", allow_zero=True)
    x_scale = positive_float(x_scale, "x_scale", allow_zero=True)
    gen = make_rng(seed)
    Q, _ = np.linalg.qr(gen.standard_normal((H, H)))
    W_x = gen.standard_normal((4, H)) * 0.5
    x = gen.standard_normal((16, positive_int(T, "T"), 4)) * x_scale
    return RNN.from_arrays(W_x, scale * Q, np.zeros(H)), x


def hidden_grad_norms(scale: float, *, x_scale: float = 0.01, T: int = 60, H: int = 32, seed: int = 0) -> Array:
    r"""$\|\partial L/\partial h_t\|$ for $t = 1..T$ when the loss reads only the last state.

    $W_h$ is ``scale`` times a random orthogonal matrix (every singular value equals
    ``scale``), the inputs are Gaussian times ``x_scale`` (16 sequences, 4 features), and
    $\partial L/\partial h_T$ is a fixed unit vector. Going back one step multiplies the
    gradient by $\mathrm{diag}(1-h_t^2)\,W_h^\top$. While the states stay near 0, which with
    small inputs they do for ``scale`` ≤ 1, that factor has norm about ``scale`` and the
    norm at $h_t$ is about $\text{scale}^{T-t}$: at 0.5 it is $0.5^{10}$ at $h_{50}$ and
    $0.5^{59}$ at $h_1$. For ``scale`` > 1 this does not hold: the recurrence amplifies the
    states themselves until the tanh units saturate, and the factors $1 - h_t^2$ then hold
    the growth back. At 1.5 the norm at $h_1$ is $8.6\times10^{2}$, not $1.5^{59}$.

    Returns:
        The norms averaged over the 16 sequences, shape ``(T,)``.

    Examples:
        >>> from backprop.examples.rnn import hidden_grad_norms
        >>> norms = hidden_grad_norms(0.5)
        >>> print(f"{norms[-1]:.3f} {norms[-11]:.1e} {norms[0]:.1e}")    # at h_60, h_50 and h_1
        1.000 9.8e-04 1.7e-18
        >>> print(f"{0.5 ** 10:.1e} {0.5 ** 59:.1e}")                   # scale^(T - t) for t = 50, 1
        9.8e-04 1.7e-18
        >>> print(f"{hidden_grad_norms(1.5)[0]:.1e} {1.5 ** 59:.1e}")    # saturated: far below 1.5^59
        8.6e+02 2.5e+10
    """
    H = positive_int(H, "H")
    rnn, x = _probe(scale, x_scale, T, H, seed)
    rnn.forward(x)
    rnn.backward(np.full((x.shape[0], H), 1.0 / np.sqrt(H)))
    return np.asarray(np.linalg.norm(rnn.hidden_grads, axis=2).mean(axis=0))


def truncation_error(scale: float, bptt_steps: int, *, x_scale: float = 0.5, T: int = 40, H: int = 32,
                     seed: int = 0) -> float:
    r"""The error of $\partial L/\partial W_h$ under truncated BPTT, as a fraction of the full-BPTT gradient.

    That is $\|g_k - g\| / \|g\|$, with $g_k$ the gradient of ``bptt_steps=k`` and $g$ that of
    full BPTT (not `backprop.relative_error`, which divides by $\|g_k\| + \|g\|$). Same setup
    as `hidden_grad_norms`, but the loss reads every state (a fixed random
    $\partial L/\partial h_t$ at each step), as in sequence labelling or language modelling.

    Examples:
        >>> from backprop.examples.rnn import truncation_error
        >>> print(f"{truncation_error(0.5, 5):.1e} {truncation_error(1.5, 5):.1e}")
        1.2e-02 8.8e-01
        >>> truncation_error(0.5, 40)                           # k >= T: exactly full BPTT
        0.0
    """
    H = positive_int(H, "H")
    rnn, x = _probe(scale, x_scale, T, H, seed)
    rnn.return_sequences = True
    dout = make_rng(seed + 1).standard_normal((x.shape[0], x.shape[1], H))
    rnn.forward(x)
    rnn.backward(dout)
    full = rnn.grads["W_h"].copy()
    rnn.bptt_steps = positive_int(bptt_steps, "bptt_steps")
    rnn.backward(dout)
    err = np.linalg.norm(rnn.grads["W_h"] - full) / np.linalg.norm(full)
    return float(err)


# --------------------------------------------------------------------------- the sonnet


def load_text() -> str:
    """Shakespeare's Sonnet 18 (public domain), the text of the next-character task.

    Examples:
        >>> from backprop.examples.rnn import load_text
        >>> text = load_text()
        >>> text.splitlines()[0]
        "Shall I compare thee to a summer's day?"
        >>> len(text), len(set(text))
        (621, 41)
    """
    return (resources.files("backprop") / "data" / "sonnet18.txt").read_text(encoding="utf-8")


def one_hot(indices: np.ndarray, n: int) -> Array:
    """One-hot encode an integer array of any shape: ``(...)`` → ``(..., n)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.rnn import one_hot
        >>> one_hot(np.array([[0, 2]]), 3).tolist()
        [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if not isinstance(indices, np.ndarray) or not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be an integer numpy.ndarray, got {getattr(indices, 'dtype', type(indices))}")
    n = positive_int(n, "n")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices must lie in [0, {n}), got values in [{indices.min()}, {indices.max()}]")
    out: Array = np.eye(n)[indices]
    return out


class NextCharModel:
    r"""Characters in, next-character logits out: one-hot → `RNN` → ``Dense``.

    ``forward`` maps ``(N, T, V)`` one-hot inputs to ``(N*T, V)`` logits (every step predicts
    the character that follows), ready for `backprop.softmax_cross_entropy` with
    ``(N*T,)`` integer labels. It is a `Layer`, so
    `backprop.check_model`, the optimizers and `backprop.clip_grad_norm` work on it.

    Args:
        vocab: number of distinct characters ``V``.
        hidden: hidden units ``H``.
        rng: seed or Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.rnn import NextCharModel, one_hot
        >>> model = NextCharModel(vocab=5, hidden=8, rng=0)
        >>> model.forward(one_hot(np.array([[0, 1, 2]]), 5)).shape
        (3, 5)
        >>> sorted(model.params)
        ['out.W', 'out.b', 'rnn.W_h', 'rnn.W_x', 'rnn.b']
    """

    def __init__(self, vocab: int, hidden: int, *, rng: np.random.Generator | int | None = None) -> None:
        gen = make_rng(rng)
        self.rnn = RNN(vocab, hidden, return_sequences=True, rng=gen)
        self.out = Dense(hidden, vocab, rng=gen)
        self._shape: tuple[int, int] | None = None

    @property
    def params(self) -> dict[str, Array]:
        """``rnn.W_x``, ``rnn.W_h``, ``rnn.b``, ``out.W``, ``out.b``."""
        return {**{f"rnn.{k}": v for k, v in self.rnn.params.items()},
                **{f"out.{k}": v for k, v in self.out.params.items()}}

    @property
    def grads(self) -> dict[str, Array]:
        """Gradients of the last ``backward``, keyed like ``params``."""
        return {**{f"rnn.{k}": v for k, v in self.rnn.grads.items()},
                **{f"out.{k}": v for k, v in self.out.grads.items()}}

    def forward(self, x: Array) -> Array:
        r"""Logits $z_t = h_t W + c$ for every state $h_t$ of the `RNN`, all steps stacked.

        Args:
            x: one-hot inputs, ``(N, T, V)``.

        Returns:
            The logits, ``(N*T, V)`` (row ``n*T + t`` predicts the character after step ``t``).
        """
        hs = self.rnn.forward(x)
        N, T, H = hs.shape
        self._shape = (N, T)
        return self.out.forward(hs.reshape(N * T, H))

    def backward(self, dout: Array) -> Array:
        r"""$\partial L/\partial h_t = \partial L/\partial z_t\,W^\top$ for every step, then BPTT through the `RNN`.

        Args:
            dout: $\partial L/\partial z$, ``(N*T, V)``.

        Returns:
            $\partial L/\partial x$, ``(N, T, V)``.
        """
        if self._shape is None:
            raise RuntimeError("NextCharModel.backward called before forward")
        N, T = self._shape
        dh = self.out.backward(dout)
        return self.rnn.backward(dh.reshape(N, T, -1))


@dataclass
class TextResult:
    """What `train_text` records.

    Attributes:
        model: the trained model.
        chars: the vocabulary, index → character.
        losses: training cross-entropy (nats per character) of each step's batch, before its update.
        grad_norms: the global gradient norm of each step, before clipping.
        eval_steps: the steps at which the whole text was scored.
        eval_losses: cross-entropy over the whole text at those steps.
    """

    model: NextCharModel
    chars: str
    losses: list[float] = field(default_factory=list)
    grad_norms: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    eval_losses: list[float] = field(default_factory=list)


def _text_loss(model: NextCharModel, ids: np.ndarray, V: int) -> float:
    return softmax_cross_entropy(model.forward(one_hot(ids[None, :-1], V)), ids[1:])[0]


def train_text(
    *,
    steps: int = 300,
    hidden: int = 64,
    seq_len: int = 32,
    batch: int = 16,
    lr: float = 0.01,
    clip: float | None = 1.0,
    optimizer: str = "adam",
    seed: int = 0,
    eval_every: int = 25,
) -> TextResult:
    """Train a `NextCharModel` on `load_text`: random windows, Adam, clipping.

    Each step draws ``batch`` windows of ``seq_len + 1`` characters at random offsets; the
    model reads the first ``seq_len`` and predicts the next character at every position.

    Args:
        steps: number of updates.
        hidden: hidden units.
        seq_len: characters per window (the BPTT length).
        batch: windows per step.
        lr: learning rate.
        clip: ``max_norm`` for `clip_grad_norm`, or None for no clipping.
        optimizer: ``"adam"`` or ``"sgd"``.
        seed: seed for the initial weights and the windows.
        eval_every: score the whole text every this many steps (and after the last).

    Examples:
        >>> from backprop.examples.rnn import train_text
        >>> result = train_text(steps=100)
        >>> print(f"{result.eval_losses[0]:.2f} → {result.eval_losses[-1]:.2f} nats per character")
        3.72 → 0.39 nats per character
    """
    steps = positive_int(steps, "steps")
    hidden = positive_int(hidden, "hidden")
    seq_len = positive_int(seq_len, "seq_len")
    batch = positive_int(batch, "batch")
    eval_every = positive_int(eval_every, "eval_every")
    if clip is not None:
        clip = positive_float(clip, "clip")
    text = load_text()
    chars = "".join(sorted(set(text)))
    V = len(chars)
    ids = np.array([chars.index(c) for c in text])
    if seq_len + 1 > ids.size:
        raise ValueError(f"seq_len must be at most {ids.size - 1} (the text length - 1), got {seq_len}")
    gen = make_rng(seed)
    model = NextCharModel(V, hidden, rng=gen)
    if optimizer == "adam":
        opt: Adam | SGD = Adam(lr=positive_float(lr, "lr"))
    elif optimizer == "sgd":
        opt = SGD(lr=positive_float(lr, "lr"))
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    result = TextResult(model=model, chars=chars)
    offsets = np.arange(seq_len + 1)
    for step in range(steps):
        if step % eval_every == 0:
            result.eval_steps.append(step)
            result.eval_losses.append(_text_loss(model, ids, V))
        starts = gen.integers(0, ids.size - seq_len, size=batch)
        window = ids[starts[:, None] + offsets]  # (batch, seq_len + 1)
        loss, dlogits = softmax_cross_entropy(model.forward(one_hot(window[:, :-1], V)), window[:, 1:].reshape(-1))
        model.backward(dlogits)
        result.losses.append(loss)
        if clip is None:
            result.grad_norms.append(float(np.sqrt(sum(float(np.vdot(g, g)) for g in model.grads.values()))))
        else:
            result.grad_norms.append(clip_grad_norm(model, clip))
        opt.step(model)
    result.eval_steps.append(steps)
    result.eval_losses.append(_text_loss(model, ids, V))
    return result


def complete(result: TextResult, prompt: str, n: int) -> str:
    """Extend ``prompt`` by ``n`` characters, each the model's most likely next one (greedy).

    Examples:
        >>> from backprop.examples.rnn import complete, train_text
        >>> result = train_text(steps=20)
        >>> len(complete(result, "Shall I", 10))
        17
    """
    n = positive_int(n, "n")
    unknown = sorted(set(prompt) - set(result.chars))
    if not prompt or unknown:
        raise ValueError(f"prompt must be non-empty and use only the text's characters, got unknown {unknown}")
    ids = [result.chars.index(c) for c in prompt]
    V = len(result.chars)
    rnn, out = result.model.rnn, result.model.out
    h = rnn.forward(one_hot(np.array([ids]), V))[:, -1]
    for _ in range(n):
        nxt = int(np.argmax(out.forward(h)[0]))
        ids.append(nxt)
        h = rnn.forward(one_hot(np.array([[nxt]]), V), h)[:, -1]
    return "".join(result.chars[i] for i in ids)


HELP = "an RNN reads [1,0],[0,1],[1,1] and learns to predict 1 by BPTT (--text: a sonnet, character by character)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--trace``, ``--epochs``, ``--lr``, ``--bptt-steps``, ``--text``."""
    parser.add_argument(
        "--trace", action="store_true", help="print h_t, ∂L/∂h_t, δ_t and the gradients of the first pass"
    )
    parser.add_argument("--epochs", type=int, default=200, help="gradient-descent steps (default: 200)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default: 0.1)")
    parser.add_argument("--bptt-steps", type=int, default=None, help="truncate BPTT to this many steps (default: full)")
    parser.add_argument(
        "--text", action="store_true", help="also train a next-character model on Sonnet 18 (--seed: its weights)"
    )


def run(args: argparse.Namespace) -> int:
    """Print the final prediction (the first pass's BPTT table with ``--trace``; the sonnet with ``--text``)."""
    if args.trace:
        print(first_pass(build_rnn(bptt_steps=args.bptt_steps)))
        print()
    result = train_rnn(epochs=args.epochs, lr=args.lr, bptt_steps=args.bptt_steps)
    print(f"RNN → Final Prediction: {result.prediction:.2f}")
    if args.text:
        text = train_text(seed=0 if args.seed is None else args.seed)
        print(f"Sonnet 18, next character: cross-entropy {text.eval_losses[0]:.2f} → {text.eval_losses[-1]:.2f}"
              f" nats per character after {text.eval_steps[-1]} Adam steps, gradients clipped at norm 1")
        print(f"Greedy completion: {complete(text, 'Shall I', 40)!r}")
    if args.plot:
        from backprop.plots import save
        from backprop.plots.rnn import rnn_gradient_norms

        save(rnn_gradient_norms(), args.plot)
    return 0
