"""BatchNorm and LayerNorm: statistics, running estimates, the two modes, gradient checks, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop import Array, BatchNorm, LayerNorm


def batchnorm(C: int, seed: int, **kw: float) -> BatchNorm:
    """A layer with random gamma and beta, so both enter the gradients."""
    rng = np.random.default_rng(seed + 50)
    bn = BatchNorm(C, **kw)
    bn.params["gamma"][...] = rng.normal(size=C)
    bn.params["beta"][...] = rng.normal(size=C)
    return bn


def layernorm(F: int, seed: int) -> LayerNorm:
    rng = np.random.default_rng(seed + 60)
    ln = LayerNorm(F)
    ln.params["gamma"][...] = rng.normal(size=F)
    ln.params["beta"][...] = rng.normal(size=F)
    return ln


def reduce_axes(x: Array) -> tuple[int, ...]:
    return (0,) if x.ndim == 2 else (0, 2, 3)


# ----------------------------------------------------------------------------- BatchNorm: forward


@pytest.mark.parametrize("shape", [(5, 3), (2, 3, 4, 5), (1, 2, 3, 3)])
def test_training_output_is_standardised_per_feature(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).normal(loc=3.0, scale=2.0, size=shape)
    bn = BatchNorm(shape[1], eps=1e-12)
    y = bn.forward(x)
    axes = reduce_axes(x)
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1.0, rtol=1e-9)


def test_gamma_and_beta_scale_and_shift() -> None:
    x = np.random.default_rng(1).normal(size=(6, 2, 3, 3))
    bn = BatchNorm(2)
    xhat = bn.forward(x)
    bn.params["gamma"][...] = [2.0, -1.0]
    bn.params["beta"][...] = [0.5, 3.0]
    np.testing.assert_allclose(bn.forward(x), xhat * np.array([2.0, -1.0])[:, None, None] +
                               np.array([0.5, 3.0])[:, None, None], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, 0.0])
def test_running_estimates_follow_the_pytorch_rule(momentum: float) -> None:
    rng = np.random.default_rng(2)
    bn = BatchNorm(3, momentum=momentum)
    mean, var = np.zeros(3), np.ones(3)
    for step in range(4):
        x = rng.normal(loc=step, scale=1 + step, size=(5, 3, 2, 2))
        bn.forward(x)
        M = x.size // 3
        mean = (1 - momentum) * mean + momentum * x.mean(axis=(0, 2, 3))
        var = (1 - momentum) * var + momentum * x.var(axis=(0, 2, 3)) * M / (M - 1)
        np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)


def test_eval_uses_the_running_estimates_and_leaves_them_alone() -> None:
    rng = np.random.default_rng(3)
    bn = batchnorm(4, 0)
    for _ in range(3):
        bn.forward(rng.normal(loc=2.0, size=(8, 4)))
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    x = rng.normal(size=(1, 4))  # eval works on a single example
    y = bn.eval().forward(x)
    expected = (x - mean) / np.sqrt(var + 1e-5) * bn.params["gamma"] + bn.params["beta"]
    np.testing.assert_allclose(y, expected, rtol=1e-13)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)


def test_eval_output_of_one_example_does_not_depend_on_the_batch() -> None:
    rng = np.random.default_rng(4)
    bn = batchnorm(3, 1)
    bn.forward(rng.normal(size=(10, 3)))
    x = rng.normal(size=(5, 3))
    assert not np.allclose(bn.forward(x)[:2], bn.forward(x[:2]))  # training mode: the batch matters
    bn.eval()
    np.testing.assert_allclose(bn.forward(x)[:1], bn.forward(x[:1]), rtol=1e-14)


def test_running_estimates_are_updated_in_place() -> None:
    bn = BatchNorm(2)
    mean, var = bn.running_mean, bn.running_var
    bn.forward(np.random.default_rng(0).normal(size=(4, 2)))
    assert bn.running_mean is mean
    assert bn.running_var is var
    assert not np.all(mean == 0.0)


# ----------------------------------------------------------------------------- BatchNorm: gradients


@pytest.mark.parametrize(
    "shape", [(3, 3), (7, 1), (5, 4), (1, 2, 2, 3), (3, 2, 4, 1), (2, 3, 3, 3)]
)
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradient_check(shape: tuple[int, ...], training: bool) -> None:
    rng = np.random.default_rng(sum(shape))
    bn = batchnorm(shape[1], len(shape))
    bn.forward(rng.normal(size=shape))  # running estimates away from 0 and 1
    if not training:
        bn.eval()
    assert bp.check_layer(bn, rng.normal(loc=1.0, scale=2.0, size=shape)) < 1e-7


def test_batchnorm_backward_matches_the_chain_of_small_steps() -> None:
    # The textbook staged backward (one node of the graph at a time) gives the closed form's numbers.
    rng = np.random.default_rng(5)
    x, dy = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    bn = batchnorm(3, 2)
    bn.forward(x)
    dx = bn.backward(dy)
    gamma, eps, M = bn.params["gamma"], 1e-5, 6
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    std = np.sqrt(var + eps)
    xhat = xc / std
    dxhat = dy * gamma
    dstd = -np.sum(dxhat * xc, axis=0) / std**2
    dvar = dstd / (2 * std)
    dxc = dxhat / std + 2 * xc * dvar / M
    dmu = -np.sum(dxc, axis=0)
    np.testing.assert_allclose(dx, dxc + dmu / M, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(bn.grads["gamma"], np.sum(dy * xhat, axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn.grads["beta"], dy.sum(axis=0), rtol=1e-12)


def test_check_model_with_batchnorm_in_a_network() -> None:
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(8, 3)), np.eye(2)[rng.integers(0, 2, size=8)]
    net = bp.Sequential(bp.Dense(3, 5, rng=1), bp.Tanh(), batchnorm(5, 0), bp.Dense(5, 2, rng=2))
    assert bp.check_model(net, bp.softmax_cross_entropy, x, y) < 1e-7
    net.eval()
    assert bp.check_model(net, bp.softmax_cross_entropy, x, y) < 1e-7


def test_a_bias_just_before_batchnorm_gets_no_gradient() -> None:
    # Training mode subtracts the batch mean, and with it any constant added before: dL/db = 0.
    rng = np.random.default_rng(7)
    x, dout = rng.normal(size=(8, 3)), rng.normal(size=(8, 4))
    net = bp.Sequential(bp.Dense(3, 4, rng=1), batchnorm(4, 1))
    net.forward(x)
    net.backward(dout)
    assert np.abs(net.grads["0.b"]).max() < 1e-14 * np.abs(net.grads["0.W"]).max()


def test_forgetting_eval_changes_the_predictions() -> None:
    # In training mode a batch of one identical example is normalised to beta: the input is lost.
    rng = np.random.default_rng(7)
    bn = batchnorm(2, 3)
    for _ in range(5):
        bn.forward(rng.normal(size=(16, 2)))
    x = np.tile(rng.normal(size=(1, 2)), (4, 1))
    np.testing.assert_allclose(bn.forward(x), np.tile(bn.params["beta"], (4, 1)), atol=1e-6)
    assert not np.allclose(bn.eval().forward(x), np.tile(bn.params["beta"], (4, 1)), atol=1e-3)


# ----------------------------------------------------------------------------- BatchNorm: modes and bad input


def test_modes_and_repr() -> None:
    bn = BatchNorm(3, momentum=0.2, eps=1e-3)
    assert bn.training
    assert bn.eval() is bn
    assert not bn.training
    assert bn.train() is bn
    assert bn.training
    assert repr(bn) == "BatchNorm(3, momentum=0.2, eps=0.001)"
    assert repr(BatchNorm(4)) == "BatchNorm(4)"
    assert isinstance(bn, bp.Layer)
    assert {k: v.tolist() for k, v in bn.params.items()} == {"gamma": [1.0] * 3, "beta": [0.0] * 3}
    assert bn.running_mean.tolist() == [0.0] * 3
    assert bn.running_var.tolist() == [1.0] * 3


def test_backward_in_another_mode_than_the_forward_raises() -> None:
    bn = BatchNorm(2)
    bn.forward(np.ones((3, 2)))
    bn.eval()
    with pytest.raises(RuntimeError, match=r"BatchNorm\.backward called in eval mode after a forward in training mode"):
        bn.backward(np.ones((3, 2)))


@pytest.mark.parametrize(
    ("x", "exc", "match"),
    [
        (np.zeros((4, 2)), ValueError, r"x must have shape \(N, 3\), got \(4, 2\)"),
        (np.zeros((4, 2, 5, 5)), ValueError, r"x must have shape \(N, 3, H, W\), got \(4, 2, 5, 5\)"),
        (np.zeros(3), ValueError, r"x must be 2-D or 4-D, got 1-D"),
        (np.zeros((1, 3)), ValueError, r"more than one value per feature in training mode, got shape \(1, 3\)"),
        (np.zeros((1, 3, 1, 1)), ValueError, r"more than one value per feature in training mode"),
        (np.zeros((4, 3), dtype=int), TypeError, "floating-point"),
        (np.full((4, 3), np.inf), ValueError, "finite"),
    ],
)
def test_batchnorm_rejects_bad_x(x: Array, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        BatchNorm(3).forward(x)


def test_batchnorm_rejects_bad_dout_and_arguments() -> None:
    bn = BatchNorm(3)
    with pytest.raises(RuntimeError, match=r"BatchNorm\.backward called before forward"):
        bn.backward(np.zeros((4, 3)))
    bn.forward(np.random.default_rng(0).normal(size=(4, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(4, 3, 2, 2\), got"):
        bn.backward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"momentum must be a finite number >= 0, got -0.5"):
        BatchNorm(3, momentum=-0.5)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\], got 2.0"):
        BatchNorm(3, momentum=2.0)
    with pytest.raises(TypeError, match="num_features must be an int, got float"):
        BatchNorm(3.0)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- LayerNorm


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 6), (1, 1, 2, 3)])
def test_layernorm_standardises_the_last_axis(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(0).normal(loc=-2.0, scale=3.0, size=shape)
    y = LayerNorm(shape[-1], eps=1e-12).forward(x)
    np.testing.assert_allclose(y.mean(axis=-1), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1.0, rtol=1e-9)


def test_layernorm_treats_each_example_alone() -> None:
    x = np.random.default_rng(1).normal(size=(5, 4))
    ln = layernorm(4, 0)
    np.testing.assert_allclose(ln.forward(x)[2:3], ln.forward(x[2:3]), rtol=1e-14)
    assert not hasattr(ln, "train")  # no modes: the same computation in training and at test time


@pytest.mark.parametrize("shape", [(1, 4), (3, 1), (3, 5), (2, 3, 4), (2, 2, 2, 3)])
def test_layernorm_gradient_check(shape: tuple[int, ...]) -> None:
    x = np.random.default_rng(len(shape)).normal(loc=0.5, scale=2.0, size=shape)
    assert bp.check_layer(layernorm(shape[-1], sum(shape)), x) < 1e-7


def test_layernorm_after_an_rnn_checks_as_a_model() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 5))
    net = bp.Sequential(bp.RNN(2, 5, return_sequences=True, rng=0), layernorm(5, 1))
    assert bp.check_model(net, bp.mse, x, y) < 1e-7


def test_layernorm_repr_and_protocol() -> None:
    assert repr(LayerNorm(4)) == "LayerNorm(4)"
    assert repr(LayerNorm(4, eps=1e-3)) == "LayerNorm(4, eps=0.001)"
    ln = LayerNorm(2)
    assert isinstance(ln, bp.Layer)
    assert sorted(ln.params) == sorted(ln.grads) == ["beta", "gamma"]


def test_layernorm_rejects_bad_input() -> None:
    ln = LayerNorm(3)
    with pytest.raises(ValueError, match=r"x must have shape \(N, \.\.\., 3\), got \(4, 2\)"):
        ln.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(N, \.\.\., 3\), got \(3,\)"):
        ln.forward(np.zeros(3))
    with pytest.raises(RuntimeError, match=r"LayerNorm\.backward called before forward"):
        ln.backward(np.zeros((4, 3)))
    ln.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(4, 3\), got \(1, 3\)"):
        ln.backward(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"normalized_size must be a positive integer, got 0"):
        LayerNorm(0)
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0, got 0.0"):
        LayerNorm(3, eps=0.0)
