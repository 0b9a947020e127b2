"""DeepNetwork: gradient checks at every depth and activation, training, prediction, label shapes."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Array
from backprop.deep import DeepNetwork

TOL = 1e-7

CONFIGS = list(itertools.product(["relu", "tanh", "sigmoid"], ["sigmoid", "softmax"], [1, 2, 3, 4]))


def _sizes(depth: int, n_out: int) -> list[int]:
    return [4] + [5] * (depth - 1) + [n_out]


def _labels(output: str, n: int, n_out: int, seed: int) -> Any:
    """Integer class labels for softmax, 0/1 floats for sigmoid (the loss accepts both, though typed Array)."""
    rng = np.random.default_rng(seed)
    if output == "softmax":
        return rng.integers(0, n_out, size=n)
    return rng.integers(0, 2, size=(n, n_out)).astype(np.float64)


@pytest.mark.parametrize(("hidden", "output", "depth"), CONFIGS, ids=[f"{h}-{o}-{d}" for h, o, d in CONFIGS])
def test_deep_network_gradient_check(hidden: str, output: str, depth: int) -> None:
    n_out = 3 if output == "softmax" else 2
    net = DeepNetwork(_sizes(depth, n_out), hidden=hidden, output=output, rng=depth)  # type: ignore[arg-type]
    rng = np.random.default_rng(depth)
    for layer in net.dense_layers:
        layer.params["b"][...] = rng.normal(size=layer.n_out) * 0.1
    x = rng.normal(size=(6, 4))  # random normal inputs: no pre-activation sits within eps of a ReLU kink
    y = _labels(output, 6, n_out, seed=depth + 10)
    assert bp.check_model(net, net.loss, x, y) < TOL


@pytest.mark.parametrize(("hidden", "output", "depth"), CONFIGS, ids=[f"{h}-{o}-{d}" for h, o, d in CONFIGS])
def test_deep_network_structure(hidden: str, output: str, depth: int) -> None:
    n_out = 3 if output == "softmax" else 2
    net = DeepNetwork(_sizes(depth, n_out), hidden=hidden, output=output, rng=0)  # type: ignore[arg-type]
    assert len(net.dense_layers) == depth
    assert [(d.n_in, d.n_out) for d in net.dense_layers] == list(itertools.pairwise(net.sizes))
    acts = [type(layer) for layer in net.model.layers if not isinstance(layer, bp.Dense)]
    expected_hidden = {"relu": bp.ReLU, "tanh": bp.Tanh, "sigmoid": bp.Sigmoid}[hidden]
    assert acts == [expected_hidden] * (depth - 1) + ([bp.Sigmoid] if output == "sigmoid" else [])
    assert isinstance(net, bp.Layer)
    assert net.params.keys() == net.grads.keys()
    assert repr(net) == f"DeepNetwork({net.sizes}, hidden={hidden!r}, output={output!r})"


def test_relu_hidden_layers_use_he_and_others_xavier() -> None:
    relu = DeepNetwork([300, 400, 10], hidden="relu", rng=0)
    tanh = DeepNetwork([300, 400, 10], hidden="tanh", rng=0)
    assert relu.dense_layers[0].params["W"].std() == pytest.approx(np.sqrt(2.0 / 300), rel=0.02)
    limit = np.sqrt(6.0 / 700)
    assert np.abs(tanh.dense_layers[0].params["W"]).max() <= limit
    assert tanh.dense_layers[0].params["W"].std() == pytest.approx(limit / np.sqrt(3), rel=0.02)


def test_forward_matches_hand_computation() -> None:
    net = DeepNetwork([3, 4, 2], hidden="tanh", output="softmax", rng=1)
    d1, d2 = net.dense_layers
    x = np.random.default_rng(2).normal(size=(5, 3))
    logits = np.tanh(x @ d1.params["W"] + d1.params["b"]) @ d2.params["W"] + d2.params["b"]
    np.testing.assert_allclose(net.forward(x), logits, rtol=1e-13)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.predict_proba(x), p, rtol=1e-13)
    np.testing.assert_allclose(net.predict_proba(x).sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(net.predict(x), logits.argmax(axis=1))

    sig = DeepNetwork([3, 4, 1], hidden="relu", output="sigmoid", rng=3)
    e1, e2 = sig.dense_layers
    z = np.maximum(x @ e1.params["W"] + e1.params["b"], 0.0) @ e2.params["W"] + e2.params["b"]
    np.testing.assert_allclose(sig.forward(x), 1.0 / (1.0 + np.exp(-z)), rtol=1e-13)
    np.testing.assert_array_equal(sig.predict(x), (z[:, 0] > 0).astype(int))  # p > 0.5 exactly when z > 0


def _blobs(n: int, seed: int) -> tuple[Array, Any]:
    """Three separable Gaussian clusters in 2-D."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=n)
    centres = np.array([[2.0, 0.0], [-1.0, 1.7], [-1.0, -1.7]])
    return centres[labels] + 0.4 * rng.normal(size=(n, 2)), labels


@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
def test_fit_reduces_the_loss(hidden: str) -> None:
    x, labels = _blobs(60, seed=4)
    net = DeepNetwork([2, 8, 3], hidden=hidden, output="softmax", rng=5)  # type: ignore[arg-type]
    initial = net.loss(net.forward(x), labels)[0]
    history = net.fit(x, labels, epochs=40, batch_size=16, optimizer=bp.Adam(lr=0.05), rng=6)
    assert len(history) == 40
    assert history[-1] < 0.5 * history[0]
    assert net.loss(net.forward(x), labels)[0] < 0.5 * initial
    assert net.accuracy(x, labels) > 0.9


def test_fit_with_sigmoid_output_and_sgd() -> None:
    x, labels = _blobs(60, seed=7)
    y = (labels == 0).astype(np.float64)  # one yes/no output, (N,) labels
    net = DeepNetwork([2, 6, 1], hidden="tanh", output="sigmoid", rng=8)
    history = net.fit(x, y, epochs=60, batch_size=10, optimizer=bp.SGD(lr=0.5, momentum=0.5), rng=9)
    assert history[-1] < 0.5 * history[0]
    assert net.accuracy(x, y) > 0.9


def test_fit_is_reproducible_for_a_seed() -> None:
    x, labels = _blobs(30, seed=10)
    runs = []
    for _ in range(2):
        net = DeepNetwork([2, 5, 3], hidden="tanh", rng=11)
        runs.append(net.fit(x, labels, epochs=5, batch_size=7, rng=12))
    assert runs[0] == runs[1]


def test_fit_batch_larger_than_data_is_one_full_batch() -> None:
    x, labels = _blobs(10, seed=13)
    a = DeepNetwork([2, 4, 3], hidden="tanh", rng=14)
    b = DeepNetwork([2, 4, 3], hidden="tanh", rng=14)
    a.fit(x, labels, epochs=3, batch_size=100, optimizer=bp.SGD(lr=0.1), rng=0)
    opt = bp.SGD(lr=0.1)
    for _ in range(3):
        b.train_step(x, labels, opt)  # full-batch gradient is independent of the shuffled order
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-15)


def test_predict_and_accuracy_shapes() -> None:
    x = np.random.default_rng(15).normal(size=(7, 4))
    soft = DeepNetwork([4, 5, 3], hidden="relu", output="softmax", rng=0)
    pred = soft.predict(x)
    assert pred.shape == (7,)
    assert np.issubdtype(pred.dtype, np.integer)
    assert set(pred.tolist()) <= {0, 1, 2}
    assert soft.predict_proba(x).shape == (7, 3)
    assert soft.accuracy(x, pred) == 1.0
    assert soft.accuracy(x, np.eye(3)[pred]) == 1.0  # one-hot labels are accepted
    wrong = (pred + 1) % 3
    assert soft.accuracy(x, wrong) == 0.0
    mixed = pred.copy()
    mixed[:3] = wrong[:3]
    assert soft.accuracy(x, mixed) == pytest.approx(4 / 7)

    one = DeepNetwork([4, 5, 1], hidden="tanh", output="sigmoid", rng=1)
    assert one.predict(x).shape == (7,)
    assert one.predict_proba(x).shape == (7, 1)
    multi = DeepNetwork([4, 5, 3], hidden="tanh", output="sigmoid", rng=2)
    p = multi.predict(x)
    assert p.shape == (7, 3)
    np.testing.assert_array_equal(p, (multi.forward(x) > 0.5).astype(int))
    assert multi.accuracy(x, p) == 1.0


def test_sigmoid_output_accepts_n_and_n_by_1_labels() -> None:
    rng = np.random.default_rng(16)
    x = rng.normal(size=(6, 3))
    y_flat = rng.integers(0, 2, size=6).astype(np.float64)
    y_col = y_flat[:, None]
    net = DeepNetwork([3, 4, 1], hidden="sigmoid", output="sigmoid", rng=17)
    out = net.forward(x)
    loss_flat, g_flat = net.loss(out, y_flat)
    loss_col, g_col = net.loss(out, y_col)
    loss_int, _ = net.loss(out, y_flat.astype(np.int64))
    assert loss_flat == loss_col == loss_int
    np.testing.assert_array_equal(g_flat, g_col)
    assert g_flat.shape == (6, 1)
    p = out[:, 0]
    assert loss_flat == pytest.approx(-np.mean(y_flat * np.log(p) + (1 - y_flat) * np.log(1 - p)), rel=1e-12)
    assert bp.check_model(net, net.loss, x, y_flat) < TOL
    assert bp.check_model(net, net.loss, x, y_col) < TOL
    assert net.accuracy(x, y_flat) == net.accuracy(x, y_col)


def test_softmax_loss_accepts_integer_and_one_hot_labels() -> None:
    rng = np.random.default_rng(18)
    x = rng.normal(size=(5, 3))
    labels: Any = rng.integers(0, 4, size=5)  # integer class labels: the losses accept them, though typed Array
    net = DeepNetwork([3, 4, 4], hidden="tanh", rng=19)
    out = net.forward(x)
    a, ga = net.loss(out, labels)
    b, gb = net.loss(out, np.eye(4)[labels])
    assert a == pytest.approx(b, rel=1e-15)
    np.testing.assert_allclose(ga, gb, rtol=1e-15)


def test_deep_network_is_a_wrapper_of_its_sequential() -> None:
    from backprop.layers import Wrapper

    net = DeepNetwork([3, 4, 2], hidden="tanh", output="sigmoid", rng=0)
    assert isinstance(net, Wrapper)
    assert isinstance(net, bp.Layer)
    for name in ("params", "grads", "forward", "backward"):
        assert name not in vars(DeepNetwork), f"DeepNetwork re-delegates {name}"
    assert net.params.keys() == net.model.params.keys()
    assert all(net.params[k] is net.model.params[k] for k in net.params)
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_array_equal(net.forward(x), net.model.forward(x))
    dout = np.ones((5, 2))
    np.testing.assert_array_equal(net.backward(dout), net.model.backward(dout))
    assert bp.check_layer(net, x) < 1e-7



def test_hidden_and_output_must_be_names() -> None:
    with pytest.raises(TypeError, match=r"^hidden must be a str, one of \['relu', 'sigmoid', 'tanh'\], got list"):
        DeepNetwork([2, 3, 1], hidden=["relu"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^output must be a str, 'sigmoid' or 'softmax', got int 3$"):
        DeepNetwork([2, 3, 2], output=3)  # type: ignore[arg-type]
