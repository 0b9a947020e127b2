"""Bad input to every public name of backprop (and DeepNetwork): a clear error, never a silent broadcast.

Each case is (public name, call, exception, pattern). The pattern names what was expected and,
wherever there is something to show, what was given.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop.deep import DeepNetwork

Thunk = Callable[[Path], object]
Case = tuple[str, Thunk, type[Exception], str]


def bad(value: object) -> Any:
    """Pass a deliberately ill-typed value without a type: ignore at every call."""
    return value


def _nan(shape: tuple[int, ...]) -> bp.Array:
    a = np.zeros(shape)
    a.flat[-1] = np.nan
    return a


def _inf(shape: tuple[int, ...]) -> bp.Array:
    a = np.zeros(shape)
    a.flat[0] = -np.inf
    return a


def _after_forward(layer: bp.Layer, x: bp.Array) -> bp.Layer:
    layer.forward(x)
    return layer


def _with_grads(grads: dict[str, bp.Array]) -> bp.Layer:
    layer = bp.Dense(2, 3, rng=0)
    layer.grads.clear()
    layer.grads.update(grads)
    return layer


def _saved(tmp: Path, name: str = "dense.npz", **arrays: bp.Array) -> Path:
    path = tmp / name
    if arrays:
        with path.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
    else:
        bp.save_params(bp.Dense(2, 3, rng=0), path)
    return path


def _text_file(tmp: Path) -> Path:
    path = tmp / "notes.npz"
    path.write_text("not a zip archive")
    return path


def _npy_as_npz(tmp: Path) -> Path:
    path = tmp / "single.npz"
    with path.open("wb") as fh:
        np.save(fh, np.zeros(3))
    return path


def _matrix(shape: tuple[int, int]) -> np.ndarray:
    """A ``numpy.matrix`` of zeros (NumPy warns that the class itself is discouraged)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(np.zeros(shape))


X43 = np.zeros((4, 3))
X42 = np.zeros((4, 2))


def NET() -> bp.Sequential:  # noqa: N802 (reads like the constant network it builds)
    return bp.Sequential(bp.Dense(3, 4, rng=0), bp.Tanh(), bp.Dense(4, 2, rng=1))


ELEM: dict[str, Callable[[], bp.Layer]] = {
    "Sigmoid": bp.Sigmoid, "Tanh": bp.Tanh, "ReLU": bp.ReLU, "LeakyReLU": bp.LeakyReLU, "Softmax": bp.Softmax
}
ARRAY_MSG = {
    "list": r"must be a numpy.ndarray of floats, got list",
    "int": r"must be a floating-point array \(float64 or float32\), got dtype int64",
    "nan": r"must be finite, got NaN or inf in array of shape \(4, 3\)",
    "inf": r"must be finite, got NaN or inf in array of shape \(4, 3\)",
    "empty": r"must not be empty, got shape \(0, 3\)",
    "huge": r"has entries as large as 1e\+200, beyond ±1e\+100: a forward or backward pass would overflow",
    "matrix": r"must be a plain numpy.ndarray, got numpy.matrix; pass np.asarray",
    "masked": r"must be a plain numpy.ndarray, got numpy.ma.MaskedArray; pass np.asarray",
}
BAD_ARRAYS: dict[str, object] = {
    "list": [[0.0, 0.0, 0.0]],
    "int": np.zeros((4, 3), dtype=np.int64),
    "nan": _nan((4, 3)),
    "inf": _inf((4, 3)),
    "empty": np.zeros((0, 3)),
    "huge": np.full((4, 3), 1e200),
    "matrix": _matrix((4, 3)),
    "masked": np.ma.masked_array(np.zeros((4, 3)), mask=np.eye(4, 3, dtype=bool)),
}


def _feed(call: Callable[[object], object], value: object) -> Thunk:
    def thunk(_: Path) -> object:
        return call(value)

    return thunk


def _array_cases(name: str, call: Callable[[object], object], what: str, *, skip: tuple[str, ...] = ()) -> list[Case]:
    """The generic bad arrays (all five unless some are skipped), fed to ``call`` in the argument ``what``."""
    out: list[Case] = []
    for kind, value in BAD_ARRAYS.items():
        if kind in skip:
            continue
        exc: type[Exception] = TypeError if kind in ("list", "int", "matrix", "masked") else ValueError
        out.append((name, _feed(call, value), exc, rf"{what} {ARRAY_MSG[kind]}"))
    return out


def _backward_after_forward(make: Callable[[], bp.Layer], dout: bp.Array) -> Thunk:
    return _feed(lambda d: _after_forward(make(), X43).backward(bad(d)), dout)


def _forward_fresh(make: Callable[[], bp.Layer]) -> Callable[[object], object]:
    return lambda x: make().forward(bad(x))


def _backward_first(make: Callable[[], bp.Layer]) -> Thunk:
    return _feed(lambda d: make().backward(bad(d)), X43)


CASES: list[Case] = [
    # ------------------------------------------------------------------ Dense
    ("Dense", lambda _: bp.Dense(0, 3), ValueError, r"n_in must be a positive integer, got 0"),
    ("Dense", lambda _: bp.Dense(3, -2), ValueError, r"n_out must be a positive integer, got -2"),
    ("Dense", lambda _: bp.Dense(bad(2.5), 3), TypeError, r"n_in must be an int, got float"),
    ("Dense", lambda _: bp.Dense(bad(True), 3), TypeError, r"n_in must be an int, got bool"),
    ("Dense", lambda _: bp.Dense(3, 2, init=bad("foo")), ValueError, r"init must be 'xavier' or 'he', got 'foo'"),
    ("Dense", lambda _: bp.Dense(3, 2, rng=bad("seed")), TypeError,
     r"rng must be an int seed, a numpy.random.Generator or None, got str"),
    ("Dense", lambda _: bp.Dense(3, 2, rng=0).forward(X42), ValueError, r"x must have shape \(N, 3\), got \(4, 2\)"),
    ("Dense", lambda _: bp.Dense(3, 2, rng=0).forward(np.zeros(3)), ValueError,
     r"x must be 2-D, got 1-D array of shape \(3,\)"),
    ("Dense", lambda _: bp.Dense(3, 2, rng=0).forward(np.zeros((2, 4, 3))), ValueError,
     r"x must be 2-D, got 3-D array of shape \(2, 4, 3\)"),
    *_array_cases("Dense", lambda v: bp.Dense(3, 2, rng=0).forward(bad(v)), "x"),
    ("Dense", lambda _: _after_forward(bp.Dense(3, 2, rng=0), X43).backward(np.zeros((4, 3))), ValueError,
     r"dout must have shape \(4, 2\), got \(4, 3\)"),
    ("Dense", lambda _: _after_forward(bp.Dense(3, 2, rng=0), X43).backward(np.zeros((1, 2))), ValueError,
     r"dout must have shape \(4, 2\), got \(1, 2\)"),  # one row must not broadcast over the batch
    ("Dense", lambda _: _after_forward(bp.Dense(3, 2, rng=0), X43).backward(np.zeros(2)), ValueError,
     r"dout must be 2-D, got 1-D array of shape \(2,\)"),
    ("Dense", lambda _: _after_forward(bp.Dense(3, 2, rng=0), X43).backward(_nan((4, 2))), ValueError,
     r"dout must be finite, got NaN or inf"),
    ("Dense", lambda _: bp.Dense(3, 2, rng=0).backward(np.zeros((4, 2))), RuntimeError,
     r"Dense.backward called before forward"),
    ("Dense", lambda _: bp.Dense.from_arrays(np.zeros((3, 2)), np.zeros(3)), ValueError,
     r"b must have shape \(2,\), got \(3,\)"),
    ("Dense", lambda _: bp.Dense.from_arrays(np.zeros((3, 2)), np.zeros((1, 2))), ValueError,
     r"b must be 1-D, got 2-D array of shape \(1, 2\)"),
    ("Dense", lambda _: bp.Dense.from_arrays(np.zeros(3), np.zeros(3)), ValueError,
     r"W must be 2-D, got 1-D array of shape \(3,\)"),
    ("Dense", lambda _: bp.Dense.from_arrays(np.zeros((3, 2), dtype=int), np.zeros(2)), TypeError,
     r"W must be a floating-point array \(float64 or float32\), got dtype int64"),
    ("Dense", lambda _: bp.Dense.from_arrays(bad([[1.0]]), np.zeros(1)), TypeError,
     r"W must be a numpy.ndarray of floats, got list"),
    # ------------------------------------------------------------------ activations
    *[c for name, make in ELEM.items() for c in _array_cases(name, _forward_fresh(make), "x")],
    *[(name, _backward_after_forward(make, np.zeros((3, 4))), ValueError,
       r"dout must have the shape of the forward output \(4, 3\), got \(3, 4\)") for name, make in ELEM.items()],
    *[(name, _backward_after_forward(make, np.zeros(3)), ValueError,
       r"dout must have the shape of the forward output \(4, 3\), got \(3,\)") for name, make in ELEM.items()],
    *[(name, _backward_first(make), RuntimeError, rf"{name}.backward called before forward")
      for name, make in ELEM.items()],
    ("LeakyReLU", lambda _: bp.LeakyReLU(alpha=1.0), ValueError, r"alpha must be in \[0, 1\), got 1.0"),
    ("LeakyReLU", lambda _: bp.LeakyReLU(alpha=-0.1), ValueError, r"alpha must be a finite number >= 0, got -0.1"),
    ("LeakyReLU", lambda _: bp.LeakyReLU(alpha=bad("0.1")), TypeError, r"alpha must be a number, got str"),
    ("Softmax", lambda _: bp.Softmax().forward(np.zeros(3)), ValueError,
     r"x must be 2-D, got 1-D array of shape \(3,\)"),
    # ------------------------------------------------------------------ sigmoid / softmax functions
    # sigmoid is elementwise math like np.tanh: NaN passes through, +-inf map to 1 and 0 (see test_layers)
    *_array_cases("sigmoid", lambda v: bp.sigmoid(bad(v)), "z", skip=("nan", "inf", "huge")),
    *_array_cases("softmax", lambda v: bp.softmax(bad(v)), "z"),
    ("softmax", lambda _: bp.softmax(np.array(1.0)), ValueError, r"z must be 1-D or 2-D, got 0-D array of shape \(\)"),
    # ------------------------------------------------------------------ Sequential / Layer
    ("Sequential", lambda _: bp.Sequential(), ValueError, r"Sequential needs at least one layer, got none"),
    ("Sequential", lambda _: bp.Sequential(bp.Dense(2, 2, rng=0), bad(3)), TypeError,
     r"layer 1 must provide params, grads, forward and backward, got int"),
    ("Sequential", lambda _: bp.Sequential(bp.Dense(3, 3, rng=0), bp.Dense(4, 1, rng=0)).forward(X43), ValueError,
     r"x must have shape \(N, 4\), got \(4, 3\)"),
    ("Sequential", lambda _: NET().forward(X42), ValueError, r"x must have shape \(N, 3\), got \(4, 2\)"),
    ("Layer", lambda _: bp.Sequential(bad(bp.Dense)), TypeError,
     r"layer 0 must be a layer instance, got the class Dense \(call it: Dense\(\.\.\.\)\)"),
    ("Layer", lambda _: bp.Sequential(bad(object())), TypeError,
     r"layer 0 must provide params, grads, forward and backward, got object"),
    # ------------------------------------------------------------------ losses
    ("mse", lambda _: bp.mse(np.zeros((4, 1)), np.zeros(4)), ValueError,
     r"target must have the shape of pred \(4, 1\), got \(4,\)"),
    ("mse", lambda _: bp.mse(np.zeros(4), np.zeros((4, 1))), ValueError,
     r"target must have the shape of pred \(4,\), got \(4, 1\)"),
    ("mse", lambda _: bp.mse(np.zeros((4, 3)), np.zeros((1, 3))), ValueError,
     r"target must have the shape of pred \(4, 3\), got \(1, 3\)"),
    *_array_cases("mse", lambda v: bp.mse(bad(v), X43), "pred"),
    *_array_cases("mse", lambda v: bp.mse(X43, bad(v)), "target"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.full((4, 1), 0.5), np.zeros(4)), ValueError,
     r"target must have the shape of prob \(4, 1\), got \(4,\)"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.array([-0.1, 0.5]), np.zeros(2)), ValueError,
     r"prob must lie in \[0, 1\], got values in \[-0.1, 0.5\]"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.array([0.5, 1.5]), np.zeros(2)), ValueError,
     r"prob must lie in \[0, 1\], got values in \[0.5, 1.5\]"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.full(2, 0.5), np.array([0.0, 2.0])), ValueError,
     r"target must lie in \[0, 1\], got values in \[0, 2\]"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.full(2, 0.5), np.zeros(2), eps=0.0), ValueError,
     r"eps must be a finite number > 0, got 0.0"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.full(2, 0.5), np.zeros(2), eps=0.5), ValueError,
     r"eps must be below 0.5, got 0.5"),
    ("binary_cross_entropy", lambda _: bp.binary_cross_entropy(np.full(2, 0.5), np.array([0, 1])), TypeError,
     r"target must be a floating-point array \(float64 or float32\), got dtype int64"),
    *_array_cases("binary_cross_entropy", lambda v: bp.binary_cross_entropy(bad(v), X43), "prob"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(np.zeros(3), np.array([0])), ValueError,
     r"logits must be 2-D, got 1-D array of shape \(3,\)"),
    *_array_cases("softmax_cross_entropy", lambda v: bp.softmax_cross_entropy(bad(v), np.zeros(4, dtype=int)),
                  "logits"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.zeros((4, 1), dtype=int)), ValueError,
     r"integer labels must have shape \(4,\), got \(4, 1\)"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.zeros(3, dtype=int)), ValueError,
     r"integer labels must have shape \(4,\), got \(3,\)"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.array([0, 1, 2, 3])), ValueError,
     r"labels must be class indices in \[0, 3\), got values in \[0, 3\]"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.array([0, -1, 2, 1])), ValueError,
     r"labels must be class indices in \[0, 3\), got values in \[-1, 2\]"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.eye(2)[[0, 1, 0, 1]]), ValueError,
     r"one-hot labels must have the shape of logits \(4, 3\), got \(4, 2\)"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.eye(3)[[0]]), ValueError,
     r"one-hot labels must have the shape of logits \(4, 3\), got \(1, 3\)"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.full((4, 3), 0.5)), ValueError,
     r"one-hot labels must be non-negative with rows summing to 1, got row sums in \[1.5, 1.5\]"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.tile([1.5, -0.5, 0.0], (4, 1))), ValueError,
     r"one-hot labels must be non-negative with rows summing to 1, got minimum -0.5"),
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, np.array([0.0, 1.0, 2.0, 0.0])), ValueError,
     r"labels must be 2-D, got 1-D array of shape \(4,\)"),  # float class indices are not integer labels
    ("softmax_cross_entropy", lambda _: bp.softmax_cross_entropy(X43, bad([0, 1, 2, 0])), TypeError,
     r"labels must be a numpy.ndarray, got list"),
    # ------------------------------------------------------------------ gradient checking
    ("numerical_gradient", lambda _: bp.numerical_gradient(bad("f"), np.zeros(3)), TypeError,
     r"f must be callable, got str"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, np.zeros(3, dtype=np.float32)), TypeError,
     r"x must be a float64 numpy.ndarray \(checked in place\), got float32"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, np.zeros(3, dtype=int)), TypeError,
     r"x must be a float64 numpy.ndarray \(checked in place\), got int64"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, bad([1.0])), TypeError,
     r"x must be a float64 numpy.ndarray \(checked in place\), got list"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, _nan((4, 3))), ValueError,
     r"x must be finite, got NaN or inf in array of shape \(4, 3\)"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, np.zeros((0, 3))), ValueError,
     r"x must not be empty, got shape \(0, 3\)"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, np.zeros(3), eps=0.0), ValueError,
     r"eps must be a finite number > 0, got 0.0"),
    ("numerical_gradient", lambda _: bp.numerical_gradient(np.sum, np.zeros((3, 4))[:, :2]), ValueError,
     r"x must be contiguous so it can be perturbed in place, got a non-contiguous array of shape \(3, 2\)"),
    ("relative_error", lambda _: bp.relative_error(np.zeros(3), np.zeros((3, 1))), ValueError,
     r"a and b must have the same shape, got \(3,\) and \(3, 1\)"),
    ("relative_error", lambda _: bp.relative_error(np.zeros((1, 3)), np.zeros((4, 3))), ValueError,
     r"a and b must have the same shape, got \(1, 3\) and \(4, 3\)"),
    *_array_cases("relative_error", lambda v: bp.relative_error(bad(v), X43), "a", skip=("huge",)),
    *_array_cases("relative_error", lambda v: bp.relative_error(X43, bad(v)), "b", skip=("huge",)),
    ("check_layer", lambda _: bp.check_layer(bad("dense"), X43), TypeError,
     r"layer must provide params, grads, forward and backward, got str"),
    ("check_layer", lambda _: bp.check_layer(bp.Dense(3, 2, rng=0), X42), ValueError,
     r"x must have shape \(N, 3\), got \(4, 2\)"),
    *_array_cases("check_layer", lambda v: bp.check_layer(bp.Dense(3, 2, rng=0), bad(v)), "x"),
    ("check_layer", lambda _: bp.check_layer(bp.Dense(3, 2, rng=0), X43, rng=bad(1.5)), TypeError,
     r"rng must be an int seed, a numpy.random.Generator or None, got float"),
    ("check_layer", lambda _: bp.check_layer(bp.Dense(3, 2, rng=0), X43, eps=-1.0), ValueError,
     r"eps must be a finite number > 0, got -1.0"),
    ("check_loss", lambda _: bp.check_loss(bad(None), X43, X43), TypeError, r"loss must be callable, got NoneType"),
    ("check_loss", lambda _: bp.check_loss(bp.mse, np.zeros((4, 1)), np.zeros(4)), ValueError,
     r"target must have the shape of pred \(4, 1\), got \(4,\)"),
    *_array_cases("check_loss", lambda v: bp.check_loss(bp.mse, bad(v), X43), "pred"),
    ("check_model", lambda _: bp.check_model(bad({}), bp.mse, X43, X42), TypeError,
     r"model must provide params, grads, forward and backward, got dict"),
    ("check_model", lambda _: bp.check_model(NET(), bad("mse"), X43, X42), TypeError,
     r"loss must be callable, got str"),
    ("check_model", lambda _: bp.check_model(NET(), bp.mse, X43, np.zeros(4)), ValueError,
     r"target must have the shape of pred \(4, 2\), got \(4,\)"),
    *_array_cases("check_model", lambda v: bp.check_model(NET(), bp.mse, bad(v), X42), "x"),
    # ------------------------------------------------------------------ optimizers
    ("SGD", lambda _: bp.SGD(lr=0.0), ValueError, r"lr must be a finite number > 0, got 0.0"),
    ("SGD", lambda _: bp.SGD(lr=float("nan")), ValueError, r"lr must be a finite number > 0, got nan"),
    ("SGD", lambda _: bp.SGD(lr=bad(None)), TypeError, r"lr must be a number, got NoneType"),
    ("SGD", lambda _: bp.SGD(lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\), got 1.0"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(bad(np.zeros(3))), TypeError,
     r"layer must provide params, grads, forward and backward, got ndarray"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(_with_grads({"W": np.zeros((3, 2)), "b": np.zeros(3)})), ValueError,
     r"gradient 'W' has shape \(3, 2\), expected the parameter's shape \(2, 3\)"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(_with_grads({"W": np.zeros((2, 3))})), ValueError,
     r"grads keys \['W'\] do not match params keys \['W', 'b'\]"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(_with_grads({"W": _inf((2, 3)), "b": np.zeros(3)})), ValueError,
     r"gradient 'W' must be finite, got NaN or inf in array of shape \(2, 3\)"),
    ("Adam", lambda _: bp.Adam(lr=-1.0), ValueError, r"lr must be a finite number > 0, got -1.0"),
    ("Adam", lambda _: bp.Adam(beta1=1.0), ValueError, r"beta1 must be in \[0, 1\), got 1.0"),
    ("Adam", lambda _: bp.Adam(beta2=-0.1), ValueError, r"beta2 must be a finite number >= 0, got -0.1"),
    ("Adam", lambda _: bp.Adam(eps=0.0), ValueError, r"eps must be a finite number > 0, got 0.0"),
    ("Adam", lambda _: bp.Adam().step(_with_grads({"W": np.zeros((2, 3)), "b": np.zeros(1)})), ValueError,
     r"gradient 'b' has shape \(1,\), expected the parameter's shape \(3,\)"),
    ("Adam", lambda _: bp.Adam().step(_with_grads({"W": np.zeros((2, 3)), "b": _nan((3,))})), ValueError,
     r"gradient 'b' must be finite, got NaN or inf in array of shape \(3,\)"),
    ("SGD", lambda _: bp.SGD(lr=0.1, weight_decay=-0.5), ValueError,
     r"weight_decay must be a finite number >= 0, got -0.5"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(_with_grads({"W": bad([[0.0] * 3] * 2), "b": np.zeros(3)})), TypeError,
     r"gradient 'W' must be a numpy.ndarray of floats, got list"),
    ("SGD", lambda _: bp.SGD(lr=0.1).step(_with_grads({"W": np.zeros((2, 3), complex), "b": np.zeros(3)})),
     TypeError, r"gradient 'W' must be a floating-point array \(float64 or float32\), got dtype complex128"),
    ("Adam", lambda _: bp.Adam(weight_decay=float("inf")), ValueError,
     r"weight_decay must be a finite number >= 0, got inf"),
    ("AdamW", lambda _: bp.AdamW(lr=0.0), ValueError, r"lr must be a finite number > 0, got 0.0"),
    ("AdamW", lambda _: bp.AdamW(weight_decay=bad("0.1")), TypeError, r"weight_decay must be a number, got str"),
    ("AdamW", lambda _: bp.AdamW().step(bad(bp.Dense)), TypeError,
     r"layer must be a layer instance, got the class Dense"),
    ("DivergenceError", lambda _: bp.SGD(lr=1e300).step(_with_grads({"W": np.ones((2, 3)), "b": np.zeros(3)})),
     bp.DivergenceError, r"step 1 would make parameter 'W' -1.0e\+300, beyond ±1e\+100, with lr=1e\+300"),
    # ------------------------------------------------------------------ trace
    ("trace", lambda _: bp.trace(bad(bp.Dense(3, 2, rng=0)), X43, X42, bp.mse), TypeError,
     r"model must be a Sequential, got Dense"),
    ("trace", lambda _: bp.trace(NET(), X43, X42, bad("mse")), TypeError, r"loss must be callable, got str"),
    ("trace", lambda _: bp.trace(NET(), X42, X42, bp.mse), ValueError, r"x must have shape \(N, 3\), got \(4, 2\)"),
    ("trace", lambda _: bp.trace(NET(), X43, np.zeros(4), bp.mse), ValueError,
     r"target must have the shape of pred \(4, 2\), got \(4,\)"),
    *_array_cases("trace", lambda v: bp.trace(NET(), bad(v), X42, bp.mse), "x"),
    ("Trace", lambda _: bp.trace(NET(), X43, X42, bp.mse).to_text(decimals=-1), ValueError,
     r"decimals must be a non-negative integer, got -1"),
    ("Trace", lambda _: bp.trace(NET(), X43, X42, bp.mse).to_markdown(decimals=bad(2.5)), TypeError,
     r"decimals must be an int, got float"),
    # ------------------------------------------------------------------ CNN layers
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, rng=0).forward(np.zeros((2, 3, 8, 8))), ValueError,
     r"x must have 1 channels, shape \(N, 1, H, W\), got shape \(2, 3, 8, 8\)"),
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, rng=0).forward(np.zeros((8, 8))), ValueError,
     r"x must be a 4-D batch of images \(N, C, H, W\), got 2-D array of shape \(8, 8\)"),
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, rng=0).forward(np.zeros((1, 1, 8, 8), dtype=int)), TypeError,
     r"x must be a floating-point array \(float64 or float32\), got dtype int64"),
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, rng=0).forward(np.zeros((1, 1, 2, 8))), ValueError,
     r"x is too small for the 3×3 kernel: its images are 2×\d+ \(2×\d+ padded\)"),
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, stride=0), ValueError, r"stride must be a positive integer, got 0"),
    ("Conv2D", lambda _: bp.Conv2D(0, 2, 3), ValueError, r"in_channels must be a positive integer, got 0"),
    ("Conv2D", lambda _: bp.Conv2D(1, 2, 3, init=bad("foo")), ValueError, r"init must be 'he' or 'xavier', got 'foo'"),
    ("Conv2D", lambda _: _after_forward(bp.Conv2D(1, 2, 3, rng=0), np.zeros((1, 1, 5, 5))).backward(
        np.zeros((1, 2, 3, 4))), ValueError,
     r"dout must have the shape of the forward output \(1, 2, 3, 3\), got \(1, 2, 3, 4\)"),
    ("MaxPool2D", lambda _: bp.MaxPool2D(3).forward(np.zeros((1, 1, 2, 5))), ValueError,
     r"x is too small for the 3×3 pooling window: its images are 2×5"),
    ("MaxPool2D", lambda _: bp.MaxPool2D(2).forward(np.zeros((4, 4))), ValueError,
     r"x must be a 4-D batch of images \(N, C, H, W\), got 2-D array of shape \(4, 4\)"),
    ("MaxPool2D", lambda _: bp.MaxPool2D(0), ValueError, r"size must be a positive integer, got 0"),
    ("MaxPool2D", lambda _: bp.MaxPool2D(2, stride=bad(1.5)), TypeError, r"stride must be an int, got float"),
    ("MaxPool2D", lambda _: bp.MaxPool2D(2).forward(_nan((1, 1, 4, 4))), ValueError,
     r"x must be finite, got NaN or inf in array of shape \(1, 1, 4, 4\)"),
    ("MaxPool2D", lambda _: _after_forward(bp.MaxPool2D(2), np.zeros((1, 1, 4, 4))).backward(np.zeros((1, 1, 3, 3))),
     ValueError, r"dout must have the shape of the forward output \(1, 1, 2, 2\), got \(1, 1, 3, 3\)"),
    ("Flatten", lambda _: bp.Flatten().forward(np.zeros(3)), ValueError,
     r"x must have a batch axis and at least one more, got shape \(3,\)"),
    ("Flatten", lambda _: bp.Flatten().forward(bad([[1.0]])), TypeError,
     r"x must be a numpy.ndarray of floats, got list"),
    ("Flatten", lambda _: _after_forward(bp.Flatten(), np.zeros((2, 3, 4))).backward(np.zeros((2, 11))), ValueError,
     r"dout must have shape \(2, 12\), got \(2, 11\)"),
    # ------------------------------------------------------------------ RNN
    ("RNN", lambda _: bp.RNN(3, 4, rng=0).forward(np.zeros((2, 5, 4))), ValueError,
     r"x must have shape \(N, N, 3\), got \(2, 5, 4\)"),
    ("RNN", lambda _: bp.RNN(3, 4, rng=0).forward(np.zeros((2, 3))), ValueError,
     r"x must be 3-D, got 2-D array of shape \(2, 3\)"),
    ("RNN", lambda _: bp.RNN(3, 4, rng=0).forward(np.zeros((2, 5, 3)), np.zeros((3, 4))), ValueError,
     r"h0 must have shape \(2, 4\), got \(3, 4\)"),
    ("RNN", lambda _: bp.RNN(3, 0), ValueError, r"n_hidden must be a positive integer, got 0"),
    ("RNN", lambda _: bp.RNN(3, 4, bptt_steps=0), ValueError, r"bptt_steps must be a positive integer, got 0"),
    ("RNN", lambda _: bp.RNN(3, 4, rng=0).forward(np.zeros((2, 5, 3), dtype=np.int32)), TypeError,
     r"x must be a floating-point array \(float64 or float32\), got dtype int32"),
    # ------------------------------------------------------------------ LSTM / GRU
    *[(name, lambda _, m=make: m(3, 4, rng=0).forward(np.zeros((2, 5, 4))), ValueError,
       r"x must have shape \(N, N, 3\), got \(2, 5, 4\)") for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *[(name, lambda _, m=make: m(3, 4, rng=0).forward(np.zeros((2, 3))), ValueError,
       r"x must be 3-D, got 2-D array of shape \(2, 3\)") for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *[(name, lambda _, m=make: m(3, 4, rng=0).forward(np.zeros((2, 5, 3)), np.zeros((3, 4))), ValueError,
       r"h0 must have shape \(2, 4\), got \(3, 4\)") for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *[(name, lambda _, m=make: m(3, 4, bptt_steps=0), ValueError, r"bptt_steps must be a positive integer, got 0")
      for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *[(name, lambda _, m=make: m(3, 4, rng=0).backward(np.zeros((2, 4))), RuntimeError,
       rf"{name}.backward called before forward") for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *[(name, lambda _, m=make: _after_forward(m(3, 4, rng=0), np.zeros((2, 5, 3))).backward(np.zeros((2, 5, 4))),
       ValueError, r"dout must have shape \(2, 4\), got \(2, 5, 4\)")
      for name, make in (("LSTM", bp.LSTM), ("GRU", bp.GRU))],
    *_array_cases("LSTM", lambda v: bp.LSTM(3, 4, rng=0).forward(np.zeros((2, 5, 3)), bad(v)), "h0"),
    ("LSTM", lambda _: bp.LSTM(3, 4, rng=0).forward(np.zeros((2, 5, 3)), None, np.zeros((2, 3))), ValueError,
     r"c0 must have shape \(2, 4\), got \(2, 3\)"),
    ("LSTM", lambda _: bp.LSTM.from_arrays(np.zeros((3, 8)), np.zeros((2, 6)), np.zeros(8)), ValueError,
     r"W_h must have shape \(2, 8\), got \(2, 6\)"),
    ("GRU", lambda _: bp.GRU.from_arrays(np.zeros((3, 6)), np.zeros((2, 6)), np.zeros(6), np.zeros(5)), ValueError,
     r"b_h must have shape \(6,\), got \(5,\)"),
    # ------------------------------------------------------------------ Dropout
    ("Dropout", lambda _: bp.Dropout(1.0), ValueError, r"p must be in \[0, 1\), got 1.0"),
    ("Dropout", lambda _: bp.Dropout(-0.1), ValueError, r"p must be a finite number >= 0, got -0.1"),
    ("Dropout", lambda _: bp.Dropout(bad("0.5")), TypeError, r"p must be a number, got str"),
    ("Dropout", lambda _: bp.Dropout(0.5, rng=bad(0.5)), TypeError,
     r"rng must be an int seed, a numpy.random.Generator or None, got float"),
    *_array_cases("Dropout", _forward_fresh(lambda: bp.Dropout(0.5, rng=0)), "x"),
    ("Dropout", _backward_first(lambda: bp.Dropout(0.5, rng=0)), RuntimeError,
     r"Dropout.backward called before forward"),
    ("Dropout", _backward_after_forward(lambda: bp.Dropout(0.5, rng=0), np.zeros((3, 4))), ValueError,
     r"dout must have the shape of the forward output \(4, 3\), got \(3, 4\)"),
    ("Dropout", lambda _: bad(_after_forward(bp.Dropout(0.5, rng=0), X43)).eval().backward(X43), RuntimeError,
     r"Dropout.backward called in eval mode after a forward in training mode"),
    # ------------------------------------------------------------------ BatchNorm / LayerNorm
    ("BatchNorm", lambda _: bp.BatchNorm(0), ValueError, r"num_features must be a positive integer, got 0"),
    ("BatchNorm", lambda _: bp.BatchNorm(3, momentum=-0.1), ValueError,
     r"momentum must be a finite number >= 0, got -0.1"),
    ("BatchNorm", lambda _: bp.BatchNorm(3, momentum=1.5), ValueError, r"momentum must be in \[0, 1\], got 1.5"),
    ("BatchNorm", lambda _: bp.BatchNorm(3, eps=0.0), ValueError, r"eps must be a finite number > 0, got 0.0"),
    ("BatchNorm", lambda _: bp.BatchNorm(3).forward(X42), ValueError, r"x must have shape \(N, 3\), got \(4, 2\)"),
    ("BatchNorm", lambda _: bp.BatchNorm(3).forward(np.zeros((2, 4, 5, 5))), ValueError,
     r"x must have shape \(N, 3, H, W\), got \(2, 4, 5, 5\)"),
    ("BatchNorm", lambda _: bp.BatchNorm(3).forward(np.zeros((2, 3, 5))), ValueError,
     r"x must be 2-D or 4-D, got 3-D array of shape \(2, 3, 5\)"),
    ("BatchNorm", lambda _: bp.BatchNorm(3).forward(np.zeros((1, 3))), ValueError,
     r"x must hold more than one value per feature in training mode, got shape \(1, 3\)"),
    *_array_cases("BatchNorm", _forward_fresh(lambda: bp.BatchNorm(3)), "x"),
    ("BatchNorm", _backward_first(lambda: bp.BatchNorm(3)), RuntimeError, r"BatchNorm.backward called before forward"),
    ("BatchNorm", _backward_after_forward(lambda: bp.BatchNorm(3), np.zeros((3, 4))), ValueError,
     r"dout must have the shape of the forward output \(4, 3\), got \(3, 4\)"),
    ("BatchNorm", lambda _: bad(_after_forward(bp.BatchNorm(3), X43)).eval().backward(X43), RuntimeError,
     r"BatchNorm.backward called in eval mode after a forward in training mode"),
    ("BatchNorm", lambda _: bad(_after_forward(bp.BatchNorm(3).eval(), X43)).train().backward(X43), RuntimeError,
     r"BatchNorm.backward called in training mode after a forward in eval mode"),
    ("LayerNorm", lambda _: bp.LayerNorm(0), ValueError, r"normalized_size must be a positive integer, got 0"),
    ("LayerNorm", lambda _: bp.LayerNorm(3, eps=-1.0), ValueError, r"eps must be a finite number > 0, got -1.0"),
    ("LayerNorm", lambda _: bp.LayerNorm(3).forward(X42), ValueError,
     r"x must have shape \(N, \.\.\., 3\), got \(4, 2\)"),
    ("LayerNorm", lambda _: bp.LayerNorm(3).forward(np.zeros(3)), ValueError,
     r"x must have shape \(N, \.\.\., 3\), got \(3,\)"),
    *_array_cases("LayerNorm", _forward_fresh(lambda: bp.LayerNorm(3)), "x"),
    ("LayerNorm", _backward_first(lambda: bp.LayerNorm(3)), RuntimeError, r"LayerNorm.backward called before forward"),
    ("LayerNorm", _backward_after_forward(lambda: bp.LayerNorm(3), np.zeros(3)), ValueError,
     r"dout must have the shape of the forward output \(4, 3\), got \(3,\)"),
    ("clip_grad_norm", lambda _: bp.clip_grad_norm({"w": np.ones(2)}, 0.0), ValueError,
     r"max_norm must be a finite number > 0, got 0.0"),
    ("clip_grad_norm", lambda _: bp.clip_grad_norm({"w": _nan((2,))}, 1.0), ValueError,
     r"gradients must be finite to be clipped, got global norm nan"),
    ("clip_grad_norm", lambda _: bp.clip_grad_norm({"w": np.ones(2, dtype=int)}, 1.0), TypeError,
     r"gradient 'w' must be a floating-point numpy.ndarray, got ndarray"),
    ("clip_grad_norm", lambda _: bp.clip_grad_norm(bad([np.ones(2)]), 1.0), TypeError,
     r"layer_or_grads \(a layer, or else a dict of arrays\) must provide params, grads, forward and backward, "
     r"got list"),
    # ------------------------------------------------------------------ Value
    ("Value", lambda _: bp.Value(bad("1.0")), TypeError, r"data must be a real number \(int or float\), got str"),
    ("Value", lambda _: bp.Value(float("nan")), ValueError, r"data must be finite, got nan"),
    ("Value", lambda _: bp.Value(bad(bp.Value)), TypeError, r"data must be a real number \(int or float\), got type"),
    ("Value", lambda _: bp.Value(1.0) + bad("2"), TypeError,
     r"the other operand must be a real number \(int or float\), got str"),
    ("Value", lambda _: bp.Value(1.0) ** bad(bp.Value(2.0)), TypeError,
     r"the exponent must be a real number \(int or float\), got Value"),
    # ------------------------------------------------------------------ save / load
    ("save_params", lambda tmp: bp.save_params(bp.Dense(2, 3, rng=0), tmp / "net.txt"), ValueError,
     r"parameter files end in .npz, got 'net.txt'"),
    ("save_params", lambda tmp: bp.save_params(bp.Dense(2, 3, rng=0), bad(3)), TypeError,
     r"path must be a str or a path, got int"),
    ("save_params", lambda tmp: bp.save_params(bad({"W": np.zeros(2)}), tmp / "x.npz"), TypeError,
     r"layer must provide params, grads, forward and backward, got dict"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0), tmp / "missing.npz"), FileNotFoundError,
     r"no parameter file at '.*missing.npz'"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(3, 3, rng=0), _saved(tmp)), ValueError,
     r"parameter 'W' in dense.npz has shape \(2, 3\), the layer expects \(3, 3\)"),
    ("load_params", lambda tmp: bp.load_params(NET(), _saved(tmp)), ValueError,
     r"dense.npz does not match the layer: expected keys \['0.W', '0.b', '2.W', '2.b'\], "
     r"missing \['0.W', '0.b', '2.W', '2.b'\], unexpected \['W', 'b'\]"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0), _text_file(tmp)), ValueError,
     r"notes.npz is not a readable .npz parameter file"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0), _npy_as_npz(tmp)), ValueError,
     r"single.npz holds a single array, not an .npz archive of named parameters"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0), _saved(tmp, W=_nan((2, 3)), b=np.zeros(3))),
     ValueError, r"parameter 'W' in dense.npz contains NaN or inf"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0),
                                               _saved(tmp, W=np.zeros((2, 3), dtype=int), b=np.zeros(3))),
     ValueError, r"parameter 'W' in dense.npz must hold floats, got dtype int64"),
    ("load_params", lambda tmp: bp.load_params(bp.Dense(2, 3, rng=0), tmp / "dense.txt"), ValueError,
     r"parameter files end in .npz, got 'dense.txt'"),
    # ------------------------------------------------------------------ DeepNetwork
    ("DeepNetwork", lambda _: DeepNetwork([3]), ValueError,
     r"layer_sizes needs at least an input and an output size, got \[3\]"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 0, 2]), ValueError,
     r"layer_sizes\[1\] must be a positive integer, got 0"),
    ("DeepNetwork", lambda _: DeepNetwork([3, -4, 2]), ValueError,
     r"layer_sizes\[1\] must be a positive integer, got -4"),
    ("DeepNetwork", lambda _: DeepNetwork([3, bad(2.0), 2]), TypeError, r"layer_sizes\[1\] must be an int, got float"),
    ("DeepNetwork", lambda _: DeepNetwork(bad("32")), TypeError, r"layer_sizes must be a sequence of ints, got str"),
    ("DeepNetwork", lambda _: DeepNetwork(bad(3)), TypeError, r"layer_sizes must be a sequence of ints, got int"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], hidden=bad("foo")), ValueError,
     r"hidden must be one of \['relu', 'sigmoid', 'tanh'\], got 'foo'"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], output=bad("linear")), ValueError,
     r"output must be 'sigmoid' or 'softmax', got 'linear'"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 1], output="softmax"), ValueError,
     r"a softmax output needs at least 2 units, got 1"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).forward(X42), ValueError,
     r"x must have shape \(N, 3\), got \(4, 2\)"),
    *_array_cases("DeepNetwork", lambda v: DeepNetwork([3, 2], rng=0).predict(bad(v)), "x"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).fit(X43, np.zeros(3, dtype=int)), ValueError,
     r"y must be an array with one row per row of x \(4\), got shape \(3,\)"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).fit(X43, bad([0, 1, 0, 1])), TypeError,
     r"y must be a numpy.ndarray with one row per row of x \(4\), got list"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).fit(X43, np.zeros(4, dtype=int), epochs=0), ValueError,
     r"epochs must be a positive integer, got 0"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).fit(X43, np.zeros(4, dtype=int), batch_size=-1), ValueError,
     r"batch_size must be a positive integer, got -1"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).fit(X43, np.zeros(4, dtype=int), optimizer=bad("adam")),
     TypeError, r"optimizer must have a step\(layer\) method, like SGD or Adam, got str"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], output="sigmoid", rng=0).loss(np.full((4, 2), 0.5), np.zeros((4, 3))),
     ValueError, r"y must have shape \(4, 2\) \(or \(4,\) for one output\), got \(4, 3\)"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 1], output="sigmoid", rng=0).loss(np.full((4, 1), 0.5), np.zeros(3)),
     ValueError, r"y must have shape \(4, 1\) \(or \(4,\) for one output\), got \(3, 1\)"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 1], output="sigmoid", rng=0).loss(np.full((4, 1), 0.5),
                                                                                  np.array([0, 1, 2, 1])),
     ValueError, r"target must lie in \[0, 1\], got values in \[0, 2\]"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).loss(X42, np.array([0.0, 1.0, 1.0, 0.0])), ValueError,
     r"labels must be 2-D, got 1-D array of shape \(4,\)"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).accuracy(X43, np.zeros(3, dtype=int)), ValueError,
     r"y must have shape \(4,\), got \(3,\)"),
    ("DeepNetwork", lambda _: DeepNetwork([3, 2], rng=0).accuracy(X43, bad([0, 1, 0, 1])), TypeError,
     r"y must be a numpy.ndarray, got list"),
]

# Names with nothing to validate: Array is a type alias (numpy's own type).
NOT_CALLABLE_WITH_INPUT = {"Array"}


def _id(case: Case) -> str:
    return case[0]


@pytest.mark.parametrize(("name", "call", "exc", "match"), CASES, ids=[_id(c) for c in CASES])
def test_bad_input_raises_a_clear_error(name: str, call: Thunk, exc: type[Exception], match: str,
                                        tmp_path: Path) -> None:
    with pytest.raises(exc, match=match):
        call(tmp_path)


def test_every_public_name_has_a_bad_input_case() -> None:
    covered = {name for name, *_ in CASES}
    public = set(bp.__all__) - NOT_CALLABLE_WITH_INPUT
    assert public | {"DeepNetwork"} <= covered, sorted(public - covered)
    assert covered <= public | {"DeepNetwork"}, sorted(covered - public)  # no case under a misspelled name


def test_failed_load_leaves_the_layer_untouched(tmp_path: Path) -> None:
    path = _saved(tmp_path, W=np.ones((2, 3)), b=np.full(3, np.inf))
    layer = bp.Dense(2, 3, rng=0)
    before = layer.params["W"].copy()
    with pytest.raises(ValueError, match=r"parameter 'b' in dense.npz contains NaN or inf"):
        bp.load_params(layer, path)
    np.testing.assert_array_equal(layer.params["W"], before)  # W was valid but not copied either


def test_shapes_that_would_broadcast_are_rejected_everywhere() -> None:
    """The classic silent bug: (N, 1) against (N,) broadcasts to (N, N). Every entry point refuses it."""
    col, flat = np.full((4, 1), 0.5), np.full(4, 0.5)
    for loss in (bp.mse, bp.binary_cross_entropy):
        for a, b in ((col, flat), (flat, col)):
            with pytest.raises(ValueError, match=r"must have the shape of .* got"):
                loss(a, b)
    layer = _after_forward(bp.Sigmoid(), col)
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output \(4, 1\), got \(4,\)"):
        layer.backward(flat)
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got \(4, 1\) and \(4,\)"):
        bp.relative_error(col, flat)
