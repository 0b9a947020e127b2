"""Dropout, BatchNorm, LayerNorm, LSTM and GRU compared with PyTorch autograd in float64.

Forward outputs, dL/dx and every parameter gradient agree to a relative 1e-10; BatchNorm's
running estimates too, over several training steps in which both sides take the same SGD
step, and then in eval mode. The weight layouts: an ``LSTM``'s ``W_x``, ``W_h`` are
``weight_ih_l0.T`` and ``weight_hh_l0.T`` with the gate blocks in torch's order i, f, g, o,
and ``b = bias_ih_l0 + bias_hh_l0``; a ``GRU``'s ``W_x``, ``W_h`` are the same transposes
(blocks r, z, n), ``b_x = bias_ih_l0`` and ``b_h = bias_hh_l0``.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    previous, threads = t.get_default_dtype(), t.get_num_threads()
    t.set_default_dtype(t.float64)
    t.set_num_threads(1)  # these tensors are tiny: a thread pool only costs time
    yield t
    t.set_default_dtype(previous)
    t.set_num_threads(threads)


def assert_close(ours: Array, theirs: Any, what: str) -> None:
    """``ours`` equals the torch tensor ``theirs`` to a relative ``RTOL`` (shape included)."""
    ref = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} != torch {ref.shape}"
    assert ours.dtype == np.float64, f"{what}: dtype {ours.dtype}"
    err = bp.relative_error(ours, np.asarray(ref, dtype=np.float64))
    assert err < RTOL, f"{what}: relative error {err:.3e} against torch"
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=RTOL * float(np.abs(ref).max()), err_msg=what)


def leaf(torch: ModuleType, a: Array) -> Any:
    """A float64 torch leaf tensor holding a copy of ``a`` that records its gradient."""
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def shape_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(2000 + seed)


# --- Dropout -----------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_scales_as_torch_dropout(torch: ModuleType, p: float) -> None:
    # The masks are random on both sides; the rule they follow is the same: 0 or 1/(1 - p).
    x = np.random.default_rng(0).normal(size=(40, 50))
    ours = bp.Dropout(p, rng=0)
    y = ours.forward(x)
    torch.manual_seed(0)
    xt = leaf(torch, x)
    yt = torch.nn.functional.dropout(xt, p=p, training=True)
    ratio_t = (yt / xt).detach().numpy()
    np.testing.assert_allclose(np.unique(ratio_t), np.unique(y / x), rtol=1e-15)
    assert abs(float((ratio_t != 0).mean()) - float((y != 0).mean())) < 0.03  # both keep about 1 - p
    # Backward: torch's gradient is its own mask, as ours is ours.
    G = np.random.default_rng(1).normal(size=x.shape)
    yt.backward(torch.tensor(G))
    assert_close(G * ratio_t, xt.grad, "torch dL/dx = G * its mask")
    assert ours.mask is not None
    np.testing.assert_array_equal(ours.backward(G), G * ours.mask)


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_with_a_mask_matches_torch_autograd(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    n, d = (int(v) for v in rng.integers(1, 9, size=2))
    x, G = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    drop = bp.Dropout(0.3, rng=seed)
    out = drop.forward(x)
    assert drop.mask is not None
    keep = torch.tensor(drop.mask != 0)
    xt = leaf(torch, x)
    out_t = xt * keep / (1 - 0.3)  # what torch.nn.functional.dropout computes for this mask
    assert_close(out, out_t, "forward")
    out_t.backward(torch.tensor(G))
    assert_close(drop.backward(G), xt.grad, "dL/dx")
    drop.eval()
    model = torch.nn.Dropout(0.3).eval()
    assert_close(drop.forward(x), model(torch.tensor(x)), "eval forward")


# --- BatchNorm ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("images", [False, True])
def test_batchnorm_matches_torch_over_training_steps_and_in_eval(torch: ModuleType, seed: int, images: bool) -> None:
    rng = shape_rng(seed)
    c = int(rng.integers(1, 5))
    n = int(rng.integers(2, 6))
    shape = (n, c, int(rng.integers(1, 4)), int(rng.integers(1, 4))) if images else (n, c)
    momentum = [0.1, 0.3, 0.05, 0.9, 1.0][seed]
    ours = bp.BatchNorm(c, momentum=momentum)
    ours.params["gamma"][...] = rng.normal(size=c)
    ours.params["beta"][...] = rng.normal(size=c)
    model = (torch.nn.BatchNorm2d if images else torch.nn.BatchNorm1d)(c, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(ours.params["gamma"]))
        model.bias.copy_(torch.tensor(ours.params["beta"]))
    opt, opt_t = bp.SGD(lr=0.1), torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(4):
        x = rng.normal(loc=step, scale=1.0 + step, size=shape)
        G = rng.normal(size=shape)
        xt = leaf(torch, x)
        out_t = model(xt)
        assert_close(ours.forward(x), out_t, f"step {step}: forward")
        assert_close(ours.running_mean, model.running_mean, f"step {step}: running_mean")
        assert_close(ours.running_var, model.running_var, f"step {step}: running_var")
        opt_t.zero_grad()
        out_t.backward(torch.tensor(G))
        assert_close(ours.backward(G), xt.grad, f"step {step}: dL/dx")
        assert_close(ours.grads["gamma"], model.weight.grad, f"step {step}: dL/dgamma")
        assert_close(ours.grads["beta"], model.bias.grad, f"step {step}: dL/dbeta")
        opt.step(ours)
        opt_t.step()
    ours.eval()
    model.eval()
    x, G = rng.normal(size=(1, *shape[1:])), rng.normal(size=(1, *shape[1:]))  # eval takes a single example
    xt = leaf(torch, x)
    out_t = model(xt)
    assert_close(ours.forward(x), out_t, "eval forward")
    model.zero_grad()
    out_t.backward(torch.tensor(G))
    assert_close(ours.backward(G), xt.grad, "eval dL/dx")
    assert_close(ours.grads["gamma"], model.weight.grad, "eval dL/dgamma")
    assert_close(ours.grads["beta"], model.bias.grad, "eval dL/dbeta")
    assert_close(ours.running_var, model.running_var, "running_var after eval")


# --- LayerNorm ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_layernorm_matches_nn_layernorm(torch: ModuleType, seed: int) -> None:
    rng = shape_rng(seed)
    f = int(rng.integers(2, 7))  # (with one feature the exact dL/dx is 0; torch rounds it to 1e-13)
    shape = (*(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 3)))), f)
    ours = bp.LayerNorm(f)
    ours.params["gamma"][...] = rng.normal(size=f)
    ours.params["beta"][...] = rng.normal(size=f)
    model = torch.nn.LayerNorm(f, dtype=torch.float64)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(ours.params["gamma"]))
        model.bias.copy_(torch.tensor(ours.params["beta"]))
    x, G = rng.normal(loc=1.0, scale=2.0, size=shape), rng.normal(size=shape)
    xt = leaf(torch, x)
    out_t = model(xt)
    assert_close(ours.forward(x), out_t, "forward")
    out_t.backward(torch.tensor(G))
    assert_close(ours.backward(G), xt.grad, "dL/dx")
    assert_close(ours.grads["gamma"], model.weight.grad, "dL/dgamma")
    assert_close(ours.grads["beta"], model.bias.grad, "dL/dbeta")


# --- LSTM and GRU ------------------------------------------------------------------------------


def from_torch(torch: ModuleType, model: Any, kind: str, return_sequences: bool) -> bp.LSTM | bp.GRU:
    """Our layer holding ``model``'s weights, by the mapping in the module docstring."""
    W_x = model.weight_ih_l0.detach().numpy().T.copy()
    W_h = model.weight_hh_l0.detach().numpy().T.copy()
    b_ih, b_hh = model.bias_ih_l0.detach().numpy(), model.bias_hh_l0.detach().numpy()
    if kind == "LSTM":
        return bp.LSTM.from_arrays(W_x, W_h, b_ih + b_hh, return_sequences=return_sequences)
    return bp.GRU.from_arrays(W_x, W_h, b_ih.copy(), b_hh.copy(), return_sequences=return_sequences)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_gated_layer_matches_torch(
    torch: ModuleType, kind: str, seed: int, return_sequences: bool, with_state: bool
) -> None:
    rng = shape_rng(seed)
    n, t, d, h = (int(v) for v in rng.integers(1, 7, size=4))
    torch.manual_seed(seed)
    model = getattr(torch.nn, kind)(d, h, batch_first=True, dtype=torch.float64)
    layer = from_torch(torch, model, kind, return_sequences)
    x = rng.normal(size=(n, t, d))
    h0 = rng.normal(scale=0.5, size=(n, h)) if with_state else None
    c0 = rng.normal(size=(n, h)) if with_state else None
    xt = leaf(torch, x)
    states_t = None if h0 is None else (leaf(torch, h0), leaf(torch, c0))  # type: ignore[arg-type]
    if kind == "LSTM":
        assert isinstance(layer, bp.LSTM)
        seq_t, (last_t, _) = model(xt, None if states_t is None else (states_t[0][None], states_t[1][None]))
        out = layer.forward(x, h0, c0)
    else:
        assert isinstance(layer, bp.GRU)
        seq_t, last_t = model(xt, None if states_t is None else states_t[0][None])
        out = layer.forward(x, h0)
    out_t = seq_t if return_sequences else last_t[0]
    assert_close(out, out_t, "forward")
    G = rng.normal(size=out.shape)
    dx = layer.backward(G)
    out_t.backward(torch.tensor(G))
    assert_close(dx, xt.grad, "dL/dx")
    assert_close(layer.grads["W_x"], model.weight_ih_l0.grad.T, "dL/dW_x")
    assert_close(layer.grads["W_h"], model.weight_hh_l0.grad.T, "dL/dW_h")
    if kind == "LSTM":
        # Each torch bias enters every step exactly as our b does: both get dL/db.
        assert_close(layer.grads["b"], model.bias_ih_l0.grad, "dL/db (bias_ih)")
        assert_close(layer.grads["b"], model.bias_hh_l0.grad, "dL/db (bias_hh)")
    else:
        assert_close(layer.grads["b_x"], model.bias_ih_l0.grad, "dL/db_x")
        assert_close(layer.grads["b_h"], model.bias_hh_l0.grad, "dL/db_h")
    if states_t is not None:
        assert layer.dh0 is not None
        assert_close(layer.dh0, states_t[0].grad, "dL/dh0")
        if isinstance(layer, bp.LSTM):
            assert layer.dc0 is not None
            assert_close(layer.dc0, states_t[1].grad, "dL/dc0")


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_gated_network_trains_like_torch(torch: ModuleType, kind: str) -> None:
    # Three Adam steps of a recurrent layer and a readout: the parameters stay equal.
    rng = shape_rng(9)
    n, t, d, h = 4, 5, 3, 6
    torch.manual_seed(9)
    model = getattr(torch.nn, kind)(d, h, batch_first=True, dtype=torch.float64)
    trained = list(model.parameters())
    if kind == "LSTM":
        # Our one b is torch's bias_ih + bias_hh; Adam would move each of those by a full step,
        # so torch trains bias_ih only, with bias_hh held at 0.
        with torch.no_grad():
            model.bias_hh_l0.zero_()
        model.bias_hh_l0.requires_grad_(False)
        trained = [p for p in trained if p is not model.bias_hh_l0]
    readout = torch.nn.Linear(h, 1, dtype=torch.float64)
    net = bp.Sequential(from_torch(torch, model, kind, False), bp.Dense.from_arrays(
        readout.weight.detach().numpy().T.copy(), readout.bias.detach().numpy().copy()))
    opt, opt_t = bp.Adam(lr=0.01), torch.optim.Adam([*trained, *readout.parameters()], lr=0.01)
    x, y = rng.normal(size=(n, t, d)), rng.normal(size=(n, 1))
    for _ in range(3):
        _, dpred = bp.mse(net.forward(x), y)
        net.backward(dpred)
        opt.step(net)
        opt_t.zero_grad()
        seq_t, _ = model(torch.tensor(x))
        torch.nn.functional.mse_loss(readout(seq_t[:, -1]), torch.tensor(y)).backward()
        opt_t.step()
    assert_close(net.params["0.W_x"], model.weight_ih_l0.T, "W_x after three steps")
    assert_close(net.params["0.W_h"], model.weight_hh_l0.T, "W_h after three steps")
    if kind == "LSTM":
        assert_close(net.params["0.b"], model.bias_ih_l0, "b after three steps")
    else:
        assert_close(net.params["0.b_h"], model.bias_hh_l0, "b_h after three steps")
    assert_close(net.params["1.W"], readout.weight.T, "readout after three steps")
