"""Optimizers: SGD, momentum and Adam against hand-rolled references, descent, and argument errors."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import numpy as np
import pytest

import backprop as bp
from backprop import Array
from backprop.optim import DivergenceError


class Holder:
    """A `Layer` whose gradients are set by hand, so an optimizer can be fed any sequence of them."""

    def __init__(self, **params: Array) -> None:
        self.params: dict[str, Array] = {k: v.copy() for k, v in params.items()}
        self.grads: dict[str, Array] = {k: np.zeros_like(v) for k, v in params.items()}

    def forward(self, x: Array) -> Array:
        return x

    def backward(self, dout: Array) -> Array:
        return dout


def _grad_sequence(steps: int, seed: int) -> list[dict[str, Array]]:
    rng = np.random.default_rng(seed)
    return [{"w": rng.normal(size=(2, 3)), "b": rng.normal(size=3)} for _ in range(steps)]


def _start() -> dict[str, Array]:
    rng = np.random.default_rng(100)
    return {"w": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}


# ----------------------------------------------------------------------------- SGD


def test_sgd_step_is_theta_minus_lr_times_grad() -> None:
    rng = np.random.default_rng(0)
    layer = bp.Dense(3, 2, rng=1)
    layer.forward(rng.normal(size=(4, 3)))
    layer.backward(rng.normal(size=(4, 2)))
    before = {k: v.copy() for k, v in layer.params.items()}
    grads = {k: v.copy() for k, v in layer.grads.items()}
    W_obj = layer.params["W"]
    bp.SGD(lr=0.3).step(layer)
    for k in before:
        np.testing.assert_allclose(layer.params[k], before[k] - 0.3 * grads[k], rtol=1e-15, atol=0)
    assert layer.params["W"] is W_obj  # updated in place


def test_sgd_through_sequential_updates_the_children() -> None:
    d1, d2 = bp.Dense(2, 3, rng=0), bp.Dense(3, 1, rng=1)
    net = bp.Sequential(d1, bp.Tanh(), d2)
    net.forward(np.ones((2, 2)))
    net.backward(np.ones((2, 1)))
    W1 = d1.params["W"].copy()
    g1 = d1.grads["W"].copy()
    bp.SGD(lr=0.5).step(net)
    np.testing.assert_allclose(d1.params["W"], W1 - 0.5 * g1, rtol=1e-15)


def test_sgd_momentum_matches_hand_recurrence() -> None:
    lr, mu = 0.1, 0.9
    holder = Holder(**_start())
    theta = {k: v.copy() for k, v in holder.params.items()}
    velocity = {k: np.zeros_like(v) for k, v in theta.items()}
    opt = bp.SGD(lr=lr, momentum=mu)
    for grads in _grad_sequence(6, seed=1):
        for k, g in grads.items():
            holder.grads[k] = g.copy()
            velocity[k] = mu * velocity[k] - lr * g  # v <- mu v - lr g
            theta[k] = theta[k] + velocity[k]  # theta <- theta + v
        opt.step(holder)
        for k in theta:
            np.testing.assert_allclose(holder.params[k], theta[k], rtol=1e-13, atol=1e-15)


def test_sgd_momentum_zero_equals_plain_sgd() -> None:
    a, b = Holder(**_start()), Holder(**_start())
    plain, zero_mu = bp.SGD(lr=0.2), bp.SGD(lr=0.2, momentum=0.0)
    for grads in _grad_sequence(3, seed=2):
        a.grads, b.grads = dict(grads), dict(grads)
        plain.step(a)
        zero_mu.step(b)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_momentum_accumulates_a_constant_gradient() -> None:
    # constant g: v_t = -lr g (1 + mu + ... + mu^(t-1)), so the t-th step is lr g (1 - mu^t) / (1 - mu)
    holder = Holder(w=np.zeros(1))
    opt = bp.SGD(lr=1.0, momentum=0.5)
    holder.grads["w"] = np.array([1.0])
    positions = []
    for _ in range(4):
        opt.step(holder)
        positions.append(float(holder.params["w"][0]))
    steps = np.diff([0.0, *positions])
    np.testing.assert_allclose(steps, [-(1 - 0.5**t) / 0.5 for t in range(1, 5)], rtol=1e-15)


# ----------------------------------------------------------------------------- Adam


def _adam_reference(theta: dict[str, Array], grads_seq: list[dict[str, Array]], lr: float, b1: float, b2: float,
                     eps: float) -> list[dict[str, Array]]:
    """Kingma & Ba, Algorithm 1, written out step by step."""
    m = {k: np.zeros_like(v) for k, v in theta.items()}
    v = {k: np.zeros_like(v) for k, v in theta.items()}
    theta = {k: val.copy() for k, val in theta.items()}
    history = []
    for t, grads in enumerate(grads_seq, start=1):
        for k, g in grads.items():
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g**2
            m_hat = m[k] / (1 - b1**t)
            v_hat = v[k] / (1 - b2**t)
            theta[k] = theta[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
        history.append({k: val.copy() for k, val in theta.items()})
    return history


@pytest.mark.parametrize(
    ("lr", "b1", "b2", "eps"), [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-6), (0.1, 0.0, 0.0, 1e-8)]
)
def test_adam_matches_reference_over_several_steps(lr: float, b1: float, b2: float, eps: float) -> None:
    holder = Holder(**_start())
    grads_seq = _grad_sequence(8, seed=3)
    expected = _adam_reference(holder.params, grads_seq, lr, b1, b2, eps)
    opt = bp.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)
    for t, grads in enumerate(grads_seq):
        holder.grads = {k: g.copy() for k, g in grads.items()}
        opt.step(holder)
        assert opt.t == t + 1
        for k in holder.params:
            np.testing.assert_allclose(holder.params[k], expected[t][k], rtol=1e-12, atol=1e-15)


def test_adam_first_step_moves_each_parameter_by_lr() -> None:
    # m_hat = g and v_hat = g^2 after one step, so the step is lr * g / (|g| + eps) ~ lr * sign(g)
    holder = Holder(w=np.zeros(4))
    holder.grads["w"] = np.array([1e-3, -5.0, 200.0, -0.5])
    bp.Adam(lr=0.01).step(holder)
    np.testing.assert_allclose(holder.params["w"], -0.01 * np.sign(holder.grads["w"]), rtol=1e-4)


def test_adam_keeps_separate_state_per_parameter() -> None:
    # the same grads applied to two parameters of equal shape must give the same update for both
    holder = Holder(a=np.zeros(2), b=np.zeros(2))
    opt = bp.Adam(lr=0.1)
    for g in ([1.0, -2.0], [0.5, 0.5], [-1.0, 3.0]):
        holder.grads = {"a": np.array(g), "b": np.array(g)}
        opt.step(holder)
    np.testing.assert_array_equal(holder.params["a"], holder.params["b"])


# ----------------------------------------------------------------------------- descent on a quadratic


@pytest.mark.parametrize(
    "make_opt",
    [lambda: bp.SGD(lr=0.1), lambda: bp.SGD(lr=0.05, momentum=0.9), lambda: bp.Adam(lr=0.05)],
    ids=["sgd", "momentum", "adam"],
)
def test_optimizers_decrease_a_quadratic_loss(make_opt: Callable[[], bp.SGD | bp.Adam]) -> None:
    opt = make_opt()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(32, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3  # least squares: the loss is quadratic in W and b
    layer = bp.Dense(3, 1, rng=5)
    losses = []
    for _ in range(200):
        loss, dout = bp.mse(layer.forward(x), y)
        layer.backward(dout)
        opt.step(layer)
        losses.append(loss)
    assert losses[-1] < 1e-3 * losses[0]
    assert bp.mse(layer.forward(x), y)[0] < losses[0]


def test_plain_sgd_decreases_a_quadratic_monotonically() -> None:
    # L(theta) = ||theta - c||^2 with gradient 2 (theta - c); lr < 1/2 contracts every step
    c = np.array([1.0, -3.0, 2.0])
    holder = Holder(w=np.zeros(3))
    opt = bp.SGD(lr=0.1)
    losses = []
    for _ in range(30):
        losses.append(float(np.sum((holder.params["w"] - c) ** 2)))
        holder.grads["w"] = 2.0 * (holder.params["w"] - c)
        opt.step(holder)
    assert all(b < a for a, b in itertools.pairwise(losses))
    assert losses[-1] == pytest.approx(losses[0] * 0.8 ** (2 * 29), rel=1e-9)  # theta - c shrinks by 1 - 2 lr


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lr": 0.0}, ValueError, r"lr must be a finite number > 0, got 0.0"),
        ({"lr": -0.1}, ValueError, r"lr must be a finite number > 0, got -0.1"),
        ({"lr": float("nan")}, ValueError, r"lr must be a finite number > 0, got nan"),
        ({"lr": float("inf")}, ValueError, r"lr must be a finite number > 0, got inf"),
        ({"lr": "0.1"}, TypeError, r"lr must be a number, got str"),
        ({"lr": 0.1, "momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\), got 1.0"),
        ({"lr": 0.1, "momentum": 1.5}, ValueError, r"momentum must be in \[0, 1\), got 1.5"),
        ({"lr": 0.1, "momentum": -0.1}, ValueError, r"momentum must be a finite number >= 0, got -0.1"),
    ],
)
def test_sgd_rejects_bad_arguments(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        bp.SGD(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lr": 0.0}, ValueError, r"lr must be a finite number > 0, got 0.0"),
        ({"lr": -1.0}, ValueError, r"lr must be a finite number > 0, got -1.0"),
        ({"beta1": 1.0}, ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
        ({"beta2": 1.0}, ValueError, r"beta2 must be in \[0, 1\), got 1.0"),
        ({"beta2": 2.0}, ValueError, r"beta2 must be in \[0, 1\), got 2.0"),
        ({"beta1": -0.1}, ValueError, r"beta1 must be a finite number >= 0, got -0.1"),
        ({"beta2": -0.5}, ValueError, r"beta2 must be a finite number >= 0, got -0.5"),
        ({"eps": 0.0}, ValueError, r"eps must be a finite number > 0, got 0.0"),
        ({"beta1": None}, TypeError, r"beta1 must be a number, got NoneType"),
    ],
)
def test_adam_rejects_bad_arguments(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        bp.Adam(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "opt", [bp.SGD(lr=0.1), bp.SGD(lr=0.1, momentum=0.5), bp.Adam()], ids=["sgd", "momentum", "adam"]
)
def test_step_rejects_mismatched_grads(opt: bp.SGD | bp.Adam) -> None:
    holder = Holder(w=np.zeros((2, 3)), b=np.zeros(3))
    holder.grads["w"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"gradient 'w' has shape \(3, 2\), expected the parameter's shape \(2, 3\)"):
        opt.step(holder)
    holder.grads = {"w": np.zeros((2, 3))}
    with pytest.raises(ValueError, match=r"grads keys \['w'\] do not match params keys \['b', 'w'\]"):
        opt.step(holder)
    holder.grads = {"w": np.zeros((2, 3)), "b": np.zeros(1)}  # (1,) would broadcast onto (3,)
    with pytest.raises(ValueError, match=r"gradient 'b' has shape \(1,\), expected the parameter's shape \(3,\)"):
        opt.step(holder)
    with pytest.raises(TypeError, match=r"layer must provide params, grads, forward and backward, got dict"):
        opt.step({"w": np.zeros(3)})  # type: ignore[arg-type]
    np.testing.assert_array_equal(holder.params["w"], 0.0)  # nothing was updated by the failed steps


@pytest.mark.parametrize("opt", [bp.SGD(lr=0.1), bp.Adam()], ids=["sgd", "adam"])
def test_step_rejects_non_finite_grads(opt: bp.SGD | bp.Adam) -> None:
    holder = Holder(w=np.ones(3), b=np.ones(2))
    holder.grads = {"w": np.zeros(3), "b": np.array([0.0, np.nan])}
    with pytest.raises(ValueError, match=r"gradient 'b' must be finite, got NaN or inf"):
        opt.step(holder)
    np.testing.assert_array_equal(holder.params["w"], 1.0)  # checked before anything moved
    if isinstance(opt, bp.Adam):
        assert opt.t == 0  # a rejected step does not count


# ----------------------------------------------------------------------------- divergence


def test_sgd_that_diverges_raises_before_writing_and_names_param_step_and_lr() -> None:
    holder = Holder(W=np.array([[1.0]]), b=np.array([0.0]))  # pred = 3W + b, L = (pred - 1)²
    opt = bp.SGD(lr=10.0)

    def train() -> dict[str, Array]:
        for _ in range(1000):
            last = {k: v.copy() for k, v in holder.params.items()}
            err = 2.0 * (3.0 * holder.params["W"] + holder.params["b"] - 1.0)
            holder.grads = {"W": 3.0 * err, "b": err.reshape(1)}
            try:
                opt.step(holder)
            except DivergenceError:
                return last
        raise AssertionError("SGD(lr=10) on this model should diverge")

    last = train()
    with pytest.raises(DivergenceError) as info:
        opt.step(holder)  # the same step again: refused again, nothing written
    e = info.value
    assert isinstance(e, ValueError)
    assert e.step is not None
    assert re.fullmatch(
        rf"step {e.step} would make parameter 'W' -?\d\.\de\+\d+, beyond ±1e\+100, "
        r"with lr=10\.0: training diverged; try a smaller learning rate",
        str(e),
    ), str(e)
    assert (e.parameter, e.lr, opt.t) == ("W", 10.0, e.step - 1)
    assert e.step > 10
    for k, v in last.items():  # the last finite values: not one entry of them overwritten
        np.testing.assert_array_equal(holder.params[k], v)


@pytest.mark.parametrize("make_opt", [lambda: bp.SGD(lr=1e300), lambda: bp.SGD(lr=1e300, momentum=0.9),
                                      lambda: bp.Adam(lr=1e300)])
def test_absurd_lr_is_refused_on_the_first_step_with_state_untouched(
    make_opt: Callable[[], bp.SGD | bp.Adam],
) -> None:
    holder = Holder(w=np.ones((2, 2)), b=np.zeros(2))
    holder.grads = {"w": np.full((2, 2), 0.5), "b": np.zeros(2)}  # b would stay finite: nothing is written
    opt = make_opt()
    message = r"^step 1 would make parameter 'w' .* with lr=1e\+300: training diverged"
    with pytest.raises(DivergenceError, match=message):
        opt.step(holder)
    np.testing.assert_array_equal(holder.params["w"], np.ones((2, 2)))
    np.testing.assert_array_equal(holder.params["b"], np.zeros(2))
    assert opt.t == 0
    assert (opt._velocity if isinstance(opt, bp.SGD) else opt._state) == {}


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_state_after_a_refused_step_continues_as_if_it_never_happened(momentum: float) -> None:
    grads = _grad_sequence(3, seed=4)
    ref, opt = bp.SGD(lr=0.1, momentum=momentum), bp.SGD(lr=0.1, momentum=momentum)
    a, b = Holder(**_start()), Holder(**_start())
    for i, g in enumerate(grads):
        a.grads, b.grads = {k: v.copy() for k, v in g.items()}, {k: v.copy() for k, v in g.items()}
        ref.step(a)
        if i == 1:  # an overflowing gradient step is refused, then training goes on
            b.grads["w"][0, 0] = 1e308
            opt.lr = 1e10
            with pytest.raises(DivergenceError, match="step 2 would make parameter 'w'"):
                opt.step(b)
            b.grads["w"][0, 0], opt.lr = g["w"][0, 0], 0.1
        opt.step(b)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_adam_state_after_a_refused_step_continues_as_if_it_never_happened() -> None:
    grads = _grad_sequence(3, seed=5)
    ref, opt = bp.Adam(lr=0.1), bp.Adam(lr=0.1)
    a, b = Holder(**_start()), Holder(**_start())
    for i, g in enumerate(grads):
        a.grads, b.grads = {k: v.copy() for k, v in g.items()}, {k: v.copy() for k, v in g.items()}
        ref.step(a)
        if i == 1:
            opt.lr = 1e300
            with pytest.raises(DivergenceError, match="step 2 would make parameter"):
                opt.step(b)
            opt.lr = 0.1
        opt.step(b)
    assert opt.t == ref.t == 3
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_adam_update_that_would_be_nan_is_reported_as_nan() -> None:
    holder = Holder(w=np.array([1.0, 2.0]))
    holder.grads = {"w": np.array([1e200, 1.0])}  # lr·m̂ and √v̂ both overflow: inf/inf
    opt = bp.Adam(lr=1e300)
    with pytest.raises(DivergenceError, match=r"^step 1 would make parameter 'w' non-finite \(nan\) with lr=1e\+300"):
        opt.step(holder)
    np.testing.assert_array_equal(holder.params["w"], [1.0, 2.0])


@pytest.mark.parametrize("opt", [bp.SGD(0.1), bp.Adam()])
def test_step_rejects_a_layer_class(opt: bp.SGD | bp.Adam) -> None:
    with pytest.raises(TypeError, match=r"layer must be a layer instance, got the class Sequential"):
        opt.step(bp.Sequential)  # type: ignore[arg-type]
