"""Dense, the activations and Sequential: gradient checks, forward values, initialisation, protocol."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Array

TOL = 1e-7


def _away_from_zero(shape: tuple[int, ...], seed: int) -> Array:
    """Random values with |x| >= 0.1: a 1e-5 nudge never crosses the kink of ReLU at 0."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], size=shape) * (0.1 + np.abs(rng.normal(size=shape)))


def _naive_sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))


# ----------------------------------------------------------------------------- Dense


@pytest.mark.parametrize(
    ("n_in", "n_out", "batch", "init"),
    [
        (3, 5, 4, "xavier"),
        (3, 5, 4, "he"),
        (1, 1, 1, "xavier"),
        (1, 1, 1, "he"),
        (7, 2, 1, "xavier"),
        (2, 9, 6, "he"),
        (6, 6, 3, "xavier"),
    ],
)
def test_dense_gradient_check(n_in: int, n_out: int, batch: int, init: str) -> None:
    rng = np.random.default_rng(n_in * 100 + n_out * 10 + batch)
    layer = bp.Dense(n_in, n_out, rng=1, init=init)  # type: ignore[arg-type]
    layer.params["b"][...] = rng.normal(size=n_out)  # a non-zero bias, so it is checked too
    x = rng.normal(size=(batch, n_in))
    assert bp.check_layer(layer, x) < TOL


def test_dense_forward_and_backward_match_per_neuron_formulas() -> None:
    rng = np.random.default_rng(0)
    W, b, x, G = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    layer = bp.Dense.from_arrays(W, b)
    out = layer.forward(x)
    dx = layer.backward(G)
    # z_ni = sum_j w_ji x_nj + b_i, written out neuron by neuron
    z = np.array([[sum(W[j, i] * x[n, j] for j in range(3)) + b[i] for i in range(2)] for n in range(4)])
    np.testing.assert_allclose(out, z, rtol=1e-12)
    # dL/dw_ji = sum_n x_nj G_ni, dL/db_i = sum_n G_ni, dL/dx_nj = sum_i w_ji G_ni
    dW = np.array([[sum(x[n, j] * G[n, i] for n in range(4)) for i in range(2)] for j in range(3)])
    db = np.array([sum(G[n, i] for n in range(4)) for i in range(2)])
    dx_ref = np.array([[sum(W[j, i] * G[n, i] for i in range(2)) for j in range(3)] for n in range(4)])
    np.testing.assert_allclose(layer.grads["W"], dW, rtol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], db, rtol=1e-12)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-12)


def test_dense_from_arrays_copies_and_sets_shapes() -> None:
    W = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, -3.0]])
    b = np.array([0.1, 0.2, 0.3])
    layer = bp.Dense.from_arrays(W, b)
    assert (layer.n_in, layer.n_out) == (2, 3)
    assert repr(layer) == "Dense(2, 3)"
    np.testing.assert_array_equal(layer.params["W"], W)
    np.testing.assert_array_equal(layer.params["b"], b)
    W[...] = 99.0
    b[...] = 99.0
    assert layer.params["W"][0, 0] == 1.0  # copied, not aliased
    assert layer.params["b"][2] == 0.3
    # [1, 1] @ W + b = [1 + 2, -1 + 0, 0.5 - 3] + b
    np.testing.assert_allclose(layer.forward(np.array([[1.0, 1.0]])), [[3.1, -0.8, -2.2]], rtol=1e-12)


def test_dense_from_arrays_accepts_float32() -> None:
    layer = bp.Dense.from_arrays(np.ones((2, 2), dtype=np.float32), np.zeros(2, dtype=np.float32))
    assert layer.params["W"].dtype == np.float64


def test_xavier_init_is_uniform_within_limit() -> None:
    n_in, n_out = 200, 300
    W = bp.Dense(n_in, n_out, rng=0, init="xavier").params["W"]
    limit = np.sqrt(6.0 / (n_in + n_out))
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit  # 60000 uniform draws reach the edge
    assert W.std() == pytest.approx(limit / np.sqrt(3.0), rel=0.02)  # std of U(-l, l) is l/sqrt(3)
    assert abs(W.mean()) < 0.02 * limit


def test_he_init_is_normal_with_std_sqrt_2_over_fan_in() -> None:
    n_in, n_out = 400, 300
    W = bp.Dense(n_in, n_out, rng=0, init="he").params["W"]
    std = np.sqrt(2.0 / n_in)
    assert W.std() == pytest.approx(std, rel=0.02)
    assert abs(W.mean()) < 0.02 * std
    assert np.abs(W).max() > 3.0 * std  # unbounded, unlike the uniform Xavier draw


@pytest.mark.parametrize("init", ["xavier", "he"])
def test_init_biases_zero_and_seeds_reproducible(init: str) -> None:
    a = bp.Dense(4, 3, rng=7, init=init)  # type: ignore[arg-type]
    b = bp.Dense(4, 3, rng=7, init=init)  # type: ignore[arg-type]
    c = bp.Dense(4, 3, rng=8, init=init)  # type: ignore[arg-type]
    assert not a.params["b"].any()
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    assert not np.array_equal(a.params["W"], c.params["W"])
    gen = np.random.default_rng(7)
    d = bp.Dense(4, 3, rng=gen, init=init)  # type: ignore[arg-type]
    np.testing.assert_array_equal(d.params["W"], a.params["W"])  # a seed and a Generator of that seed agree


# ----------------------------------------------------------------------------- activations


ACTIVATIONS: list[tuple[str, Callable[[], bp.Layer]]] = [
    ("Sigmoid", bp.Sigmoid),
    ("Tanh", bp.Tanh),
    ("ReLU", bp.ReLU),
    ("LeakyReLU", lambda: bp.LeakyReLU(alpha=0.1)),
    ("LeakyReLU-0", lambda: bp.LeakyReLU(alpha=0.0)),
    ("Softmax", bp.Softmax),
]


@pytest.mark.parametrize("shape", [(4, 5), (1, 3), (1, 1)])
@pytest.mark.parametrize(("name", "make"), ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activation_gradient_check(name: str, make: Callable[[], bp.Layer], shape: tuple[int, int]) -> None:
    x = _away_from_zero(shape, seed=sum(shape)) * 2.0
    assert bp.check_layer(make(), x) < TOL


@pytest.mark.parametrize(("name", "make"), ACTIVATIONS[:4], ids=[a[0] for a in ACTIVATIONS[:4]])
def test_elementwise_activation_gradient_check_any_rank(name: str, make: Callable[[], bp.Layer]) -> None:
    assert bp.check_layer(make(), _away_from_zero((2, 3, 4), seed=3)) < TOL


def test_activation_forward_values_match_hand_formulas() -> None:
    z = np.array([[-3.0, -0.5, 0.25, 2.0]])
    e_pos, e_neg = np.exp(z), np.exp(-z)
    np.testing.assert_allclose(bp.Sigmoid().forward(z), 1.0 / (1.0 + e_neg), rtol=1e-14)
    np.testing.assert_allclose(bp.Tanh().forward(z), (e_pos - e_neg) / (e_pos + e_neg), rtol=1e-14)
    assert bp.ReLU().forward(z).tolist() == [[0.0, 0.0, 0.25, 2.0]]
    np.testing.assert_allclose(bp.LeakyReLU(alpha=0.2).forward(z), [[-0.6, -0.1, 0.25, 2.0]], rtol=1e-15)
    assert repr(bp.LeakyReLU(alpha=0.2)) == "LeakyReLU(alpha=0.2)"
    assert bp.LeakyReLU().alpha == 0.01


def test_activation_backward_values_match_hand_derivatives() -> None:
    rng = np.random.default_rng(1)
    z, G = _away_from_zero((3, 4), seed=2), rng.normal(size=(3, 4))
    s = _naive_sigmoid(z)
    t = np.tanh(z)
    cases: list[tuple[bp.Layer, Array]] = [
        (bp.Sigmoid(), G * s * (1.0 - s)),
        (bp.Tanh(), G * (1.0 - t**2)),
        (bp.ReLU(), G * (z > 0)),
        (bp.LeakyReLU(alpha=0.3), G * np.where(z > 0, 1.0, 0.3)),
    ]
    for layer, expected in cases:
        layer.forward(z)
        np.testing.assert_allclose(layer.backward(G), expected, rtol=1e-12, err_msg=repr(layer))


def test_softmax_backward_equals_jacobian_product() -> None:
    rng = np.random.default_rng(4)
    z, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    layer = bp.Softmax()
    a = layer.forward(z)
    dz = layer.backward(G)
    for n in range(3):
        J = np.diag(a[n]) - np.outer(a[n], a[n])  # da_i/dz_j = a_i (delta_ij - a_j), symmetric
        np.testing.assert_allclose(dz[n], J.T @ G[n], rtol=1e-12, atol=1e-15)


def test_sigmoid_is_stable_at_extremes() -> None:
    z = np.array([-1000.0, -745.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = bp.sigmoid(z)
        layer_out = bp.Sigmoid().forward(z[None])
    assert s[0] == 0.0  # e^-1000 is below the smallest float64
    assert s[-1] == 1.0
    assert s[3] == 0.5
    assert 0.0 < s[1] < 1e-300  # e^-745 is a subnormal, not flushed to zero
    np.testing.assert_allclose(s[2], np.exp(-30.0) / (1.0 + np.exp(-30.0)), rtol=1e-14)
    np.testing.assert_allclose(s[4], 1.0 / (1.0 + np.exp(-30.0)), rtol=1e-15)
    np.testing.assert_array_equal(layer_out[0], s)
    mid = np.linspace(-20.0, 20.0, 41)
    np.testing.assert_allclose(bp.sigmoid(mid), _naive_sigmoid(mid), rtol=1e-13)
    np.testing.assert_allclose(bp.sigmoid(-mid), 1.0 - bp.sigmoid(mid), atol=1e-15)  # sigma(-z) = 1 - sigma(z)


def test_sigmoid_function_is_elementwise_math_on_non_finite_values() -> None:
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = bp.sigmoid(np.array([np.inf, -np.inf, np.nan]))
    assert s[:2].tolist() == [1.0, 0.0]  # the limits of 1 / (1 + e^-z)
    assert np.isnan(s[2])  # NaN propagates, as through np.tanh
    with pytest.raises(ValueError, match=r"x must be finite, got NaN or inf in array of shape \(1, 3\)"):
        bp.Sigmoid().forward(np.array([[np.inf, -np.inf, np.nan]]))  # the layer refuses it


def test_softmax_rows_sum_to_one_and_survive_huge_logits() -> None:
    z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1000.0, -1000.0], [0.0, np.log(2.0), np.log(5.0)]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        p = bp.softmax(z)
        layer_p = bp.Softmax().forward(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    e = np.exp([0.0, -1.0, -2.0])  # the first row shifted by its maximum
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-14)
    np.testing.assert_allclose(p[1], [1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    np.testing.assert_allclose(p[2], [1 / 8, 2 / 8, 5 / 8], rtol=1e-14)
    np.testing.assert_array_equal(layer_p, p)
    rng = np.random.default_rng(5)
    small = rng.normal(size=(4, 6))
    naive = np.exp(small) / np.exp(small).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(bp.softmax(small), naive, rtol=1e-14)
    np.testing.assert_allclose(bp.softmax(small + 700.0), naive, rtol=1e-12)  # shift invariance


# ----------------------------------------------------------------------------- Sequential


def _stacks() -> list[tuple[str, bp.Sequential]]:
    return [
        ("dense-tanh-dense", bp.Sequential(bp.Dense(3, 5, rng=1), bp.Tanh(), bp.Dense(5, 2, rng=2))),
        ("dense-sigmoid-dense-softmax", bp.Sequential(bp.Dense(4, 3, rng=3), bp.Sigmoid(), bp.Dense(3, 3, rng=4),
                                                      bp.Softmax())),
        ("dense-leaky-dense", bp.Sequential(bp.Dense(3, 6, rng=5, init="he"), bp.LeakyReLU(0.05),
                                            bp.Dense(6, 1, rng=6))),
        ("dense-relu-dense", bp.Sequential(bp.Dense(3, 4, rng=7, init="he"), bp.ReLU(), bp.Dense(4, 2, rng=8))),
        ("nested", bp.Sequential(bp.Sequential(bp.Dense(3, 3, rng=9), bp.Tanh()), bp.Dense(3, 2, rng=10))),
        ("single", bp.Sequential(bp.Dense(2, 2, rng=11))),
    ]


@pytest.mark.parametrize("index", range(6), ids=[name for name, _ in _stacks()])
def test_sequential_gradient_check(index: int) -> None:
    _, net = _stacks()[index]
    rng = np.random.default_rng(index)
    for layer in net.layers:
        for k, p in layer.params.items():
            if k == "b":
                p[...] = rng.normal(size=p.shape) * 0.5
    n_in = next(iter(net.params.values())).shape[0]
    x = rng.normal(size=(5, n_in))
    assert bp.check_layer(net, x) < TOL


def test_sequential_forward_is_the_composition() -> None:
    d1, t, d2 = bp.Dense(3, 4, rng=0), bp.Tanh(), bp.Dense(4, 2, rng=1)
    net = bp.Sequential(d1, t, d2)
    x = np.random.default_rng(0).normal(size=(5, 3))
    W1, b1, W2, b2 = d1.params["W"], d1.params["b"], d2.params["W"], d2.params["b"]
    np.testing.assert_allclose(net.forward(x), np.tanh(x @ W1 + b1) @ W2 + b2, rtol=1e-13)
    assert len(net) == 3
    assert net[1] is t
    assert repr(net) == "Sequential(Dense(3, 4), Tanh(), Dense(4, 2))"


def test_sequential_params_are_the_childrens_arrays() -> None:
    d1, d2 = bp.Dense(2, 3, rng=0), bp.Dense(3, 1, rng=1)
    net = bp.Sequential(d1, bp.Sigmoid(), d2)
    assert list(net.params) == ["0.W", "0.b", "2.W", "2.b"]
    assert net.params["0.W"] is d1.params["W"]
    assert net.params["2.b"] is d2.params["b"]
    net.params["2.W"][...] = 7.0
    assert (d2.params["W"] == 7.0).all()
    nested = bp.Sequential(net, bp.Dense(1, 1, rng=2))
    assert sorted(nested.params) == ["0.0.W", "0.0.b", "0.2.W", "0.2.b", "1.W", "1.b"]


def _all_layers() -> list[bp.Layer]:
    return [
        bp.Dense(3, 2, rng=0),
        bp.Sigmoid(),
        bp.Tanh(),
        bp.ReLU(),
        bp.LeakyReLU(),
        bp.Softmax(),
        bp.Sequential(bp.Dense(3, 4, rng=0), bp.Tanh(), bp.Dense(4, 2, rng=1)),
    ]


@pytest.mark.parametrize("layer", _all_layers(), ids=repr)
def test_params_and_grads_have_same_keys_and_shapes(layer: bp.Layer) -> None:
    x = np.random.default_rng(0).normal(size=(5, 3))
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert dx.shape == x.shape
    assert layer.params.keys() == layer.grads.keys()
    for k, p in layer.params.items():
        assert layer.grads[k].shape == p.shape, k
        assert p.dtype == layer.grads[k].dtype == np.float64


@pytest.mark.parametrize("layer", _all_layers(), ids=repr)
def test_backward_before_forward_raises(layer: bp.Layer) -> None:
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((5, 2)))


def test_backward_does_not_update_parameters() -> None:
    layer = bp.Dense(3, 2, rng=0)
    before = {k: v.copy() for k, v in layer.params.items()}
    layer.forward(np.ones((2, 3)))
    layer.backward(np.ones((2, 2)))
    for k, v in layer.params.items():
        np.testing.assert_array_equal(v, before[k])


class _NotALayer:
    def forward(self, x: Array) -> Array:
        return x

    def backward(self, dout: Array) -> Array:
        return dout


class _DuckLayer(_NotALayer):
    params: dict[str, Array] = {}  # noqa: RUF012
    grads: dict[str, Array] = {}  # noqa: RUF012


def _stable_id(obj: object) -> str:
    """``repr`` where it names the object, else the type: the same id in every process."""
    text = repr(obj)
    return type(obj).__name__ if " at 0x" in text else text


@pytest.mark.parametrize("layer", [*_all_layers(), _DuckLayer()], ids=_stable_id)
def test_layers_satisfy_the_layer_protocol(layer: object) -> None:
    assert isinstance(layer, bp.Layer)


@pytest.mark.parametrize("obj", [object(), _NotALayer(), "Dense", np.zeros(3), bp.Dense], ids=_stable_id)
def test_non_layers_fail_the_protocol(obj: object) -> None:
    assert not isinstance(obj, bp.Layer)


def test_duck_typed_layer_works_in_sequential() -> None:
    net = bp.Sequential(bp.Dense(2, 2, rng=0), _DuckLayer())
    x = np.ones((1, 2))
    np.testing.assert_array_equal(net.forward(x), net[0].forward(x))


# ----------------------------------------------------------------------------- as_layer


def test_as_layer_returns_layers_unchanged() -> None:
    from backprop.layers import as_layer

    for layer in (bp.Dense(2, 2, rng=0), bp.Tanh(), _DuckLayer(), bp.Sequential(bp.ReLU())):
        assert as_layer(layer, "layer") is layer


def test_a_class_looks_like_a_layer_to_isinstance() -> None:
    # why as_layer checks for classes: the protocol sees Sequential's properties on the class itself
    assert isinstance(bp.Sequential, bp.Layer)


CLASS_USES: list[tuple[str, Callable[[Any, Path], object], str]] = [
    ("Sequential", lambda cls, _: bp.Sequential(cls), "layer 0"),
    ("Sequential 2nd", lambda cls, _: bp.Sequential(bp.ReLU(), cls), "layer 1"),
    ("SGD.step", lambda cls, _: bp.SGD(lr=0.1).step(cls), "layer"),
    ("Adam.step", lambda cls, _: bp.Adam().step(cls), "layer"),
    ("save_params", lambda cls, tmp: bp.save_params(cls, tmp / "x.npz"), "layer"),
    ("load_params", lambda cls, tmp: bp.load_params(cls, tmp / "x.npz"), "layer"),
    ("clip_grad_norm", lambda cls, _: bp.clip_grad_norm(cls, 1.0), r"layer_or_grads \(a layer, or else a dict.*\)"),
    ("check_layer", lambda cls, _: bp.check_layer(cls, np.ones((1, 2))), "layer"),
    ("check_model", lambda cls, _: bp.check_model(cls, bp.mse, np.ones((1, 2)), np.ones((1, 2))), "model"),
]


@pytest.mark.parametrize(("where", "use", "name"), CLASS_USES, ids=[c[0] for c in CLASS_USES])
@pytest.mark.parametrize("cls", [bp.Sequential, bp.Dense, bp.Tanh, bp.Conv2D, bp.RNN], ids=lambda c: c.__name__)
def test_a_class_passed_as_a_layer_is_named(
    where: str, use: Callable[[Any, Path], object], name: str, cls: type, tmp_path: Path
) -> None:
    message = rf"^{name} must be a layer instance, got the class {cls.__name__} \(call it: {cls.__name__}\(\.\.\.\)\)$"
    with pytest.raises(TypeError, match=message):
        use(cls, tmp_path)
    assert not (tmp_path / "x.npz").exists()  # rejected before any work


def test_as_layer_names_what_is_missing() -> None:
    from backprop.layers import as_layer

    with pytest.raises(TypeError, match=r"^layer must provide params, grads, forward and backward, got int$"):
        as_layer(3, "layer")
    with pytest.raises(TypeError, match=r"^x must provide params, grads, forward and backward, got the class int$"):
        as_layer(int, "x")
    with pytest.raises(TypeError, match=r"got _NotALayer$"):
        as_layer(_NotALayer(), "layer")


def test_a_layer_object_used_twice_is_rejected_at_construction() -> None:
    """One Dense twice would share a cache: its check_layer gave 0.70 before this was rejected."""
    d = bp.Dense(2, 2, rng=0)
    with pytest.raises(ValueError, match=r"the same layer object Dense\(2, 2\) appears at positions 0 and 2"):
        bp.Sequential(d, bp.Tanh(), d)
    inner = bp.Sequential(d, bp.Tanh())
    with pytest.raises(ValueError, match=r"positions 0\.0 and 1: .*gradient is the sum over its uses"):
        bp.Sequential(inner, d)
    with pytest.raises(ValueError, match=r"the same layer object Sequential\(.*\) appears at positions 0 and 1"):
        bp.Sequential(inner, inner)
    fine = bp.Sequential(bp.Dense(2, 2, rng=0), bp.Tanh(), bp.Dense(2, 2, rng=1))
    assert bp.check_layer(fine, np.array([[0.3, -0.2]])) < 1e-7
