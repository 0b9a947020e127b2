"""trace: every recorded number equals the chain rule done by hand with numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Array


def _net(seed: int = 0) -> bp.Sequential:
    net = bp.Sequential(bp.Dense(3, 4, rng=seed), bp.Tanh(), bp.Dense(4, 2, rng=seed + 1), bp.Sigmoid())
    rng = np.random.default_rng(seed + 2)
    net.params["0.b"][...] = rng.normal(size=4) * 0.3
    net.params["2.b"][...] = rng.normal(size=2) * 0.3
    return net


def _data() -> tuple[Array, Array]:
    rng = np.random.default_rng(10)
    return rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))


def test_trace_records_equal_hand_computation() -> None:
    net = _net()
    x, y = _data()
    W1, b1 = net.params["0.W"].copy(), net.params["0.b"].copy()
    W2, b2 = net.params["2.W"].copy(), net.params["2.b"].copy()
    t = bp.trace(net, x, y, bp.mse)

    # forward by hand
    z1 = x @ W1 + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2 + b2
    a2 = 1.0 / (1.0 + np.exp(-z2))
    loss = np.mean((a2 - y) ** 2)
    # backward by hand
    dL_da2 = 2.0 * (a2 - y) / a2.size
    delta2 = dL_da2 * a2 * (1.0 - a2)
    dL_da1 = delta2 @ W2.T
    delta1 = dL_da1 * (1.0 - a1**2)

    assert t.loss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(t.dloss, dL_da2, rtol=1e-14)
    assert [r.name for r in t.records] == ["Dense(3, 4) → Tanh", "Dense(4, 2) → Sigmoid"]
    r1, r2 = t.records
    expected: list[tuple[Array, Array]] = [
        (r1.x, x), (r1.z, z1), (r1.a, a1), (r1.upstream, dL_da1), (r1.delta, delta1),
        (r1.grads["W"], x.T @ delta1), (r1.grads["b"], delta1.sum(axis=0)),
        (r2.x, a1), (r2.z, z2), (r2.a, a2), (r2.upstream, dL_da2), (r2.delta, delta2),
        (r2.grads["W"], a1.T @ delta2), (r2.grads["b"], delta2.sum(axis=0)),
    ]
    for i, (got, want) in enumerate(expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"entry {i}")


def test_delta_is_upstream_times_activation_derivative() -> None:
    x, y = _data()
    t = bp.trace(_net(), x, y, bp.mse)
    r1, r2 = t.records
    np.testing.assert_allclose(r1.delta, r1.upstream * (1.0 - np.tanh(r1.z) ** 2), rtol=1e-12)  # tanh'
    s = 1.0 / (1.0 + np.exp(-r2.z))
    np.testing.assert_allclose(r2.delta, r2.upstream * s * (1.0 - s), rtol=1e-12)  # sigma'
    np.testing.assert_allclose(r2.x, r1.a)  # each layer's input is the previous activation


def test_trace_grads_equal_the_models_own_backward() -> None:
    x, y = _data()
    t = bp.trace(_net(), x, y, bp.mse)
    twin = _net()  # the same weights, run the ordinary way
    _, dout = bp.mse(twin.forward(x), y)
    twin.backward(dout)
    np.testing.assert_allclose(t.records[0].grads["W"], twin.grads["0.W"], rtol=1e-15)
    np.testing.assert_allclose(t.records[0].grads["b"], twin.grads["0.b"], rtol=1e-15)
    np.testing.assert_allclose(t.records[1].grads["W"], twin.grads["2.W"], rtol=1e-15)
    np.testing.assert_allclose(t.records[1].grads["b"], twin.grads["2.b"], rtol=1e-15)


def test_trace_leaves_parameters_and_input_unchanged() -> None:
    net = _net()
    x, y = _data()
    before = {k: v.copy() for k, v in net.params.items()}
    x_before = x.copy()
    bp.trace(net, x, y, bp.mse)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    np.testing.assert_array_equal(x, x_before)


def test_last_dense_without_activation_has_upstream_equal_delta() -> None:
    rng = np.random.default_rng(3)
    net = bp.Sequential(bp.Dense(2, 3, rng=1, init="he"), bp.ReLU(), bp.Dense(3, 3, rng=2))
    x = rng.normal(size=(4, 2))
    labels: Any = rng.integers(0, 3, size=4)  # integer class labels: the losses accept them, though typed Array
    t = bp.trace(net, x, labels, bp.softmax_cross_entropy)
    assert [r.name for r in t.records] == ["Dense(2, 3) → ReLU", "Dense(3, 3)"]
    last = t.records[1]
    np.testing.assert_array_equal(last.upstream, last.delta)
    np.testing.assert_array_equal(last.z, last.a)
    p = np.exp(last.z) / np.exp(last.z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(last.delta, (p - np.eye(3)[labels]) / 4, rtol=1e-12, atol=1e-16)
    first = t.records[0]
    np.testing.assert_allclose(first.delta, first.upstream * (first.z > 0))  # ReLU' is the step function


def test_to_text_and_to_markdown_name_every_layer_and_the_loss() -> None:
    x, y = _data()
    t = bp.trace(_net(), x, y, bp.mse)
    for decimals in (3, 6):
        text = t.to_text(decimals)
        md = t.to_markdown(decimals)
        loss_str = f"{t.loss:.{decimals}f}"
        for doc in (text, md):
            assert "Dense(3, 4) → Tanh" in doc
            assert "Dense(4, 2) → Sigmoid" in doc
            assert loss_str in doc
        assert text.startswith(f"loss L = {loss_str}")
        assert "layer 1: Dense(3, 4) → Tanh" in text
        assert "layer 2: Dense(4, 2) → Sigmoid" in text
        assert md.splitlines()[0] == "| quantity | layer 1: Dense(3, 4) → Tanh | layer 2: Dense(4, 2) → Sigmoid |"
        for quantity in ("input x", "z (pre-activation)", "a = f(z)", "δ = ∂L/∂z", "∂L/∂W", "∂L/∂b"):
            assert quantity in text
            assert f"| {quantity} |" in md


def test_to_text_shows_a_batch_of_one_without_its_batch_axis() -> None:
    net = bp.Sequential(bp.Dense.from_arrays(np.array([[1.0], [2.0]]), np.array([0.5])))
    t = bp.trace(net, np.array([[1.0, -1.0]]), np.array([[0.0]]), bp.mse)
    # z = 1 - 2 + 0.5 = -0.5; L = 0.25; dL/dz = 2 (-0.5) = -1; dW = x^T (-1) = [[-1], [1]]
    assert t.loss == 0.25
    text = t.to_text(2)
    assert "input x             [1.00, -1.00]" in text
    assert "∂L/∂W               [[-1.00], [1.00]]" in text
    assert "∂L/∂b               [-1.00]" in text


# --------------------------------------------------------------------------- format_array


def test_format_array_is_nested_lists_with_fixed_decimals() -> None:
    from backprop.trace import format_array

    assert format_array(np.array([[0.25, 1.0], [2.0 / 3.0, -1.5]])) == "[[0.2500, 1.0000], [0.6667, -1.5000]]"
    assert format_array(np.array([0.123456]), decimals=2) == "[0.12]"
    assert format_array(np.float64(0.98)) == "0.9800"
    assert format_array(3) == "3.0000"
    assert format_array([1.0, 2.0], decimals=0) == "[1, 2]"
    assert format_array(np.zeros((2, 0))) == "[[], []]"


def test_format_array_never_prints_a_negative_zero() -> None:
    from backprop.trace import format_array

    assert format_array(np.array([-0.0, -0.00001, -0.00004, -0.00006])) == "[0.0000, 0.0000, 0.0000, -0.0001]"
    assert format_array(-0.4, decimals=0) == "0"


def test_format_array_rejects_bad_decimals() -> None:
    from backprop.trace import format_array

    with pytest.raises(ValueError, match="decimals must be a non-negative integer, got -1"):
        format_array(np.ones(2), decimals=-1)
    with pytest.raises(TypeError, match="decimals must be an int, got float"):
        format_array(np.ones(2), decimals=2.0)  # type: ignore[arg-type]


def test_trace_tables_use_format_array() -> None:
    from backprop.trace import format_array

    net = bp.Sequential(bp.Dense(2, 2, rng=0), bp.Tanh())
    t = bp.trace(net, np.array([[0.3, -0.7]]), np.array([[0.0, 1.0]]), bp.mse)
    rec = t.records[0]
    text = t.to_text(decimals=3)
    assert format_array(rec.delta[0], 3) in text
    assert format_array(rec.grads["W"], 3) in text
