r"""What the benchmark times: each workload in backprop, and its twin in PyTorch.

A builder returns a `Case`: a title, ``ours`` (one forward + backward pass of backprop),
``theirs`` (the same work in PyTorch, from the same weights and data, or None without
PyTorch) and ``flop``, the work of one call. Both steps return $\partial L/\partial x$, so the
two sides can be checked against each other. The sizes are arguments (`Sizes`); `SIZES`
holds the ones the documentation reports.

PyTorch computes $\partial L/\partial x$ only for an input that requires a gradient, while
a layer's ``backward`` always returns it: every PyTorch input here requires one, so both
sides do equal work. Both run in float64 and clear their gradients on every call.

**Work.** The work of a call is counted from the shapes, as the multiply-adds of its
matrix products (or of the matrix products a convolution amounts to), two floating-point
operations each: a product $(m, k)\times(k, n)$ is $2mkn$ FLOPs. A layer's forward pass is
one such product and its backward pass two more, $\partial L/\partial W$ and
$\partial L/\partial x$. Elementwise work (activations, biases, the loss) is not counted:
it is a few percent of the total. Dividing by the time gives the rate, in GFLOP/s, that
the benchmark compares with the rate of one large matrix product (`gemm`), the most the
machine's BLAS reaches in float64.
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
    "conv2d_flop",
    "conv_loops",
    "gemm",
    "mlp",
    "mlp_flop",
    "rnn",
    "rnn_flop",
    "train_digits_torch",
    "training_flop",
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
        conv_padding: rows and columns of zeros around its input (1 keeps the image size).
        rnn: ``(batch, steps, inputs, hidden)`` of the tanh RNN.
        epochs: epochs of the digits CNN's training.
        gemm: side ``n`` of the square float64 matrix product that measures the peak rate.

    Examples:
        >>> from backprop.bench import SIZES, Sizes
        >>> SIZES.mlp, SIZES.conv_padding, SIZES.epochs, SIZES.gemm
        ((784, 256, 128, 10), 1, 15, 2048)
        >>> Sizes(mlp=(8, 4, 3), epochs=1).mlp_batch
        256
    """

    mlp: tuple[int, ...] = (784, 256, 128, 10)
    mlp_batch: int = 256
    conv_input: tuple[int, int, int, int] = (32, 16, 32, 32)
    conv_filters: int = 32
    conv_padding: int = 1
    rnn: tuple[int, int, int, int] = (32, 50, 16, 128)
    epochs: int = 15
    gemm: int = 2048


SIZES = Sizes()
"""The sizes the documentation's performance page reports."""

TRAIN_SETTINGS: dict[str, Any] = {"batch_size": 32, "lr": 0.01, "decay": 0.8, "seed": 0}
"""The digits CNN's schedule besides its epochs, the same on both sides (``train_digits``' defaults).

``seed`` seeds the generator that draws the initial weights and then the batch order.
"""


class Case(NamedTuple):
    """A workload: its title, backprop's step, PyTorch's (None without PyTorch), and the FLOPs of one step."""

    title: str
    ours: Step
    theirs: Step | None
    flop: float = 0.0


def gemm(torch: ModuleType | None, n: int = SIZES.gemm) -> Case:
    """One ``(n, n) × (n, n)`` float64 matrix product, NumPy's against PyTorch's: $2n^3$ FLOPs.

    A product this large keeps every core busy on arithmetic, so its rate is the most the
    BLAS reaches on the machine: the *peak* the other workloads are measured against.

    Examples:
        >>> from backprop.bench import gemm
        >>> case = gemm(None, 64)
        >>> case.title, case.flop, case.ours().shape
        ('float64 GEMM 64×64', 524288.0, (64, 64))
    """
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    c = np.empty((n, n))
    title, flop = f"float64 GEMM {n}×{n}", 2.0 * n**3

    def ours() -> object:
        return np.matmul(a, b, out=c)

    if torch is None:
        return Case(title, ours, None, flop)
    at, bt, ct = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(np.empty((n, n)))

    def theirs() -> object:
        return torch.mm(at, bt, out=ct)

    return Case(title, ours, theirs, flop)


def mlp_flop(widths: tuple[int, ...], batch: int) -> float:
    r"""FLOPs of a forward + backward pass of Dense layers: $6B\sum_i n_i n_{i+1}$.

    Each layer's $xW$, $x^\top\delta$ and $\delta W^\top$ are $B\,n_i n_{i+1}$ multiply-adds each.

    Examples:
        >>> from backprop.bench import SIZES, mlp_flop
        >>> print(f"{mlp_flop(SIZES.mlp, SIZES.mlp_batch) / 1e9:.3f} GFLOP")
        0.361 GFLOP
    """
    return 6.0 * batch * sum(a * b for a, b in itertools.pairwise(widths))


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

    flop = mlp_flop(widths, batch)
    if torch is None:
        return Case(title, ours, None, flop)
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

    return Case(title, ours, theirs, flop)


def _conv_setup(
    shape: tuple[int, int, int, int], filters: int, padding: int
) -> tuple[Conv2D, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape)
    conv = Conv2D(shape[1], filters, 3, padding=padding, rng=1)
    G = rng.normal(size=conv.output_shape(x.shape))
    return conv, x, G


def conv2d_flop(shape: tuple[int, int, int, int], filters: int, kernel: int = 3, padding: int = 0) -> float:
    r"""FLOPs of a forward + backward pass of a stride-1 convolution: $6\,N H_o W_o \cdot O \cdot C k^2$.

    The forward pass is the product $K_{\text{mat}} X$ of ``(O, C·k·k)`` by ``(C·k·k, N·Ho·Wo)``;
    $\partial L/\partial K = G X^\top$ and $K_{\text{mat}}^\top G$ (for $\partial L/\partial x$) are as large.

    Examples:
        >>> from backprop.bench import SIZES, conv2d_flop
        >>> print(f"{conv2d_flop(SIZES.conv_input, SIZES.conv_filters, padding=1) / 1e9:.3f} GFLOP")
        0.906 GFLOP
    """
    n, c, h, w = shape
    positions = n * (h + 2 * padding - kernel + 1) * (w + 2 * padding - kernel + 1)
    return 6.0 * positions * filters * c * kernel * kernel


def conv2d(
    torch: ModuleType | None,
    shape: tuple[int, int, int, int] = SIZES.conv_input,
    filters: int = SIZES.conv_filters,
    padding: int = SIZES.conv_padding,
) -> Case:
    """A 3×3 `Conv2D` on an input of ``shape`` → ``filters`` channels, against ``F.conv2d``.

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import conv2d
        >>> case = conv2d(None, (2, 3, 5, 5), 4)
        >>> case.title, np.shape(case.ours()), case.flop
        ('Conv2D 3×3, padding 1, (2, 3, 5, 5) → 4 filters', (2, 3, 5, 5), 32400.0)
    """
    conv, x, G = _conv_setup(shape, filters, padding)
    title = f"Conv2D 3×3, padding {padding}, {tuple(shape)} → {filters} filters"
    flop = conv2d_flop(shape, filters, 3, padding)

    def ours() -> object:
        conv.forward(x)
        return conv.backward(G)

    if torch is None:
        return Case(title, ours, None, flop)
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(conv.params["W"], requires_grad=True)
    b = torch.tensor(conv.params["b"], requires_grad=True)
    Gt = torch.from_numpy(G)

    def theirs() -> object:
        xt.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(xt, w, b, padding=padding).backward(Gt)
        return xt.grad

    return Case(title, ours, theirs, flop)


def rnn_flop(sizes: tuple[int, int, int, int]) -> float:
    r"""FLOPs of a forward + full-BPTT backward pass of a tanh RNN: $6\,T N H (D + H)$.

    Per step: $x_t W_x$ and $h_{t-1} W_h$ forward; $\partial L/\partial W_x$,
    $\partial L/\partial x_t$, $\partial L/\partial W_h$ and $\delta_t W_h^\top$ backward.

    Examples:
        >>> from backprop.bench import SIZES, rnn_flop
        >>> print(f"{rnn_flop(SIZES.rnn) / 1e9:.3f} GFLOP")
        0.177 GFLOP
    """
    batch, steps, n_in, hidden = sizes
    return 6.0 * steps * batch * hidden * (n_in + hidden)


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

    flop = rnn_flop(sizes)
    if torch is None:
        return Case(title, ours, None, flop)
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

    return Case(title, ours, theirs, flop)


def conv_loops(
    shape: tuple[int, int, int, int] = SIZES.conv_input,
    filters: int = SIZES.conv_filters,
    padding: int = SIZES.conv_padding,
) -> Case:
    """The loop-by-loop reference convolution (``ours``) against the vectorized `Conv2D` (``theirs``).

    Examples:
        >>> import numpy as np
        >>> from backprop.bench import conv_loops
        >>> case = conv_loops((1, 2, 4, 4), 3)
        >>> np.allclose(case.ours(), case.theirs())
        True
    """
    conv, x, G = _conv_setup(shape, filters, padding)
    K, b = conv.params["W"], conv.params["b"]

    def loops() -> object:
        conv2d_forward_loop(x, K, b, padding=padding)
        return conv2d_backward_loop(x, K, G, padding=padding)[0]  # dL/dx, as Conv2D.backward returns

    def vectorized() -> object:
        conv.forward(x)
        return conv.backward(G)

    title = "Conv2D as loops over output positions (the reference), same input"
    return Case(title, loops, vectorized, conv2d_flop(shape, filters, 3, padding))


def training_flop(epochs: int, n_train: int, n_test: int) -> float:
    r"""FLOPs of training the digits CNN (`build_cnn`) for ``epochs`` epochs, testing after each.

    Per training image: the convolution's forward pass and $\partial L/\partial K$ (its input,
    the image, needs no gradient), and the forward pass, $\partial L/\partial W$ and
    $\partial L/\partial x$ of both dense layers. Per test image: the forward pass.

    Examples:
        >>> from backprop.bench import SIZES, training_flop
        >>> print(f"{training_flop(SIZES.epochs, 1437, 360) / 1e9:.2f} GFLOP")
        11.15 GFLOP
    """
    net = build_cnn(0)
    conv = net.layers[0]
    assert isinstance(conv, Conv2D)
    _, _, ho, wo = conv.output_shape((1, conv.in_channels, 8, 8))  # the digits are 8×8
    conv_macs = conv.params["W"].size * ho * wo  # multiply-adds per image
    dense_macs = sum(layer.params["W"].size for layer in net.layers if isinstance(layer, bp.Dense))
    return 2.0 * epochs * (n_train * (2 * conv_macs + 3 * dense_macs) + n_test * (conv_macs + dense_macs))


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
