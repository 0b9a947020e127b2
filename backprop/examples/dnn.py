"""A deep network learns a generated spiral data set; and why sigmoid stacks learn slowly.

`spiral` makes a classic data set with no download: ``classes`` arms winding out
from the origin, which no linear classifier separates. `layer_gradient_norms`
measures, at initialisation, how large $\\partial L/\\partial W$ is in each layer of a deep
stack: with sigmoid hidden units it shrinks layer after layer going down (each
$\\sigma' \\le 1/4$), with ReLU it stays of the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from backprop._check import make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.deep import DeepNetwork
from backprop.optim import Adam

__all__ = ["GradientNorms", "SpiralResult", "compare_gradient_norms", "layer_gradient_norms", "spiral", "train_spiral"]

Hidden = Literal["relu", "tanh", "sigmoid"]


def spiral(
    n_per_class: int = 100, classes: int = 3, *, noise: float = 0.2, rng: np.random.Generator | int | None = 0
) -> tuple[Array, np.ndarray]:
    """Points on ``classes`` interleaved spiral arms in 2-D, with integer labels.

    Returns:
        ``x`` of shape ``(n_per_class * classes, 2)`` and labels ``y`` of shape ``(N,)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.dnn import spiral
        >>> x, y = spiral(50, 3)
        >>> x.shape, y.shape, np.bincount(y).tolist()
        ((150, 2), (150,), [50, 50, 50])
    """
    n = positive_int(n_per_class, "n_per_class")
    k = positive_int(classes, "classes")
    noise = positive_float(noise, "noise", allow_zero=True)
    gen = make_rng(rng)
    r = np.tile(np.linspace(0.05, 1.0, n), k)
    y = np.repeat(np.arange(k), n)
    theta = y * (2 * np.pi / k) + r * 4.0 + gen.normal(0.0, noise, size=n * k)
    x = np.column_stack([r * np.sin(theta), r * np.cos(theta)])
    return x, y


@dataclass
class SpiralResult:
    """What `train_spiral` records.

    Attributes:
        net: the trained network.
        x: every spiral point, ``(N, 2)``.
        y: their labels, ``(N,)``.
        train: the indices of the training points (the other points are the test set).
        losses: the training loss of every epoch.
        train_accuracy: the accuracy on the training points.
        test_accuracy: the accuracy on the test points.

    Examples:
        >>> from backprop.examples.dnn import train_spiral
        >>> result = train_spiral(sizes=(8,), epochs=2)
        >>> result.x.shape, result.y.shape, result.train.shape, len(result.losses)
        ((450, 2), (450,), (360,), 2)
        >>> print(f"train {result.train_accuracy:.3f}, test {result.test_accuracy:.3f}")
        train 0.489, test 0.500
    """

    net: DeepNetwork
    x: Array
    y: np.ndarray
    train: np.ndarray
    train_accuracy: float
    test_accuracy: float
    losses: list[float] = field(default_factory=list)


def train_spiral(
    *,
    hidden: Hidden = "relu",
    output: Literal["sigmoid", "softmax"] = "softmax",
    sizes: tuple[int, ...] = (64, 64),
    epochs: int = 300,
    batch_size: int = 32,
    lr: float = 0.01,
    rng: np.random.Generator | int = 0,
) -> SpiralResult:
    """Train a `DeepNetwork` on a spiral of 150 points per class; 3 classes (softmax) or 2 (sigmoid).

    The data are split 80/20 after a shuffle.

    Args:
        hidden: the hidden layers' activation.
        output: ``"softmax"`` (3 classes, categorical cross-entropy) or ``"sigmoid"``
            (2 classes, binary cross-entropy).
        sizes: the hidden layers' widths.
        epochs: passes over the training points.
        batch_size: mini-batch size.
        lr: Adam's learning rate.
        rng: a seed $s$ (the data from seed $s$, the shuffle from seed $s + 1$, the initial
            weights and the mini-batch order from seed $s$), or one Generator for all four.

    Examples:
        >>> from backprop.examples.dnn import train_spiral
        >>> result = train_spiral(epochs=150)
        >>> result.test_accuracy >= 0.95, len(result.losses), result.x.shape
        (True, 150, (450, 2))
    """
    classes = 3 if output == "softmax" else 2
    seed: np.random.Generator | int = rng  # the data, the initial weights and the batch order
    split_rng = rng if isinstance(rng, np.random.Generator) else make_rng(rng + 1)
    x, y = spiral(150, classes, rng=seed)
    order = split_rng.permutation(len(x))
    cut = int(0.8 * len(x))
    tr, te = order[:cut], order[cut:]
    n_out = classes if output == "softmax" else 1
    net = DeepNetwork([2, *sizes, n_out], hidden=hidden, output=output, rng=seed)
    losses = net.fit(x[tr], y[tr], epochs=epochs, batch_size=batch_size, optimizer=Adam(lr=lr), rng=seed)
    return SpiralResult(
        net=net, x=x, y=y, train=tr, losses=losses,
        train_accuracy=net.accuracy(x[tr], y[tr]), test_accuracy=net.accuracy(x[te], y[te]),
    )


def layer_gradient_norms(
    hidden: Hidden, *, depth: int = 8, width: int = 32, rng: np.random.Generator | int = 0
) -> list[float]:
    """‖∂L/∂W‖ of every dense layer (input side first) for one batch at initialisation.

    The batch is a 3-class spiral of 100 points per class; the network has ``depth`` hidden
    layers of ``width`` units and a softmax output.

    Args:
        hidden: the hidden layers' activation.
        depth: number of hidden layers.
        width: units per hidden layer.
        rng: a seed (the data and the initial weights both from it) or one Generator for both.

    Examples:
        >>> from backprop.examples.dnn import layer_gradient_norms
        >>> sig = layer_gradient_norms("sigmoid")
        >>> relu = layer_gradient_norms("relu")
        >>> sig[0] / sig[-1] < 0.01, relu[0] / relu[-1] > 0.1
        (True, True)
    """
    depth = positive_int(depth, "depth")
    x, y = spiral(100, 3, rng=rng)
    net = DeepNetwork([2, *[width] * depth, 3], hidden=hidden, output="softmax", rng=rng)
    _, dout = net.loss(net.forward(x), y)
    net.backward(dout)
    return [float(np.linalg.norm(layer.grads["W"])) for layer in net.dense_layers]



@dataclass
class GradientNorms:
    """What `compare_gradient_norms` measures.

    Attributes:
        depth: number of hidden layers.
        width: units per hidden layer.
        norms: hidden activation → ‖∂L/∂W‖ of each dense layer, input side first.

    Examples:
        >>> from backprop.examples.dnn import compare_gradient_norms
        >>> result = compare_gradient_norms(("sigmoid", "relu"), depth=2, width=4)
        >>> result.depth, result.width, list(result.norms)
        (2, 4, ['sigmoid', 'relu'])
        >>> print(" ".join(f"{n:.3f}" for n in result.norms["sigmoid"]))     # input side first
        0.010 0.058 0.247
    """

    depth: int
    width: int
    norms: dict[str, list[float]] = field(default_factory=dict)


def compare_gradient_norms(
    activations: Iterable[Hidden] = ("sigmoid", "tanh", "relu"), *, depth: int = 8, width: int = 32, rng: int = 0
) -> GradientNorms:
    """`layer_gradient_norms` for several hidden activations, on the same data and seed.

    Examples:
        >>> from backprop.examples.dnn import compare_gradient_norms
        >>> result = compare_gradient_norms(depth=3)
        >>> {name: len(norms) for name, norms in result.norms.items()}
        {'sigmoid': 4, 'tanh': 4, 'relu': 4}
    """
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width")
    norms: dict[str, list[float]] = {h: layer_gradient_norms(h, depth=depth, width=width, rng=rng) for h in activations}
    return GradientNorms(depth=depth, width=width, norms=norms)
