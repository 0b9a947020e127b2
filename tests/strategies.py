"""Hypothesis strategies and argument tables for the property-based tests (tests/test_properties.py).

A `Slot` is one array argument of one public call (``Dense.forward``'s ``x``, ``mse``'s ``target``,
``Conv2D.backward``'s ``dout``...) with every other argument fixed and valid. It knows the valid
shapes and values of that argument, so a test can derive an invalid value from a valid one by
changing exactly one thing: the rank, one size, the dtype, the class, one entry.

The cheap invalid-input properties draw a single seed per example and derive the whole value
from ``numpy.random.default_rng(seed)`` (`valid`, `wrong_shape`, `bad_dtype`...): every further
Hypothesis draw costs about as much as the call under test, and these properties run thousands
of examples. The gradient checks, which run few, use ordinary strategies (`floats_array`...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
from hypothesis import strategies as st

import backprop as bp

L = TypeVar("L")
Shape = tuple[int, ...]
AnyArray = npt.NDArray[Any]
Values = Callable[[np.random.Generator, Shape], bp.Array]

SEEDS = st.integers(0, 2**32 - 1)
"""Seeds for the NumPy generator that fills an array."""

LAYER_CLASSES: tuple[type, ...] = (
    bp.Dense,
    bp.Sigmoid,
    bp.Tanh,
    bp.ReLU,
    bp.LeakyReLU,
    bp.Softmax,
    bp.Sequential,
    bp.Conv2D,
    bp.MaxPool2D,
    bp.Flatten,
    bp.RNN,
    bp.LSTM,
    bp.GRU,
    bp.Dropout,
    bp.BatchNorm,
    bp.LayerNorm,
)
"""Every public layer class."""


# ---------------------------------------------------------------- values


def normal(rng: np.random.Generator, shape: Shape) -> bp.Array:
    """Moderate values: standard normal entries."""
    return rng.normal(size=shape)


def probabilities(rng: np.random.Generator, shape: Shape) -> bp.Array:
    """Probabilities well inside (0, 1), away from the clipping of binary_cross_entropy."""
    return rng.uniform(0.05, 0.95, size=shape)


def binary(rng: np.random.Generator, shape: Shape) -> bp.Array:
    """Hard 0/1 labels as floats."""
    return rng.integers(0, 2, size=shape).astype(np.float64)


def one_hot(rng: np.random.Generator, shape: Shape) -> bp.Array:
    """One-hot rows along the last axis (any rank; a 0-d result is 1.0)."""
    if not shape:
        return np.array(1.0)
    hot = rng.integers(0, max(shape[-1], 1), size=shape[:-1])
    out = np.zeros(shape)
    if out.size:
        np.put_along_axis(out, hot[..., None], 1.0, axis=-1)
    return out


# ---------------------------------------------------------------- slots

ShapeFn = Callable[[np.random.Generator], Shape]


@dataclass(frozen=True)
class Slot:
    """One array argument of one public call, the other arguments fixed and valid.

    Attributes:
        id: the test id, e.g. ``"Dense.forward(x)"``.
        arg: the argument's name; every error message about it must contain this.
        call: makes the call with the value as this argument (``backward`` after a valid
            ``forward``) and returns every array it produced (output, and for ``backward`` the ``grads``).
        shapes: draws a valid shape.
        values: fills a valid shape with valid values (works for any shape).
        ranks: the valid ranks, or None if any rank of at least 1 is valid.
        fixed: the axes whose size the other arguments fix (another size there is invalid).
        minimum: ``(axis, smallest valid size)`` pairs (a kernel must fit in the image).
        partner: the other argument whose shape this one must match, if any: a message about a
            mismatch may name either of the two.
        none_ok: None is a valid value (``h0``: start from zeros).
    """

    id: str
    arg: str
    call: Callable[[object], list[AnyArray]]
    shapes: ShapeFn
    values: Values = normal
    ranks: tuple[int, ...] | None = None
    fixed: tuple[int, ...] = ()
    minimum: tuple[tuple[int, int], ...] = ()
    partner: str | None = None
    none_ok: bool = False

    @property
    def shape_checked(self) -> bool:
        """Whether some shape of the right dtype is invalid here."""
        return self.ranks is not None or bool(self.fixed) or bool(self.minimum)

    def __repr__(self) -> str:
        return self.id


def dims(*sizes: int | tuple[int, int]) -> ShapeFn:
    """Shapes whose axes are the given sizes, or drawn from inclusive ``(low, high)`` ranges."""

    def draw(rng: np.random.Generator) -> Shape:
        return tuple(s if isinstance(s, int) else int(rng.integers(s[0], s[1] + 1)) for s in sizes)

    return draw


def any_shape(min_rank: int = 1, max_rank: int = 4) -> ShapeFn:
    """Shapes of rank ``min_rank`` to ``max_rank`` with sizes 1 to 3."""

    def draw(rng: np.random.Generator) -> Shape:
        return tuple(int(s) for s in rng.integers(1, 4, size=int(rng.integers(min_rank, max_rank + 1))))

    return draw


def _once(make: Callable[[], L]) -> Callable[[], L]:
    """``make``, called on first use only: building a layer draws its weights, which costs more than the call."""
    made: list[L] = []

    def get() -> L:
        if not made:
            made.append(make())
        return made[0]

    return get


def _forward(make: Callable[[], bp.Layer]) -> Callable[[object], list[AnyArray]]:
    layer = _once(make)

    def call(value: object) -> list[AnyArray]:
        return [layer().forward(value)]  # type: ignore[arg-type]

    return call


def _backward(make: Callable[[], bp.Layer], x_shape: Shape) -> tuple[Callable[[object], list[AnyArray]], Shape]:
    """The ``backward`` call after a valid forward pass on a fixed input, and that output's shape."""
    x = np.random.default_rng(0).normal(size=x_shape)
    layer = make()
    out_shape = layer.forward(x).shape  # backward never changes what forward cached

    def call(value: object) -> list[AnyArray]:
        dx = layer.backward(value)  # type: ignore[arg-type]
        return [dx, *layer.grads.values()]

    return call, out_shape


def _net() -> bp.Sequential:
    return bp.Sequential(bp.Dense(3, 4, rng=0), bp.Tanh(), bp.Dense(4, 2, rng=1))


_RNN = _once(lambda: bp.RNN(2, 3, rng=0))


def _rnn_h0(value: object) -> list[AnyArray]:
    return [_RNN().forward(np.ones((2, 4, 2)), h0=value)]  # type: ignore[arg-type]


N = (1, 4)
"""Batch sizes."""

LAYERS: tuple[tuple[str, Callable[[], bp.Layer], ShapeFn, Shape, dict[str, Any]], ...] = (
    # name, factory, valid input shapes, the input shape for backward, the input's constraints
    ("Dense", lambda: bp.Dense(3, 2, rng=0), dims(N, 3), (2, 3), {"ranks": (2,), "fixed": (1,)}),
    ("Sigmoid", bp.Sigmoid, any_shape(), (2, 3), {}),
    ("Tanh", bp.Tanh, any_shape(), (2, 3), {}),
    ("ReLU", bp.ReLU, any_shape(), (2, 3), {}),
    ("LeakyReLU", lambda: bp.LeakyReLU(0.1), any_shape(), (2, 3), {}),
    ("Softmax", bp.Softmax, dims(N, (1, 4)), (2, 3), {"ranks": (2,)}),
    ("Sequential", _net, dims(N, 3), (2, 3), {"ranks": (2,), "fixed": (1,)}),
    ("Conv2D", lambda: bp.Conv2D(2, 3, 3, rng=0), dims((1, 2), 2, (3, 5), (3, 5)), (2, 2, 4, 5),
     {"ranks": (4,), "fixed": (1,), "minimum": ((2, 3), (3, 3))}),
    ("MaxPool2D", lambda: bp.MaxPool2D(2), dims((1, 2), (1, 3), (2, 5), (2, 5)), (2, 1, 4, 5),
     {"ranks": (4,), "minimum": ((2, 2), (3, 2))}),
    ("Flatten", bp.Flatten, any_shape(2, 4), (2, 3, 2), {"ranks": (2, 3, 4, 5)}),
    ("RNN", lambda: bp.RNN(2, 3, rng=0), dims(N, (1, 4), 2), (2, 4, 2), {"ranks": (3,), "fixed": (2,)}),
    ("RNN(return_sequences)", lambda: bp.RNN(2, 3, return_sequences=True, rng=0), dims(N, (1, 4), 2), (2, 4, 2),
     {"ranks": (3,), "fixed": (2,)}),
    ("LSTM", lambda: bp.LSTM(2, 3, rng=0), dims(N, (1, 4), 2), (2, 4, 2), {"ranks": (3,), "fixed": (2,)}),
    ("GRU", lambda: bp.GRU(2, 3, return_sequences=True, rng=0), dims(N, (1, 4), 2), (2, 4, 2),
     {"ranks": (3,), "fixed": (2,)}),
    ("Dropout", lambda: bp.Dropout(0.5, rng=0), any_shape(), (2, 3), {}),
    ("BatchNorm", lambda: bp.BatchNorm(3), dims((2, 4), 3), (2, 3), {"ranks": (2, 4), "fixed": (1,)}),
    ("BatchNorm(images)", lambda: bp.BatchNorm(2), dims((2, 3), 2, (1, 3), (1, 3)), (2, 2, 3, 3),
     {"ranks": (2, 4), "fixed": (1,)}),
    ("LayerNorm", lambda: bp.LayerNorm(3), dims(N, 3), (2, 3), {"ranks": (2, 3, 4, 5), "fixed": (1,)}),
)
"""Every layer, with a small valid configuration."""


def _layer_slots() -> list[Slot]:
    slots = []
    for name, make, shapes, x_shape, constraints in LAYERS:
        slots.append(Slot(f"{name}.forward(x)", "x", _forward(make), shapes, **constraints))
        back, out_shape = _backward(make, x_shape)
        every_axis = tuple(range(len(out_shape)))
        slots.append(Slot(f"{name}.backward(dout)", "dout", back, dims(*out_shape),
                          ranks=(len(out_shape),), fixed=every_axis))
    slots.append(Slot("RNN.forward(x, h0)", "h0", _rnn_h0, dims(2, 3), ranks=(2,), fixed=(0, 1), none_ok=True))
    return slots


T23 = np.random.default_rng(1).normal(size=(2, 3))
P23 = np.random.default_rng(2).uniform(0.05, 0.95, size=(2, 3))
Y23 = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
LABELS = np.array([2, 0])


def _fixed_23(
    id: str,
    arg: str,
    call: Callable[[object], list[AnyArray]],
    values: Values = normal,
    partner: str | None = None,
    fixed: tuple[int, ...] = (0, 1),
) -> Slot:
    """A slot whose valid shape is (2, 3), the other argument's (or (2, C), C >= 3, when only N is fixed)."""
    shapes = dims(2, 3) if fixed == (0, 1) else dims(2, (3, 5))
    return Slot(id, arg, call, shapes, values, ranks=(2,), fixed=fixed, partner=partner)


def _loss_slots() -> list[Slot]:
    def loss(value: object, fn: Callable[..., tuple[float, bp.Array]], *args: object, at: int) -> list[AnyArray]:
        full = [*args]
        full.insert(at, value)
        result, grad = fn(*full)
        return [np.array(result), grad]

    return [
        _fixed_23("mse(pred)", "pred", lambda v: loss(v, bp.mse, T23, at=0), partner="target"),
        _fixed_23("mse(target)", "target", lambda v: loss(v, bp.mse, T23, at=1), partner="pred"),
        _fixed_23("binary_cross_entropy(prob)", "prob", lambda v: loss(v, bp.binary_cross_entropy, Y23, at=0),
                  probabilities, partner="target"),
        _fixed_23("binary_cross_entropy(target)", "target", lambda v: loss(v, bp.binary_cross_entropy, P23, at=1),
                  binary, partner="prob"),
        _fixed_23("softmax_cross_entropy(logits)", "logits",  # integer labels fix N only: any C > max label
                  lambda v: loss(v, bp.softmax_cross_entropy, LABELS, at=0), partner="labels", fixed=(0,)),
        _fixed_23("softmax_cross_entropy(labels)", "labels",
                  lambda v: loss(v, bp.softmax_cross_entropy, T23, at=1), one_hot, partner="logits"),
    ]


def _check_slots() -> list[Slot]:
    dense = _once(lambda: bp.Dense(3, 2, rng=0))

    def layer(value: object) -> list[AnyArray]:
        return [np.array(bp.check_layer(dense(), value))]  # type: ignore[arg-type]

    def loss(value: object) -> list[AnyArray]:
        return [np.array(bp.check_loss(bp.mse, value, T23))]  # type: ignore[arg-type]

    return [
        Slot("check_layer(x)", "x", layer, dims(N, 3), ranks=(2,), fixed=(1,)),
        _fixed_23("check_loss(pred)", "pred", loss),
    ]


SLOTS: list[Slot] = [*_layer_slots(), *_loss_slots(), *_check_slots()]
"""Every array argument of every layer's forward and backward, every loss and the two checks."""


# ---------------------------------------------------------------- values derived from one seed
#
# Each takes the slot and a generator seeded by the example's one drawn seed, and returns
# a description (shown when a property fails) and the value.

Made = tuple[str, object]


def valid(slot: Slot, rng: np.random.Generator) -> tuple[str, bp.Array]:
    """A valid value of a valid shape."""
    shape = slot.shapes(rng)
    return f"valid, shape {shape}", slot.values(rng, shape)


def wrong_shape(slot: Slot, rng: np.random.Generator) -> Made:
    """Valid values in an invalid shape: another rank, another size of a fixed axis, or too small."""
    shape = list(slot.shapes(rng))
    options = [name for name, ok in (("rank", slot.ranks is not None), ("size", slot.fixed),
                                     ("small", slot.minimum)) if ok]
    how = options[int(rng.integers(len(options)))]
    if how == "rank":
        assert slot.ranks is not None
        wrong = [r for r in range(6) if r not in slot.ranks]
        rank = wrong[int(rng.integers(len(wrong)))]
        shape = (shape + [int(s) for s in rng.integers(1, 4, size=6)])[:rank]
    elif how == "size":
        axis = slot.fixed[int(rng.integers(len(slot.fixed)))]
        shape[axis] = int(rng.choice([s for s in range(1, 7) if s != shape[axis]]))
    else:
        axis, smallest = slot.minimum[int(rng.integers(len(slot.minimum)))]
        shape[axis] = int(rng.integers(1, smallest))
    return f"shape {tuple(shape)} ({how})", slot.values(rng, tuple(shape))


BAD_DTYPES: tuple[type, ...] = (np.int64, np.int32, np.uint8, np.bool_, np.complex128, np.complex64, np.object_,
                                np.str_)
"""Dtypes that are not floating point."""


def bad_dtype(slot: Slot, rng: np.random.Generator) -> Made:
    """A valid value cast to an integer, bool, complex, object or string dtype."""
    dtype = BAD_DTYPES[int(rng.integers(len(BAD_DTYPES)))]
    return f"dtype {dtype.__name__}", valid(slot, rng)[1].astype(dtype)


def empty(slot: Slot, rng: np.random.Generator) -> Made:
    """A float array with one zero-length axis."""
    shape = list(slot.shapes(rng))
    shape[int(rng.integers(len(shape)))] = 0
    return f"empty, shape {tuple(shape)}", np.zeros(shape)


def to_matrix(a: AnyArray) -> AnyArray:
    """``a`` as a 2-D ``numpy.matrix`` (a view; ``np.matrix(...)`` itself warns)."""
    two_d = a.reshape(1, -1) if a.ndim < 2 else a.reshape(a.shape[0], -1)
    return two_d.view(np.matrix)


def subclassed(slot: Slot, rng: np.random.Generator) -> Made:
    """A valid value as a ``numpy.matrix`` or a masked array (nothing, some or every entry masked)."""
    a = valid(slot, rng)[1]
    if rng.integers(2):
        return "numpy.matrix", to_matrix(a)
    fraction = float(rng.choice([0.0, 0.3, 1.0]))
    return f"masked array ({fraction:.0%} masked)", np.ma.masked_array(a, mask=rng.random(a.shape) < fraction)


def with_entry(slot: Slot, rng: np.random.Generator, entries: tuple[float, ...]) -> Made:
    """A valid value with one entry at a random index, or every entry, replaced by one of ``entries``."""
    a = valid(slot, rng)[1]
    value = float(entries[int(rng.integers(len(entries)))])
    if rng.integers(5) == 0:
        a[...] = value
        return f"every entry {value}, shape {a.shape}", a
    index = int(rng.integers(a.size))
    a.flat[index] = value
    return f"entry {np.unravel_index(index, a.shape)} = {value}, shape {a.shape}", a


NON_FINITE = (np.nan, np.inf, -np.inf)
EXTREME = (1e308, -1e308, float(np.finfo(np.float64).max), -float(np.finfo(np.float64).max), 1e200, -1e200, 1e155)
"""Finite values at the edge of float64: squares and sums of them overflow."""


def non_finite(slot: Slot, rng: np.random.Generator) -> Made:
    """A NaN, inf or -inf entry."""
    return with_entry(slot, rng, NON_FINITE)


def extreme(slot: Slot, rng: np.random.Generator) -> Made:
    """An entry (or every entry) near the float64 limit."""
    return with_entry(slot, rng, EXTREME)


def not_an_array(slot: Slot, rng: np.random.Generator) -> Made:
    """Something that is not a NumPy array: a list, tuple, scalar, None, string, dict, or a class."""
    a = valid(slot, rng)[1]
    options: list[object] = [a.tolist(), tuple(a.tolist()), float(a.flat[0]), "x", {"x": a}, np.ndarray, float,
                             *LAYER_CLASSES, *([] if slot.none_ok else [None])]
    value = options[int(rng.integers(len(options)))]
    return f"{type(value).__name__} {value!r:.60}", value


# ---------------------------------------------------------------- valid inputs for gradient checks

SMALL = st.integers(1, 3)
ANY_SHAPE = st.lists(SMALL, min_size=1, max_size=4).map(tuple)
"""Shapes of rank 1 to 4, for the elementwise layers and losses."""


def floats_array(shape: Shape, lo: float = -2.0, hi: float = 2.0) -> st.SearchStrategy[bp.Array]:
    """float64 arrays of ``shape`` with entries in ``[lo, hi]``, none within 0.1 of zero unless ``lo > 0``.

    Near-zero inputs make some gradients (an RNN's dL/dW_h through a state of 1e-38) smaller
    than what a central difference can resolve, and the relative error of that parameter
    meaningless; a magnitude of at least 0.1 keeps every check well conditioned. The entries
    come from one drawn seed (see the module docstring).
    """

    def fill(seed: int) -> bp.Array:
        rng = np.random.default_rng(seed)
        if lo > 0:
            return rng.uniform(lo, hi, size=shape)
        sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        return np.where(sign < 0, rng.uniform(0.1, -lo, size=shape), rng.uniform(0.1, hi, size=shape)) * sign

    return SEEDS.map(fill)


def away_from_zero(shape: Shape) -> st.SearchStrategy[bp.Array]:
    """Arrays whose entries are at least 0.05 from 0 (no ReLU kink within a finite-difference step)."""

    def fill(seed: int) -> bp.Array:
        rng = np.random.default_rng(seed)
        return rng.uniform(0.05, 3.0, size=shape) * np.where(rng.random(shape) < 0.5, -1.0, 1.0)

    return SEEDS.map(fill)


def distinct_array(shape: Shape) -> st.SearchStrategy[bp.Array]:
    """Arrays whose entries differ pairwise by at least 0.1 (no max-pool tie within a step)."""
    size = int(np.prod(shape))

    def fill(seed: int) -> bp.Array:
        order = np.random.default_rng(seed).permutation(size).astype(np.float64)
        return (order * 0.1 - 0.05 * size).reshape(shape)

    return SEEDS.map(fill)
