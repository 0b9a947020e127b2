"""Losses: gradient checks, values against hand computations, conventions, stability, whole models."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Array

TOL = 1e-7


# ----------------------------------------------------------------------------- gradient checks


@pytest.mark.parametrize("shape", [(1,), (5,), (4, 1), (3, 4), (2, 3, 2)])
def test_mse_gradient_check(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    assert bp.check_loss(bp.mse, rng.normal(size=shape), rng.normal(size=shape)) < TOL


@pytest.mark.parametrize("shape", [(1,), (6,), (4, 1), (3, 5)])
def test_binary_cross_entropy_gradient_check(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(10 + len(shape))
    p = rng.uniform(0.05, 0.95, size=shape)
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    assert bp.check_loss(bp.binary_cross_entropy, p, y) < TOL
    soft = rng.uniform(0.0, 1.0, size=shape)  # soft targets are allowed too
    assert bp.check_loss(bp.binary_cross_entropy, p, soft) < TOL


@pytest.mark.parametrize(("n", "c"), [(1, 2), (5, 3), (8, 10)])
def test_softmax_cross_entropy_gradient_check(n: int, c: int) -> None:
    rng = np.random.default_rng(n * c)
    z = rng.normal(size=(n, c)) * 2.0
    labels: Any = rng.integers(0, c, size=n)  # integer class labels: the losses accept them, though typed Array
    assert bp.check_loss(bp.softmax_cross_entropy, z, labels) < TOL
    assert bp.check_loss(bp.softmax_cross_entropy, z, np.eye(c)[labels]) < TOL
    soft = rng.dirichlet(np.ones(c), size=n)  # rows of soft targets summing to 1
    assert bp.check_loss(bp.softmax_cross_entropy, z, soft) < TOL


# ----------------------------------------------------------------------------- values


def test_mse_value_and_gradient_by_hand() -> None:
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[0.0, 1.0], [1.0, 0.0]])
    loss, grad = bp.mse(pred, target)
    assert loss == pytest.approx((1 + 1 + 4 + 16) / 4)  # squared errors 1, 1, 4, 16 over 4 elements
    np.testing.assert_allclose(grad, [[0.5, 0.5], [1.0, 2.0]])  # 2 (p - y) / 4


def test_mse_conventions_no_half_and_mean_over_all_elements() -> None:
    loss, grad = bp.mse(np.array([1.0]), np.array([0.0]))
    assert loss == 1.0  # with a 1/2 in front this would be 0.5
    assert grad.tolist() == [2.0]  # d/dp (p - y)^2 = 2 (p - y)
    loss, grad = bp.mse(np.ones((2, 3)), np.zeros((2, 3)))
    assert loss == 1.0  # a mean, not the sum 6 nor the per-row sum 3
    np.testing.assert_allclose(grad, np.full((2, 3), 2.0 / 6.0))
    rng = np.random.default_rng(0)
    p, y = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    total = sum((p[i, j] - y[i, j]) ** 2 for i in range(3) for j in range(4))
    assert bp.mse(p, y)[0] == pytest.approx(total / 12, rel=1e-13)


def test_mse_does_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"target must have the shape of pred \(4, 1\), got \(4,\)"):
        bp.mse(np.zeros((4, 1)), np.zeros(4))


def test_binary_cross_entropy_value_and_gradient_by_hand() -> None:
    p, y = np.array([0.8, 0.3, 0.6]), np.array([1.0, 0.0, 1.0])
    loss, grad = bp.binary_cross_entropy(p, y)
    assert loss == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.6)) / 3, rel=1e-14)
    # dL/dp = (-y/p + (1 - y)/(1 - p)) / n
    np.testing.assert_allclose(grad, [-1 / 0.8 / 3, 1 / 0.7 / 3, -1 / 0.6 / 3], rtol=1e-13)
    loss, _ = bp.binary_cross_entropy(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    assert loss == pytest.approx(math.log(2.0), rel=1e-15)


def test_binary_cross_entropy_after_sigmoid_gives_p_minus_y_over_n() -> None:
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(4, 2)), rng.integers(0, 2, size=(4, 2)).astype(np.float64)
    sig = bp.Sigmoid()
    p = sig.forward(z)
    _, dp = bp.binary_cross_entropy(p, y)
    np.testing.assert_allclose(sig.backward(dp), (p - y) / 8, rtol=1e-10, atol=1e-15)


def test_binary_cross_entropy_is_clipped_at_0_and_1() -> None:
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        wrong, g_wrong = bp.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
        right, g_right = bp.binary_cross_entropy(np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    assert np.isfinite([wrong, right]).all()
    assert np.isfinite(g_wrong).all()
    assert np.isfinite(g_right).all()
    assert wrong == pytest.approx(-math.log(1e-12), rel=1e-4)  # log of the clipping margin, ~27.63
    assert 0.0 <= right < 1e-11
    assert bp.binary_cross_entropy(np.array([0.0]), np.array([1.0]), eps=1e-3)[0] == pytest.approx(-math.log(1e-3))


def test_softmax_cross_entropy_value_and_gradient_by_hand() -> None:
    z = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])
    labels = np.array([2, 0])
    loss, grad = bp.softmax_cross_entropy(z, labels)
    e0, e1 = np.exp(z[0]), np.exp(z[1])
    p0, p1 = e0 / e0.sum(), e1 / e1.sum()
    assert loss == pytest.approx((-math.log(p0[2]) - math.log(p1[0])) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, np.array([p0 - [0, 0, 1], p1 - [1, 0, 0]]) / 2, rtol=1e-13, atol=1e-16)
    loss_1h, grad_1h = bp.softmax_cross_entropy(z, np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    assert loss_1h == pytest.approx(loss, rel=1e-15)
    np.testing.assert_allclose(grad_1h, grad, rtol=1e-15)


def test_softmax_cross_entropy_uniform_logits_give_log_c() -> None:
    for c in (2, 3, 10):
        labels: Any = np.arange(4) % c
        loss, _ = bp.softmax_cross_entropy(np.zeros((4, c)), labels)
        assert loss == pytest.approx(math.log(c), rel=1e-15)


def test_softmax_cross_entropy_is_a_mean_over_the_batch() -> None:
    rng = np.random.default_rng(2)
    z, labels = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    loss, grad = bp.softmax_cross_entropy(z, labels)
    loss2, grad2 = bp.softmax_cross_entropy(np.vstack([z, z]), np.concatenate([labels, labels]))
    assert loss2 == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(grad2[:3], grad / 2, rtol=1e-14)


def test_softmax_cross_entropy_huge_logits_match_log_sum_exp() -> None:
    z = np.array([[1000.0, 0.0, -1000.0], [5000.0, 5001.0, 4999.0]])
    labels = np.array([1, 2])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss, grad = bp.softmax_cross_entropy(z, labels)
    # row 0: log-sum-exp = 1000 + log(1 + e^-1000 + e^-2000) = 1000, minus z[0, 1] = 0
    # row 1: log-sum-exp = 5001 + log(1 + e^-1 + e^-2), minus z[1, 2] = 4999
    row0 = 1000.0
    row1 = 2.0 + math.log(1.0 + math.exp(-1.0) + math.exp(-2.0))
    assert np.isfinite(loss)
    assert np.isfinite(grad).all()
    assert loss == pytest.approx((row0 + row1) / 2, rel=1e-14)
    np.testing.assert_allclose(grad[0], [0.5, -0.5, 0.0], atol=1e-15)  # p = (1, 0, 0), y = (0, 1, 0), / N=2
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)  # p and y both sum to 1


# ----------------------------------------------------------------------------- whole models


def test_model_check_dense_sigmoid_bce() -> None:
    rng = np.random.default_rng(3)
    net = bp.Sequential(bp.Dense(3, 1, rng=4), bp.Sigmoid())
    x, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=(6, 1)).astype(np.float64)
    assert bp.check_model(net, bp.binary_cross_entropy, x, y) < TOL


def test_model_check_dense_tanh_dense_softmax_ce() -> None:
    rng = np.random.default_rng(5)
    net = bp.Sequential(bp.Dense(4, 6, rng=6), bp.Tanh(), bp.Dense(6, 3, rng=7))
    x = rng.normal(size=(7, 4))
    labels: Any = rng.integers(0, 3, size=7)  # integer class labels: the losses accept them, though typed Array
    assert bp.check_model(net, bp.softmax_cross_entropy, x, labels) < TOL
    assert bp.check_model(net, bp.softmax_cross_entropy, x, np.eye(3)[labels]) < TOL


def test_model_check_dense_relu_dense_mse() -> None:
    rng = np.random.default_rng(8)
    net = bp.Sequential(bp.Dense(3, 8, rng=9, init="he"), bp.ReLU(), bp.Dense(8, 2, rng=10))
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    assert bp.check_model(net, bp.mse, x, y) < TOL


def _tiny_net() -> tuple[bp.Sequential, Array, Array]:
    rng = np.random.default_rng(11)
    return bp.Sequential(bp.Dense(2, 1, rng=12), bp.Sigmoid()), rng.normal(size=(4, 2)), np.array([[0.0], [1.0]] * 2)


def test_loss_gradient_drives_descent() -> None:
    net, x, y = _tiny_net()
    before, dout = bp.binary_cross_entropy(net.forward(x), y)
    net.backward(dout)
    for k, p in net.params.items():
        p -= 1e-3 * net.grads[k]  # a small step against the gradient must lower the loss
    after, _ = bp.binary_cross_entropy(net.forward(x), y)
    assert after < before
