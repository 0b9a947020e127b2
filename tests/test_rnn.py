"""The recurrent layer: gradient checks, truncated BPTT against a reference, clipping, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop import RNN, Array, clip_grad_norm

D, H = 3, 4


def _rnn(seed: int, **kw: object) -> RNN:
    rnn = RNN(D, H, rng=seed, **kw)  # type: ignore[arg-type]
    rnn.params["b"][...] = np.random.default_rng(seed + 100).normal(size=H) * 0.3
    return rnn


class WithH0:
    """An RNN whose initial state is treated as a parameter, so ``check_layer`` checks ``dh0``."""

    def __init__(self, rnn: RNN, h0: Array) -> None:
        self.rnn, self.h0 = rnn, h0

    @property
    def params(self) -> dict[str, Array]:
        return {"h0": self.h0, **self.rnn.params}

    @property
    def grads(self) -> dict[str, Array]:
        dh0 = np.zeros_like(self.h0) if self.rnn.dh0 is None else self.rnn.dh0
        return {"h0": dh0, **self.rnn.grads}

    def forward(self, x: Array) -> Array:
        return self.rnn.forward(x, self.h0)

    def backward(self, dout: Array) -> Array:
        return self.rnn.backward(dout)


def reference_forward(rnn: RNN, x: Array, h0: Array | None = None) -> Array:
    """h_t = tanh(x_t W_x + h_{t-1} W_h + b), one sequence and one step at a time."""
    p = rnn.params
    N, T, _ = x.shape
    out = np.zeros((N, T, H))
    for n in range(N):
        h = np.zeros(H) if h0 is None else h0[n]
        for t in range(T):
            h = np.tanh(x[n, t] @ p["W_x"] + h @ p["W_h"] + p["b"])
            out[n, t] = h
    return out


def reference_backward(rnn: RNN, x: Array, dout_seq: Array, k: int, h0: Array | None = None) -> dict[str, Array]:
    """Truncated BPTT by definition: the gradient entering at step t is pushed back through
    steps t, t-1, ..., t-k+1 only; each step it passes adds to the gradients of the parameters
    and of that step's inputs (x_s, and h_0 for s = 1). One origin at a time, one sequence at a time.
    """
    p = rnn.params
    N, T, _ = x.shape
    hs = reference_forward(rnn, x, h0)
    out = {"W_x": np.zeros_like(p["W_x"]), "W_h": np.zeros_like(p["W_h"]), "b": np.zeros(H),
           "x": np.zeros_like(x), "h0": np.zeros((N, H))}
    for n in range(N):
        for t in range(T):
            g = dout_seq[n, t].copy()  # dL/dh_t from step t's own output
            for s in range(t, max(t - k, -1), -1):
                h_prev = hs[n, s - 1] if s > 0 else (np.zeros(H) if h0 is None else h0[n])
                da = g * (1.0 - hs[n, s] ** 2)
                out["W_x"] += np.outer(x[n, s], da)
                out["W_h"] += np.outer(h_prev, da)
                out["b"] += da
                out["x"][n, s] += p["W_x"] @ da
                if s == 0:
                    out["h0"][n] += p["W_h"] @ da
                g = p["W_h"] @ da
    return out


# ----------------------------------------------------------------------------- forward


@pytest.mark.parametrize("T", [1, 2, 5])
def test_forward_matches_step_by_step(T: int) -> None:
    rng = np.random.default_rng(T)
    x, h0 = rng.normal(size=(3, T, D)), rng.normal(size=(3, H))
    seq = _rnn(0, return_sequences=True)
    last = _rnn(0)
    np.testing.assert_allclose(seq.forward(x, h0), reference_forward(seq, x, h0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(last.forward(x, h0), reference_forward(last, x, h0)[:, -1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(seq.forward(x), reference_forward(seq, x), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(seq.states, seq.forward(x))


def test_float32_input_is_computed_in_float64() -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, D)).astype(np.float32)
    assert _rnn(0).forward(x).dtype == np.float64  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- gradient checks


@pytest.mark.parametrize("T", range(1, 9))
@pytest.mark.parametrize("N", range(1, 5))
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_check_without_h0(T: int, N: int, return_sequences: bool) -> None:
    x = np.random.default_rng(10 * T + N).normal(size=(N, T, D))
    assert bp.check_layer(_rnn(T, return_sequences=return_sequences), x) < 1e-7


@pytest.mark.parametrize("T", range(1, 9))
@pytest.mark.parametrize("N", [1, 4])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_check_with_h0_checks_dh0(T: int, N: int, return_sequences: bool) -> None:
    rng = np.random.default_rng(20 * T + N)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)) * 0.5
    layer = WithH0(_rnn(T, return_sequences=return_sequences), h0)
    assert bp.check_layer(layer, x) < 1e-7


def test_dh0_against_central_differences_directly() -> None:
    rng = np.random.default_rng(5)
    x, h0, G = rng.normal(size=(2, 6, D)), rng.normal(size=(2, H)), rng.normal(size=(2, H))
    rnn = _rnn(1)
    rnn.forward(x, h0)
    rnn.backward(G)
    assert rnn.dh0 is not None
    num = bp.numerical_gradient(lambda h: float(np.sum(rnn.forward(x, h) * G)), h0)
    assert bp.relative_error(rnn.dh0, num) < 1e-7


@pytest.mark.parametrize("return_sequences", [False, True])
def test_check_model_with_readout_and_mse(return_sequences: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 7, D))
    if return_sequences:  # a per-step loss on every state
        model: bp.Layer = _rnn(2, return_sequences=True)
        y = rng.normal(size=(4, 7, H))
    else:
        model = bp.Sequential(_rnn(2), bp.Dense(H, 2, rng=1), bp.Sigmoid())
        y = rng.uniform(size=(4, 2))
    assert bp.check_model(model, bp.mse, x, y) < 1e-7


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_truncated_bptt_is_an_approximation(k: int) -> None:
    # With k < T the result is not the gradient of the loss: central differences disagree.
    x = np.random.default_rng(k).normal(size=(2, 6, D))
    assert bp.check_layer(_rnn(0, return_sequences=True, bptt_steps=k), x) > 1e-4


# ----------------------------------------------------------------------------- truncated BPTT


@pytest.mark.parametrize("T", [1, 3, 6])
@pytest.mark.parametrize("extra", [0, 1, 10])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_truncation_of_at_least_t_steps_is_full_bptt(T: int, extra: int, return_sequences: bool) -> None:
    rng = np.random.default_rng(T + extra)
    x, h0 = rng.normal(size=(3, T, D)), rng.normal(size=(3, H))
    dout = rng.normal(size=(3, T, H) if return_sequences else (3, H))
    full, trunc = _rnn(4, return_sequences=return_sequences), _rnn(4, return_sequences=return_sequences,
                                                                    bptt_steps=T + extra)
    outs = []
    for layer in (full, trunc):
        layer.forward(x, h0)
        outs.append((layer.backward(dout), dict(layer.grads), layer.dh0))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    for key in full.params:
        np.testing.assert_array_equal(outs[0][1][key], outs[1][1][key])
    np.testing.assert_array_equal(outs[0][2], outs[1][2])


def test_truncated_recursion_with_k_equal_to_t_agrees_with_the_full_recursion() -> None:
    # backward() routes k >= T to the full loop; exercise the truncated loop itself at k = T too.
    rng = np.random.default_rng(8)
    T, N = 5, 2
    x, dout = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    rnn = _rnn(0, return_sequences=True)
    rnn.forward(x)
    rnn.backward(dout)
    full_delta = rnn.deltas.copy()
    hs = np.concatenate([np.zeros((1, N, H)), rnn.states.transpose(1, 0, 2)])
    g = np.ascontiguousarray(dout.transpose(1, 0, 2))
    _, delta = RNN._truncated(g, 1.0 - hs[1:] ** 2, rnn.params["W_h"].T, T)
    np.testing.assert_allclose(delta.transpose(1, 0, 2), full_delta, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("k", [1, 2, 3, 6])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_truncated_bptt_matches_step_by_step_reference(k: int, return_sequences: bool, with_h0: bool) -> None:
    rng = np.random.default_rng(k + 7 * return_sequences)
    N, T = 3, 7
    x = rng.normal(size=(N, T, D))
    h0 = rng.normal(size=(N, H)) if with_h0 else None
    rnn = _rnn(k, return_sequences=return_sequences, bptt_steps=k)
    if return_sequences:
        dout = rng.normal(size=(N, T, H))
        dout_seq = dout
    else:
        dout = rng.normal(size=(N, H))
        dout_seq = np.zeros((N, T, H))
        dout_seq[:, -1] = dout
    rnn.forward(x, h0)
    dx = rnn.backward(dout)
    ref = reference_backward(rnn, x, dout_seq, k, h0)
    for key in ("W_x", "W_h", "b"):
        np.testing.assert_allclose(rnn.grads[key], ref[key], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dx, ref["x"], rtol=1e-10, atol=1e-13)
    assert rnn.dh0 is not None
    np.testing.assert_allclose(rnn.dh0, ref["h0"], rtol=1e-10, atol=1e-13)


def test_full_bptt_matches_the_reference_with_k_equal_to_t() -> None:
    rng = np.random.default_rng(11)
    x, dout, h0 = rng.normal(size=(2, 5, D)), rng.normal(size=(2, 5, H)), rng.normal(size=(2, H))
    rnn = _rnn(3, return_sequences=True)
    rnn.forward(x, h0)
    dx = rnn.backward(dout)
    ref = reference_backward(rnn, x, dout, 5, h0)
    np.testing.assert_allclose(rnn.grads["W_h"], ref["W_h"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dx, ref["x"], rtol=1e-10, atol=1e-13)
    assert rnn.dh0 is not None
    np.testing.assert_allclose(rnn.dh0, ref["h0"], rtol=1e-10, atol=1e-13)


def test_truncation_changes_the_gradient_when_shorter_than_the_sequence() -> None:
    rng = np.random.default_rng(12)
    x, dout = rng.normal(size=(2, 6, D)), rng.normal(size=(2, 6, H))
    grads = []
    for k in (None, 2):
        rnn = _rnn(0, return_sequences=True, bptt_steps=k)
        rnn.forward(x)
        rnn.backward(dout)
        grads.append(rnn.grads["W_h"].copy())
    assert bp.relative_error(grads[0], grads[1]) > 1e-3


# ----------------------------------------------------------------------------- inspection


def test_hidden_grads_and_deltas_follow_the_recursion() -> None:
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(2, 4, D)), rng.normal(size=(2, 4, H))
    rnn = _rnn(0, return_sequences=True)
    rnn.forward(x)
    rnn.backward(dout)
    h, dh, delta = rnn.states, rnn.hidden_grads, rnn.deltas
    np.testing.assert_allclose(delta, dh * (1 - h**2), rtol=1e-13)
    np.testing.assert_allclose(dh[:, :-1], dout[:, :-1] + delta[:, 1:] @ rnn.params["W_h"].T, rtol=1e-12)
    np.testing.assert_array_equal(dh[:, -1], dout[:, -1])
    with pytest.raises(ValueError, match="read-only"):
        rnn.states[0, 0, 0] = 1.0


def test_inspection_before_use_raises() -> None:
    rnn = _rnn(0)
    with pytest.raises(RuntimeError, match="before forward"):
        _ = rnn.states
    with pytest.raises(RuntimeError, match="before forward"):
        rnn.backward(np.zeros((1, H)))
    rnn.forward(np.zeros((1, 2, D)))
    with pytest.raises(RuntimeError, match="before backward"):
        _ = rnn.hidden_grads
    with pytest.raises(RuntimeError, match="before backward"):
        _ = rnn.deltas


def test_layer_protocol_repr_and_from_arrays() -> None:
    rnn = RNN(2, 3, return_sequences=True, bptt_steps=4, rng=0)
    assert isinstance(rnn, bp.Layer)
    assert repr(rnn) == "RNN(2, 3, return_sequences=True, bptt_steps=4)"
    assert set(rnn.params) == {"W_x", "W_h", "b"} == set(rnn.grads)
    assert rnn.params["W_x"].shape == (2, 3)
    assert rnn.params["W_h"].shape == (3, 3)
    W_x = np.arange(6.0).reshape(2, 3)
    made = RNN.from_arrays(W_x, np.eye(3), np.ones(3))
    W_x[0, 0] = 99.0  # copied, not shared
    assert made.params["W_x"][0, 0] == 0.0
    assert made.params["b"].tolist() == [1.0, 1.0, 1.0]
    np.testing.assert_array_equal(RNN(2, 3, rng=5).params["W_h"], RNN(2, 3, rng=5).params["W_h"])


def test_trains_with_adam_on_a_sum_task() -> None:
    # The sign of the running sum of a sequence, read from the last state.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 1))
    y = (x.sum(axis=(1, 2)) > 0).astype(np.float64)[:, None]
    net = bp.Sequential(RNN(1, 8, rng=1), bp.Dense(8, 1, rng=2), bp.Sigmoid())
    opt = bp.Adam(lr=0.05)
    first = bp.binary_cross_entropy(net.forward(x), y)[0]
    for _ in range(150):
        _, d = bp.binary_cross_entropy(net.forward(x), y)
        net.backward(d)
        clip_grad_norm(net, 5.0)
        opt.step(net)
    assert bp.binary_cross_entropy(net.forward(x), y)[0] < 0.5 * first


# ----------------------------------------------------------------------------- clip_grad_norm


def test_clip_grad_norm_scales_to_max_norm_and_returns_the_norm_before() -> None:
    rng = np.random.default_rng(0)
    grads = {"a": rng.normal(size=(3, 4)), "b": rng.normal(size=5)}
    before = {k: v.copy() for k, v in grads.items()}
    norm = float(np.sqrt(sum(np.sum(v**2) for v in before.values())))
    arrays = dict(grads)
    assert clip_grad_norm(grads, 0.5) == pytest.approx(norm, rel=1e-14)
    after = float(np.sqrt(sum(np.sum(v**2) for v in grads.values())))
    assert after == pytest.approx(0.5, rel=1e-14)
    for k in grads:
        assert grads[k] is arrays[k]  # in place
        np.testing.assert_allclose(grads[k], before[k] * (0.5 / norm), rtol=1e-14)


def test_clip_grad_norm_leaves_small_gradients_alone() -> None:
    grads = {"w": np.array([0.3, 0.4])}
    assert clip_grad_norm(grads, 0.5) == pytest.approx(0.5)
    assert grads["w"].tolist() == [0.3, 0.4]


def test_clip_grad_norm_on_a_layer_clips_its_children() -> None:
    net = bp.Sequential(RNN(2, 3, rng=0), bp.Dense(3, 1, rng=1))
    x = np.random.default_rng(0).normal(size=(4, 5, 2))
    net.forward(x)
    net.backward(np.full((4, 1), 100.0))
    norm = clip_grad_norm(net, 1.0)
    assert norm > 1.0
    total = np.sqrt(sum(np.sum(g**2) for g in net.grads.values()))
    assert total == pytest.approx(1.0, rel=1e-12)
    assert np.sum(net.layers[0].grads["W_h"] ** 2) > 0


@pytest.mark.parametrize(
    ("grads", "max_norm", "exc", "match"),
    [
        ({"w": np.array([1.0])}, 0.0, ValueError, "max_norm must be a finite number > 0"),
        ({"w": np.array([1.0])}, float("nan"), ValueError, "max_norm"),
        ({"w": np.array([np.inf])}, 1.0, ValueError, "must be finite"),
        ({"w": np.array([1, 2])}, 1.0, TypeError, "floating-point"),
        ({"w": [1.0]}, 1.0, TypeError, "got list"),
        ([np.array([1.0])], 1.0, TypeError, r"a layer, or else a dict of arrays\) must provide params"),
    ],
)
def test_clip_grad_norm_rejects_bad_input(grads: object, max_norm: float, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        clip_grad_norm(grads, max_norm)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("x", "exc", "match"),
    [
        (np.zeros((2, D)), ValueError, r"x must be 3-D, got 2-D"),
        (np.zeros((2, 3, D + 1)), ValueError, r"x must have shape \(N, N, 3\), got \(2, 3, 4\)"),
        (np.zeros((2, 3, D), dtype=np.int64), TypeError, "floating-point"),
        (np.full((2, 3, D), np.nan), ValueError, "finite"),
        (np.zeros((0, 3, D)), ValueError, "empty"),
        (np.zeros((2, 0, D)), ValueError, "empty"),
        ([[[0.0, 0.0, 0.0]]], TypeError, "numpy.ndarray"),
    ],
)
def test_forward_rejects_bad_x(x: object, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        _rnn(0).forward(x)  # type: ignore[arg-type]


def test_forward_rejects_bad_h0() -> None:
    x = np.zeros((2, 3, D))
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\), got \(3, 4\)"):
        _rnn(0).forward(x, np.zeros((3, H)))
    with pytest.raises(ValueError, match="h0 must be 2-D"):
        _rnn(0).forward(x, np.zeros(H))
    with pytest.raises(TypeError, match="h0 must be a floating-point"):
        _rnn(0).forward(x, np.zeros((2, H), dtype=int))


def test_backward_rejects_bad_dout() -> None:
    x = np.zeros((2, 3, D))
    last, seq = _rnn(0), _rnn(0, return_sequences=True)
    last.forward(x)
    seq.forward(x)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\), got \(2, 3, 4\)"):
        last.backward(np.zeros((2, 3, H)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 4\), got \(2, 4\)"):
        seq.backward(np.zeros((2, H)))
    with pytest.raises(ValueError, match="finite"):
        last.backward(np.full((2, H), np.inf))


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_in": 0}, ValueError, "n_in must be a positive integer, got 0"),
        ({"n_hidden": 2.5}, TypeError, "n_hidden must be an int"),
        ({"bptt_steps": 0}, ValueError, "bptt_steps must be a positive integer, got 0"),
        ({"bptt_steps": True}, TypeError, "bptt_steps must be an int"),
        ({"return_sequences": 1}, TypeError, "return_sequences must be a bool, got int"),
        ({"rng": "seed"}, TypeError, "rng must be"),
    ],
)
def test_constructor_rejects_bad_arguments(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    args: dict[str, object] = {"n_in": 2, "n_hidden": 3, **kwargs}
    with pytest.raises(exc, match=match):
        RNN(**args)  # type: ignore[arg-type]


def test_from_arrays_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"W_h must have shape \(3, 3\), got \(2, 2\)"):
        RNN.from_arrays(np.zeros((2, 3)), np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"b must have shape \(3,\), got \(2,\)"):
        RNN.from_arrays(np.zeros((2, 3)), np.zeros((3, 3)), np.zeros(2))
