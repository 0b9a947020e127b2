"""Every forward output and every gradient, compared with PyTorch autograd in float64.

Each test builds the same computation twice, once with ``backprop`` and once with
``torch``, on random shapes drawn from several seeds, and requires agreement to a
relative 1e-10 on the output, on $\\partial L/\\partial x$ and on every parameter's
gradient. Weight layouts differ: a ``Dense`` ``W`` is ``(in, out)``, the transpose of
``torch.nn.Linear.weight``; an ``RNN``'s ``W_x``/``W_h`` are ``weight_ih_l0.T`` and
``weight_hh_l0.T``, and its single bias is ``bias_ih_l0 + bias_hh_l0``.

Without torch these tests skip locally and fail in CI (see ``tests/support.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop._types import Array
from tests.support import require

RTOL = 1e-10
SEEDS = [0, 1, 2, 3, 4]


@pytest.fixture(scope="module")
def torch() -> Iterator[ModuleType]:
    """The torch module, creating float64 tensors by default (skips locally, fails in CI when missing)."""
    t = require("torch")
    previous = t.get_default_dtype()
    t.set_default_dtype(t.float64)
    yield t
    t.set_default_dtype(previous)


def assert_close(ours: Array, theirs: Any, what: str) -> None:
    """``ours`` equals the torch tensor ``theirs`` to a relative ``RTOL`` (shape included)."""
    ref = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != torch {ref.shape}"
    assert ours.dtype == np.float64, f"{what}: dtype {ours.dtype}"
    err = bp.relative_error(np.asarray(ours, dtype=np.float64), np.asarray(ref, dtype=np.float64))
    assert err < RTOL, f"{what}: relative error {err:.3e} against torch"
    scale = float(np.abs(ref).max())
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def leaf(torch: ModuleType, a: Array) -> Any:
    """A float64 torch leaf tensor holding a copy of ``a`` that records its gradient."""
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def compare_layer(
    torch: ModuleType,
    layer: bp.Layer,
    torch_fn: Callable[..., Any],
    x: Array,
    torch_params: dict[str, Callable[[Any], Any]] | None = None,
    seed: int = 0,
) -> None:
    """Forward ``x`` through ``layer`` and ``torch_fn``; backpropagate the same random G; compare all.

    ``torch_fn(xt, params)`` computes the layer in torch from the leaf tensors ``params``
    (one per backprop parameter, same values and layout). ``torch_params`` optionally maps a
    parameter name to a function giving its torch gradient in backprop's layout.
    """
    params = {k: leaf(torch, v) for k, v in layer.params.items()}
    xt = leaf(torch, x)
    out = layer.forward(x)
    out_t = torch_fn(xt, params)
    assert_close(out, out_t, "forward")
    G = np.random.default_rng(seed + 100).normal(size=out.shape)
    dx = layer.backward(G)
    out_t.backward(torch.tensor(G))
    assert_close(dx, xt.grad, "dL/dx")
    assert layer.grads.keys() == layer.params.keys()
    for k, p in params.items():
        assert_close(layer.grads[k], p.grad, f"dL/d{k}")


def shape_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(1000 + seed)


# --- Dense and activations ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_dense_matches_linear(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, d, m = (int(v) for v in rng.integers(1, 12, size=3))
    layer = bp.Dense(d, m, rng=seed)
    layer.params["b"][...] = rng.normal(size=m)
    x = rng.normal(size=(n, d))
    # torch.nn.Linear stores weight as (out, in): ours is its transpose.
    compare_layer(torch, layer, lambda xt, p: torch.nn.functional.linear(xt, p["W"].T, p["b"]), x, seed=seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_dense_weights_are_linear_weight_transposed(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    lin = torch.nn.Linear(5, 3, dtype=torch.float64)
    layer = bp.Dense.from_arrays(lin.weight.detach().numpy().T.copy(), lin.bias.detach().numpy().copy())
    x = rng.normal(size=(4, 5))
    xt = leaf(torch, x)
    out_t = lin(xt)
    assert_close(layer.forward(x), out_t, "forward")
    G = rng.normal(size=(4, 3))
    out_t.backward(torch.tensor(G))
    assert_close(layer.backward(G), xt.grad, "dL/dx")
    assert_close(layer.grads["W"], lin.weight.grad.T, "dL/dW")
    assert_close(layer.grads["b"], lin.bias.grad, "dL/db")


ACTIVATIONS: dict[str, tuple[Callable[[], bp.Layer], Callable[[ModuleType, Any], Any]]] = {
    "Sigmoid": (bp.Sigmoid, lambda t, x: t.sigmoid(x)),
    "Tanh": (bp.Tanh, lambda t, x: t.tanh(x)),
    "ReLU": (bp.ReLU, lambda t, x: t.nn.functional.relu(x)),
    "LeakyReLU": (lambda: bp.LeakyReLU(alpha=0.1), lambda t, x: t.nn.functional.leaky_relu(x, negative_slope=0.1)),
    "LeakyReLU-default": (bp.LeakyReLU, lambda t, x: t.nn.functional.leaky_relu(x)),
    "Softmax": (bp.Softmax, lambda t, x: t.softmax(x, dim=-1)),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(torch: ModuleType, name: str, seed: int) -> None:
    make, fn = ACTIVATIONS[name]
    rng = shape_rng(seed)
    n, d = (int(v) for v in rng.integers(1, 10, size=2))
    x = rng.normal(scale=3.0, size=(n, d))
    compare_layer(torch, make(), lambda xt, _: fn(torch, xt), x, seed=seed)


@pytest.mark.parametrize("name", ["Sigmoid", "Tanh", "ReLU", "LeakyReLU"])
def test_elementwise_activation_on_4d_input(torch: ModuleType, name: str) -> None:
    make, fn = ACTIVATIONS[name]
    x = np.random.default_rng(7).normal(size=(2, 3, 4, 5))
    compare_layer(torch, make(), lambda xt, _: fn(torch, xt), x)


def test_sigmoid_saturates_like_torch(torch: ModuleType) -> None:
    x = np.array([[-800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0]])
    compare_layer(torch, bp.Sigmoid(), lambda xt, _: torch.sigmoid(xt), x)


def test_softmax_large_logits_like_torch(torch: ModuleType) -> None:
    x = np.array([[1000.0, 999.0, 990.0], [-1000.0, -1001.0, -999.5]])
    compare_layer(torch, bp.Softmax(), lambda xt, _: torch.softmax(xt, dim=-1), x)


# --- Losses ---------------------------------------------------------------------------------


def compare_loss(torch: ModuleType, ours: tuple[float, Array], pred_t: Any, loss_t: Any) -> None:
    loss, grad = ours
    loss_t.backward()
    assert abs(loss - loss_t.item()) <= RTOL * abs(loss_t.item()), f"loss {loss} != torch {loss_t.item()}"
    assert_close(grad, pred_t.grad, "dL/dpred")


@pytest.mark.parametrize("seed", SEEDS)
def test_mse_matches_mse_loss(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    shape = tuple(int(v) for v in rng.integers(1, 7, size=int(rng.integers(1, 4))))
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    pt = leaf(torch, pred)
    compare_loss(torch, bp.mse(pred, target), pt, torch.nn.functional.mse_loss(pt, torch.tensor(target)))


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_cross_entropy_matches_torch(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, d = (int(v) for v in rng.integers(1, 9, size=2))
    prob = rng.uniform(0.02, 0.98, size=(n, d))
    target = rng.uniform(0.0, 1.0, size=(n, d))  # soft labels too
    target[0] = rng.integers(0, 2, size=d)  # and hard ones
    pt = leaf(torch, prob)
    loss_t = torch.nn.functional.binary_cross_entropy(pt, torch.tensor(target))
    compare_loss(torch, bp.binary_cross_entropy(prob, target), pt, loss_t)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_int_labels_matches_cross_entropy(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, c = int(rng.integers(1, 12)), int(rng.integers(2, 9))
    logits = rng.normal(scale=2.0, size=(n, c))
    labels: Any = rng.integers(0, c, size=n)
    zt = leaf(torch, logits)
    loss_t = torch.nn.functional.cross_entropy(zt, torch.tensor(labels))
    compare_loss(torch, bp.softmax_cross_entropy(logits, labels), zt, loss_t)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_one_hot_matches_cross_entropy(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, c = int(rng.integers(1, 12)), int(rng.integers(2, 9))
    logits = rng.normal(scale=2.0, size=(n, c))
    one_hot = np.eye(c)[rng.integers(0, c, size=n)]
    zt = leaf(torch, logits)
    loss_t = torch.nn.functional.cross_entropy(zt, torch.tensor(one_hot))
    compare_loss(torch, bp.softmax_cross_entropy(logits, one_hot), zt, loss_t)


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_probabilities_match_cross_entropy(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, c = int(rng.integers(1, 12)), int(rng.integers(2, 9))
    logits = rng.normal(scale=2.0, size=(n, c))
    probs = bp.softmax(rng.normal(size=(n, c)))
    zt = leaf(torch, logits)
    loss_t = torch.nn.functional.cross_entropy(zt, torch.tensor(probs))
    compare_loss(torch, bp.softmax_cross_entropy(logits, probs), zt, loss_t)


# --- Whole models ---------------------------------------------------------------------------


def compare_model(
    torch: ModuleType,
    net: bp.Sequential,
    torch_net: Callable[[Any, dict[str, Any]], Any],
    loss: Callable[[Array, Any], tuple[float, Array]],
    torch_loss: Callable[[Any], Any],
    x: Array,
    y: Any,
) -> None:
    """A model + loss against torch: the loss, dL/dx and every parameter's gradient."""
    params = {k: leaf(torch, v) for k, v in net.params.items()}
    xt = leaf(torch, x)
    value, dpred = loss(net.forward(x), y)
    dx = net.backward(dpred)
    loss_t = torch_loss(torch_net(xt, params))
    loss_t.backward()
    assert abs(value - loss_t.item()) <= RTOL * abs(loss_t.item()), f"loss {value} != torch {loss_t.item()}"
    assert_close(dx, xt.grad, "dL/dx")
    grads = net.grads
    assert grads.keys() == params.keys()
    for k, p in params.items():
        assert_close(grads[k], p.grad, f"dL/d{k}")


@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_matches_torch(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, d, h1, h2, c = (int(v) for v in rng.integers(2, 12, size=5))
    net = bp.Sequential(
        bp.Dense(d, h1, rng=seed, init="he"),
        bp.ReLU(),
        bp.Dense(h1, h2, rng=seed + 1),
        bp.Tanh(),
        bp.Dense(h2, c, rng=seed + 2),
    )
    for k, v in net.params.items():
        if k.endswith(".b"):
            v[...] = rng.normal(scale=0.1, size=v.shape)
    x, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
    F = torch.nn.functional

    def forward(xt: Any, p: dict[str, Any]) -> Any:
        h = F.relu(xt @ p["0.W"] + p["0.b"])
        h = torch.tanh(h @ p["2.W"] + p["2.b"])
        return h @ p["4.W"] + p["4.b"]

    compare_model(
        torch, net, forward, bp.softmax_cross_entropy, lambda z: F.cross_entropy(z, torch.tensor(y)), x, y
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_mlp_with_bce_matches_torch(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, d, h = (int(v) for v in rng.integers(2, 10, size=3))
    net = bp.Sequential(bp.Dense(d, h, rng=seed), bp.LeakyReLU(0.05), bp.Dense(h, 1, rng=seed + 1), bp.Sigmoid())
    x, y = rng.normal(size=(n, d)), rng.integers(0, 2, size=(n, 1)).astype(np.float64)
    F = torch.nn.functional

    def forward(xt: Any, p: dict[str, Any]) -> Any:
        return torch.sigmoid(F.leaky_relu(xt @ p["0.W"] + p["0.b"], 0.05) @ p["2.W"] + p["2.b"])

    compare_model(
        torch, net, forward, bp.binary_cross_entropy, lambda a: F.binary_cross_entropy(a, torch.tensor(y)), x, y
    )


# --- RNN ------------------------------------------------------------------------------------


def torch_rnn(torch: ModuleType, layer: Any) -> Any:
    """A ``torch.nn.RNN`` holding ``layer``'s weights: W_x = weight_ih.T, W_h = weight_hh.T, b = b_ih + b_hh."""
    rng = np.random.default_rng(5)
    model = torch.nn.RNN(layer.n_in, layer.n_hidden, batch_first=True, dtype=torch.float64)
    b_ih = rng.normal(size=layer.n_hidden)
    with torch.no_grad():
        model.weight_ih_l0.copy_(torch.tensor(layer.params["W_x"].T))
        model.weight_hh_l0.copy_(torch.tensor(layer.params["W_h"].T))
        model.bias_ih_l0.copy_(torch.tensor(b_ih))  # torch has two biases; only their sum matters
        model.bias_hh_l0.copy_(torch.tensor(layer.params["b"] - b_ih))
    return model


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_rnn_matches_nn_rnn(torch: ModuleType, seed: int, return_sequences: bool, with_h0: bool) -> None:
    from backprop.rnn import RNN

    rng = shape_rng(seed)
    n, t, d, h = (int(v) for v in rng.integers(1, 9, size=4))
    layer = RNN(d, h, return_sequences=return_sequences, rng=seed)
    layer.params["b"][...] = rng.normal(scale=0.3, size=h)
    model = torch_rnn(torch, layer)
    x = rng.normal(size=(n, t, d))
    h0 = rng.normal(scale=0.5, size=(n, h)) if with_h0 else None
    xt = leaf(torch, x)
    h0t = leaf(torch, h0) if h0 is not None else None
    seq_t, last_t = model(xt, None if h0t is None else h0t[None])
    out_t = seq_t if return_sequences else last_t[0]
    out = layer.forward(x, h0)
    assert_close(out, out_t, "forward")
    if return_sequences:
        assert_close(out[:, -1], last_t[0], "last state")
    G = rng.normal(size=out.shape)
    dx = layer.backward(G)
    out_t.backward(torch.tensor(G))
    assert_close(dx, xt.grad, "dL/dx")
    assert_close(layer.grads["W_x"], model.weight_ih_l0.grad.T, "dL/dW_x")
    assert_close(layer.grads["W_h"], model.weight_hh_l0.grad.T, "dL/dW_h")
    # d/db_ih = d/db_hh = dL/db: each torch bias enters every step exactly as our b does.
    assert_close(layer.grads["b"], model.bias_ih_l0.grad, "dL/db (bias_ih)")
    assert_close(layer.grads["b"], model.bias_hh_l0.grad, "dL/db (bias_hh)")
    assert layer.dh0 is not None
    if h0t is not None:
        assert_close(layer.dh0, h0t.grad, "dL/dh0")


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_model_matches_torch(torch: ModuleType, seed: int) -> None:
    from backprop.rnn import RNN

    rng = shape_rng(seed)
    n, t, d, h, m = (int(v) for v in rng.integers(2, 8, size=5))
    net = bp.Sequential(RNN(d, h, rng=seed), bp.Dense(h, m, rng=seed + 1), bp.Sigmoid())
    net.params["0.b"][...] = rng.normal(scale=0.3, size=h)
    x, y = rng.normal(size=(n, t, d)), rng.uniform(size=(n, m))

    def forward(xt: Any, p: dict[str, Any]) -> Any:
        state = torch.zeros(n, h)
        for step in range(t):
            state = torch.tanh(xt[:, step] @ p["0.W_x"] + state @ p["0.W_h"] + p["0.b"])
        return torch.sigmoid(state @ p["1.W"] + p["1.b"])

    compare_model(torch, net, forward, bp.mse, lambda a: torch.nn.functional.mse_loss(a, torch.tensor(y)), x, y)


# --- Convolution, pooling, flatten -----------------------------------------------------------


CONV_CONFIGS = [(stride, padding) for stride in (1, 2) for padding in (0, 1, 2)]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("stride", "padding"), CONV_CONFIGS)
def test_conv2d_matches_conv2d(torch: ModuleType, seed: int, stride: int, padding: int) -> None:
    from backprop.conv import Conv2D

    rng = shape_rng(seed)
    n, c, o = (int(v) for v in rng.integers(1, 5, size=3))
    kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
    h, w = (int(v) for v in rng.integers(3, 10, size=2))
    layer = Conv2D(c, o, (kh, kw), stride=stride, padding=padding, rng=seed)
    layer.params["b"][...] = rng.normal(size=o)
    x = rng.normal(size=(n, c, h, w))

    def conv(xt: Any, p: dict[str, Any]) -> Any:
        # Same (O, C, kh, kw) kernel layout as torch.nn.Conv2d.weight: no transpose needed.
        return torch.nn.functional.conv2d(xt, p["W"], p["b"], stride=stride, padding=padding)

    compare_layer(torch, layer, conv, x, seed=seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_conv2d_square_kernel_matches_nn_conv2d(torch: ModuleType, seed: int) -> None:
    from backprop.conv import Conv2D

    rng = shape_rng(seed)
    module = torch.nn.Conv2d(3, 5, 3, stride=2, padding=1, dtype=torch.float64)
    layer = Conv2D.from_arrays(module.weight.detach().numpy(), module.bias.detach().numpy(), stride=2, padding=1)
    x = rng.normal(size=(2, 3, 8, 7))
    xt = leaf(torch, x)
    out_t = module(xt)
    assert_close(layer.forward(x), out_t, "forward")
    G = rng.normal(size=tuple(out_t.shape))
    out_t.backward(torch.tensor(G))
    assert_close(layer.backward(G), xt.grad, "dL/dx")
    assert_close(layer.grads["W"], module.weight.grad, "dL/dW")
    assert_close(layer.grads["b"], module.bias.grad, "dL/db")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(("size", "stride"), [(2, 2), (2, 1), (3, 2), (3, 3)])
def test_maxpool2d_matches_max_pool2d(torch: ModuleType, seed: int, size: int, stride: int) -> None:
    from backprop.conv import MaxPool2D

    rng = shape_rng(seed)
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    h, w = (int(v) for v in rng.integers(size, 10, size=2))
    x = rng.normal(size=(n, c, h, w))  # continuous values: no ties inside a window
    compare_layer(
        torch,
        MaxPool2D(size, stride),
        lambda xt, _: torch.nn.functional.max_pool2d(xt, size, stride),
        x,
        seed=seed,
    )


def test_maxpool2d_default_stride_is_size(torch: ModuleType) -> None:
    from backprop.conv import MaxPool2D

    x = np.random.default_rng(3).normal(size=(2, 2, 6, 5))
    compare_layer(torch, MaxPool2D(), lambda xt, _: torch.nn.functional.max_pool2d(xt, 2), x)


def test_flatten_matches_flatten(torch: ModuleType) -> None:
    from backprop.conv import Flatten

    x = np.random.default_rng(4).normal(size=(3, 2, 4, 5))
    compare_layer(torch, Flatten(), lambda xt, _: torch.flatten(xt, 1), x)


@pytest.mark.parametrize("seed", SEEDS)
def test_cnn_matches_torch(torch: ModuleType, seed: int) -> None:
    from backprop.conv import Conv2D, Flatten, MaxPool2D

    rng = shape_rng(seed)
    n, c = (int(v) for v in rng.integers(1, 4, size=2))
    size = int(rng.integers(8, 12))
    classes = int(rng.integers(2, 6))
    # size → size (padding 1) → size//2 (pool) → (size//2 - 3)//2 + 1 (stride 2, no padding)
    side = (size // 2 - 3) // 2 + 1
    net = bp.Sequential(
        Conv2D(c, 4, 3, padding=1, rng=seed),
        bp.ReLU(),
        MaxPool2D(2),
        Conv2D(4, 3, 3, stride=2, rng=seed + 1),
        bp.Tanh(),
        Flatten(),
        bp.Dense(3 * side * side, classes, rng=seed + 2),
    )
    for k, v in net.params.items():
        if k.endswith(".b"):
            v[...] = rng.normal(scale=0.1, size=v.shape)
    x, y = rng.normal(size=(n, c, size, size)), rng.integers(0, classes, size=n)
    F = torch.nn.functional

    def forward(xt: Any, p: dict[str, Any]) -> Any:
        h = F.max_pool2d(F.relu(F.conv2d(xt, p["0.W"], p["0.b"], padding=1)), 2)
        h = torch.flatten(torch.tanh(F.conv2d(h, p["3.W"], p["3.b"], stride=2)), 1)
        return h @ p["6.W"] + p["6.b"]

    compare_model(
        torch, net, forward, bp.softmax_cross_entropy, lambda z: F.cross_entropy(z, torch.tensor(y)), x, y
    )


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1), (1, 2)])
def test_conv_loop_reference_matches_conv2d(torch: ModuleType, stride: int, padding: int) -> None:
    from backprop.conv import conv2d_backward_loop, conv2d_forward_loop

    rng = np.random.default_rng(stride * 10 + padding)
    x, K, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    xt, Kt, bt = leaf(torch, x), leaf(torch, K), leaf(torch, b)
    out_t = torch.nn.functional.conv2d(xt, Kt, bt, stride=stride, padding=padding)
    out = conv2d_forward_loop(x, K, b, stride=stride, padding=padding)
    assert_close(out, out_t, "forward")
    G = rng.normal(size=out.shape)
    out_t.backward(torch.tensor(G))
    dx, dK, db = conv2d_backward_loop(x, K, G, stride=stride, padding=padding)
    assert_close(dx, xt.grad, "dL/dx")
    assert_close(dK, Kt.grad, "dL/dK")
    assert_close(db, bt.grad, "dL/db")


# ----------------------------------------------------------------------------- optimizers

OPTIMIZERS: list[tuple[str, Callable[[], Any], Callable[[Any, list[Any]], Any]]] = [
    ("SGD momentum + weight decay", lambda: bp.SGD(lr=0.1, momentum=0.9, weight_decay=0.05),
     lambda torch, ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.05)),
    ("Adam with L2", lambda: bp.Adam(lr=0.05, weight_decay=0.1),
     lambda torch, ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1)),
    ("AdamW", lambda: bp.AdamW(lr=0.05, weight_decay=0.1),
     lambda torch, ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1)),
]


@pytest.mark.parametrize(("what", "ours", "theirs"), OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_optimizer_steps_match_torch_optim(
    torch: ModuleType, what: str, ours: Callable[[], Any], theirs: Callable[[Any, list[Any]], Any]
) -> None:
    rng = np.random.default_rng(7)
    x, target = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    layer = bp.Dense(3, 2, rng=1)
    W, b = leaf(torch, layer.params["W"]), leaf(torch, layer.params["b"])
    opt, topt = ours(), theirs(torch, [W, b])
    for _ in range(5):  # five steps, so momentum and both moments matter
        _, dpred = bp.mse(layer.forward(x), target)
        layer.backward(dpred)
        opt.step(layer)
        topt.zero_grad()
        torch.nn.functional.mse_loss(torch.tensor(x) @ W + b, torch.tensor(target)).backward()
        topt.step()
    assert_close(layer.params["W"], W, f"{what}: W after 5 steps")
    assert_close(layer.params["b"], b, f"{what}: b after 5 steps")
