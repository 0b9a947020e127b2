"""The shared validation helpers of backprop._check: one message per kind of mistake."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop._check import MAX_MAGNITUDE, in_range, make_rng, nonnegative_int, positive_int, require_forward


def test_require_forward_returns_the_cache_or_names_the_owner() -> None:
    cache = np.ones(3)
    assert require_forward(cache, "Dense") is cache
    with pytest.raises(RuntimeError, match=r"^Conv2D\.backward called before forward$"):
        require_forward(None, "Conv2D")


@pytest.mark.parametrize(
    "layer",
    [bp.Dense(2, 2, rng=0), bp.Tanh(), bp.Softmax(), bp.Conv2D(1, 1, rng=0), bp.MaxPool2D(), bp.Flatten(),
     bp.RNN(2, 2, rng=0)],
    ids=repr,
)
def test_every_layer_uses_require_forward(layer: bp.Layer) -> None:
    with pytest.raises(RuntimeError, match=rf"^{type(layer).__name__}\.backward called before forward$"):
        layer.backward(np.zeros((1, 1)))


def test_nonnegative_int() -> None:
    assert nonnegative_int(0, "padding") == 0
    assert nonnegative_int(np.int64(2), "padding") == 2
    assert type(nonnegative_int(np.int64(2), "padding")) is int
    with pytest.raises(ValueError, match="padding must be a non-negative integer, got -1"):
        nonnegative_int(-1, "padding")
    with pytest.raises(TypeError, match="padding must be an int, got bool"):
        nonnegative_int(True, "padding")
    with pytest.raises(TypeError, match="padding must be an int, got float"):
        nonnegative_int(1.0, "padding")


def test_positive_int_rejects_zero_and_bools() -> None:
    assert positive_int(1, "n") == 1
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        positive_int(0, "n")
    with pytest.raises(TypeError, match="n must be an int, got bool"):
        positive_int(True, "n")


def test_make_rng_takes_a_seed_a_generator_or_none() -> None:
    gen = np.random.default_rng(5)
    assert make_rng(gen) is gen
    assert make_rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
    assert make_rng(np.int64(3)).integers(1000) == np.random.default_rng(3).integers(1000)
    assert isinstance(make_rng(None), np.random.Generator)
    with pytest.raises(TypeError, match=r"rng must be an int seed, a numpy\.random\.Generator or None, got bool"):
        make_rng(True)
    with pytest.raises(TypeError, match="got RandomState"):
        make_rng(np.random.RandomState(0))  # type: ignore[arg-type]


def test_a_seed_and_a_generator_give_the_same_weights() -> None:
    # rng= everywhere: a seed is the same as a Generator made from it
    a, b = bp.Dense(3, 4, rng=7), bp.Dense(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])
    c, d = bp.Conv2D(2, 3, rng=7), bp.Conv2D(2, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(c.params["W"], d.params["W"])
    e, f = bp.RNN(2, 3, rng=7), bp.RNN(2, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(e.params["W_h"], f.params["W_h"])


def test_make_rng_names_rng_for_a_negative_seed() -> None:
    with pytest.raises(ValueError, match=r"^rng must be a non-negative int seed, .* got -1$"):
        bp.Dense(2, 2, rng=-1)


@pytest.mark.parametrize("size", [100, 5000, 100_000])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_in_range_agrees_with_the_entrywise_bound(size: int, layout: str) -> None:
    """Every way `in_range` answers (one pass of squares, min and max, abs) gives the entrywise answer."""
    rng = np.random.default_rng(size)
    edge = np.nextafter(MAX_MAGNITUDE, np.inf)  # the first double beyond the bound
    cases = {
        "normal": (rng.normal(size=size), True),
        "all at the bound": (np.full(size, -MAX_MAGNITUDE), True),  # Σx² overflows the quick test
        "one just beyond": (None, False),
        "one nan": (None, False),
        "one inf": (None, False),
    }
    for name, (x, expected) in cases.items():
        if x is None:
            x = rng.normal(size=size)
            x[rng.integers(size)] = {"one just beyond": edge, "one nan": np.nan, "one inf": -np.inf}[name]
        if layout == "strided":
            wide = np.zeros(2 * size)
            wide[::2] = x
            x = wide[::2]
        assert bool(np.all(np.abs(x) <= MAX_MAGNITUDE)) is expected, name  # the bound itself
        assert in_range(x) is expected, (name, size, layout)
