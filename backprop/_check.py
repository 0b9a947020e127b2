"""Input validation shared by every public function.

Each check raises a ``TypeError`` or ``ValueError`` whose message names what was
expected and what was given, so that a wrong shape never broadcasts silently
into a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np

from backprop._types import Array

T = TypeVar("T")


MAX_MAGNITUDE = 1e100
"""The largest magnitude a layer's or loss's input may have.

Products of two such numbers, summed over any realistic size, stay far below float64's
largest value (1.8e308), so no forward or backward pass can overflow. Anything larger in a
network is a sign of divergence, and `as_float_array` refuses it by name.
"""


def in_range(x: Array) -> bool:
    """Whether every entry of the float64 array ``x`` lies within ±`MAX_MAGNITUDE` (a NaN does not).

    Examples:
        >>> import numpy as np
        >>> from backprop._check import in_range
        >>> in_range(np.array([1.0, -1e100])), in_range(np.array([1.0, np.nan])), in_range(np.array([2e100]))
        (True, False, False)
    """
    if x.size <= 4096:  # small: one temporary and one pass are the cheapest
        return bool(np.abs(x).max() <= MAX_MAGNITUDE)
    if x.flags.c_contiguous:  # large: one BLAS pass first. A sum of squares below 0.99·1e200 rules out
        flat = x.reshape(-1)  # any entry beyond ±1e100; a NaN or inf makes the sum NaN or inf
        with np.errstate(over="ignore", invalid="ignore"):
            if np.dot(flat, flat) <= 0.99 * MAX_MAGNITUDE**2:
                return True
    return bool(x.min() >= -MAX_MAGNITUDE) and bool(x.max() <= MAX_MAGNITUDE)  # two passes, no copy


class MagnitudeError(ValueError):
    """An array holds an entry beyond ±`MAX_MAGNITUDE`: raised by `as_float_array`.

    Attributes:
        largest: the largest magnitude in the array.
    """

    def __init__(self, message: str, largest: float) -> None:
        super().__init__(message)
        self.largest = largest


class DivergenceError(ValueError):
    """Training diverged: a step would send a parameter, or a forward or backward pass sends a
    layer's input, to NaN, inf or beyond ±1e100 (`MAX_MAGNITUDE`).

    An optimizer raises it before writing anything (``step``, ``parameter``, ``lr`` and
    ``value`` say which update it refused); a `backprop.Sequential` raises it when one
    layer's output is too large for the next layer to take.

    Attributes:
        reason: what went out of range, in words.
        step: the number of the refused step (the first step is 1), or None.
        parameter: the key of the offending parameter in ``layer.params``, or None.
        lr: the learning rate of that step, or None.
        value: the worst value the step would have written (NaN, ±inf or a huge number), or None.
        epoch: the epoch (from 1) in which it happened, when a training loop records it (`during`).
        loss: the loss of the last batch that loop computed, or None.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> layer = bp.Dense.from_arrays(np.array([[1.0]]), np.array([0.0]))
        >>> _ = layer.forward(np.array([[2.0]]))
        >>> _ = layer.backward(np.array([[1.0]]))
        >>> bp.SGD(lr=1e300).step(layer)
        Traceback (most recent call last):
        ...
        backprop.DivergenceError: step 1 would make parameter 'W' -2.0e+300, beyond ±1e+100, with lr=1e+300: ...
        >>> layer.params["W"].tolist()   # nothing was written
        [[1.0]]
    """

    def __init__(
        self, reason: str, *, step: int | None = None, parameter: str | None = None, lr: float | None = None,
        value: float | None = None,
    ) -> None:
        self.reason, self.step, self.parameter, self.lr, self.value = reason, step, parameter, lr, value
        self.epoch: int | None = None
        self.loss: float | None = None
        lr_part = f" with lr={lr}" if lr is not None else ""
        super().__init__(f"{reason}{lr_part}: training diverged; try a smaller learning rate")

    @classmethod
    def refused_step(cls, step: int, parameter: str, lr: float, value: float) -> DivergenceError:
        """The error of an optimizer step that would have written ``value`` into ``parameter``.

        Examples:
            >>> from backprop import DivergenceError
            >>> print(DivergenceError.refused_step(7, "0.W", 10.0, float("inf")))
            step 7 would make parameter '0.W' non-finite (inf) with lr=10.0: training diverged; try a smaller ...
        """
        what = f"non-finite ({value})" if not np.isfinite(value) else f"{value:.1e}, beyond ±{MAX_MAGNITUDE:.0e},"
        return cls(f"step {step} would make parameter {parameter!r} {what}", step=step, parameter=parameter,
                   lr=lr, value=value)

    def during(self, epoch: int | None = None, loss: float | None = None) -> None:
        """Record the epoch (from 1) and the last batch loss of the training loop, before it re-raises.

        An inner loop records first: what it set is kept, and only what is still None is filled in.

        Examples:
            >>> from backprop import DivergenceError
            >>> exc = DivergenceError("the loss exploded")
            >>> exc.during(3, 812.5)
            >>> exc.epoch, exc.loss
            (3, 812.5)
        """
        if self.epoch is None:
            self.epoch = epoch
        if self.loss is None:
            self.loss = loss


DivergenceError.__module__ = "backprop"  # its public name


def plain_array(x: object, name: str) -> Array:
    """``x`` itself if it is a base ``numpy.ndarray``; a subclass or a non-array raises ``TypeError``.

    A ``numpy.matrix`` turns ``*`` into a matrix product and a masked array's mask would be
    ignored by the arithmetic, so both would give a wrong answer without a word.

    Examples:
        >>> import numpy as np
        >>> from backprop._check import plain_array
        >>> plain_array(np.ma.masked_array([1.0, 2.0], mask=[0, 1]), "x")
        Traceback (most recent call last):
        ...
        TypeError: x must be a plain numpy.ndarray, got numpy.ma.MaskedArray; pass np.asarray(x), or ...
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    if type(x) is not np.ndarray:
        kind = type(x)
        raise TypeError(
            f"{name} must be a plain numpy.ndarray, got {kind.__module__.replace('numpy.ma.core', 'numpy.ma')}."
            f"{kind.__qualname__}; pass np.asarray({name}), or {name}.filled(value) for a masked array"
        )
    return x


def as_float_array(
    x: object, name: str, *, ndim: int | Iterable[int] | None = None, finite: bool = True, bounded: bool = True
) -> Array:
    """Return ``x`` as a float64 array after checking type, rank, size and magnitude.

    Args:
        x: the value to check; must be a plain ``numpy.ndarray`` (not a subclass such as
            ``numpy.matrix`` or a masked array) of a floating dtype.
        name: how the value is called in error messages.
        ndim: the allowed number of dimensions (one int or several), or None for any.
        finite: reject NaN and inf (False lets anything through, for elementwise math that
            cannot overflow).
        bounded: with ``finite``, also reject entries beyond ±`MAX_MAGNITUDE` (False for
            values that are only measured, such as the arguments of a norm).

    Returns:
        ``x`` itself when it is already float64, otherwise a float64 copy.

    Raises:
        TypeError: ``x`` is not a plain ndarray, or its dtype is not floating point.
        ValueError: wrong rank, no elements, or (when ``finite``) a NaN, an inf or an
            entry beyond ±`MAX_MAGNITUDE` (when ``bounded``).

    Examples:
        >>> import numpy as np
        >>> from backprop._check import as_float_array
        >>> as_float_array(np.array([[1.0, 2.0]]), "x", ndim=2).shape
        (1, 2)
        >>> as_float_array(np.array([1, 2]), "x")
        Traceback (most recent call last):
        ...
        TypeError: x must be a floating-point array (float64 or float32), got dtype int64
        >>> as_float_array(np.array([1.0, 3e200]), "x")
        Traceback (most recent call last):
        ...
        backprop._check.MagnitudeError: x has entries as large as 3e+200, beyond ±1e+100: a forward or ...
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of floats, got {type(x).__name__}")
    x = plain_array(x, name)
    if x.dtype.kind != "f":
        raise TypeError(
            f"{name} must be a floating-point array (float64 or float32), got dtype {x.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got {x.ndim}-D array of shape {x.shape}")
    if x.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {x.shape}")
    if x.dtype != np.float64:
        x = x.astype(np.float64)
    if finite and not (in_range(x) if bounded else np.isfinite(x).all()):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} must be finite, got NaN or inf in array of shape {x.shape}")
        largest = float(np.max(np.abs(x)))
        raise MagnitudeError(
            f"{name} has entries as large as {largest:.3g}, beyond ±{MAX_MAGNITUDE:.0e}: "
            "a forward or backward pass would overflow float64; rescale it",
            largest,
        )
    return x


def check_shape(x: Array, name: str, expected: tuple[int | None, ...]) -> None:
    """Raise ``ValueError`` unless ``x.shape`` matches ``expected`` (None matches any size).

    Examples:
        >>> import numpy as np
        >>> from backprop._check import check_shape
        >>> check_shape(np.zeros((4, 3)), "x", (None, 2))
        Traceback (most recent call last):
        ...
        ValueError: x must have shape (N, 2), got (4, 3)
    """
    ok = x.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, x.shape, strict=True)
    )
    if not ok:
        want = ", ".join("N" if e is None else str(e) for e in expected)
        if len(expected) == 1:
            want += ","
        raise ValueError(f"{name} must have shape ({want}), got {x.shape}")


def positive_int(value: object, name: str) -> int:
    """Return ``value`` if it is an int ≥ 1, else raise.

    Examples:
        >>> from backprop._check import positive_int
        >>> positive_int(3, "n_in")
        3
        >>> positive_int(0, "n_in")
        Traceback (most recent call last):
        ...
        ValueError: n_in must be a positive integer, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def positive_float(value: object, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is finite and > 0 (or ≥ 0 with ``allow_zero``).

    Examples:
        >>> from backprop._check import positive_float
        >>> positive_float(0.5, "lr")
        0.5
        >>> positive_float(-1.0, "lr")
        Traceback (most recent call last):
        ...
        ValueError: lr must be a finite number > 0, got -1.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    v = float(value)
    ok = np.isfinite(v) and (v >= 0 if allow_zero else v > 0)
    if not ok:
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {v}")
    return v


def make_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Turn a seed, a Generator or None (a fresh unseeded generator) into a Generator.

    Examples:
        >>> from backprop._check import make_rng
        >>> int(make_rng(0).integers(10))
        8
        >>> make_rng(-1)
        Traceback (most recent call last):
        ...
        ValueError: rng must be a non-negative int seed, a numpy.random.Generator or None, got -1
    """
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        if rng is not None and rng < 0:
            raise ValueError(f"rng must be a non-negative int seed, a numpy.random.Generator or None, got {rng}")
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise TypeError(f"rng must be an int seed, a numpy.random.Generator or None, got {type(rng).__name__}")


def nonnegative_int(value: object, name: str) -> int:
    """Return ``value`` if it is an int ≥ 0, else raise.

    Examples:
        >>> from backprop._check import nonnegative_int
        >>> nonnegative_int(0, "padding")
        0
        >>> nonnegative_int(-1, "padding")
        Traceback (most recent call last):
        ...
        ValueError: padding must be a non-negative integer, got -1
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def require_forward(cache: T | None, owner: str) -> T:
    """Return what ``owner``'s forward pass cached for its backward pass, or raise if there is none.

    Examples:
        >>> from backprop._check import require_forward
        >>> require_forward((1, 2), "Dense")
        (1, 2)
        >>> require_forward(None, "Dense")
        Traceback (most recent call last):
        ...
        RuntimeError: Dense.backward called before forward
    """
    if cache is None:
        raise RuntimeError(f"{owner}.backward called before forward")
    return cache


def check_dout(dout: object, out: Array) -> Array:
    """``dout`` as a float array with the shape of the forward output ``out``, else raise.

    Examples:
        >>> import numpy as np
        >>> from backprop._check import check_dout
        >>> check_dout(np.ones((2, 3)), np.zeros((3, 2)))
        Traceback (most recent call last):
        ...
        ValueError: dout must have the shape of the forward output (3, 2), got (2, 3)
    """
    d = as_float_array(dout, "dout")
    if d.shape != out.shape:
        raise ValueError(f"dout must have the shape of the forward output {out.shape}, got {d.shape}")
    return d


def safe_norm(*arrays: Array) -> float:
    """The Euclidean norm of all entries of ``arrays`` together, without overflow or underflow.

    Each entry is divided by the largest magnitude first, so gradients of 1e200 give a
    finite 1.4e200 where ``sqrt(sum(x**2))`` would give inf.

    Examples:
        >>> import numpy as np
        >>> from backprop._check import safe_norm
        >>> print(f"{safe_norm(np.array([1e200, 1e200])):.3e}", safe_norm(np.array([3.0]), np.array([4.0])))
        1.414e+200 5.0
        >>> safe_norm(np.zeros(3))
        0.0
    """
    scale = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if scale == 0.0 or not np.isfinite(scale):
        return scale
    return scale * float(np.sqrt(sum(float(np.sum(np.square(a / scale))) for a in arrays)))
