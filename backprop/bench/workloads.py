r"""What the benchmark times: each workload in backprop, and its twin in PyTorch.

A builder returns a `Case`: a title, ``ours`` (one forward + backward pass of backprop)
and ``theirs`` (the same work in PyTorch, from the same weights and data, or None without
PyTorch). Both steps return $\partial L/\partial x$, so the two sides can be checked
against each other. The sizes are arguments (`Sizes`); `SIZES` holds the ones the
documentation reports.

PyTorch computes $\partial L/\partial x$ only for an input that requires a gradient, while
a layer's ``backward`` always returns it: every PyTorch input here requires one, so both
sides do equal work. Both run in float64 and clear their gradients on every call.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

import backprop as bp
from backprop._check import make_rng
from backprop.conv import Conv2D
from backprop.conv_reference import conv2d_backward_loop, conv2d_forward_loop
from backprop.examples.digits import build_cnn, load_digits_split
from backprop.rnn import RNN

__all__ = [
    "SIZES",
    "TRAIN_SETTINGS",
    "Case",
    "Sizes",
    "Step",
    "Trained",
    "conv2d",
    "conv_loops",
    "mlp",
    "rnn",
    "train_digits_torch",
]

Step = Callable[[], object]
"""One timed call: a forward and a backward pass."""


@dataclass(frozen=True)
class Sizes:
    """The size of every workload.

    Attributes:
        mlp: layer widths of the MLP, input first.
        mlp_batch: rows of the MLP's input.
        conv_input: ``(N, C, H, W)`` input of the 3×3 convolution.
        conv_filters: its output channels.
        rnn: ``(batch, steps, inputs, hidden)`` of the tanh RNN.
        epochs: epochs of the digits CNN's training.

    Examples:
        >>> from backprop.bench import SIZES, Sizes
        >>> SIZES.mlp, SIZES.epochs
        ((784, 256, 128, 10), 15)
        >>> Sizes(mlp=(8, 4, 3), epochs=1).mlp_batch
        256
    """

    mlp: tuple[int, ...] = (784, 256, 128, 10)
    mlp_batch: int = 256
    conv_input: tuple[int, int, int, int] = (32, 16, 32, 32)
    conv_filters: int = 32
    rnn: tuple[int, int, int, int] = (32, 50, 16, 128)
    epochs: int = 15


SIZES = Sizes()
"""The sizes the documentation's performance page reports."""

TRAIN_SETTINGS: dict[str, Any] = {"batch_size": 32, "lr": 0.01, "decay": 0.8, "seed": 0}
"""The digits CNN's schedule besides its epochs, the same on both sides (``train_digits``' defaults).

``seed`` seeds the generator that draws the initial weights and then the batch order.
"""


class Case(NamedTuple):
    """A workload: its title, backprop's step and PyTorch's (None without PyTorch)."""

    title: str
    ours: Step
    theirs: Step | None


def mlp(torch: ModuleType | None, widths: tuple[int, ...] = SIZES.mlp, batch: int = SIZES.mlp_batch) -> Case:
    """Dense/ReLU layers of ``widths`` with softmax cross-entropy, against ``nn.Linear``/``nn.ReLU``.

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import mlp
        >>> case = mlp(None, (6, 4, 3), batch=5)
        >>> case.title, case.theirs is None, np.shape(case.ours())
        ('MLP 6-4-3, batch 5', True, (5, 6))
    """
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, widths[0]))
    y: Any = rng.integers(0, widths[-1], size=batch)  # int class labels
    layers: list[bp.Layer] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        last = i == len(widths) - 2
        layers.append(bp.Dense(n_in, n_out, rng=i + 1) if last else bp.Dense(n_in, n_out, rng=i + 1, init="he"))
        if not last:
            layers.append(bp.ReLU())
    net = bp.Sequential(*layers)
    title = f"MLP {'-'.join(map(str, widths))}, batch {batch}"

    def ours() -> object:
        _, dlogits = bp.softmax_cross_entropy(net.forward(x), y)
        return net.backward(dlogits)

    if torch is None:
        return Case(title, ours, None)
    nn = torch.nn
    modules: list[Any] = []
    for n_in, n_out in itertools.pairwise(widths):
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*modules[:-1]).double()
    with torch.no_grad():
        for i in range(0, len(modules) - 1, 2):  # the same weights: Linear.weight is Dense.W transposed
            model[i].weight.copy_(torch.from_numpy(net.params[f"{i}.W"].T))
            model[i].bias.copy_(torch.from_numpy(net.params[f"{i}.b"]))
    xt = torch.tensor(x, requires_grad=True)  # so PyTorch computes dL/dx too, as backward does
    yt = torch.from_numpy(y)

    def theirs() -> object:
        model.zero_grad(set_to_none=True)
        xt.grad = None
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        return xt.grad

    return Case(title, ours, theirs)


def _conv_setup(shape: tuple[int, int, int, int], filters: int) -> tuple[Conv2D, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    conv = Conv2D(shape[1], filters, 3, rng=1)
    G = rng.normal(size=conv.output_shape(x.shape))
    return conv, x, G


def conv2d(
    torch: ModuleType | None,
    shape: tuple[int, int, int, int] = SIZES.conv_input,
    filters: int = SIZES.conv_filters,
) -> Case:
    """A 3×3 `Conv2D` on an input of ``shape`` → ``filters`` channels, against ``F.conv2d``.

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import conv2d
        >>> case = conv2d(None, (2, 3, 5, 5), 4)
        >>> case.title, np.shape(case.ours())
        ('Conv2D 3×3, (2, 3, 5, 5) → 4 filters', (2, 3, 5, 5))
    """
    conv, x, G = _conv_setup(shape, filters)
    title = f"Conv2D 3×3, {tuple(shape)} → {filters} filters"

    def ours() -> object:
        conv.forward(x)
        return conv.backward(G)

    if torch is None:
        return Case(title, ours, None)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(conv.params["W"], requires_grad=True)
    b = torch.tensor(conv.params["b"], requires_grad=True)
    Gt = torch.from_numpy(G)

    def theirs() -> object:
        xt.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(xt, w, b).backward(Gt)
        return xt.grad

    return Case(title, ours, theirs)


def rnn(torch: ModuleType | None, sizes: tuple[int, int, int, int] = SIZES.rnn) -> Case:
    """A tanh `RNN` with full BPTT; ``sizes`` is ``(batch, steps, inputs, hidden)``; against ``nn.RNN``.

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import rnn
        >>> case = rnn(None, (2, 4, 3, 5))
        >>> case.title, np.shape(case.ours())
        ('RNN T=4, batch 2, 3 → 5, full BPTT', (2, 4, 3))
    """
    batch, steps, n_in, hidden = sizes
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, steps, n_in))
    layer = RNN(n_in, hidden, return_sequences=True, rng=1)
    G = rng.normal(size=(batch, steps, hidden))
    title = f"RNN T={steps}, batch {batch}, {n_in} → {hidden}, full BPTT"

    def ours() -> object:
        layer.forward(x)
        return layer.backward(G)

    if torch is None:
        return Case(title, ours, None)
    model = torch.nn.RNN(n_in, hidden, batch_first=True).double()
    with torch.no_grad():  # the same weights: W_x = weight_ih.T, W_h = weight_hh.T, b = b_ih + b_hh
        model.weight_ih_l0.copy_(torch.from_numpy(layer.params["W_x"].T))
        model.weight_hh_l0.copy_(torch.from_numpy(layer.params["W_h"].T))
        model.bias_ih_l0.copy_(torch.from_numpy(layer.params["b"]))
        model.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    Gt = torch.from_numpy(G)

    def theirs() -> object:
        model.zero_grad(set_to_none=True)
        xt.grad = None
        model(xt)[0].backward(Gt)
        return xt.grad

    return Case(title, ours, theirs)


def conv_loops(shape: tuple[int, int, int, int] = SIZES.conv_input, filters: int = SIZES.conv_filters) -> Case:
    """The loop-by-loop reference convolution (``ours``) against the vectorized `Conv2D` (``theirs``).

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import conv_loops
        >>> case = conv_loops((1, 2, 4, 4), 3)
        >>> np.allclose(case.ours(), case.theirs())
        True
    """
    conv, x, G = _conv_setup(shape, filters)
    K, b = conv.params["W"], conv.params["b"]

    def loops() -> object:
        conv2d_forward_loop(x, K, b)
        return conv2d_backward_loop(x, K, G)[0]  # dL/dx, as Conv2D.backward returns

    def vectorized() -> object:
        conv.forward(x)
        return conv.backward(G)

    return Case("Conv2D as loops over output positions (the reference), same input", loops, vectorized)


class Trained(NamedTuple):
    """One training run: wall-clock seconds, last epoch's mean loss, final test accuracy."""

    seconds: float
    loss: float
    accuracy: float


def train_digits_torch(torch: ModuleType, epochs: int = SIZES.epochs) -> Trained:
    """The digits CNN trained in PyTorch exactly as `backprop.examples.digits.train_digits` trains it.

    Same initial weights (`build_cnn` with the same seed), the same shuffled mini-batches
    (the generator that drew the weights then draws the batch order, as in
    ``train_digits``), Adam with the same settings and the same learning-rate decay.
    """
    s = TRAIN_SETTINGS
    rng = make_rng(s["seed"])
    net = build_cnn(rng)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(512, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    ).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(net.params["0.W"]))
        model[0].bias.copy_(torch.from_numpy(net.params["0.b"]))
        for i in (4, 6):
            model[i].weight.copy_(torch.from_numpy(net.params[f"{i}.W"].T))
            model[i].bias.copy_(torch.from_numpy(net.params[f"{i}.b"]))
    data = load_digits_split()
    x_train, y_train = torch.from_numpy(np.array(data.x_train)), torch.from_numpy(np.array(data.y_train))
    x_test, y_test = torch.from_numpy(np.array(data.x_test)), torch.from_numpy(np.array(data.y_test))
    opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
    n, loss, acc = len(y_train), 0.0, 0.0
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(n))
        total = 0.0
        for i in range(0, n, s["batch_size"]):
            idx = order[i : i + s["batch_size"]]
            opt.zero_grad(set_to_none=True)
            batch_loss = torch.nn.functional.cross_entropy(model(x_train[idx]), y_train[idx])
            batch_loss.backward()
            opt.step()
            total += batch_loss.item() * len(idx)
        for group in opt.param_groups:
            group["lr"] *= s["decay"]
        loss = total / n
        with torch.no_grad():
            acc = float((model(x_test).argmax(dim=1) == y_test).double().mean())
    return Trained(time.perf_counter() - start, loss, acc)
