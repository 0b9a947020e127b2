"""Gradient checking: numerical_gradient, relative_error, and that the checks catch real bugs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Array

TOL = 1e-7
BUG = 1e-2


# ----------------------------------------------------------------------------- numerical_gradient


def test_numerical_gradient_of_known_functions() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=5)
    np.testing.assert_allclose(bp.numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x), rtol=1e-8)
    A = rng.normal(size=(5, 5))
    quad = bp.numerical_gradient(lambda v: float(v @ A @ v), x)
    np.testing.assert_allclose(quad, (A + A.T) @ x, rtol=1e-8)  # d/dx x^T A x = (A + A^T) x
    M = rng.normal(size=(3, 4))
    np.testing.assert_allclose(bp.numerical_gradient(lambda m: float(np.sum(np.exp(m))), M), np.exp(M), rtol=1e-8)


def test_numerical_gradient_error_is_eps_squared_for_a_cubic() -> None:
    # (f(x+e) - f(x-e)) / 2e = 3x^2 + e^2 exactly for f(x) = x^3
    x = np.array([-1.5, 0.0, 0.5, 2.0])
    for eps in (1e-1, 1e-2):
        num = bp.numerical_gradient(lambda v: float(np.sum(v**3)), x, eps=eps)
        np.testing.assert_allclose(num - 3 * x**2, eps**2, rtol=1e-6)


def test_numerical_gradient_restores_x_and_sees_it_through_a_holder() -> None:
    rng = np.random.default_rng(1)
    layer = bp.Dense(3, 2, rng=2)
    W_before = layer.params["W"].copy()
    x = rng.normal(size=(4, 3))

    def loss(_: Array) -> float:
        return float(np.sum(layer.forward(x) ** 2))  # reads W through the layer, not the argument

    grad = bp.numerical_gradient(loss, layer.params["W"])
    np.testing.assert_array_equal(layer.params["W"], W_before)  # bit-for-bit restored
    z = x @ W_before + layer.params["b"]
    np.testing.assert_allclose(grad, x.T @ (2 * z), rtol=1e-8)


def test_numerical_gradient_of_a_constant_is_zero() -> None:
    assert not bp.numerical_gradient(lambda v: 3.0, np.ones((2, 2))).any()


# ----------------------------------------------------------------------------- relative_error


def test_relative_error_values() -> None:
    a = np.array([3.0, 4.0])
    assert bp.relative_error(a, a) == 0.0
    assert bp.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert bp.relative_error(a, np.zeros(2)) == 1.0  # ||a|| / (||a|| + 0)
    assert bp.relative_error(a, -a) == 1.0  # 2||a|| / 2||a||
    assert bp.relative_error(np.array([1.0]), np.array([1.1])) == pytest.approx(0.1 / 2.1, rel=1e-12)
    assert bp.relative_error(a, 2 * a) == pytest.approx(1 / 3, rel=1e-15)  # ||a|| / 3||a||


def test_relative_error_properties() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
        e = bp.relative_error(a, b)
        assert 0.0 <= e <= 1.0  # triangle inequality
        assert e == bp.relative_error(b, a)  # symmetric
        assert bp.relative_error(1e6 * a, 1e6 * b) == pytest.approx(e, rel=1e-12)  # scale free
    tiny = np.array([1.0, 1e-20])
    assert bp.relative_error(tiny, np.array([1.0, 2e-20])) < 1e-19  # a tiny entry cannot blow it up


# ----------------------------------------------------------------------------- correct layers pass


def test_check_layer_passes_correct_layers() -> None:
    x = np.random.default_rng(4).normal(size=(3, 4))
    assert bp.check_layer(bp.Dense(4, 4, rng=5), x) < TOL
    assert bp.check_layer(bp.Sigmoid(), x) < TOL
    assert bp.check_layer(bp.Tanh(), x) < TOL


# ----------------------------------------------------------------------------- the checks catch bugs


class DenseNoTranspose(bp.Dense):
    """dL/dx = dout @ W instead of dout @ W^T (shapes agree when W is square)."""

    def backward(self, dout: Array) -> Array:
        super().backward(dout)
        return dout @ self.params["W"]


class DenseFlippedSign(bp.Dense):
    """dL/dW with the wrong sign, as if the descent sign had leaked into the gradient."""

    def backward(self, dout: Array) -> Array:
        dx = super().backward(dout)
        self.grads["W"] = -self.grads["W"]
        return dx


class DenseBiasOfFirstRow(bp.Dense):
    """dL/db from the first example only, instead of the sum over the batch."""

    def backward(self, dout: Array) -> Array:
        dx = super().backward(dout)
        self.grads["b"] = dout[0].copy()
        return dx


class SigmoidOnInput(bp.Sigmoid):
    """sigma'(z) = z (1 - z) evaluated on the input z instead of the output sigma(z)."""

    def _df(self, x: Array, out: Array) -> Array:
        return x * (1.0 - x)


class TanhOnInput(bp.Tanh):
    """tanh'(z) = 1 - z^2 instead of 1 - tanh(z)^2."""

    def _df(self, x: Array, out: Array) -> Array:
        return 1.0 - x * x


@pytest.mark.parametrize(
    "layer",
    [DenseNoTranspose(4, 4, rng=0), DenseFlippedSign(4, 4, rng=0), DenseBiasOfFirstRow(4, 4, rng=0),
     SigmoidOnInput(), TanhOnInput()],
    ids=lambda layer: type(layer).__name__,
)
def test_check_layer_catches_a_wrong_backward(layer: bp.Layer) -> None:
    x = np.random.default_rng(6).normal(size=(3, 4))
    assert bp.check_layer(layer, x) > BUG


def test_flipped_sign_gives_relative_error_one() -> None:
    x = np.random.default_rng(7).normal(size=(3, 4))
    assert bp.check_layer(DenseFlippedSign(4, 4, rng=0), x) == pytest.approx(1.0, abs=1e-8)


def test_check_loss_catches_a_missing_factor_two() -> None:
    def mse_half_grad(pred: Array, target: Array) -> tuple[float, Array]:
        diff = pred - target
        return float(np.mean(diff**2)), diff / diff.size  # forgot the 2 from the square

    rng = np.random.default_rng(8)
    p, y = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    assert bp.check_loss(bp.mse, p, y) < TOL
    assert bp.check_loss(mse_half_grad, p, y) == pytest.approx(1 / 3, rel=1e-6)  # |g - 2g| / (|g| + |2g|)


def test_check_model_catches_a_bug_anywhere_in_the_stack() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=(5, 4))
    labels: Any = rng.integers(0, 3, size=5)  # integer class labels: the losses accept them, though typed Array
    good = bp.Sequential(bp.Dense(4, 4, rng=1), bp.Tanh(), bp.Dense(4, 3, rng=2))
    bad = bp.Sequential(bp.Dense(4, 4, rng=1), TanhOnInput(), bp.Dense(4, 3, rng=2))
    assert bp.check_model(good, bp.softmax_cross_entropy, x, labels) < TOL
    assert bp.check_model(bad, bp.softmax_cross_entropy, x, labels) > BUG


# ----------------------------------------------------------------------------- the checks leave no trace


def test_check_layer_restores_parameters_and_input() -> None:
    rng = np.random.default_rng(10)
    net = bp.Sequential(bp.Dense(3, 4, rng=11), bp.Sigmoid(), bp.Dense(4, 2, rng=12))
    x = rng.normal(size=(5, 3))
    x_before = x.copy()
    before = {k: v.copy() for k, v in net.params.items()}
    bp.check_layer(net, x)
    np.testing.assert_array_equal(x, x_before)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_check_model_and_check_loss_restore_what_they_perturb() -> None:
    rng = np.random.default_rng(13)
    net = bp.Sequential(bp.Dense(3, 2, rng=14))
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    x_before, y_before = x.copy(), y.copy()
    before = {k: v.copy() for k, v in net.params.items()}
    bp.check_model(net, bp.mse, x, y)
    bp.check_loss(bp.mse, x, x + 1.0)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_check_layer_is_deterministic_for_a_seed() -> None:
    x = np.random.default_rng(15).normal(size=(3, 4))
    layer = bp.Dense(4, 2, rng=16)
    assert bp.check_layer(layer, x, rng=3) == bp.check_layer(layer, x, rng=3)


# ----------------------------------------------------------------------------- what callers pass in


@pytest.mark.parametrize(
    ("f", "exc", "message"),
    [
        (lambda v: float("nan"), ValueError, r"f \(<lambda>\) must return a finite number, got nan"),
        (lambda v: np.inf, ValueError, r"f \(<lambda>\) must return a finite number, got inf"),
        (lambda v: v, TypeError, r"f \(<lambda>\) must return a scalar, got an array of shape \(3,\)"),
        (lambda v: None, TypeError, r"f \(<lambda>\) must return a real number, got NoneType"),
        (lambda v: "0.5", TypeError, r"f \(<lambda>\) must return a real number, got str"),
        (lambda v: 1 + 2j, TypeError, r"f \(<lambda>\) must return a real number, got complex"),
        (lambda v: True, TypeError, r"f \(<lambda>\) must return a real number, got bool"),
    ],
)
def test_numerical_gradient_names_f_when_it_returns_the_wrong_thing(
    f: Callable[[Array], float], exc: type[Exception], message: str
) -> None:
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(exc, match=message):
        bp.numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_numerical_gradient_accepts_python_and_size_one_numpy_scalars() -> None:
    x = np.array([1.0, 2.0])
    fs: list[Any] = [lambda v: float(v @ v), lambda v: np.sum(v * v), lambda v: np.array([[v @ v]])]
    for f in fs:
        np.testing.assert_allclose(bp.numerical_gradient(f, x), np.array([2.0, 4.0]), atol=1e-6)
    assert bp.numerical_gradient(lambda v: 7, x).tolist() == [0.0, 0.0]


def test_numerical_gradient_restores_x_when_f_raises_part_way() -> None:
    x = np.array([1.0, 2.0, 3.0])

    def f(v: Array) -> float:
        if v[1] != 2.0:
            raise RuntimeError("f failed")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="f failed"):
        bp.numerical_gradient(f, x)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_numerical_gradient_says_what_a_read_only_x_needs() -> None:
    x = np.array([1.0, 2.0])
    x.flags.writeable = False
    message = r"^x must be writeable: numerical_gradient perturbs it in place; pass x\.copy\(\)$"
    with pytest.raises(ValueError, match=message):
        bp.numerical_gradient(lambda v: float(v.sum()), x)


LOSS = r"loss \(<lambda>\)"


@pytest.mark.parametrize(
    ("loss", "exc", "message"),
    [
        (lambda p, t: float(np.sum(p)), TypeError, rf"{LOSS} must return a pair \(loss, dloss_dpred\), got float"),
        (lambda p, t: (p, p), TypeError, rf"{LOSS} must return a scalar as the loss value"),
        (lambda p, t: (float("nan"), p), ValueError, rf"{LOSS} must return a finite number as the loss value"),
        (lambda p, t: (1.0, p[:, :1]), ValueError, rf"gradient returned by {LOSS} must have the prediction's shape"),
        (lambda p, t: (1.0, None), TypeError, rf"the gradient returned by {LOSS} must be a numpy\.ndarray"),
    ],
)
def test_check_loss_and_check_model_name_a_loss_that_returns_the_wrong_thing(
    loss: Callable[[Array, Array], object], exc: type[Exception], message: str
) -> None:
    pred = np.array([[0.2, 0.7]])
    with pytest.raises(exc, match=message):
        bp.check_loss(loss, pred, np.array([[0.0, 1.0]]))  # type: ignore[arg-type]
    with pytest.raises(exc, match=message):
        bp.check_model(bp.Dense(3, 2, rng=0), loss, np.ones((1, 3)), np.array([[0.0, 1.0]]))  # type: ignore[arg-type]


def test_relative_error_does_not_overflow_on_finite_inputs() -> None:
    big = np.array([1e200, 1e200])
    assert bp.relative_error(big, big) == 0.0
    assert bp.relative_error(big, np.array([1e200, 0.0])) == pytest.approx(np.sqrt(2) - 1)
    assert bp.relative_error(np.array([1e308]), np.array([-1e308])) == 1.0
    assert bp.relative_error(np.array([1e308]), np.array([1.5e308])) == pytest.approx(0.2)
    assert bp.relative_error(np.array([1e-320]), np.array([0.0])) == 1.0


def test_check_layer_and_check_model_reject_a_layer_class() -> None:
    with pytest.raises(TypeError, match="layer must be a layer instance, got the class Sequential"):
        bp.check_layer(bp.Sequential, np.ones((1, 2)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model must be a layer instance, got the class Dense"):
        bp.check_model(bp.Dense, bp.mse, np.ones((1, 2)), np.ones((1, 1)))  # type: ignore[arg-type]
