"""Property-based tests of every layer, loss and optimizer.

Valid inputs (random small shapes, moderate float64 values) give finite outputs, no warning,
and gradients that agree with central differences to a relative error below 1e-7. Invalid
inputs (a wrong rank or size, a non-float dtype, an empty array, an ndarray subclass, a NaN
or inf entry, something that is not an array, a class where an instance belongs) raise
``TypeError`` or ``ValueError`` whose message names the argument, and nothing else. Extreme
finite values (1e308) either give finite results or such an error: never inf, NaN or a warning.

The invalid-input properties are cheap (one call that must raise), so each draws many
examples; the gradient checks are expensive, so each draws few. Hypothesis itself costs about
0.4 ms per example here, so the cheap properties make a single draw per example and derive the
rest from it. `test_examples_drawn` runs last and checks how many examples the module drew.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import backprop as bp
from tests.strategies import (
    ANY_SHAPE,
    EXTREME,
    LAYER_CLASSES,
    NON_FINITE,
    SEEDS,
    SLOTS,
    SMALL,
    AnyArray,
    Slot,
    away_from_zero,
    bad_dtype,
    distinct_array,
    empty,
    extreme,
    floats_array,
    non_finite,
    not_an_array,
    subclassed,
    valid,
    wrong_shape,
)

P = ParamSpec("P")
Result = TypeVar("Result")

BASE = settings(
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CHEAP = settings(BASE, max_examples=1180)
"""For the properties that make one call per example: each example picks one of the 33 slots
(every array argument of every layer, loss and check, `tests.strategies.SLOTS`), 26 to 50 per slot."""
FEW = settings(BASE, max_examples=15)
"""For the cheap properties of hyperparameters and optimizers, which have fewer ways to go wrong."""
GRADIENT = settings(BASE, max_examples=6)
"""For gradient checks (one forward pass per perturbed entry)."""

MIN_EXAMPLES = 10_000
"""The module must draw at least this many examples in total."""

DRAWN: Counter[str] = Counter()
"""Examples run so far, by test function."""
PROPERTIES: set[str] = set()
"""Every counted test function of this module."""


def counted(test: Callable[P, None]) -> Callable[P, None]:
    """Count every example the test body runs (place it under ``@given``)."""
    PROPERTIES.add(test.__name__)

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        DRAWN[test.__name__] += 1
        test(*args, **kwargs)

    return run


@contextmanager
def strict() -> Iterator[None]:
    """Turn every warning into an error, so that a property also asserts "no warning"."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def names(arg: str, message: str) -> bool:
    """Whether ``message`` mentions ``arg`` as a word."""
    return re.search(rf"(?<![\w]){re.escape(arg)}(?!\w)", message) is not None


def describe(value: object) -> str:
    """A short description of a value for failure messages."""
    if isinstance(value, np.ndarray):
        return f"{type(value).__name__} dtype={value.dtype} shape={value.shape}"
    return repr(value)[:80]


def outcome(call: Callable[[object], Result], value: object) -> Result | TypeError | ValueError:
    """What ``call(value)`` returns, or the TypeError or ValueError it raises (anything else propagates)."""
    with strict():
        try:
            return call(value)
        except (TypeError, ValueError) as exc:
            return exc


def assert_rejected(call: Callable[[object], object], value: object, arg: str) -> None:
    """``call(value)`` raises TypeError or ValueError naming ``arg``; any other exception propagates."""
    exc = outcome(call, value)
    assert isinstance(exc, (TypeError, ValueError)), f"{arg} = {describe(value)} was accepted"
    assert names(arg, str(exc)), f"the message does not name {arg!r}: {type(exc).__name__}: {exc}"


def assert_finite(arrays: list[AnyArray], what: str) -> None:
    """Every array is finite."""
    for a in arrays:
        assert np.isfinite(a).all(), f"{what} gave a non-finite result: {a!r}"


# ================================================================ invalid inputs: arrays


SHAPE_CHECKED = [s for s in SLOTS if s.shape_checked]


def made(
    make: Callable[[Slot, np.random.Generator], tuple[str, object]], case: int, slots: list[Slot] = SLOTS
) -> tuple[Slot, object]:
    """The slot ``case`` picks and the value ``make`` derives from it, noted for a failure report.

    One drawn integer chooses both the slot (``case % len(slots)``) and the seed of the values:
    a second draw would cost about as much as the call under test.
    """
    slot = slots[case % len(slots)]
    description, value = make(slot, np.random.default_rng(case))
    note(f"{slot.id}: {description}")
    return slot, value


@CHEAP
@given(case=SEEDS)
@counted
def test_valid_values_give_finite_results(case: int) -> None:
    """The counterpart of the properties below: the same call with a valid value succeeds, finite, no warning."""
    slot, value = made(valid, case)
    with strict():
        assert_finite(slot.call(value), slot.id)


@CHEAP
@given(case=SEEDS)
@counted
def test_wrong_shape_is_rejected(case: int) -> None:
    """Another rank, another feature count or a too small image: an error naming the argument.

    A mismatch between two arguments that must agree (pred and target) may be named by either.
    """
    slot, value = made(wrong_shape, case, SHAPE_CHECKED)
    exc = outcome(slot.call, value)
    assert isinstance(exc, (TypeError, ValueError)), f"{slot.arg} = {describe(value)} was accepted"
    named = [slot.arg] if slot.partner is None else [slot.arg, slot.partner]
    assert any(names(arg, str(exc)) for arg in named), f"the message names none of {named}: {exc}"


@CHEAP
@given(case=SEEDS)
@counted
def test_non_float_dtype_is_rejected(case: int) -> None:
    """Integer, bool, complex, object and string arrays are not silently cast."""
    slot, value = made(bad_dtype, case)
    assert_rejected(slot.call, value, slot.arg)


@CHEAP
@given(case=SEEDS)
@counted
def test_empty_array_is_rejected(case: int) -> None:
    """An array with a zero-length axis."""
    slot, value = made(empty, case)
    assert_rejected(slot.call, value, slot.arg)


@CHEAP
@given(case=SEEDS)
@counted
def test_array_subclass_is_rejected(case: int) -> None:
    """``numpy.matrix`` (its ``*`` is a matrix product) and masked arrays (their mask would be ignored)."""
    slot, value = made(subclassed, case)
    assert_rejected(slot.call, value, slot.arg)


@CHEAP
@given(case=SEEDS)
@counted
def test_non_finite_entry_is_rejected(case: int) -> None:
    """A NaN, inf or -inf at a random index (or everywhere)."""
    slot, value = made(non_finite, case)
    assert_rejected(slot.call, value, slot.arg)


@CHEAP
@given(case=SEEDS)
@counted
def test_non_array_is_rejected(case: int) -> None:
    """Lists, tuples, scalars, None, strings, dicts, and classes (``np.ndarray``, ``bp.Dense``) in place of an array."""
    slot, value = made(not_an_array, case)
    assert_rejected(slot.call, value, slot.arg)


@CHEAP
@given(case=SEEDS)
@counted
def test_extreme_values_give_finite_results_or_are_rejected(case: int) -> None:
    """A finite entry near the float64 limit (1e308, 1e200) at a random index, or everywhere.

    The call either raises TypeError/ValueError naming the argument or returns only finite
    arrays (output, and the gradients of a backward pass), without an overflow warning.
    """
    slot, value = made(extreme, case)
    results = outcome(slot.call, value)
    if isinstance(results, (TypeError, ValueError)):
        assert names(slot.arg, str(results)), f"the message does not name {slot.arg!r}: {results}"
    else:
        assert_finite(results, slot.id)


# ================================================================ invalid inputs: layers and hyperparameters

X23 = np.random.default_rng(3).normal(size=(2, 3))

LAYER_ARGS: list[tuple[str, str, Callable[[object], object]]] = [
    ("Sequential(first)", "layer 0", lambda obj: bp.Sequential(obj)),  # type: ignore[arg-type]
    ("Sequential(second)", "layer 1", lambda obj: bp.Sequential(bp.Tanh(), obj)),  # type: ignore[arg-type]
    ("SGD.step", "layer", lambda obj: bp.SGD(0.1).step(obj)),  # type: ignore[arg-type]
    ("Adam.step", "layer", lambda obj: bp.Adam().step(obj)),  # type: ignore[arg-type]
    ("AdamW.step", "layer", lambda obj: bp.AdamW().step(obj)),  # type: ignore[arg-type]
    ("check_layer", "layer", lambda obj: bp.check_layer(obj, X23)),  # type: ignore[arg-type]
    ("check_model", "model", lambda obj: bp.check_model(obj, bp.mse, X23, X23)),  # type: ignore[arg-type]
    ("clip_grad_norm", "layer_or_grads", lambda obj: bp.clip_grad_norm(obj, 1.0)),  # type: ignore[arg-type]
]
NOT_A_LAYER = st.one_of(
    st.sampled_from(LAYER_CLASSES),
    st.sampled_from([bp.Layer, object, 3, 2.5, None, "Dense", X23, [bp.Tanh()], bp.mse]),
)
"""Layer classes (not instances) and objects that are not layers at all."""


@pytest.mark.parametrize(("where", "arg", "call"), LAYER_ARGS, ids=[w for w, _, _ in LAYER_ARGS])
@FEW
@given(obj=NOT_A_LAYER)
@counted
def test_class_or_non_layer_where_a_layer_belongs_is_rejected(
    where: str, arg: str, call: Callable[[object], object], obj: object
) -> None:
    """``bp.Sequential(bp.Tanh)``, ``opt.step(bp.Dense)``...: a TypeError naming the argument."""
    with strict(), pytest.raises(TypeError) as info:
        call(obj)
    assert names(arg, str(info.value)), str(info.value)


NOT_POSITIVE_INT = st.one_of(
    st.integers(max_value=0),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
    st.sampled_from([np.float64(2.0), "3", [2], (2,), 2 + 0j]),
)
NOT_NONNEGATIVE_INT = st.one_of(st.integers(max_value=-1), st.floats(), st.booleans(), st.none(), st.text(max_size=2))
NOT_POSITIVE_FLOAT = st.one_of(
    st.floats(max_value=0.0),
    st.sampled_from([np.nan, np.inf, True, False, None, "0.1", 1j, [0.1], np.array([0.1])]),
)
NOT_IN_UNIT = st.one_of(
    st.floats(max_value=-1e-300),
    st.floats(min_value=1.0),
    st.sampled_from([np.nan, True, None, "0.5", 0.5j, [0.5]]),
)
"""Not in [0, 1): momentum, beta1, beta2 and LeakyReLU's alpha."""

NOT_AN_INIT = st.one_of(st.text(max_size=6).filter(lambda v: v not in ("he", "xavier")), st.none(), st.integers())

HYPERPARAMETERS: list[tuple[str, Callable[[object], object], st.SearchStrategy[object]]] = [
    ("n_in", lambda v: bp.Dense(v, 2), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("n_out", lambda v: bp.Dense(2, v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("init", lambda v: bp.Dense(2, 2, init=v), NOT_AN_INIT),  # type: ignore[arg-type]
    ("alpha", lambda v: bp.LeakyReLU(v), NOT_IN_UNIT),  # type: ignore[arg-type]
    ("in_channels", lambda v: bp.Conv2D(v, 2), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("out_channels", lambda v: bp.Conv2D(2, v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("kernel_size", lambda v: bp.Conv2D(2, 2, v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("stride", lambda v: bp.Conv2D(2, 2, 3, stride=v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("padding", lambda v: bp.Conv2D(2, 2, 3, padding=v), NOT_NONNEGATIVE_INT),  # type: ignore[arg-type]
    ("size", lambda v: bp.MaxPool2D(v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("stride", lambda v: bp.MaxPool2D(2, v), NOT_POSITIVE_INT.filter(lambda v: v is not None)),  # type: ignore[arg-type]
    ("n_in", lambda v: bp.RNN(v, 2), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("n_hidden", lambda v: bp.RNN(2, v), NOT_POSITIVE_INT),  # type: ignore[arg-type]
    ("bptt_steps", lambda v: bp.RNN(2, 2, bptt_steps=v), NOT_POSITIVE_INT.filter(lambda v: v is not None)),  # type: ignore[arg-type]
    ("return_sequences", lambda v: bp.RNN(2, 2, return_sequences=v),  # type: ignore[arg-type]
     st.one_of(st.integers(), st.none(), st.text(max_size=2), st.floats())),
    ("lr", lambda v: bp.SGD(v), NOT_POSITIVE_FLOAT),  # type: ignore[arg-type]
    ("momentum", lambda v: bp.SGD(0.1, v), NOT_IN_UNIT),  # type: ignore[arg-type]
    ("lr", lambda v: bp.Adam(v), NOT_POSITIVE_FLOAT),  # type: ignore[arg-type]
    ("beta1", lambda v: bp.Adam(beta1=v), NOT_IN_UNIT),  # type: ignore[arg-type]
    ("beta2", lambda v: bp.Adam(beta2=v), NOT_IN_UNIT),  # type: ignore[arg-type]
    ("eps", lambda v: bp.Adam(eps=v), NOT_POSITIVE_FLOAT),  # type: ignore[arg-type]
    ("weight_decay", lambda v: bp.SGD(0.1, weight_decay=v), NOT_POSITIVE_FLOAT.filter(lambda v: v != 0)),  # type: ignore[arg-type]
    ("weight_decay", lambda v: bp.AdamW(weight_decay=v), NOT_POSITIVE_FLOAT.filter(lambda v: v != 0)),  # type: ignore[arg-type]
    ("eps", lambda v: bp.binary_cross_entropy(X23 * 0 + 0.5, X23 * 0, eps=v),  # type: ignore[arg-type]
     st.one_of(NOT_POSITIVE_FLOAT, st.floats(min_value=0.5))),
    ("max_norm", lambda v: bp.clip_grad_norm({"g": np.ones(2)}, v), NOT_POSITIVE_FLOAT),  # type: ignore[arg-type]
]
HYPER_OWNERS = ["Dense", "Dense", "Dense", "LeakyReLU", *["Conv2D"] * 5, "MaxPool2D", "MaxPool2D", *["RNN"] * 4,
                "SGD", "SGD", *["Adam"] * 4, "SGD", "AdamW", "binary_cross_entropy", "clip_grad_norm"]
HYPER_IDS = [f"{owner}({arg})" for owner, (arg, _, _) in zip(HYPER_OWNERS, HYPERPARAMETERS, strict=True)]


@pytest.mark.parametrize(("arg", "call", "values"), HYPERPARAMETERS, ids=HYPER_IDS)
@FEW
@given(data=st.data())
@counted
def test_invalid_hyperparameter_is_rejected(
    arg: str, call: Callable[[object], object], values: st.SearchStrategy[object], data: st.DataObject
) -> None:
    """Sizes, strides, rates and decays of the wrong type or out of range: an error naming them."""
    assert_rejected(call, data.draw(values), arg)


# ================================================================ valid inputs: gradient checks


@st.composite
def dense_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    n, d, m = draw(SMALL), draw(SMALL), draw(SMALL)
    layer = bp.Dense(d, m, rng=draw(SEEDS), init=draw(st.sampled_from(["xavier", "he"])))
    return layer, draw(floats_array((n, d)))


@st.composite
def smooth_case(draw: st.DrawFn, make: Callable[[], bp.Layer]) -> tuple[bp.Layer, bp.Array]:
    return make(), draw(floats_array(draw(ANY_SHAPE), -4.0, 4.0))


@st.composite
def relu_case(draw: st.DrawFn, leaky: bool) -> tuple[bp.Layer, bp.Array]:
    layer: bp.Layer = bp.LeakyReLU(draw(st.floats(0.0, 0.9))) if leaky else bp.ReLU()
    return layer, draw(away_from_zero(draw(ANY_SHAPE)))


@st.composite
def softmax_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    return bp.Softmax(), draw(floats_array((draw(SMALL), draw(st.integers(1, 4))), -4.0, 4.0))


@st.composite
def sequential_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    n, d, h, m = draw(SMALL), draw(SMALL), draw(SMALL), draw(SMALL)
    seeds = draw(st.lists(SEEDS, min_size=2, max_size=2))
    head: bp.Layer = draw(st.sampled_from([bp.Sigmoid, bp.Softmax, bp.Tanh]))()
    net = bp.Sequential(bp.Dense(d, h, rng=seeds[0]), bp.Tanh(), bp.Dense(h, m, rng=seeds[1]), head)
    return net, draw(floats_array((n, d)))


@st.composite
def conv_geometry(draw: st.DrawFn) -> tuple[bp.Conv2D, tuple[int, int, int, int]]:
    c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(SMALL), draw(SMALL)
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    h = draw(st.integers(max(1, kh - 2 * padding), 5))
    w = draw(st.integers(max(1, kw - 2 * padding), 5))
    conv = bp.Conv2D(c, o, (kh, kw), stride=stride, padding=padding, rng=draw(SEEDS),
                     init=draw(st.sampled_from(["he", "xavier"])))
    return conv, (draw(st.integers(1, 2)), c, h, w)


@st.composite
def conv_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    conv, shape = draw(conv_geometry())
    return conv, draw(floats_array(shape))


@st.composite
def cnn_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    conv, shape = draw(conv_geometry())
    _, o, ho, wo = conv.output_shape(shape)
    net = bp.Sequential(conv, bp.Tanh(), bp.Flatten(), bp.Dense(o * ho * wo, draw(SMALL), rng=draw(SEEDS)))
    return net, draw(floats_array(shape))


@st.composite
def maxpool_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    size = draw(SMALL)
    stride = draw(st.one_of(st.none(), SMALL))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(size, 5)), draw(st.integers(size, 5)))
    return bp.MaxPool2D(size, stride), draw(distinct_array(shape))


@st.composite
def flatten_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    shape = tuple(draw(st.lists(SMALL, min_size=2, max_size=4)))
    return bp.Flatten(), draw(floats_array(shape))


@st.composite
def rnn_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    n, t, d, h = draw(SMALL), draw(st.integers(1, 4)), draw(SMALL), draw(SMALL)
    bptt = draw(st.sampled_from([None, t, t + 2]))  # full backpropagation through time
    rnn = bp.RNN(d, h, return_sequences=draw(st.booleans()), bptt_steps=bptt, rng=draw(SEEDS))
    return rnn, draw(floats_array((n, t, d)))


@st.composite
def gated_case(draw: st.DrawFn, make: type[bp.LSTM] | type[bp.GRU]) -> tuple[bp.Layer, bp.Array]:
    n, t, d, h = draw(SMALL), draw(st.integers(1, 4)), draw(SMALL), draw(SMALL)
    bptt = draw(st.sampled_from([None, t, t + 2]))  # at least T: the full gradient
    layer = make(d, h, return_sequences=draw(st.booleans()), bptt_steps=bptt, rng=draw(SEEDS))
    return layer, draw(floats_array((n, t, d)))


class _SameMask:
    """A Dropout whose every forward draws the mask of the first: a fixed function, as central differences need."""

    def __init__(self, drop: bp.Dropout, seed: int) -> None:
        self.drop, self.seed = drop, seed
        self.params, self.grads = drop.params, drop.grads

    def forward(self, x: bp.Array) -> bp.Array:
        self.drop.rng = np.random.default_rng(self.seed)
        return self.drop.forward(x)

    def backward(self, dout: bp.Array) -> bp.Array:
        return self.drop.backward(dout)

    def __repr__(self) -> str:
        return f"same mask of {self.drop!r}"


@st.composite
def dropout_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    drop = bp.Dropout(draw(st.floats(0.0, 0.9)))
    if not draw(st.booleans()):
        drop.eval()
    shape = tuple(draw(st.lists(SMALL, min_size=1, max_size=4)))
    return _SameMask(drop, draw(SEEDS)), draw(floats_array(shape))


@st.composite
def batchnorm_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    c = draw(SMALL)
    shape = draw(st.sampled_from([(draw(st.integers(2, 4)), c), (draw(st.integers(1, 2)), c, 2, draw(SMALL))]))
    norm = bp.BatchNorm(c)
    norm.params["gamma"][...] = draw(away_from_zero((c,)))
    if draw(st.booleans()):  # eval mode, on running statistics from one training pass
        norm.forward(draw(distinct_array(shape)))
        norm.eval()
    return norm, draw(distinct_array(shape))


@st.composite
def layernorm_case(draw: st.DrawFn) -> tuple[bp.Layer, bp.Array]:
    f = draw(st.integers(2, 4))
    lead = tuple(draw(st.lists(SMALL, min_size=1, max_size=2)))
    norm = bp.LayerNorm(f)
    norm.params["gamma"][...] = draw(away_from_zero((f,)))
    return norm, draw(distinct_array((*lead, f)))


LAYER_CASES: dict[str, st.SearchStrategy[tuple[bp.Layer, bp.Array]]] = {
    "Dense": dense_case(),
    "Sigmoid": smooth_case(bp.Sigmoid),
    "Tanh": smooth_case(bp.Tanh),
    "ReLU": relu_case(leaky=False),
    "LeakyReLU": relu_case(leaky=True),
    "Softmax": softmax_case(),
    "Sequential": sequential_case(),
    "Conv2D": conv_case(),
    "Sequential(Conv2D, Tanh, Flatten, Dense)": cnn_case(),
    "MaxPool2D": maxpool_case(),
    "Flatten": flatten_case(),
    "RNN": rnn_case(),
    "LSTM": gated_case(bp.LSTM),
    "GRU": gated_case(bp.GRU),
    "Dropout": dropout_case(),
    "BatchNorm": batchnorm_case(),
    "LayerNorm": layernorm_case(),
}
"""Every layer, with random valid shapes and values away from kinks and ties."""


@pytest.mark.parametrize("case", LAYER_CASES.values(), ids=list(LAYER_CASES))
@GRADIENT
@given(data=st.data())
@counted
def test_layer_gradients_match_central_differences(
    case: st.SearchStrategy[tuple[bp.Layer, bp.Array]], data: st.DataObject
) -> None:
    """Finite output and gradients of the right shapes, no warning, and check_layer < 1e-7."""
    layer, x = data.draw(case)
    with strict():
        out = layer.forward(x)
        assert out.shape[0] == x.shape[0]
        dout = np.random.default_rng(data.draw(SEEDS)).normal(size=out.shape)
        dx = layer.backward(dout)
        assert dx.shape == x.shape
        assert_finite([out, dx, *layer.grads.values()], repr(layer))
        assert {k: g.shape for k, g in layer.grads.items()} == {k: p.shape for k, p in layer.params.items()}
        error = bp.check_layer(layer, x)
    assert error < 1e-7, f"{layer!r}: relative error {error:.3g}"


@st.composite
def offsets(draw: st.DrawFn, shape: tuple[int, ...]) -> bp.Array:
    """Entries of magnitude 0.1 to 2, either sign (a loss gradient that is far from 0)."""
    return draw(away_from_zero(shape)) * 0.66


@st.composite
def mse_case(draw: st.DrawFn) -> tuple[bp.Array, bp.Array]:
    shape = draw(ANY_SHAPE)
    target = draw(floats_array(shape, -3.0, 3.0))
    return target + draw(offsets(shape)), target


@st.composite
def bce_case(draw: st.DrawFn) -> tuple[bp.Array, bp.Array]:
    shape = draw(ANY_SHAPE)
    prob = draw(floats_array(shape, 0.05, 0.95))
    if draw(st.booleans()):
        return prob, (np.random.default_rng(draw(SEEDS)).random(shape) < 0.5).astype(np.float64)
    soft = prob + np.sign(draw(offsets(shape))) * draw(floats_array(shape, 0.02, 0.05))
    return prob, soft


@st.composite
def softmax_ce_case(draw: st.DrawFn) -> tuple[bp.Array, AnyArray]:
    n, c = draw(SMALL), draw(st.integers(1, 4))
    logits = draw(floats_array((n, c), -5.0, 5.0))
    rng = np.random.default_rng(draw(SEEDS))
    if draw(st.booleans()):
        return logits, rng.integers(0, c, size=n)
    weights = rng.uniform(0.01, 1.0, size=(n, c))
    return logits, weights / weights.sum(axis=1, keepdims=True)


LOSS_CASES: dict[str, tuple[Callable[[bp.Array, bp.Array], tuple[float, bp.Array]], st.SearchStrategy[Any]]] = {
    "mse": (bp.mse, mse_case()),
    "binary_cross_entropy": (bp.binary_cross_entropy, bce_case()),
    "softmax_cross_entropy": (bp.softmax_cross_entropy, softmax_ce_case()),
}


@pytest.mark.parametrize(("loss", "case"), LOSS_CASES.values(), ids=list(LOSS_CASES))
@settings(BASE, max_examples=10)
@given(data=st.data())
@counted
def test_loss_gradients_match_central_differences(
    loss: Callable[[bp.Array, bp.Array], tuple[float, bp.Array]],
    case: st.SearchStrategy[tuple[bp.Array, bp.Array]],
    data: st.DataObject,
) -> None:
    """A finite, non-negative loss, a finite gradient of the prediction's shape, and check_loss < 1e-7."""
    pred, target = data.draw(case)
    with strict():
        value, grad = loss(pred, target)
        error = bp.check_loss(loss, pred, target)
    assert np.isfinite(value)
    assert value >= -1e-12
    assert grad.shape == pred.shape
    assert_finite([grad], loss.__name__)
    assert error < 1e-7, f"relative error {error:.3g}"


@GRADIENT
@given(case=sequential_case(), seed=SEEDS)
@counted
def test_model_and_loss_gradients_match_central_differences(case: tuple[bp.Layer, bp.Array], seed: int) -> None:
    """check_model of a dense network with softmax cross-entropy on its logits < 1e-7."""
    net, x = case
    logits = bp.Sequential(*net.layers[:3]) if isinstance(net, bp.Sequential) else net
    out_features = logits.forward(x).shape[1]
    labels = np.random.default_rng(seed).integers(0, out_features, size=x.shape[0])
    with strict():
        error = bp.check_model(logits, bp.softmax_cross_entropy, x, labels)  # type: ignore[arg-type]
    assert error < 1e-7, f"relative error {error:.3g}"


# ================================================================ optimizers


@st.composite
def trained_layer(draw: st.DrawFn) -> bp.Layer:
    """A layer with parameters after one forward and backward pass on random data."""
    rng = np.random.default_rng(draw(SEEDS))
    kind = draw(st.sampled_from(["Dense", "Conv2D", "RNN", "Sequential"]))
    layer: bp.Layer
    if kind == "Dense":
        layer, x = bp.Dense(3, 2, rng=rng), rng.normal(size=(4, 3))
    elif kind == "Conv2D":
        layer, x = bp.Conv2D(2, 2, 2, padding=1, rng=rng), rng.normal(size=(2, 2, 3, 3))
    elif kind == "RNN":
        layer, x = bp.RNN(2, 3, rng=rng), rng.normal(size=(2, 3, 2))
    else:
        layer, x = bp.Sequential(bp.Dense(3, 4, rng=rng), bp.Tanh(), bp.Dense(4, 2, rng=rng)), rng.normal(size=(4, 3))
    out = layer.forward(x)
    layer.backward(rng.normal(scale=draw(st.sampled_from([1e-3, 1.0, 100.0])), size=out.shape))
    return layer


def snapshot(arrays: dict[str, bp.Array]) -> dict[str, bp.Array]:
    return {k: v.copy() for k, v in arrays.items()}


@FEW
@given(layer=trained_layer(), lr=st.floats(1e-4, 1.0), momentum=st.floats(0.0, 0.99), steps=st.integers(1, 5))
@counted
def test_sgd_step_is_minus_lr_times_gradient(layer: bp.Layer, lr: float, momentum: float, steps: int) -> None:
    """The first step moves every parameter by exactly -lr * g (with or without momentum); later ones stay finite."""
    before, grads = snapshot(layer.params), snapshot(layer.grads)
    opt = bp.SGD(lr, momentum)
    with strict():
        opt.step(layer)
        for k, p in layer.params.items():
            assert np.array_equal(p, before[k] - lr * grads[k]), k
        for _ in range(steps - 1):
            opt.step(layer)
    assert_finite(list(layer.params.values()), "SGD")


@FEW
@given(
    layer=trained_layer(),
    lr=st.floats(1e-4, 0.1),
    beta1=st.floats(0.0, 0.99),
    beta2=st.floats(0.0, 0.9999),
    eps=st.floats(1e-10, 1e-7),
    steps=st.integers(1, 5),
)
@counted
def test_adam_step_moves_against_the_gradient(
    layer: bp.Layer, lr: float, beta1: float, beta2: float, eps: float, steps: int
) -> None:
    """The first step moves each parameter against its gradient by at most lr; later ones stay finite."""
    before, grads = snapshot(layer.params), snapshot(layer.grads)
    opt = bp.Adam(lr, beta1, beta2, eps)
    with strict():
        opt.step(layer)
        for k, p in layer.params.items():
            moved, g = p - before[k], grads[k]
            assert (moved * g <= 0).all(), f"{k} moved along the gradient"
            assert (moved[np.abs(g) > 1e-6] != 0).all(), f"{k} did not move"
            assert (np.abs(moved) <= lr * (1 + 1e-9)).all(), f"{k} moved by more than lr"
        for _ in range(steps - 1):
            opt.step(layer)
    assert_finite(list(layer.params.values()), "Adam")


OPTIMIZERS: dict[str, Callable[[], bp.SGD | bp.Adam]] = {
    "SGD": lambda: bp.SGD(0.1),
    "SGD(momentum)": lambda: bp.SGD(0.5, momentum=0.9),
    "Adam": lambda: bp.Adam(0.01),
    "SGD(weight_decay)": lambda: bp.SGD(0.1, weight_decay=0.01),
    "AdamW": lambda: bp.AdamW(0.01),
}


@st.composite
def corrupted_gradient(draw: st.DrawFn, layer: bp.Layer) -> tuple[str, object]:
    """A gradient key and an invalid value for it: NaN/inf at a random index, wrong shape, wrong type."""
    key = draw(st.sampled_from(sorted(layer.grads)))
    g = layer.grads[key].copy()
    how = draw(st.sampled_from(["non-finite", "shape", "dtype", "list"]))
    if how == "non-finite":
        g.flat[draw(st.integers(0, g.size - 1))] = draw(st.sampled_from(NON_FINITE))
        return key, g
    if how == "shape":
        return key, np.zeros((*g.shape, draw(st.integers(2, 3))))
    if how == "dtype":
        return key, g.astype(draw(st.sampled_from([np.complex128, np.object_, np.str_])))
    return key, g.tolist()


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
@FEW
@given(layer=trained_layer(), data=st.data())
@counted
def test_invalid_gradient_is_rejected_before_any_update(
    make: Callable[[], bp.SGD | bp.Adam], layer: bp.Layer, data: st.DataObject
) -> None:
    """A NaN/inf entry, a wrong shape or a non-float gradient: an error naming it, and no parameter changed."""
    key, bad = data.draw(corrupted_gradient(layer))
    target = layer.layers[int(key.split(".")[0])] if isinstance(layer, bp.Sequential) else layer
    target.grads[key.split(".")[-1]] = bad  # type: ignore[assignment]
    before = snapshot(layer.params)
    opt = make()
    assert_rejected(lambda obj: opt.step(obj), layer, repr(key))  # type: ignore[arg-type]
    for k, p in layer.params.items():
        assert np.array_equal(p, before[k]), f"{k} changed by a rejected step"


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
@FEW
@given(layer=trained_layer(), data=st.data(), steps=st.integers(1, 3))
@counted
def test_extreme_gradient_keeps_parameters_finite_or_is_rejected(
    make: Callable[[], bp.SGD | bp.Adam], layer: bp.Layer, data: st.DataObject, steps: int
) -> None:
    """A finite gradient entry near the float64 limit: finite parameters after each step, or an error naming it."""
    key = data.draw(st.sampled_from(sorted(layer.grads)))
    g = layer.grads[key]
    g.flat[data.draw(st.integers(0, g.size - 1))] = data.draw(st.sampled_from(EXTREME))
    opt = make()
    for _ in range(steps):
        result = outcome(lambda obj: opt.step(obj), layer)  # type: ignore[arg-type]
        if isinstance(result, (TypeError, ValueError)):
            assert names(repr(key), str(result)), str(result)
            return
        assert_finite(list(layer.params.values()), f"{type(opt).__name__} with gradient {key}")


def _norm(arrays: list[bp.Array]) -> float:
    scale = max(float(np.max(np.abs(a))) for a in arrays)
    if scale == 0.0:
        return 0.0
    return scale * float(np.sqrt(sum(float(np.sum((a / scale) ** 2)) for a in arrays)))


@FEW
@given(
    layer=trained_layer(),
    max_norm=st.floats(1e-3, 10.0),
    huge=st.one_of(st.none(), st.sampled_from(EXTREME)),
    data=st.data(),
)
@counted
def test_clip_grad_norm_caps_the_norm_and_keeps_the_direction(
    layer: bp.Layer, max_norm: float, huge: float | None, data: st.DataObject
) -> None:
    """Returns the global norm before clipping; afterwards the norm is at most max_norm, direction unchanged.

    With one entry near the float64 limit the gradients are still finite, and so is their norm.
    """
    if huge is not None:
        g = layer.grads[data.draw(st.sampled_from(sorted(layer.grads)))]
        g.flat[data.draw(st.integers(0, g.size - 1))] = huge
    before = snapshot(layer.grads)
    true_norm = _norm(list(before.values()))
    with strict():
        total = bp.clip_grad_norm(layer, max_norm)
    assert np.isclose(total, true_norm, rtol=1e-9), (total, true_norm)
    after = layer.grads
    assert _norm(list(after.values())) <= max_norm * (1 + 1e-9)
    for k, g in after.items():
        expected = before[k] * (max_norm / true_norm) if true_norm > max_norm else before[k]
        np.testing.assert_allclose(g, expected, rtol=1e-12, atol=0)


# ================================================================ the count


def test_examples_drawn() -> None:
    """The properties above drew at least MIN_EXAMPLES examples (pytest runs this file's tests in order).

    A property that fails stops drawing at its first counterexample (and then shrinks it), so
    while one fails the total can fall short: the message lists every property's count.
    """
    missing = sorted(PROPERTIES - set(DRAWN))
    total = sum(DRAWN.values())
    detail = ", ".join(f"{name}: {count}" for name, count in sorted(DRAWN.items()))
    assert not missing, f"these properties did not run (run the whole module): {missing}"
    assert total >= MIN_EXAMPLES, f"only {total} examples drawn ({detail})"
