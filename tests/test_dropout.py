"""Inverted dropout: the mask and its scaling, the two modes, gradient checks with a repeated mask."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop import Array, Dropout


class SameMask:
    """A layer (or model) whose dropout layers draw the same masks at every forward.

    Before each forward every `Dropout` inside gets a generator seeded alike, so the masks
    are those of the first forward: the function being differentiated is then fixed, as
    central differences need, and it is exactly the function whose gradient ``backward`` computes.
    """

    def __init__(self, model: bp.Layer, seed: int = 0) -> None:
        self.model, self.seed = model, seed
        self.drops = [layer for layer in getattr(model, "layers", [model]) if isinstance(layer, Dropout)]

    @property
    def params(self) -> dict[str, Array]:
        return self.model.params

    @property
    def grads(self) -> dict[str, Array]:
        return self.model.grads

    def forward(self, x: Array) -> Array:
        for i, drop in enumerate(self.drops):
            drop.rng = np.random.default_rng(self.seed + i)
        return self.model.forward(x)

    def backward(self, dout: Array) -> Array:
        return self.model.backward(dout)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_kept_units_are_scaled_by_one_over_one_minus_p(p: float) -> None:
    x = np.random.default_rng(0).normal(size=(200, 50))
    drop = Dropout(p, rng=1)
    y = drop.forward(x)
    assert drop.mask is not None
    kept = drop.mask != 0
    np.testing.assert_array_equal(np.unique(drop.mask), [0.0, 1.0 / (1.0 - p)])
    np.testing.assert_allclose(y[kept], x[kept] / (1.0 - p), rtol=1e-15)
    np.testing.assert_array_equal(y[~kept], 0.0)
    assert abs(kept.mean() - (1.0 - p)) < 0.02  # 10000 draws: the standard error is below 0.005


def test_the_output_is_unbiased() -> None:
    # E[m] = 1: averaged over many masks the output is the input.
    x = np.tile([1.0, -2.0, 3.0], (20000, 1))
    mean = Dropout(0.6, rng=0).forward(x).mean(axis=0)
    np.testing.assert_allclose(mean, x[0], rtol=0.05)  # standard error 0.9%


def test_backward_uses_the_mask_of_the_last_forward() -> None:
    rng = np.random.default_rng(1)
    x, dout = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    drop = Dropout(0.5, rng=2)
    drop.forward(x)
    first = drop.mask
    drop.forward(x)
    assert drop.mask is not None
    assert first is not None
    assert not np.array_equal(first, drop.mask)
    np.testing.assert_array_equal(drop.backward(dout), dout * drop.mask)


def test_eval_mode_is_the_identity_and_train_switches_back() -> None:
    rng = np.random.default_rng(3)
    x, dout = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    drop = Dropout(0.5, rng=0)
    assert drop.training
    assert drop.eval() is drop
    assert not drop.training
    np.testing.assert_array_equal(drop.forward(x), x)
    assert drop.mask is None
    np.testing.assert_array_equal(drop.backward(dout), dout)
    assert drop.train() is drop
    assert drop.training
    assert np.any(drop.forward(x) == 0.0)


def test_p_zero_keeps_everything_in_training_mode() -> None:
    x = np.random.default_rng(0).normal(size=(4, 4))
    np.testing.assert_array_equal(Dropout(0.0, rng=0).forward(x), x)


def test_the_same_seed_gives_the_same_masks() -> None:
    x = np.ones((3, 8))
    a, b = Dropout(0.5, rng=7), Dropout(0.5, rng=7)
    np.testing.assert_array_equal(a.forward(x), b.forward(x))


@pytest.mark.parametrize("p", [0.0, 0.3, 0.8])
@pytest.mark.parametrize("shape", [(1, 5), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_gradient_check_with_the_mask_held_fixed(p: float, shape: tuple[int, ...], training: bool) -> None:
    drop = Dropout(p)
    if not training:
        drop.eval()
    x = np.random.default_rng(len(shape)).normal(size=shape)
    assert bp.check_layer(SameMask(drop), x) < 1e-7


def test_without_a_fixed_mask_central_differences_are_meaningless() -> None:
    # A new mask at every forward: the finite differences see a different function each time.
    x = np.random.default_rng(0).normal(size=(4, 5))
    assert bp.check_layer(Dropout(0.5, rng=0), x) > 0.1


def test_gradient_check_of_a_network_with_dropout() -> None:
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, size=6)]
    net = bp.Sequential(bp.Dense(3, 8, rng=1), bp.Tanh(), Dropout(0.4), bp.Dense(8, 2, rng=2))
    assert bp.check_model(SameMask(net), bp.softmax_cross_entropy, x, y) < 1e-7
    net.eval()
    assert bp.check_model(net, bp.softmax_cross_entropy, x, y) < 1e-7


def test_sequential_train_and_eval_reach_nested_children_and_skip_the_rest() -> None:
    inner = bp.Sequential(bp.Dense(2, 2, rng=0), Dropout(0.5))
    outer = bp.Sequential(inner, bp.Tanh(), Dropout(0.2), bp.BatchNorm(2), bp.LayerNorm(2))
    assert outer.eval() is outer
    modes = [inner.layers[1].training, outer.layers[2].training, outer.layers[3].training]  # type: ignore[attr-defined]
    assert modes == [False, False, False]
    assert outer.train() is outer
    modes = [inner.layers[1].training, outer.layers[2].training, outer.layers[3].training]  # type: ignore[attr-defined]
    assert modes == [True, True, True]
    assert not hasattr(outer.layers[1], "training")  # Tanh has no modes and is left alone


def test_repr_and_protocol() -> None:
    drop = Dropout(0.25)
    assert repr(drop) == "Dropout(p=0.25)"
    assert isinstance(drop, bp.Layer)
    assert drop.params == {}
    assert drop.grads == {}


def test_float32_input_gives_float64() -> None:
    assert Dropout(0.5, rng=0).forward(np.ones((2, 2), dtype=np.float32)).dtype == np.float64


def test_backward_in_another_mode_than_the_forward_raises() -> None:
    drop = Dropout(0.5, rng=0)
    drop.forward(np.ones((2, 3)))
    drop.eval()
    with pytest.raises(RuntimeError, match="in eval mode after a forward in training mode"):
        drop.backward(np.ones((2, 3)))
    drop.forward(np.ones((2, 3)))
    drop.train()
    with pytest.raises(RuntimeError, match="in training mode after a forward in eval mode"):
        drop.backward(np.ones((2, 3)))


@pytest.mark.parametrize(
    ("p", "exc", "match"),
    [
        (1.0, ValueError, r"p must be in \[0, 1\), got 1.0"),
        (1.5, ValueError, r"p must be in \[0, 1\), got 1.5"),
        (-0.1, ValueError, r"p must be a finite number >= 0, got -0.1"),
        (float("nan"), ValueError, r"p must be a finite number >= 0, got nan"),
        ("0.5", TypeError, r"p must be a number, got str"),
        (True, TypeError, r"p must be a number, got bool"),
    ],
)
def test_bad_p_is_rejected(p: object, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        Dropout(p)  # type: ignore[arg-type]
