r"""Overfitting on purpose, two cures for it, and batch normalisation in a deep sigmoid network.

**Overfitting.** `noisy_spiral` draws a small training set from the deep page's three-arm
spiral and gives 20% of its points a wrong label; the test points keep their true labels, so
test accuracy measures how well a network learned the spiral itself. `train_overfit`
trains a ``2-32-32-3`` ReLU network on it with full-batch Adam, with no regularisation, with
decoupled weight decay (`backprop.AdamW`) or with `backprop.Dropout` after each hidden
layer, and records the curves and the decision regions; `overfit_table` collects the test
accuracies of several runs. A network that fits the wrong labels too has learned them, not
the spiral: its training accuracy climbs above the 80% that the true spiral would score,
while its test accuracy falls.

**Batch normalisation.** `deep_sigmoid_net` builds the deep page's network of 8 sigmoid
layers of 32 units, optionally with a `backprop.BatchNorm` between each dense layer and its
sigmoid; `train_deep_sigmoid` trains it as the deep page does (20 epochs of SGD, learning
rate 0.1, batches of 32) and measures $\|\partial L/\partial W\|$ of every dense layer at
initialisation.

Every run is cached: the page, its figures and the tests share one run per setting.
"""

from __future__ import annotations

import copy
import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from backprop._check import make_rng, nonnegative_int, positive_float, positive_int
from backprop._types import Array
from backprop.dropout import Dropout
from backprop.examples.dnn import spiral
from backprop.layers import Dense, Layer, ReLU, Sequential, Sigmoid
from backprop.losses import softmax_cross_entropy
from backprop.normalization import BatchNorm
from backprop.optim import SGD, Adam, AdamW

__all__ = [
    "REGULARISERS",
    "DeepSigmoidRun",
    "NoisySpiral",
    "OverfitRun",
    "OverfitTable",
    "accuracy",
    "deep_sigmoid_net",
    "noisy_spiral",
    "overfit_table",
    "spiral_net",
    "train_deep_sigmoid",
    "train_overfit",
]

Regulariser = Literal["none", "weight decay", "dropout"]
REGULARISERS: tuple[Regulariser, ...] = ("none", "weight decay", "dropout")
"""The settings compared: no regularisation, AdamW's weight decay, dropout."""
SEEDS = (0, 1, 2, 3, 4)
"""The runs of the table, one seed each."""
GRID = np.linspace(-1.1, 1.1, 100)
"""The coordinates at which the decision regions are evaluated (both axes)."""


def _read_only(a: npt.ArrayLike) -> np.ndarray:
    out = np.array(a)
    out.flags.writeable = False
    return out


def accuracy(model: Layer, x: Array, y: np.ndarray) -> float:
    """The fraction of rows of ``x`` whose largest output of ``model`` is at the label ``y``.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.examples.regularization import accuracy
        >>> model = bp.Dense.from_arrays(np.eye(2), np.zeros(2))
        >>> accuracy(model, np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 0]))
        0.5
    """
    return float(np.mean(model.forward(x).argmax(axis=1) == y))


@dataclass(frozen=True)
class NoisySpiral:
    """A training set with some wrong labels and a test set with true ones (`noisy_spiral`).

    Attributes:
        x_train: training points, ``(n_train * 3, 2)`` (read-only, like every array here).
        y_train: their labels, 20% of them wrong.
        x_test: test points, ``(n_test * 3, 2)``.
        y_test: their true labels.
        flipped: which training labels are wrong.

    Examples:
        >>> from backprop.examples.regularization import noisy_spiral
        >>> data = noisy_spiral(10, 5)
        >>> data.x_train.shape, data.y_train.shape, data.x_test.shape, data.y_test.shape
        ((30, 2), (30,), (15, 2), (15,))
        >>> int(data.flipped.sum()), data.y_train.flags.writeable
        (8, False)
    """

    x_train: Array
    y_train: np.ndarray
    x_test: Array
    y_test: np.ndarray
    flipped: np.ndarray


def noisy_spiral(
    n_train: int = 50, n_test: int = 100, *, flip: float = 0.2, rng: np.random.Generator | int | None = 0
) -> NoisySpiral:
    """``n_train`` and ``n_test`` points per arm of the 3-arm spiral; a fraction ``flip`` of the training labels wrong.

    A flipped label is replaced by one of the two other classes, at random.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.regularization import noisy_spiral
        >>> data = noisy_spiral()
        >>> data.x_train.shape, data.x_test.shape, int(data.flipped.sum())
        ((150, 2), (300, 2), 30)
        >>> np.bincount(data.y_test).tolist()
        [100, 100, 100]
    """
    flip = positive_float(flip, "flip", allow_zero=True)
    if flip >= 1.0:
        raise ValueError(f"flip must be in [0, 1), got {flip}")
    gen = make_rng(rng)
    x_train, y_true = spiral(positive_int(n_train, "n_train"), 3, rng=gen)
    x_test, y_test = spiral(positive_int(n_test, "n_test"), 3, rng=gen)
    flipped = gen.random(len(y_true)) < flip
    y_train = y_true.copy()
    y_train[flipped] = (y_true[flipped] + gen.integers(1, 3, size=int(flipped.sum()))) % 3
    return NoisySpiral(*(_read_only(a) for a in (x_train, y_train, x_test, y_test, flipped)))


def spiral_net(dropout: float = 0.0, *, hidden: int = 32, rng: np.random.Generator | int | None = 0) -> Sequential:
    """``Dense(2, hidden) → ReLU → Dense(hidden, hidden) → ReLU → Dense(hidden, 3)``, with optional dropout.

    With ``dropout > 0`` a `Dropout` follows each ReLU. The dense layers draw their weights
    from ``rng`` first to last (He initialisation, Glorot for the output) and the dropout
    layers their masks from the same generator, so for one seed the initial weights are
    the same with and without dropout.

    Examples:
        >>> from backprop.examples.regularization import spiral_net
        >>> spiral_net(0.5, hidden=8)
        Sequential(Dense(2, 8), ReLU(), Dropout(p=0.5), Dense(8, 8), ReLU(), Dropout(p=0.5), Dense(8, 3))
        >>> spiral_net(hidden=8).params["0.W"].tolist() == spiral_net(0.5, hidden=8).params["0.W"].tolist()
        True
    """
    H = positive_int(hidden, "hidden")
    gen = make_rng(rng)
    layers: list[Layer] = []
    for n_in in (2, H):
        layers += [Dense(n_in, H, rng=gen, init="he"), ReLU()]
        if dropout:
            layers.append(Dropout(dropout, rng=gen))
    layers.append(Dense(H, 3, rng=gen))
    return Sequential(*layers)


@dataclass(frozen=True)
class OverfitRun:
    """What `train_overfit` recorded: curves every ``every`` steps, the end result and the decision regions.

    Attributes:
        regulariser: ``"none"``, ``"weight decay"`` or ``"dropout"``.
        seed: the seed of the data, the weights and the dropout masks.
        optimizer: the optimizer and its settings, as text.
        data: the `NoisySpiral` it was trained on.
        steps: the steps at which the curves were measured (0 = before training).
        train_loss: cross-entropy on the training set (eval mode) at those steps.
        train_accuracy: accuracy on the (noisy) training labels at those steps.
        test_accuracy: accuracy on the (true) test labels at those steps.
        regions: the predicted class at every point of `GRID` × `GRID`, ``(100, 100)``.

    Examples:
        >>> from backprop.examples.regularization import train_overfit
        >>> run = train_overfit("dropout", steps=20, every=10)
        >>> run
        OverfitRun(regulariser='dropout', seed=0, optimizer='Adam(lr=0.03)')
        >>> print(" ".join(f"{loss:.3f}" for loss in run.train_loss))       # at steps 0, 10, 20
        1.218 0.897 0.836
        >>> print(f"train {run.final_train:.3f}, test {run.final_test:.3f}")
        train 0.647, test 0.673
    """

    regulariser: Regulariser
    seed: int
    optimizer: str
    data: NoisySpiral = field(repr=False)
    steps: np.ndarray = field(repr=False)
    train_loss: Array = field(repr=False)
    train_accuracy: Array = field(repr=False)
    test_accuracy: Array = field(repr=False)
    regions: np.ndarray = field(repr=False)

    @property
    def final_train(self) -> float:
        """Accuracy on the training labels after the last step."""
        return float(self.train_accuracy[-1])

    @property
    def final_test(self) -> float:
        """Accuracy on the test set after the last step."""
        return float(self.test_accuracy[-1])


def train_overfit(
    regulariser: Regulariser = "none",
    seed: int = 0,
    *,
    steps: int = 200,
    lr: float = 0.03,
    weight_decay: float = 1.0,
    dropout: float = 0.5,
    hidden: int = 32,
    every: int = 5,
) -> OverfitRun:
    r"""Train `spiral_net` on `noisy_spiral` (seed ``seed``) with full-batch Adam; cached per setting.

    ``"none"`` uses `Adam`, ``"weight decay"`` uses `AdamW` with ``weight_decay`` (each step
    first shrinks every parameter by the factor $1 - \eta\lambda$), ``"dropout"`` uses `Adam`
    and a dropout probability ``dropout`` after each hidden layer. The network is in
    training mode for each step and in eval mode whenever it is measured.

    Examples:
        >>> from backprop.examples.regularization import train_overfit
        >>> run = train_overfit("dropout", steps=20, every=10)
        >>> run.steps.tolist(), len(run.test_accuracy), run.regions.shape
        ([0, 10, 20], 3, (100, 100))
        >>> train_overfit("dropout", 0, steps=20, every=10) is run      # computed once
        True
    """
    if regulariser not in REGULARISERS:
        raise ValueError(f"regulariser must be one of {list(REGULARISERS)}, got {regulariser!r}")
    p = positive_float(dropout, "dropout")
    if p >= 1.0:
        raise ValueError(f"dropout must be in (0, 1), got {p}")
    return _train_overfit(
        regulariser, nonnegative_int(seed, "seed"), positive_int(steps, "steps"), positive_float(lr, "lr"),
        positive_float(weight_decay, "weight_decay"), p, positive_int(hidden, "hidden"), positive_int(every, "every"),
    )


@functools.cache
def _train_overfit(
    regulariser: Regulariser, seed: int, steps: int, lr: float, weight_decay: float, dropout: float, hidden: int,
    every: int,
) -> OverfitRun:
    gen = make_rng(seed)
    data = noisy_spiral(rng=gen)
    model = spiral_net(dropout if regulariser == "dropout" else 0.0, hidden=hidden, rng=gen)
    if regulariser == "weight decay":
        opt: Adam = AdamW(lr=lr, weight_decay=weight_decay)
        described = f"AdamW(lr={lr}, weight_decay={weight_decay})"
    else:
        opt, described = Adam(lr=lr), f"Adam(lr={lr})"
    marks, curves = [], []
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            model.eval()
            logits = model.forward(data.x_train)
            loss, _ = softmax_cross_entropy(logits, data.y_train)
            train = float(np.mean(logits.argmax(axis=1) == data.y_train))
            marks.append(step)
            curves.append((loss, train, accuracy(model, data.x_test, data.y_test)))
            model.train()
        if step == steps:
            break
        _, dlogits = softmax_cross_entropy(model.forward(data.x_train), data.y_train)
        model.backward(dlogits)
        opt.step(model)
    model.eval()
    gx, gy = np.meshgrid(GRID, GRID)
    regions = model.forward(np.column_stack([gx.ravel(), gy.ravel()])).argmax(axis=1).reshape(gx.shape)
    loss_c, train_c, test_c = (np.array(c) for c in zip(*curves, strict=True))
    return OverfitRun(regulariser, seed, described, data, _read_only(marks), _read_only(loss_c), _read_only(train_c),
                      _read_only(test_c), _read_only(regions))


@dataclass(frozen=True)
class OverfitTable:
    """Test accuracy of every regulariser over several runs (`overfit_table`).

    Attributes:
        runs: regulariser → its `OverfitRun` for each seed.

    Examples:
        >>> from backprop.examples.regularization import overfit_table
        >>> table = overfit_table(["none"], [0, 1], steps=10)
        >>> list(table.runs), [run.seed for run in table.runs["none"]]
        (['none'], [0, 1])
        >>> print(f"{table.mean('none'):.4f}")
        0.7933
    """

    runs: dict[Regulariser, tuple[OverfitRun, ...]]

    def test_accuracies(self, regulariser: Regulariser) -> tuple[float, ...]:
        """Each run's final test accuracy.

        Examples:
            >>> from backprop.examples.regularization import overfit_table
            >>> table = overfit_table(["none"], [0, 1], steps=10)
            >>> [f"{a:.4f}" for a in table.test_accuracies("none")]
            ['0.7700', '0.8167']
        """
        return tuple(r.final_test for r in self.runs[regulariser])

    def mean(self, regulariser: Regulariser) -> float:
        """The mean final test accuracy over the runs.

        Examples:
            >>> from backprop.examples.regularization import overfit_table
            >>> table = overfit_table(["none"], [0, 1], steps=10)
            >>> print(f"{table.mean('none'):.4f}")
            0.7933
        """
        return float(np.mean(self.test_accuracies(regulariser)))

    def to_text(self) -> str:
        """The table: each run's test accuracy, their mean, and the mean training accuracy.

        Examples:
            >>> from backprop.examples.regularization import overfit_table
            >>> print(overfit_table(seeds=(0, 1), steps=10).to_text())
            test accuracy      seed 0  seed 1    mean   (train)
            none                 ...
            weight decay         ...
            dropout              ...
        """
        seeds = [r.seed for r in next(iter(self.runs.values()))]
        lines = [f"{'test accuracy':<16}" + "".join(f"{f'seed {s}':>8}" for s in seeds) + f"{'mean':>8}{'(train)':>10}"]
        for name, runs in self.runs.items():
            cells = "".join(f"{r.final_test:>8.1%}" for r in runs)
            train = float(np.mean([r.final_train for r in runs]))
            lines.append(f"{name:<16}{cells}{self.mean(name):>8.1%}{f'({train:.1%})':>10}")
        return "\n".join(lines)


def overfit_table(
    regularisers: Iterable[Regulariser] = REGULARISERS, seeds: Iterable[int] = SEEDS, *, steps: int = 200
) -> OverfitTable:
    """`train_overfit` for each regulariser and each seed, with the page's other settings.

    Examples:
        >>> from backprop.examples.regularization import overfit_table
        >>> table = overfit_table(["none"], [0, 1], steps=10)
        >>> len(table.runs["none"]), table.mean("none") == sum(table.test_accuracies("none")) / 2
        (2, True)
    """
    seeds = tuple(seeds)
    return OverfitTable({name: tuple(train_overfit(name, s, steps=steps) for s in seeds) for name in regularisers})


# ------------------------------------------------------------------------------------ batch normalisation


def deep_sigmoid_net(batchnorm: bool, *, depth: int = 8, width: int = 32, rng: int = 0) -> Sequential:
    """The deep page's sigmoid network: ``depth`` hidden layers of ``width``, a 3-class output.

    With ``batchnorm`` a `BatchNorm` sits between each hidden dense layer and its sigmoid.
    The dense layers draw their Glorot weights from one generator seeded with ``rng``, in
    the order `backprop.deep.DeepNetwork` draws them, so both versions, and the deep page's
    ``DeepNetwork([2] + [32] * 8 + [3], hidden="sigmoid", rng=0)``, start from the same weights.

    Examples:
        >>> from backprop.examples.regularization import deep_sigmoid_net
        >>> deep_sigmoid_net(True, depth=2, width=4)
        Sequential(Dense(2, 4), BatchNorm(4), Sigmoid(), Dense(4, 4), BatchNorm(4), Sigmoid(), Dense(4, 3))
    """
    sizes = [2, *[positive_int(width, "width")] * positive_int(depth, "depth"), 3]
    gen = make_rng(rng)
    layers: list[Layer] = []
    for n_in, n_out in itertools.pairwise(sizes[:-1]):
        layers.append(Dense(n_in, n_out, rng=gen, init="xavier"))
        if batchnorm:
            layers.append(BatchNorm(n_out))
        layers.append(Sigmoid())
    layers.append(Dense(sizes[-2], 3, rng=gen, init="xavier"))
    return Sequential(*layers)


def _dense_grad_norms(model: Sequential) -> tuple[float, ...]:
    return tuple(float(np.linalg.norm(layer.grads["W"])) for layer in model.layers if isinstance(layer, Dense))


@dataclass(frozen=True)
class DeepSigmoidRun:
    """What `train_deep_sigmoid` measured.

    Attributes:
        batchnorm: whether the network has batch normalisation.
        grad_norms: ‖∂L/∂W‖ of each dense layer, input side first, at initialisation, for one
            batch of 300 spiral points (training mode), as `backprop.examples.dnn.layer_gradient_norms`.
        losses: the mean batch loss of every epoch.
        accuracy: accuracy on the 450 spiral points after training, in eval mode.

    Examples:
        >>> from backprop.examples.regularization import train_deep_sigmoid
        >>> run = train_deep_sigmoid(True, epochs=2)
        >>> run.batchnorm, len(run.grad_norms), len(run.losses)
        (True, 9, 2)
        >>> print(f"loss {run.losses[0]:.4f} → {run.losses[-1]:.4f}, accuracy {run.accuracy:.4f}")
        loss 1.0019 → 0.8494, accuracy 0.5067
    """

    batchnorm: bool
    grad_norms: tuple[float, ...]
    losses: tuple[float, ...]
    accuracy: float
    _trained: Sequential = field(repr=False)

    def model(self) -> Sequential:
        """A copy of the trained network, in eval mode (change it freely: the run keeps its own).

        Examples:
            >>> from backprop.examples.dnn import spiral
            >>> from backprop.examples.regularization import accuracy, train_deep_sigmoid
            >>> run = train_deep_sigmoid(True, epochs=2)
            >>> model = run.model()
            >>> model.layers[1].training, accuracy(model, *spiral(150, 3, rng=0)) == run.accuracy
            (False, True)
            >>> model.params["0.W"][...] = 0.0                  # changes the copy only
            >>> bool(run.model().params["0.W"].any())
            True
        """
        return copy.deepcopy(self._trained).eval()


def train_deep_sigmoid(
    batchnorm: bool, *, epochs: int = 20, lr: float = 0.1, batch_size: int = 32, rng: int = 0
) -> DeepSigmoidRun:
    """Train `deep_sigmoid_net` on the deep page's 450 spiral points with its settings; cached.

    The data is ``spiral(150, 3, rng=rng)``, the weights come from `deep_sigmoid_net` and
    the mini-batches are shuffled every epoch by a generator seeded with ``rng``, exactly as
    ``DeepNetwork.fit`` shuffles them, with `SGD` at learning rate ``lr``.

    Examples:
        >>> from backprop.examples.regularization import train_deep_sigmoid
        >>> run = train_deep_sigmoid(True, epochs=2)
        >>> len(run.grad_norms), len(run.losses), run.model().layers[1].training
        (9, 2, False)
    """
    return _train_deep_sigmoid(bool(batchnorm), positive_int(epochs, "epochs"), positive_float(lr, "lr"),
                               positive_int(batch_size, "batch_size"), nonnegative_int(rng, "rng"))


@functools.cache
def _train_deep_sigmoid(batchnorm: bool, epochs: int, lr: float, batch_size: int, rng: int) -> DeepSigmoidRun:
    probe = deep_sigmoid_net(batchnorm, rng=rng)  # a copy, so that the probe leaves no running statistics
    xb, yb = spiral(100, 3, rng=rng)  # the batch of the deep page's gradient probe
    _, dlogits = softmax_cross_entropy(probe.forward(xb), yb)
    probe.backward(dlogits)
    grad_norms = _dense_grad_norms(probe)
    model = deep_sigmoid_net(batchnorm, rng=rng)
    x, y = spiral(150, 3, rng=rng)
    gen, opt = make_rng(rng), SGD(lr=lr)
    losses = []
    for _ in range(epochs):
        order = gen.permutation(len(x))
        batch_losses = []
        for idx in np.array_split(order, -(-len(x) // batch_size)):
            loss, dlogits = softmax_cross_entropy(model.forward(x[idx]), y[idx])
            model.backward(dlogits)
            opt.step(model)
            batch_losses.append(loss)
        losses.append(float(np.mean(batch_losses)))
    model.eval()
    return DeepSigmoidRun(batchnorm, grad_norms, tuple(losses), accuracy(model, x, y), model)
