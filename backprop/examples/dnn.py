"""A deep network learns a generated spiral data set; and why sigmoid stacks learn slowly.

`spiral` makes a classic data set with no download: ``classes`` arms winding out
from the origin, which no linear classifier separates. `layer_gradient_norms`
measures, at initialisation, how large $\\partial L/\\partial W$ is in each layer of a deep
stack: with sigmoid hidden units it shrinks layer after layer going down (each
$\\sigma' \\le 1/4$), with ReLU it stays of the same order.
"""

from __future__ import annotations

import argparse
from typing import Literal

import numpy as np

from backprop._check import make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.deep import DeepNetwork
from backprop.optim import Adam

__all__ = ["layer_gradient_norms", "spiral", "train_spiral"]


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


def train_spiral(
    *,
    hidden: Literal["relu", "tanh", "sigmoid"] = "relu",
    output: Literal["sigmoid", "softmax"] = "softmax",
    sizes: tuple[int, ...] = (64, 64),
    epochs: int = 300,
    batch_size: int = 32,
    lr: float = 0.01,
    seed: int = 0,
) -> tuple[DeepNetwork, list[float], float, float]:
    """Train a `DeepNetwork` on a spiral; 3 classes (softmax) or 2 (sigmoid).

    The data are split 80/20 after a seeded shuffle.

    Returns:
        The network, the loss of every epoch, the train and the test accuracy.

    Examples:
        >>> from backprop.examples.dnn import train_spiral
        >>> net, losses, train_acc, test_acc = train_spiral(epochs=150)
        >>> test_acc >= 0.95
        True
    """
    classes = 3 if output == "softmax" else 2
    x, y = spiral(150, classes, rng=seed)
    order = make_rng(seed + 1).permutation(len(x))
    cut = int(0.8 * len(x))
    tr, te = order[:cut], order[cut:]
    n_out = classes if output == "softmax" else 1
    net = DeepNetwork([2, *sizes, n_out], hidden=hidden, output=output, rng=seed)
    losses = net.fit(x[tr], y[tr], epochs=epochs, batch_size=batch_size, optimizer=Adam(lr=lr), rng=seed)
    return net, losses, net.accuracy(x[tr], y[tr]), net.accuracy(x[te], y[te])


def layer_gradient_norms(
    hidden: Literal["relu", "tanh", "sigmoid"], *, depth: int = 8, width: int = 32, seed: int = 0
) -> list[float]:
    """‖∂L/∂W‖ of every dense layer (input side first) for one batch at initialisation.

    Examples:
        >>> from backprop.examples.dnn import layer_gradient_norms
        >>> sig = layer_gradient_norms("sigmoid")
        >>> relu = layer_gradient_norms("relu")
        >>> sig[0] / sig[-1] < 0.01, relu[0] / relu[-1] > 0.1
        (True, True)
    """
    depth = positive_int(depth, "depth")
    x, y = spiral(100, 3, rng=seed)
    net = DeepNetwork([2, *[width] * depth, 3], hidden=hidden, output="softmax", rng=seed)
    _, dout = net.loss(net.forward(x), y)
    net.backward(dout)
    return [float(np.linalg.norm(layer.grads["W"])) for layer in net.dense_layers]


HELP = "an L-layer network learns a generated spiral data set (mini-batches, Adam)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: activations, layer sizes, epochs, batch size and learning rate."""
    parser.add_argument("--hidden", choices=["relu", "tanh", "sigmoid"], default="relu", help="hidden activation")
    parser.add_argument("--output", choices=["softmax", "sigmoid"], default="softmax",
                        help="softmax: 3 classes, categorical cross-entropy; sigmoid: 2 classes, binary cross-entropy")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 64], metavar="N", help="hidden layer widths")
    parser.add_argument("--epochs", type=int, default=300, help="passes over the data (default: 300)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default: 0.01)")


def run(args: argparse.Namespace) -> int:
    """Train and print the loss every tenth of training and the accuracies."""
    net, losses, train_acc, test_acc = train_spiral(
        hidden=args.hidden, output=args.output, sizes=tuple(args.sizes), epochs=args.epochs,
        batch_size=args.batch_size, lr=args.lr, seed=0 if args.seed is None else args.seed,
    )
    print(f"{net} on a spiral ({'3 classes' if args.output == 'softmax' else '2 classes'}), {args.epochs} epochs")
    step = max(1, len(losses) // 10)
    for epoch in [*range(0, len(losses), step), len(losses) - 1][:11]:
        print(f"epoch {epoch + 1:>4}  loss {losses[epoch]:.4f}")
    print(f"train accuracy {train_acc:.1%}   test accuracy {test_acc:.1%}")
    if args.plot:
        from backprop.plots import save
        from backprop.plots.dnn import dnn_gradient_norms

        save(dnn_gradient_norms(), args.plot)
    return 0
