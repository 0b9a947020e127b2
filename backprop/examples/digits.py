"""A small CNN trained on the 8×8 handwritten digits shipped with the package.

The 8×8 digits in ``backprop/data`` (1,797 images of the UCI "Optical Recognition of
Handwritten Digits" test set; no download) split once into 1,437 training and 360 test
images, and the network ``Conv2D(1→32, 3×3, padding 1) → ReLU → MaxPool2D(2) → Flatten →
Dense(512→128) → ReLU → Dense(128→10)`` trained with softmax cross-entropy and Adam
reaches at least 98% test accuracy within 5 epochs (the default is 15).

Examples:
    >>> from backprop.examples.digits import train_digits
    >>> result = train_digits(epochs=5)          # about a second
    >>> len(result.data.y_train), len(result.data.y_test), result.test_accuracy >= 0.98
    (1437, 360, True)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from backprop._check import make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.conv import Conv2D, Flatten, MaxPool2D
from backprop.layers import Dense, Layer, ReLU, Sequential
from backprop.losses import softmax_cross_entropy
from backprop.optim import Adam, DivergenceError

__all__ = [
    "DIGITS_FILE",
    "DIGITS_TEST_SIZE",
    "DigitsData",
    "DigitsResult",
    "accuracy",
    "build_cnn",
    "evaluate_digits",
    "input_gradient",
    "kernel_gradients",
    "load_digits_split",
    "train_digits",
]

DIGITS_TEST_SIZE = 360
"""Test images held out of the 1,797 (the first 360 of a permutation seeded with 0)."""


@dataclass
class DigitsData:
    """The 8×8 digits, split once into training and test sets.

    Attributes:
        x_train: ``(1437, 1, 8, 8)`` images scaled to [0, 1].
        y_train: ``(1437,)`` int labels 0-9.
        x_test: ``(360, 1, 8, 8)``.
        y_test: ``(360,)``.
    """

    x_train: Array
    y_train: np.ndarray
    x_test: Array
    y_test: np.ndarray


DIGITS_FILE = "digits.npz"
"""The digits as shipped in ``backprop/data``: ``images`` ``(1797, 8, 8)`` and ``labels`` ``(1797,)``, uint8."""


@functools.cache
def _digits_arrays() -> tuple[Array, np.ndarray]:
    with (resources.files("backprop") / "data" / DIGITS_FILE).open("rb") as f, np.load(f, allow_pickle=False) as z:
        images = z["images"].astype(np.float64)[:, None] / 16.0  # pixel counts 0..16 → [0, 1]
        labels = z["labels"].astype(np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_digits_split() -> DigitsData:
    """The 8×8 handwritten digits shipped with the package, as ``(N, 1, 8, 8)`` images, split in two.

    The split is fixed (a permutation from ``numpy.random.default_rng(0)``), so every run and
    every seed is scored on the same 360 test images.

    Examples:
        >>> from backprop.examples.digits import load_digits_split
        >>> data = load_digits_split()
        >>> data.x_train.shape, data.x_test.shape, sorted(set(data.y_test.tolist())) == list(range(10))
        ((1437, 1, 8, 8), (360, 1, 8, 8), True)
    """
    images, labels = _digits_arrays()
    perm = np.random.default_rng(0).permutation(len(labels))
    test, train = perm[:DIGITS_TEST_SIZE], perm[DIGITS_TEST_SIZE:]
    return DigitsData(images[train], labels[train], images[test], labels[test])


def build_cnn(rng: np.random.Generator | int | None = 0) -> Sequential:
    """The digits network: conv → ReLU → pool → flatten → dense → ReLU → dense (10 logits).

    Args:
        rng: a seed or a Generator for the initial weights.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.digits import build_cnn
        >>> net = build_cnn(0)
        >>> net.forward(np.zeros((5, 1, 8, 8))).shape
        (5, 10)
        >>> {k: v.shape for k, v in net.params.items()}
        {'0.W': (32, 1, 3, 3), '0.b': (32,), '4.W': (512, 128), '4.b': (128,), '6.W': (128, 10), '6.b': (10,)}
    """
    gen = make_rng(rng)
    return Sequential(
        Conv2D(1, 32, 3, padding=1, rng=gen),  # (N, 1, 8, 8) → (N, 32, 8, 8)
        ReLU(),
        MaxPool2D(2),  # → (N, 32, 4, 4)
        Flatten(),  # → (N, 512)
        Dense(512, 128, rng=gen, init="he"),
        ReLU(),
        Dense(128, 10, rng=gen),
    )


def accuracy(model: Layer, x: Array, labels: np.ndarray) -> float:
    """Fraction of ``x`` whose largest logit is the label.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.examples.digits import accuracy
        >>> net = bp.Dense.from_arrays(np.eye(2), np.zeros(2))
        >>> accuracy(net, np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]), np.array([0, 1, 1]))
        0.6666666666666666
    """
    return float(np.mean(model.forward(x).argmax(axis=1) == labels))


@dataclass
class DigitsResult:
    """What `train_digits` returns.

    Attributes:
        model: the trained network.
        data: the split it was trained and tested on.
        losses: mean training loss of each epoch.
        test_accuracies: test accuracy after each epoch.
        seconds: wall-clock training time.
    """

    model: Sequential
    data: DigitsData
    losses: list[float] = field(default_factory=list)
    test_accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def test_accuracy(self) -> float:
        """Accuracy on the 360 test images after the last epoch."""
        return self.test_accuracies[-1]


def train_digits(
    *,
    epochs: int = 15,
    batch_size: int = 32,
    lr: float = 0.01,
    decay: float = 0.8,
    rng: np.random.Generator | int | None = 0,
    progress: Callable[[int, int, float], None] | None = None,
) -> DigitsResult:
    """Train `build_cnn` on the digits with Adam and softmax cross-entropy.

    Each epoch visits the training images once in a random order, in mini-batches; the
    learning rate is multiplied by ``decay`` after each epoch. ``rng`` sets the initial
    weights and then the order of the batches (the train/test split never changes).

    Args:
        epochs: passes over the training set.
        batch_size: images per gradient step.
        lr: Adam's initial learning rate.
        decay: factor applied to the learning rate after each epoch, in (0, 1].
        rng: a seed or a Generator, for the weights and then the shuffling.
        progress: called as ``progress(epoch, epochs, mean_loss)`` after each epoch.

    Examples:
        >>> from backprop.examples.digits import train_digits
        >>> result = train_digits(epochs=2)
        >>> len(result.losses), result.losses[1] < result.losses[0], result.test_accuracy > 0.9
        (2, True, True)
    """
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    decay = positive_float(decay, "decay")
    if decay > 1.0:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    gen = make_rng(rng)
    data = load_digits_split()
    model = build_cnn(gen)
    opt = Adam(positive_float(lr, "lr"))
    result = DigitsResult(model=model, data=data)
    n = len(data.y_train)
    start = time.perf_counter()
    last_loss: float | None = None  # the last batch's loss, for a DivergenceError
    for epoch in range(1, epochs + 1):
        order = gen.permutation(n)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            try:
                loss, dlogits = softmax_cross_entropy(model.forward(data.x_train[idx]), data.y_train[idx])
                last_loss = loss
                model.backward(dlogits)
                opt.step(model)
            except DivergenceError as exc:
                exc.during(epoch, last_loss)
                raise
            total += loss * len(idx)
        opt.lr *= decay
        result.losses.append(total / n)
        result.test_accuracies.append(accuracy(model, data.x_test, data.y_test))
        if progress is not None:
            progress(epoch, epochs, result.losses[-1])
    result.seconds = time.perf_counter() - start
    return result


def input_gradient(model: Layer, x: Array, labels: np.ndarray) -> Array:
    r"""$\partial L/\partial x$ of the cross-entropy of ``model`` at ``x``: a saliency map.

    Large entries mark the pixels whose change would change the loss the most.

    Args:
        model: a classifier producing logits.
        x: images, ``(N, C, H, W)``.
        labels: ``(N,)`` int classes.

    Returns:
        An array of the shape of ``x``.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.digits import build_cnn, input_gradient
        >>> g = input_gradient(build_cnn(0), np.full((1, 1, 8, 8), 0.5), np.array([3]))
        >>> g.shape
        (1, 1, 8, 8)
    """
    _, dlogits = softmax_cross_entropy(model.forward(x), labels)
    return np.ascontiguousarray(model.backward(dlogits))


def evaluate_digits(model: Sequential) -> DigitsResult:
    """Score a trained digits network (for instance one read by `backprop.load_params`) on the test images.

    Returns:
        A `DigitsResult` with no training history: ``test_accuracies`` holds the one score.

    Examples:
        >>> from backprop.examples.digits import build_cnn, evaluate_digits
        >>> result = evaluate_digits(build_cnn(0))       # untrained: about one in ten
        >>> result.losses, result.test_accuracy < 0.3
        ([], True)
    """
    data = load_digits_split()
    return DigitsResult(model=model, data=data, test_accuracies=[accuracy(model, data.x_test, data.y_test)])


def kernel_gradients(model: Sequential, x: Array, labels: np.ndarray) -> Array:
    r"""$\partial L/\partial K$ of the first layer's kernels for one batch: ``(filters, kh, kw)`` of input channel 0.

    Args:
        model: a network like `build_cnn` (its first layer a `Conv2D`).
        x: images, ``(N, 1, 8, 8)``.
        labels: ``(N,)`` int classes.

    Examples:
        >>> from backprop.examples.digits import build_cnn, kernel_gradients, load_digits_split
        >>> data = load_digits_split()
        >>> kernel_gradients(build_cnn(0), data.x_train[:32], data.y_train[:32]).shape
        (32, 3, 3)
    """
    first = model.layers[0]
    if not isinstance(first, Conv2D):
        raise TypeError(f"model must start with a Conv2D, got {type(first).__name__}")
    _, dlogits = softmax_cross_entropy(model.forward(x), labels)
    model.backward(dlogits)
    return np.ascontiguousarray(first.grads["W"][:, 0])
