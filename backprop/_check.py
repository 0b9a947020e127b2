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


def as_float_array(
    x: object, name: str, *, ndim: int | Iterable[int] | None = None, finite: bool = True
) -> Array:
    """Return ``x`` as a float64 array after checking type, rank, size and finiteness.

    Args:
        x: the value to check; must be a ``numpy.ndarray`` of a floating dtype.
        name: how the value is called in error messages.
        ndim: the allowed number of dimensions (one int or several), or None for any.
        finite: reject NaN and inf entries (False lets them through, for elementwise math).

    Returns:
        ``x`` itself when it is already float64, otherwise a float64 copy.

    Raises:
        TypeError: ``x`` is not an ndarray, or its dtype is not floating point.
        ValueError: wrong rank, no elements, or a NaN/inf entry (when ``finite``).

    Examples:
        >>> import numpy as np
        >>> from backprop._check import as_float_array
        >>> as_float_array(np.array([[1.0, 2.0]]), "x", ndim=2).shape
        (1, 2)
        >>> as_float_array(np.array([1, 2]), "x")
        Traceback (most recent call last):
        ...
        TypeError: x must be a floating-point array (float64 or float32), got dtype int64
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of floats, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
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
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{name} must be finite, got NaN or inf in array of shape {x.shape}")
    return x.astype(np.float64, copy=False)


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
