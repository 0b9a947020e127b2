"""A next-character model on Shakespeare's Sonnet 18: an RNN on a real sequence.

`train_text` trains a `NextCharModel` on Sonnet 18 (public domain, shipped as
``backprop/data/sonnet18.txt``) with Adam and gradient clipping; `complete` extends a
prompt with the model's most likely characters.

Examples:
    >>> from backprop.examples.text import complete, train_text
    >>> result = train_text(steps=100)
    >>> print(f"{result.eval_losses[0]:.2f} → {result.eval_losses[-1]:.2f} nats per character")
    3.72 → 0.39 nats per character
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from backprop._check import make_rng, plain_array, positive_float, positive_int, safe_norm
from backprop._types import Array
from backprop.layers import Dense, Sequential, Wrapper
from backprop.losses import softmax_cross_entropy
from backprop.optim import SGD, Adam, DivergenceError
from backprop.rnn import RNN, clip_grad_norm

__all__ = ["NextCharModel", "TextResult", "complete", "load_text", "one_hot", "train_text"]


def load_text() -> str:
    """Shakespeare's Sonnet 18 (public domain), the text of the next-character task.

    Examples:
        >>> from backprop.examples.text import load_text
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
        >>> from backprop.examples.text import one_hot
        >>> one_hot(np.array([[0, 2]]), 3).tolist()
        [[[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    if not isinstance(indices, np.ndarray) or not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"indices must be an integer numpy.ndarray, got {getattr(indices, 'dtype', type(indices))}")
    indices = plain_array(indices, "indices")
    n = positive_int(n, "n")
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"indices must lie in [0, {n}), got values in [{indices.min()}, {indices.max()}]")
    out: Array = np.eye(n)[indices]
    return out


class _StepsAsRows:
    """``(N, T, H)`` → ``(N*T, H)``: every time step becomes a row, so one `Dense` reads them all."""

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._shape: tuple[int, ...] | None = None

    def forward(self, x: Array) -> Array:
        self._shape = x.shape
        return x.reshape(-1, x.shape[-1])

    def backward(self, dout: Array) -> Array:
        if self._shape is None:
            raise RuntimeError("backward called before forward")
        return dout.reshape(self._shape)


class NextCharModel(Wrapper):
    r"""Characters in, next-character logits out: one-hot → `RNN` → ``Dense`` at every step.

    ``forward`` maps ``(N, T, V)`` one-hot inputs to ``(N*T, V)`` logits (row ``n*T + t``
    predicts the character after step ``t``), ready for `backprop.softmax_cross_entropy` with
    ``(N*T,)`` integer labels. The inner model is a `Sequential` of the `RNN`
    (``return_sequences=True``), a reshape that makes each step a row, and the readout; the
    readout's backward gives $\partial L/\partial h_t = \partial L/\partial z_t\,W^\top$ at every
    step, and BPTT takes it from there. It is a `Layer`, so `backprop.check_model`, the
    optimizers and `backprop.clip_grad_norm` work on it.

    Args:
        vocab: number of distinct characters ``V``.
        hidden: hidden units ``H``.
        rng: seed or Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.text import NextCharModel, one_hot
        >>> model = NextCharModel(vocab=5, hidden=8, rng=0)
        >>> model.forward(one_hot(np.array([[0, 1, 2]]), 5)).shape
        (3, 5)
        >>> sorted(model.params)
        ['0.W_h', '0.W_x', '0.b', '2.W', '2.b']
    """

    def __init__(self, vocab: int, hidden: int, *, rng: np.random.Generator | int | None = None) -> None:
        gen = make_rng(rng)
        self.rnn = RNN(vocab, hidden, return_sequences=True, rng=gen)
        self.out = Dense(hidden, vocab, rng=gen)
        self.model = Sequential(self.rnn, _StepsAsRows(), self.out)


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

    Examples:
        >>> from backprop.examples.text import train_text
        >>> result = train_text(steps=2, hidden=8, seq_len=8, batch=2)
        >>> len(result.chars), result.chars[-5:], len(result.losses), len(result.grad_norms), result.eval_steps
        (41, 'uvwxy', 2, 2, [0, 2])
        >>> print(" ".join(f"{loss:.3f}" for loss in result.eval_losses))
        3.726 3.701
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
    rng: np.random.Generator | int | None = 0,
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
        rng: a seed or a Generator, for the initial weights and then the windows.
        eval_every: score the whole text every this many steps (and after the last).

    Examples:
        >>> from backprop.examples.text import train_text
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
    gen = make_rng(rng)
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
        try:
            loss, dlogits = softmax_cross_entropy(model.forward(one_hot(window[:, :-1], V)), window[:, 1:].reshape(-1))
            model.backward(dlogits)
            result.losses.append(loss)
            if clip is None:
                result.grad_norms.append(safe_norm(*model.grads.values()))
            else:
                result.grad_norms.append(clip_grad_norm(model, clip))
            opt.step(model)
        except DivergenceError as exc:
            exc.during(step + 1, result.losses[-1] if result.losses else None)
            raise
    result.eval_steps.append(steps)
    result.eval_losses.append(_text_loss(model, ids, V))
    return result


def complete(result: TextResult, prompt: str, n: int) -> str:
    """Extend ``prompt`` by ``n`` characters, each the model's most likely next one (greedy).

    Examples:
        >>> from backprop.examples.text import complete, train_text
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
