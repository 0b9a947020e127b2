r"""A task that needs a long memory: name the first symbol of a sequence after $T$ steps of noise.

Each sequence starts with one of 4 symbols and continues with $T$ random noise symbols (4
others); after the last step the network must say which symbol came first. The inputs are
one-hot vectors of 8 features, so a sequence is a ``(T + 1, 8)`` array, and the code
generates as many as it needs (`first_symbol_task`). Guessing is right one time in four.

The only way to learn the task is through the gradient that reaches the first step from the
loss at the last one, $T$ steps back. For a tanh `backprop.RNN` that gradient is multiplied
by $\mathrm{diag}(1 - h_t^2)\,W_h^\top$ at every step and fades; a `backprop.LSTM` or a
`backprop.GRU` can pass it along a path that is only multiplied by a gate. `train_memory`
trains each kind of layer, `memory_table` collects the test accuracies for several $T$ and
several runs, and `gradient_probe` measures $\|\partial L/\partial h_t\|$ at initialisation.

**Gate biases.** Before any training, a gate with bias $b$ and small inputs sits at
$\sigma(b)$. With every bias 0 the LSTM's forget gate and the GRU's update gate are near
$\sigma(0) = 0.5$, so the memory, and the gradient along it, halves at every step:
$0.5^{60} \approx 10^{-18}$ after 60 steps. `make_recurrent` therefore starts the LSTM's
forget gate at $+5$ and its input gate at $-5$, and the GRU's update gate at $+5$: the state
is then kept with weight $\sigma(5) = 0.993$ per step ($0.993^{60} = 0.67$) and new input
is let in with weight $\sigma(-5) = 0.007$. The tanh RNN has no gate to bias.

**Several runs at once.** The runs of one setting (one seed each) are trained together as one
layer whose weights are block-diagonal (`block_diagonal`): run $j$ owns units
$jH, \dots, (j+1)H - 1$ of every gate and reads only its own input features. The gradients
of the off-diagonal blocks are set to zero after every backward pass, so those weights stay
zero, and since Adam treats each weight on its own, every run follows exactly the path it
would follow alone, at a fraction of the cost of separate runs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from backprop._check import make_rng, nonnegative_int, positive_float, positive_int
from backprop._types import Array
from backprop.gated import GRU, LSTM
from backprop.layers import Dense, Sequential
from backprop.losses import softmax_cross_entropy
from backprop.optim import Adam
from backprop.rnn import RNN

__all__ = [
    "GATE_BIAS",
    "HIDDEN",
    "KINDS",
    "LENGTHS",
    "GradientProbe",
    "MemoryRuns",
    "MemoryTable",
    "block_diagonal",
    "first_symbol_task",
    "gradient_probe",
    "make_recurrent",
    "memory_table",
    "train_memory",
]

Kind = Literal["rnn", "lstm", "gru"]
Recurrent = RNN | LSTM | GRU

SYMBOLS = 4
"""The symbols a sequence can start with (one of them is the answer)."""
NOISE_SYMBOLS = 4
"""The symbols of the noise that follows."""
FEATURES = SYMBOLS + NOISE_SYMBOLS
"""One-hot input features: the first 4 for the symbols, the last 4 for the noise."""
KINDS: tuple[Kind, ...] = ("rnn", "lstm", "gru")
"""The recurrent layers compared."""
NAMES: dict[Kind, str] = {"rnn": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
"""How the tables and figures name each kind."""
HIDDEN = 8
"""Hidden units of every layer compared."""
LENGTHS = (10, 30, 60)
"""The noise lengths $T$ of the table."""
GATE_BIAS = 5.0
"""The initial bias that makes a gate keep the state (see the module docstring)."""
SEEDS = (0, 1, 2, 3, 4)
"""The runs of the table, one seed each."""
_GATES: dict[Kind, int] = {"rnn": 1, "lstm": 4, "gru": 3}  # column blocks of W_x, W_h and the biases


def _kind(kind: object) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    return kind


def first_symbol_task(n: int, T: int, *, rng: np.random.Generator | int | None = 0) -> tuple[Array, np.ndarray]:
    """``n`` sequences of one symbol followed by ``T`` noise symbols, and the first symbol of each.

    Args:
        n: number of sequences.
        T: noise steps after the first symbol (each sequence has ``T + 1`` steps).
        rng: seed or Generator.

    Returns:
        One-hot inputs ``(n, T + 1, 8)`` (features 0-3: the symbols, 4-7: the noise) and the
        labels ``(n,)`` in ``0..3``.

    Examples:
        >>> from backprop.examples.memory import first_symbol_task
        >>> x, y = first_symbol_task(2, 3, rng=0)
        >>> x.shape, y.tolist()
        ((2, 4, 8), [3, 2])
        >>> x[0].argmax(axis=1).tolist()          # symbol 3, then noise symbols (features 4-7)
        [3, 6, 5, 5]
    """
    n = positive_int(n, "n")
    T = positive_int(T, "T")
    gen = make_rng(rng)
    y = gen.integers(SYMBOLS, size=n)
    noise = SYMBOLS + gen.integers(NOISE_SYMBOLS, size=(n, T))
    x = np.zeros((n, T + 1, FEATURES))
    x[np.arange(n), 0, y] = 1.0
    x[np.arange(n)[:, None], np.arange(1, T + 1), noise] = 1.0
    return x, y


def make_recurrent(
    kind: Kind, n_in: int, n_hidden: int, *, gate_bias: float = GATE_BIAS, rng: np.random.Generator | int | None = None
) -> Recurrent:
    r"""A tanh `RNN`, an `LSTM` or a `GRU` with PyTorch's initial weights and gates biased to keep the state.

    LSTM: forget gate bias $+b$, input gate bias $-b$. GRU: update gate bias $+b$ (in ``b_x``;
    $z = 1$ keeps $h_{t-1}$). The tanh RNN has no gate: its bias stays 0.

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        n_in: input features.
        n_hidden: hidden units ``H``.
        gate_bias: $b$.
        rng: seed or Generator for the weights.

    Examples:
        >>> from backprop.examples.memory import make_recurrent
        >>> lstm = make_recurrent("lstm", 8, 2, rng=0)
        >>> lstm.params["b"].tolist()                      # blocks i, f, g, o
        [-5.0, -5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0]
        >>> make_recurrent("gru", 8, 2, rng=0).params["b_x"].tolist()   # blocks r, z, n
        [0.0, 0.0, 5.0, 5.0, 0.0, 0.0]
    """
    kind = _kind(kind)
    b = float(gate_bias)
    H = positive_int(n_hidden, "n_hidden")
    if kind == "rnn":
        return RNN(n_in, H, rng=rng)
    if kind == "lstm":
        lstm = LSTM(n_in, H, rng=rng)
        lstm.params["b"][:H] = -b  # input gate: let little in
        lstm.params["b"][H : 2 * H] = b  # forget gate: keep the cell state
        return lstm
    gru = GRU(n_in, H, rng=rng)
    gru.params["b_x"][H : 2 * H] = b  # update gate: keep h
    return gru


def _place(blocks: Sequence[Array], gates: int) -> Array:
    """Put run ``j``'s array in block ``j`` of each of the ``gates`` column blocks (and of the rows, if 2-D)."""
    S, width = len(blocks), blocks[0].shape[-1] // gates
    if blocks[0].ndim == 1:  # a bias: run j's units of each gate block
        return np.concatenate([b[g * width : (g + 1) * width] for g in range(gates) for b in blocks])
    rows = blocks[0].shape[0]
    out = np.zeros((S * rows, gates * S * width))
    for j, block in enumerate(blocks):
        for g in range(gates):
            out[j * rows : (j + 1) * rows, (g * S + j) * width : (g * S + j + 1) * width] = (
                block[:, g * width : (g + 1) * width]
            )
    return out


def block_diagonal(layers: Sequence[Recurrent | Dense]) -> tuple[Recurrent | Dense, dict[str, Array]]:
    """One layer that computes every layer of ``layers`` side by side, and the masks of its own weights.

    Layer $j$ reads input features $jD, \\dots, (j+1)D - 1$ and owns hidden (or output) units
    $jH, \\dots, (j+1)H - 1$ of every gate block. Multiplying the gradients by the masks after
    each backward pass keeps the other weights at zero.

    Args:
        layers: layers of one class with the same sizes (and, for recurrent ones, no truncation).

    Returns:
        The combined layer and, for each of its parameters, a 0/1 mask of the same shape.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.examples.memory import block_diagonal
        >>> a, b = bp.GRU(2, 3, rng=0), bp.GRU(2, 3, rng=1)
        >>> both, masks = block_diagonal([a, b])
        >>> both, float(masks["W_h"].mean())          # each run owns half of the rows, half of each gate
        (GRU(4, 6), 0.5)
        >>> x = np.random.default_rng(2).normal(size=(5, 7, 2))
        >>> y = np.random.default_rng(3).normal(size=(5, 7, 2))
        >>> h = both.forward(np.concatenate([x, y], axis=2))
        >>> bool(np.allclose(h, np.concatenate([a.forward(x), b.forward(y)], axis=1)))
        True
    """
    first = layers[0]
    if isinstance(first, Dense):
        big: Recurrent | Dense = Dense(first.n_in * len(layers), first.n_out * len(layers), rng=0)
        gates = 1
    else:
        kind: Kind = "rnn" if isinstance(first, RNN) else "lstm" if isinstance(first, LSTM) else "gru"
        big = make_recurrent(kind, first.n_in * len(layers), first.n_hidden * len(layers), rng=0)
        gates = _GATES[kind]
    masks = {}
    for name, p in big.params.items():
        p[...] = _place([layer.params[name] for layer in layers], gates)
        masks[name] = _place([np.ones_like(layer.params[name]) for layer in layers], gates)
    return big, masks


def _losses(logits: Array, labels: np.ndarray) -> Array:
    """Each row's cross-entropy: minus the log-probability of its label, by log-sum-exp (no overflow)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    out: Array = -log_p[np.arange(len(labels)), labels]
    return out


def _read_only(a: Array) -> Array:
    a = np.array(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class MemoryRuns:
    """What `train_memory` measured, one entry per run.

    Attributes:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        T: the noise steps.
        seeds: the seed of each run.
        accuracies: each run's accuracy on its test sequences.
        losses: each step's training loss, ``(steps, runs)`` (read-only).
        n_hidden: hidden units per run.
        batch_size: training sequences per step and run.
        lr: Adam's learning rate.
        gate_bias: the initial gate bias (see `make_recurrent`).
        n_test: test sequences per run.

    Examples:
        >>> from backprop.examples.memory import train_memory
        >>> runs = train_memory("gru", 5, seeds=(0, 1), steps=30)
        >>> runs.kind, runs.T, runs.seeds, runs.mean, runs.solved
        ('gru', 5, (0, 1), 1.0, 2)
        >>> print(" ".join(f"{loss:.2f}" for loss in runs.losses[-1]))     # each run's loss at the last step
        0.03 0.01
    """

    kind: Kind
    T: int
    seeds: tuple[int, ...]
    accuracies: tuple[float, ...]
    losses: Array
    n_hidden: int
    batch_size: int
    lr: float
    gate_bias: float
    n_test: int

    @property
    def mean(self) -> float:
        """The mean test accuracy over the runs."""
        return float(np.mean(self.accuracies))

    @property
    def solved(self) -> int:
        """How many runs are right on more than 90% of their test sequences."""
        return sum(a > 0.9 for a in self.accuracies)


def train_memory(
    kind: Kind,
    T: int,
    seeds: Iterable[int] = SEEDS,
    *,
    n_hidden: int = HIDDEN,
    steps: int = 70,
    batch_size: int = 32,
    lr: float = 0.07,
    gate_bias: float = GATE_BIAS,
    n_test: int = 200,
) -> MemoryRuns:
    r"""Train one recurrent layer and a dense read-out per seed on `first_symbol_task`; test each.

    Every step draws ``batch_size`` fresh sequences per run; the loss is the softmax
    cross-entropy of the read-out of the last state $h_{T+1}$, and Adam takes the step. Run
    ``s`` draws its ``n_test`` test sequences, its weights and its training sequences, in
    that order, from one generator seeded with ``s``. The runs are trained side by side as
    one block-diagonal layer (see the module docstring). The result is cached: each setting
    runs once per process.

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        T: noise steps after the first symbol.
        seeds: one run per seed.
        n_hidden: hidden units per run.
        steps: Adam steps.
        batch_size: sequences per step and run.
        lr: Adam's learning rate.
        gate_bias: see `make_recurrent`.
        n_test: test sequences per run.

    Examples:
        >>> from backprop.examples.memory import train_memory
        >>> runs = train_memory("gru", 5, seeds=(0, 1), steps=30)
        >>> runs.accuracies, runs.losses.shape
        ((1.0, 1.0), (30, 2))
        >>> train_memory("gru", 5, [0, 1], steps=30) is runs       # computed once
        True
    """
    seeds = tuple(int(s) for s in seeds)
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be one or more non-negative ints, got {seeds}")
    return _train_memory(
        _kind(kind), positive_int(T, "T"), seeds, positive_int(n_hidden, "n_hidden"), positive_int(steps, "steps"),
        positive_int(batch_size, "batch_size"), positive_float(lr, "lr"), float(gate_bias),
        positive_int(n_test, "n_test"),
    )


@functools.cache
def _train_memory(
    kind: Kind, T: int, seeds: tuple[int, ...], H: int, steps: int, batch_size: int, lr: float, gate_bias: float,
    n_test: int,
) -> MemoryRuns:
    S = len(seeds)
    gens = [make_rng(s) for s in seeds]
    tests = [first_symbol_task(n_test, T, rng=gen) for gen in gens]
    cells = [make_recurrent(kind, FEATURES, H, gate_bias=gate_bias, rng=gen) for gen in gens]
    reads = [Dense(H, SYMBOLS, rng=gen) for gen in gens]
    (rec, rec_masks), (read, read_masks) = block_diagonal(cells), block_diagonal(reads)
    net, opt = Sequential(rec, read), Adam(lr=lr)
    losses = np.empty((steps, S))
    for step in range(steps):
        batches = [first_symbol_task(batch_size, T, rng=gen) for gen in gens]
        logits = net.forward(np.concatenate([x for x, _ in batches], axis=2)).reshape(batch_size, S, SYMBOLS)
        # All runs in one loss, run by run (rows j*N..(j+1)*N-1 are run j): its mean over the
        # S*N rows, times S, has each run's own mean loss as that run's part.
        by_run = logits.transpose(1, 0, 2).reshape(S * batch_size, SYMBOLS)
        labels = np.concatenate([y for _, y in batches])
        _, dby_run = softmax_cross_entropy(by_run, labels)
        losses[step] = _losses(by_run, labels).reshape(S, batch_size).mean(axis=1)
        net.backward((S * dby_run).reshape(S, batch_size, SYMBOLS).transpose(1, 0, 2).reshape(batch_size, -1))
        for layer, masks in ((rec, rec_masks), (read, read_masks)):
            for name, mask in masks.items():
                layer.grads[name] *= mask  # the other runs' blocks stay zero
        opt.step(net)
    logits = net.forward(np.concatenate([x for x, _ in tests], axis=2)).reshape(n_test, S, SYMBOLS)
    accuracies = tuple(float(np.mean(logits[:, j].argmax(axis=1) == y)) for j, (_, y) in enumerate(tests))
    return MemoryRuns(kind, T, seeds, accuracies, _read_only(losses), H, batch_size, lr, gate_bias, n_test)


@dataclass(frozen=True)
class MemoryTable:
    """Test accuracies of each kind of layer at each noise length (`memory_table`).

    Attributes:
        runs: ``(kind, T)`` → its `MemoryRuns`.

    Examples:
        >>> from backprop.examples.memory import memory_table
        >>> table = memory_table(lengths=(3,), kinds=("gru",), seeds=(0,), steps=20)
        >>> table.kinds, table.lengths, table.runs["gru", 3].accuracies
        (('gru',), (3,), (1.0,))
    """

    runs: dict[tuple[Kind, int], MemoryRuns]

    @property
    def kinds(self) -> tuple[Kind, ...]:
        """The kinds of layer, in the order of the rows."""
        return tuple(dict.fromkeys(k for k, _ in self.runs))

    @property
    def lengths(self) -> tuple[int, ...]:
        """The noise lengths, in the order of the columns."""
        return tuple(dict.fromkeys(T for _, T in self.runs))

    def to_text(self) -> str:
        """The table as text: how many runs solve the task (more than 90% of their test sequences right).

        Only the counts are shown: a run that fails is chaotic, and where it ends up (its
        accuracy) depends on the rounding of the machine it ran on; the count does not.

        Examples:
            >>> from backprop.examples.memory import memory_table
            >>> print(memory_table(lengths=(3,), kinds=("gru",), seeds=(0,), steps=20).to_text())
            runs above 90% on the test     T = 3
            GRU                              1/1
        """
        first = next(iter(self.runs.values()))
        head = "runs above 90% on the test" + "".join(f"{f'T = {T}':>10}" for T in self.lengths)
        lines = [head]
        for kind in self.kinds:
            cells = "".join(f"{f'{self.runs[kind, T].solved}/{len(first.seeds)}':>10}" for T in self.lengths)
            lines.append(f"{NAMES[kind]:<26}" + cells)
        return "\n".join(lines)


def memory_table(
    lengths: Iterable[int] = LENGTHS,
    kinds: Iterable[Kind] = KINDS,
    seeds: Iterable[int] = SEEDS,
    *,
    steps: int = 70,
    gate_bias: float = GATE_BIAS,
) -> MemoryTable:
    """`train_memory` for every kind of layer and every noise length, same settings throughout.

    Examples:
        >>> from backprop.examples.memory import memory_table
        >>> table = memory_table(lengths=(3, 5), kinds=("rnn",), seeds=(0,), steps=10)
        >>> sorted(table.runs), table.lengths
        ([('rnn', 3), ('rnn', 5)], (3, 5))
    """
    seeds = tuple(seeds)
    runs = {(k, int(T)): train_memory(k, int(T), seeds, steps=steps, gate_bias=gate_bias)
            for k in kinds for T in lengths}
    return MemoryTable(runs)


@dataclass(frozen=True)
class GradientProbe:
    r"""What `gradient_probe` measured at initialisation, each norm relative to its value at the last step.

    Attributes:
        T: noise steps (the sequences have ``T + 1`` steps).
        gate_bias: the gate bias of the LSTM and the GRU.
        hidden: kind → $\|\partial L/\partial h_t\| / \|\partial L/\partial h_{T+1}\|$ for
            $t = 1, \dots, T+1$, averaged over the sequences (read-only).
        cell: the same for the LSTM's cell state, $\|\partial L/\partial c_t\| / \|\partial L/\partial c_{T+1}\|$.

    Examples:
        >>> from backprop.examples.memory import gradient_probe
        >>> probe = gradient_probe(20)
        >>> probe.T, probe.gate_bias, float(probe.hidden["lstm"][-1]), probe.cell.flags.writeable
        (20, 5.0, 1.0, False)
        >>> print(" ".join(f"{probe.cell[t]:.2f}" for t in (0, 10, 20)))     # at c_1, c_11, c_21
        0.88 0.94 1.00
    """

    T: int
    gate_bias: float
    hidden: dict[Kind, Array]
    cell: Array


def gradient_probe(T: int = 60, *, gate_bias: float = GATE_BIAS, n: int = 64, rng: int = 0) -> GradientProbe:
    r"""$\|\partial L/\partial h_t\|$ of each layer (and the LSTM's $\|\partial L/\partial c_t\|$) at initialisation.

    Each layer (with `HIDDEN` units) and its dense read-out are freshly initialised from
    seed ``rng`` and read ``n`` task sequences; the loss is the task's cross-entropy at the
    last step. Each norm is divided by its value at the last step, so a curve says what
    fraction of the gradient there reaches step $t$. Cached, like `train_memory`.

    Examples:
        >>> from backprop.examples.memory import gradient_probe
        >>> probe = gradient_probe(20)
        >>> {k: v.shape for k, v in probe.hidden.items()}, probe.cell.shape
        ({'rnn': (21,), 'lstm': (21,), 'gru': (21,)}, (21,))
        >>> print(f"{probe.hidden['rnn'][0]:.0e} {probe.cell[0]:.2f} {probe.hidden['gru'][0]:.2f}")   # 20 steps back
        1e-05 0.88 0.87
    """
    return _gradient_probe(positive_int(T, "T"), float(gate_bias), positive_int(n, "n"), nonnegative_int(rng, "rng"))


@functools.cache
def _gradient_probe(T: int, gate_bias: float, n: int, rng: int) -> GradientProbe:
    x, y = first_symbol_task(n, T, rng=rng)
    hidden, cell = {}, np.zeros(T + 1)
    for kind in KINDS:
        gen = make_rng(rng)
        rec = make_recurrent(kind, FEATURES, HIDDEN, gate_bias=gate_bias, rng=gen)
        net = Sequential(rec, Dense(HIDDEN, SYMBOLS, rng=gen))
        _, dlogits = softmax_cross_entropy(net.forward(x), y)
        net.backward(dlogits)
        per_step = np.linalg.norm(rec.hidden_grads, axis=2).mean(axis=0)
        hidden[kind] = _read_only(per_step / per_step[-1])
        if isinstance(rec, LSTM):
            per_step = np.linalg.norm(rec.cell_grads, axis=2).mean(axis=0)
            cell = _read_only(per_step / per_step[-1])
    return GradientProbe(T, gate_bias, hidden, cell)
