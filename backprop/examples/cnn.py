r"""The CNN worked example (an edge kernel gives 3.66) and a small CNN trained on 8×8 digits.

**The worked example.** The Sobel-x kernel $K = \begin{bmatrix}1&0&-1\\2&0&-2\\1&0&-1\end{bmatrix}$
responds to a vertical edge: bright on the left, dark on the right. On the 3×3 patch
`EDGE_PATCH` its output is $\sum \text{patch}\odot K = 3.66$. One step of gradient
descent on $L = (\text{out} - y)^2$ toward the target $y = 4$ then moves the output to 3.95;
the same step with the sign flipped (``error = y − out``, then *subtract*
$\eta\cdot\text{error}\cdot\text{patch}$) is gradient ascent and moves it away, to 3.51.

**The digits CNN.** The 8×8 handwritten digits shipped in ``backprop/data`` (1,797 images
of the UCI "Optical Recognition of Handwritten Digits" test set; no download) split once
into 1,437 training and 360 test images, and the network ``Conv2D(1→32, 3×3, padding 1) →
ReLU → MaxPool2D(2) → Flatten → Dense(512→128) → ReLU → Dense(128→10)`` trained with
softmax cross-entropy and Adam reaches at least 98% test accuracy.

Examples:
    >>> from backprop.examples.cnn import edge_step, train_digits
    >>> s = edge_step()
    >>> print(f"{s.output:.2f} → descent {s.output_after:.2f}, wrong sign {s.output_wrong_sign:.2f}")
    3.66 → descent 3.95, wrong sign 3.51
    >>> result = train_digits()                  # 15 epochs: a few seconds
    >>> len(result.data.y_train), len(result.data.y_test), result.test_accuracy >= 0.98
    (1437, 360, True)
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from backprop._check import as_float_array, make_rng, positive_float, positive_int
from backprop._types import Array
from backprop.conv import Conv2D, Flatten, MaxPool2D
from backprop.io import load_params, save_params
from backprop.layers import Dense, Layer, ReLU, Sequential
from backprop.losses import mse, softmax_cross_entropy
from backprop.optim import SGD, Adam
from backprop.trace import Trace, trace

__all__ = [
    "DIGITS_TEST_SIZE",
    "EDGE_LR",
    "EDGE_PATCH",
    "EDGE_TARGET",
    "SOBEL_X",
    "DigitsData",
    "DigitsResult",
    "EdgeStep",
    "accuracy",
    "build_cnn",
    "edge_layer",
    "edge_report",
    "edge_step",
    "edge_trace",
    "input_gradient",
    "load_digits_split",
    "progress_bar",
    "train_digits",
]

# --------------------------------------------------------------------------- the worked example

SOBEL_X: Array = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
"""The Sobel-x edge kernel, shape ``(3, 3)``: positive where the left side is brighter."""
EDGE_PATCH: Array = np.array([[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]])
"""A 3×3 image patch with a vertical edge: bright left column, dark right column."""
EDGE_TARGET = 4.0
"""The output the training step aims for (a stronger edge response)."""
EDGE_LR = 0.1
"""The learning rate of the training step."""


def edge_layer() -> Conv2D:
    """A one-kernel `Conv2D` holding `SOBEL_X` and bias 0.

    Examples:
        >>> from backprop.examples.cnn import EDGE_PATCH, edge_layer
        >>> conv = edge_layer()
        >>> out = conv.forward(EDGE_PATCH.reshape(1, 1, 3, 3))
        >>> print(f"CNN → Convolution Output: {out[0, 0, 0, 0]:.2f}")
        CNN → Convolution Output: 3.66
    """
    return Conv2D.from_arrays(SOBEL_X.reshape(1, 1, 3, 3), np.zeros(1))


@dataclass
class EdgeStep:
    r"""One training step of the edge kernel, done right and done with the sign flipped.

    Attributes:
        output: the convolution output before the step (3.66).
        target: the target $y$.
        lr: the learning rate $\eta$.
        loss: $L = (\text{out} - y)^2$ before the step.
        dout: $\partial L/\partial\,\text{out} = 2(\text{out} - y)$.
        grad_kernel: $\partial L/\partial K = \partial L/\partial\,\text{out}\cdot\text{patch}$, ``(3, 3)``.
        grad_b: $\partial L/\partial b = \partial L/\partial\,\text{out}$.
        grad_patch: $\partial L/\partial\,\text{patch} = \partial L/\partial\,\text{out}\cdot K$, ``(3, 3)``.
        kernel_after: $K - \eta\,\partial L/\partial K$.
        output_after: the output after the descent step.
        loss_after: the loss after the descent step.
        output_wrong_sign: the output after ``K ← K − η·(y − out)·patch`` (and the same for $b$).
        loss_wrong_sign: the loss after that step.
    """

    output: float
    target: float
    lr: float
    loss: float
    dout: float
    grad_kernel: Array
    grad_b: float
    grad_patch: Array
    kernel_after: Array
    output_after: float
    loss_after: float
    output_wrong_sign: float
    loss_wrong_sign: float


def edge_step(target: float = EDGE_TARGET, lr: float = EDGE_LR) -> EdgeStep:
    r"""Run the edge kernel on `EDGE_PATCH`, then take one gradient step toward ``target``.

    The descent step is what `SGD` does with the gradients of
    `Conv2D.backward`. The "wrong sign" step follows a
    common mistake: it computes ``error = y − out`` (the *negative* of the gradient's
    direction) and then still subtracts ``η · error · patch``, which climbs the loss.

    Args:
        target: the desired output $y$.
        lr: the learning rate $\eta > 0$.

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.cnn import edge_step
        >>> s = edge_step()
        >>> print(f"out {s.output:.2f}, target {s.target:.2f}, loss {s.loss:.4f}, dL/dout {s.dout:.2f}")
        out 3.66, target 4.00, loss 0.1156, dL/dout -0.68
        >>> (np.round(s.grad_kernel, 4) + 0.0).tolist()   # + 0.0: print -0.0 as 0.0
        [[-0.612, -0.34, 0.0], [-0.646, -0.34, -0.0068], [-0.612, -0.34, -0.0136]]
        >>> print(f"descent: {s.output:.2f} → {s.output_after:.2f} (loss {s.loss_after:.4f})")
        descent: 3.66 → 3.95 (loss 0.0024)
        >>> print(f"wrong sign: {s.output:.2f} → {s.output_wrong_sign:.2f} (loss {s.loss_wrong_sign:.4f})")
        wrong sign: 3.66 → 3.51 (loss 0.2355)
    """
    target = float(as_float_array(np.array([target], dtype=np.float64), "target")[0])
    lr = positive_float(lr, "lr")
    x = EDGE_PATCH.reshape(1, 1, 3, 3)
    y = np.full((1, 1, 1, 1), target)

    conv = edge_layer()
    out = conv.forward(x)
    loss, dout = mse(out, y)  # L = (out - y)², dL/dout = 2(out - y)
    dx = conv.backward(dout)
    grad_kernel, grad_b = conv.grads["W"][0, 0].copy(), float(conv.grads["b"][0])
    SGD(lr).step(conv)  # K ← K − η ∂L/∂K,  b ← b − η ∂L/∂b
    out_after = conv.forward(x)
    loss_after, _ = mse(out_after, y)

    wrong = edge_layer()
    error = target - float(out[0, 0, 0, 0])  # y − out: the opposite sign of ∂L/∂out ...
    wrong.params["W"] -= lr * error * x  # ... and still subtracted: the step goes uphill
    wrong.params["b"] -= lr * error
    out_wrong = wrong.forward(x)
    loss_wrong, _ = mse(out_wrong, y)

    return EdgeStep(
        output=float(out[0, 0, 0, 0]),
        target=target,
        lr=lr,
        loss=loss,
        dout=float(dout[0, 0, 0, 0]),
        grad_kernel=grad_kernel,
        grad_b=grad_b,
        grad_patch=dx[0, 0].copy(),
        kernel_after=conv.params["W"][0, 0].copy(),
        output_after=float(out_after[0, 0, 0, 0]),
        loss_after=loss_after,
        output_wrong_sign=float(out_wrong[0, 0, 0, 0]),
        loss_wrong_sign=loss_wrong,
    )


def edge_trace(target: float = EDGE_TARGET) -> Trace:
    """The forward/backward pass of the edge example recorded by `backprop.trace`.

    Examples:
        >>> from backprop.examples.cnn import edge_trace
        >>> print(edge_trace().to_text(2))
        loss L = 0.12
        ∂L/∂ŷ = [[[-0.68]]]
        layer 1: Conv2D(1, 1, kernel_size=(3, 3), stride=1, padding=0)
          input x             [[[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]]]
          z (pre-activation)  [[[3.66]]]
          a = f(z)            [[[3.66]]]
          ∂L/∂a (upstream)    [[[-0.68]]]
          δ = ∂L/∂z           [[[-0.68]]]
          ∂L/∂W               [[[-0.61, -0.34, 0.00], [-0.65, -0.34, -0.01], [-0.61, -0.34, -0.01]]]
          ∂L/∂b               [-0.68]
    """
    return trace(Sequential(edge_layer()), EDGE_PATCH.reshape(1, 1, 3, 3), np.full((1, 1, 1, 1), target), mse)


def _fmt_matrix(a: Array) -> str:
    rows = ", ".join("[" + ", ".join(f"{v + 0.0:.4f}" for v in row) + "]" for row in np.asarray(a))
    return f"[{rows}]"


def edge_report(step: EdgeStep, *, chain_rule: bool = False) -> list[str]:
    """The lines ``python -m backprop cnn`` prints for the worked example.

    Examples:
        >>> from backprop.examples.cnn import edge_report, edge_step
        >>> for line in edge_report(edge_step()):
        ...     print(line)
        CNN → Convolution Output: 3.66
        one gradient-descent step toward y = 4.00 (lr 0.1): output 3.66 → 3.95, loss 0.1156 → 0.0024
        same step with the sign flipped (error = y − out, then subtract): output 3.66 → 3.51, loss 0.1156 → 0.2355
    """
    lines = [f"CNN → Convolution Output: {step.output:.2f}"]
    if chain_rule:
        lines += [
            "chain rule through the convolution:",
            f"  patch            {_fmt_matrix(EDGE_PATCH)}",
            f"  kernel K         {_fmt_matrix(SOBEL_X)}",
            f"  out = Σ patch⊙K + b = {step.output:.4f}",
            f"  L = (out − y)² = ({step.output:.4f} − {step.target:.4f})² = {step.loss:.4f}",
            f"  ∂L/∂out = 2(out − y) = {step.dout:.4f}",
            f"  ∂L/∂K = ∂L/∂out · patch = {_fmt_matrix(step.grad_kernel)}",
            f"  ∂L/∂b = ∂L/∂out = {step.grad_b:.4f}",
            f"  ∂L/∂patch = ∂L/∂out · K = {_fmt_matrix(step.grad_patch)}",
            f"  K − η ∂L/∂K = {_fmt_matrix(step.kernel_after)}",
        ]
    lines += [
        f"one gradient-descent step toward y = {step.target:.2f} (lr {step.lr:g}): "
        f"output {step.output:.2f} → {step.output_after:.2f}, loss {step.loss:.4f} → {step.loss_after:.4f}",
        "same step with the sign flipped (error = y − out, then subtract): "
        f"output {step.output:.2f} → {step.output_wrong_sign:.2f}, loss {step.loss:.4f} → {step.loss_wrong_sign:.4f}",
    ]
    return lines


# --------------------------------------------------------------------------- digits

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
        >>> from backprop.examples.cnn import load_digits_split
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

    Examples:
        >>> import numpy as np
        >>> from backprop.examples.cnn import build_cnn
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
        >>> from backprop.examples.cnn import accuracy
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
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
) -> DigitsResult:
    """Train `build_cnn` on the digits with Adam and softmax cross-entropy.

    Each epoch visits the training images once in a random order, in mini-batches; the
    learning rate is multiplied by ``decay`` after each epoch. ``seed`` sets the initial
    weights and the order of the batches (the train/test split never changes).

    Args:
        epochs: passes over the training set.
        batch_size: images per gradient step.
        lr: Adam's initial learning rate.
        decay: factor applied to the learning rate after each epoch, in (0, 1].
        seed: seed for the weights and the shuffling.
        progress: called as ``progress(epoch, epochs, mean_loss)`` after each epoch.

    Examples:
        >>> from backprop.examples.cnn import train_digits
        >>> result = train_digits(epochs=2)
        >>> len(result.losses), result.losses[1] < result.losses[0], result.test_accuracy > 0.9
        (2, True, True)
    """
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    decay = positive_float(decay, "decay")
    if decay > 1.0:
        raise ValueError(f"decay must be in (0, 1], got {decay}")
    rng = make_rng(seed)
    data = load_digits_split()
    model = build_cnn(rng)
    opt = Adam(positive_float(lr, "lr"))
    result = DigitsResult(model=model, data=data)
    n = len(data.y_train)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        total = 0.0
        for i in range(0, n, batch_size):
            idx = order[i : i + batch_size]
            loss, dlogits = softmax_cross_entropy(model.forward(data.x_train[idx]), data.y_train[idx])
            model.backward(dlogits)
            opt.step(model)
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
        >>> from backprop.examples.cnn import build_cnn, input_gradient
        >>> g = input_gradient(build_cnn(0), np.full((1, 1, 8, 8), 0.5), np.array([3]))
        >>> g.shape
        (1, 1, 8, 8)
    """
    _, dlogits = softmax_cross_entropy(model.forward(x), labels)
    return np.ascontiguousarray(model.backward(dlogits))


def progress_bar(epoch: int, epochs: int, loss: float, width: int = 20) -> str:
    """One line of the training progress display.

    Examples:
        >>> from backprop.examples.cnn import progress_bar
        >>> progress_bar(3, 10, 0.12345, width=10)
        'epoch  3/10 [###.......] loss 0.1235'
    """
    done = round(width * epoch / epochs)
    digits = len(str(epochs))
    return f"epoch {epoch:>{digits}}/{epochs} [{'#' * done}{'.' * (width - done)}] loss {loss:.4f}"


# --------------------------------------------------------------------------- command line

HELP = "a 3×3 edge kernel gives 3.66 and one correct gradient step; --train fits a small CNN to 8×8 digits"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--trace``, ``--train``, ``--epochs``, ``--lr``, ``--save FILE``, ``--load FILE``."""
    parser.add_argument("--trace", action="store_true", help="show the chain rule through the convolution")
    parser.add_argument("--train", action="store_true", help="train the digits CNN and print its test accuracy")
    parser.add_argument("--epochs", type=int, default=15, help="digits training epochs (default: 15)")
    parser.add_argument("--lr", type=float, default=0.01, help="digits learning rate for Adam (default: 0.01)")
    parser.add_argument("--save", metavar="FILE.npz", help="save the trained parameters (implies --train)")
    parser.add_argument("--load", metavar="FILE.npz", help="evaluate saved parameters instead of training")


def _stderr_progress(epoch: int, epochs: int, loss: float) -> None:
    print(progress_bar(epoch, epochs, loss), file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Print the worked example, or train/evaluate the digits CNN."""
    if not (args.train or args.save or args.load):
        for line in edge_report(edge_step(), chain_rule=args.trace):
            print(line)
        if args.trace:
            print(edge_trace().to_text())
        if args.plot:
            from backprop.plots import save
            from backprop.plots.cnn import edge_gradients

            save(edge_gradients(), args.plot)
        return 0

    seed = 0 if args.seed is None else args.seed
    if args.load and args.train:
        raise ValueError("--load evaluates saved parameters; use it without --train")
    if args.load:
        data = load_digits_split()
        model = load_params(build_cnn(seed), Path(args.load))
        acc = accuracy(model, data.x_test, data.y_test)
        print(f"digits CNN ({args.load}): test accuracy {acc:.4f} ({round(acc * len(data.y_test))}/{len(data.y_test)})")
    else:
        result = train_digits(epochs=args.epochs, lr=args.lr, seed=seed, progress=_stderr_progress)
        model, data, acc = result.model, result.data, result.test_accuracy
        print(
            f"digits CNN: test accuracy {acc:.4f} ({round(acc * len(data.y_test))}/{len(data.y_test)}) "
            f"after {len(result.losses)} epochs in {result.seconds:.1f} s"
        )
    if args.save:
        path = save_params(model, Path(args.save))
        print(f"saved parameters to {path}")
    if args.plot:
        from backprop.plots import save
        from backprop.plots.cnn import digit_saliency

        save(digit_saliency(model, data), args.plot)
    return 0
