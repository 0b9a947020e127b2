"""The LSTM and the GRU: step-by-step references, gradient checks, truncated BPTT, inspection, bad input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import GRU, LSTM, Array

D, H = 3, 4
Gated = LSTM | GRU


def sig(z: Array) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-z))
    return out


def make(kind: str, seed: int, **kw: Any) -> Gated:
    """A layer with random (nonzero) biases, so every term of the backward pass is exercised."""
    rng = np.random.default_rng(seed + 100)
    if kind == "LSTM":
        layer: Gated = LSTM(D, H, rng=seed, **kw)
    else:
        layer = GRU(D, H, rng=seed, **kw)
    for k, v in layer.params.items():
        if k.startswith("b"):
            v[...] = rng.normal(scale=0.5, size=v.shape)
    return layer


KINDS = ["LSTM", "GRU"]


# ----------------------------------------------------------------------------- references, one sequence at a time


def reference_lstm(p: dict[str, Array], x: Array, h0: Array, c0: Array) -> list[dict[str, Array]]:
    """The LSTM cell of the module docstring for one sequence ``x`` ``(T, D)``: every step's values."""
    steps, h, c = [], h0, c0
    for xt in x:
        a = xt @ p["W_x"] + h @ p["W_h"] + p["b"]
        i, f, g, o = sig(a[:H]), sig(a[H : 2 * H]), np.tanh(a[2 * H : 3 * H]), sig(a[3 * H :])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        steps.append({"x": xt, "h_prev": h, "c_prev": c, "i": i, "f": f, "g": g, "o": o, "c": c_new, "h": h_new})
        h, c = h_new, c_new
    return steps


def reference_gru(p: dict[str, Array], x: Array, h0: Array) -> list[dict[str, Array]]:
    """torch.nn.GRU's equations for one sequence ``x`` ``(T, D)``: every step's values."""
    steps, h = [], h0
    for xt in x:
        u, s = xt @ p["W_x"] + p["b_x"], h @ p["W_h"] + p["b_h"]
        r, z = sig(u[:H] + s[:H]), sig(u[H : 2 * H] + s[H : 2 * H])
        n = np.tanh(u[2 * H :] + r * s[2 * H :])
        h_new = (1 - z) * n + z * h
        steps.append({"x": xt, "h_prev": h, "r": r, "z": z, "n": n, "s_n": s[2 * H :], "h": h_new})
        h = h_new
    return steps


def reference_steps(layer: Gated, x: Array, h0: Array, c0: Array) -> list[dict[str, Array]]:
    """The reference forward pass of ``layer``'s kind for one sequence (``c0`` unused by the GRU)."""
    if isinstance(layer, LSTM):
        return reference_lstm(layer.params, x, h0, c0)
    return reference_gru(layer.params, x, h0)


def reference_states(layer: Gated, x: Array, h0: Array, c0: Array) -> Array:
    """Every h_t of the reference forward pass, ``(N, T, H)``."""
    return np.array([[st["h"] for st in reference_steps(layer, x[n], h0[n], c0[n])] for n in range(len(x))])


def forward(layer: Gated, x: Array, h0: Array | None = None, c0: Array | None = None) -> Array:
    """``layer.forward`` with the initial states it takes."""
    if isinstance(layer, LSTM):
        return layer.forward(x, h0, c0)
    return layer.forward(x, h0)


def reference_backward(layer: Gated, x: Array, dout_seq: Array, k: int, h0: Array, c0: Array) -> dict[str, Array]:
    """Truncated BPTT by definition: each origin's gradient g_t is pushed back through steps t..t-k+1 only.

    One sequence and one origin at a time; each step it passes adds to the parameter gradients, to
    dL/dx_s, and (at s = 0) to dL/dh_0 and dL/dc_0. k >= T is full BPTT.
    """
    p = layer.params
    N, T, _ = x.shape
    out = {name: np.zeros_like(v) for name, v in p.items()}
    out |= {"x": np.zeros_like(x), "h0": np.zeros((N, H)), "c0": np.zeros((N, H))}
    for n in range(N):
        steps = reference_steps(layer, x[n], h0[n], c0[n])
        for t in range(T):
            dh, dc = dout_seq[n, t].copy(), np.zeros(H)
            for s in range(t, max(t - k, -1), -1):
                st = steps[s]
                if isinstance(layer, LSTM):
                    tc = np.tanh(st["c"])
                    dc = dc + dh * st["o"] * (1 - tc**2)
                    da = np.concatenate([dc * st["g"] * st["i"] * (1 - st["i"]),
                                         dc * st["c_prev"] * st["f"] * (1 - st["f"]),
                                         dc * st["i"] * (1 - st["g"] ** 2),
                                         dh * tc * st["o"] * (1 - st["o"])])
                    out["W_x"] += np.outer(st["x"], da)
                    out["W_h"] += np.outer(st["h_prev"], da)
                    out["b"] += da
                    out["x"][n, s] += p["W_x"] @ da
                    dh, dc = p["W_h"] @ da, dc * st["f"]
                else:
                    r, z, nn = st["r"], st["z"], st["n"]
                    nu = dh * (1 - z) * (1 - nn**2)
                    d_r, d_z = nu * st["s_n"] * r * (1 - r), dh * (st["h_prev"] - nn) * z * (1 - z)
                    du, ds = np.concatenate([d_r, d_z, nu]), np.concatenate([d_r, d_z, nu * r])
                    out["W_x"] += np.outer(st["x"], du)
                    out["b_x"] += du
                    out["W_h"] += np.outer(st["h_prev"], ds)
                    out["b_h"] += ds
                    out["x"][n, s] += p["W_x"] @ du
                    dh = dh * z + p["W_h"] @ ds
                if s == 0:
                    out["h0"][n] += dh
                    out["c0"][n] += dc
    return out


# ----------------------------------------------------------------------------- forward


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("T", [1, 4])
def test_forward_matches_the_equations_step_by_step(kind: str, T: int) -> None:
    rng = np.random.default_rng(T)
    N = 3
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    seq, last = make(kind, 0, return_sequences=True), make(kind, 0)
    ref = reference_states(seq, x, h0, c0)
    out = forward(seq, x, h0, c0)
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(seq.states, out)  # a view of the states just returned
    np.testing.assert_allclose(forward(last, x, h0, c0), ref[:, -1], rtol=1e-12, atol=1e-14)
    zero = np.zeros((N, H))
    np.testing.assert_allclose(seq.forward(x), reference_states(seq, x, zero, zero), rtol=1e-12, atol=1e-14)


def test_lstm_cell_states_match_the_equations() -> None:
    rng = np.random.default_rng(3)
    x, h0, c0 = rng.normal(size=(2, 5, D)), rng.normal(size=(2, H)), rng.normal(size=(2, H))
    lstm = make("LSTM", 1)
    assert isinstance(lstm, LSTM)
    lstm.forward(x, h0, c0)
    ref = np.array([[st["c"] for st in reference_lstm(lstm.params, x[n], h0[n], c0[n])] for n in range(2)])
    np.testing.assert_allclose(lstm.cell_states, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_input_is_computed_in_float64(kind: str) -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, D)).astype(np.float32)
    assert make(kind, 0).forward(x).dtype == np.float64  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- gradient checks


class WithInitialState:
    """A gated layer whose initial states are parameters, so ``check_layer`` checks ``dh0`` (and ``dc0``)."""

    def __init__(self, layer: Gated, h0: Array, c0: Array) -> None:
        self.layer, self.h0, self.c0 = layer, h0, c0

    @property
    def params(self) -> dict[str, Array]:
        extra = {"c0": self.c0} if isinstance(self.layer, LSTM) else {}
        return {"h0": self.h0, **extra, **self.layer.params}

    @property
    def grads(self) -> dict[str, Array]:
        zero = np.zeros_like(self.h0)
        out = {"h0": zero if self.layer.dh0 is None else self.layer.dh0}
        if isinstance(self.layer, LSTM):
            out["c0"] = zero if self.layer.dc0 is None else self.layer.dc0
        return {**out, **self.layer.grads}

    def forward(self, x: Array) -> Array:
        return forward(self.layer, x, self.h0, self.c0)

    def backward(self, dout: Array) -> Array:
        return self.layer.backward(dout)


SHAPES = [(1, 1), (1, 5), (3, 1), (2, 6), (4, 3)]  # (N, T): batch 1 and T = 1 included


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("N", "T"), SHAPES)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_check(kind: str, N: int, T: int, return_sequences: bool) -> None:
    x = np.random.default_rng(10 * T + N).normal(size=(N, T, D))
    assert bp.check_layer(make(kind, T, return_sequences=return_sequences), x) < 1e-7


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("N", "T"), [(1, 1), (2, 4)])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_gradient_check_with_initial_states_checks_dh0_and_dc0(
    kind: str, N: int, T: int, return_sequences: bool
) -> None:
    rng = np.random.default_rng(20 * T + N)
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)) * 0.5, rng.normal(size=(N, H))
    layer = WithInitialState(make(kind, T, return_sequences=return_sequences), h0, c0)
    assert bp.check_layer(layer, x) < 1e-7


@pytest.mark.parametrize("seed", range(3))
def test_gradient_check_over_random_sizes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, t, d, h = (int(v) for v in rng.integers(1, 5, size=4))
    x = rng.normal(size=(n, t, d))
    for layer in (LSTM(d, h, return_sequences=bool(seed % 2), rng=seed), GRU(d, h, rng=seed)):
        assert bp.check_layer(layer, x) < 1e-7, layer


@pytest.mark.parametrize("kind", KINDS)
def test_check_model_with_readout(kind: str) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(4, 5, D)), rng.uniform(size=(4, 2))
    model = bp.Sequential(make(kind, 2), bp.Dense(H, 2, rng=1), bp.Sigmoid())
    assert bp.check_model(model, bp.mse, x, y) < 1e-7


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_bptt_is_an_approximation(kind: str) -> None:
    # With k < T the result is not the gradient of the loss: central differences disagree.
    x = np.random.default_rng(1).normal(size=(2, 6, D))
    assert bp.check_layer(make(kind, 0, return_sequences=True, bptt_steps=2), x) > 1e-4


# ----------------------------------------------------------------------------- truncated BPTT


def _run(layer: Gated, x: Array, h0: Array, c0: Array, dout: Array) -> dict[str, Array]:
    forward(layer, x, h0, c0)
    dx = layer.backward(dout)
    assert layer.dh0 is not None
    out = {"x": dx, "h0": layer.dh0, **layer.grads}
    if isinstance(layer, LSTM):
        assert layer.dc0 is not None
        out["c0"] = layer.dc0
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("k", [1, 2, 3, 6])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bptt_matches_the_definition(kind: str, k: int, return_sequences: bool) -> None:
    rng = np.random.default_rng(k + 7 * return_sequences)
    N, T = 2, 5
    x, h0, c0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
    layer = make(kind, k, return_sequences=return_sequences, bptt_steps=k)
    if return_sequences:
        dout = dout_seq = rng.normal(size=(N, T, H))
    else:
        dout = rng.normal(size=(N, H))
        dout_seq = np.zeros((N, T, H))
        dout_seq[:, -1] = dout
    ours = _run(layer, x, h0, c0, dout)
    ref = reference_backward(layer, x, dout_seq, k, h0, c0)
    for key, value in ours.items():
        np.testing.assert_allclose(value, ref[key], rtol=1e-10, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("return_sequences", [False, True])
def test_truncation_of_at_least_t_steps_is_full_bptt(kind: str, return_sequences: bool) -> None:
    rng = np.random.default_rng(4)
    T = 4
    x, h0, c0 = rng.normal(size=(3, T, D)), rng.normal(size=(3, H)), rng.normal(size=(3, H))
    dout = rng.normal(size=(3, T, H) if return_sequences else (3, H))
    full = _run(make(kind, 4, return_sequences=return_sequences), x, h0, c0, dout)
    for k in (T, T + 3):
        trunc = _run(make(kind, 4, return_sequences=return_sequences, bptt_steps=k), x, h0, c0, dout)
        for key in full:
            np.testing.assert_array_equal(full[key], trunc[key], err_msg=key)


@pytest.mark.parametrize("kind", KINDS)
def test_truncated_loop_with_k_equal_to_t_agrees_with_the_full_loop(kind: str) -> None:
    # backward() routes k >= T to the full loop; run the truncated loop itself at k = T too.
    rng = np.random.default_rng(8)
    N, T = 2, 5
    x, dout = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    layer = make(kind, 0, return_sequences=True)
    full = _run(layer, x, np.zeros((N, H)), np.zeros((N, H)), dout)
    layer.bptt_steps = T
    layer._full = lambda T: False  # type: ignore[method-assign]
    trunc = _run(layer, x, np.zeros((N, H)), np.zeros((N, H)), dout)
    for key in full:
        np.testing.assert_allclose(trunc[key], full[key], rtol=1e-12, atol=1e-14, err_msg=key)


# ----------------------------------------------------------------------------- inspection


def test_lstm_hidden_and_cell_grads_follow_the_recursion() -> None:
    rng = np.random.default_rng(2)
    N, T = 2, 4
    x, dout = rng.normal(size=(N, T, D)), rng.normal(size=(N, T, H))
    lstm = make("LSTM", 0, return_sequences=True)
    assert isinstance(lstm, LSTM)
    lstm.forward(x)
    lstm.backward(dout)
    dh, dc = lstm.hidden_grads, lstm.cell_grads
    zero = np.zeros(H)
    steps = [reference_lstm(lstm.params, x[n], zero, zero) for n in range(N)]
    f = np.array([[st["f"] for st in seq] for seq in steps])
    o = np.array([[st["o"] for st in seq] for seq in steps])
    tc = np.tanh(lstm.cell_states)
    # dL/dc_t = dL/dc_{t+1} f_{t+1} + dL/dh_t o_t (1 - tanh^2 c_t); the last step has no successor.
    through_c = np.concatenate([dc[:, 1:] * f[:, 1:], np.zeros((N, 1, H))], axis=1)
    np.testing.assert_allclose(dc, through_c + dh * o * (1 - tc**2), rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(dh[:, -1], dout[:, -1])
    assert lstm.dc0 is not None
    np.testing.assert_allclose(lstm.dc0, dc[:, 0] * f[:, 0], rtol=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        lstm.cell_grads[0, 0, 0] = 1.0


def test_gru_hidden_grads_start_from_the_direct_gradient() -> None:
    rng = np.random.default_rng(2)
    x, dout = rng.normal(size=(2, 4, D)), rng.normal(size=(2, H))
    gru = make("GRU", 0)
    gru.forward(x)
    gru.backward(dout)
    np.testing.assert_array_equal(gru.hidden_grads[:, -1], dout)
    assert gru.states.shape == (2, 4, H)
    with pytest.raises(ValueError, match="read-only"):
        gru.states[0, 0, 0] = 1.0


@pytest.mark.parametrize("kind", KINDS)
def test_inspection_before_use_raises(kind: str) -> None:
    layer = make(kind, 0)
    with pytest.raises(RuntimeError, match=f"{kind}.states read before forward"):
        _ = layer.states
    with pytest.raises(RuntimeError, match=f"{kind}.backward called before forward"):
        layer.backward(np.zeros((1, H)))
    layer.forward(np.zeros((1, 2, D)))
    with pytest.raises(RuntimeError, match=f"{kind}.hidden_grads read before backward"):
        _ = layer.hidden_grads
    if isinstance(layer, LSTM):
        with pytest.raises(RuntimeError, match="before backward"):
            _ = layer.cell_grads
        with pytest.raises(RuntimeError, match="before forward"):
            _ = LSTM(2, 2).cell_states


def test_layer_protocol_names_shapes_and_repr() -> None:
    lstm = LSTM(2, 3, return_sequences=True, bptt_steps=4, rng=0)
    gru = GRU(2, 3, rng=0)
    assert isinstance(lstm, bp.Layer)
    assert isinstance(gru, bp.Layer)
    assert repr(lstm) == "LSTM(2, 3, return_sequences=True, bptt_steps=4)"
    assert repr(gru) == "GRU(2, 3)"
    assert {k: v.shape for k, v in lstm.params.items()} == {"W_x": (2, 12), "W_h": (3, 12), "b": (12,)}
    assert {k: v.shape for k, v in gru.params.items()} == {"W_x": (2, 9), "W_h": (3, 9), "b_x": (9,), "b_h": (9,)}
    assert lstm.grads.keys() == lstm.params.keys()
    assert gru.grads.keys() == gru.params.keys()
    np.testing.assert_array_equal(LSTM(2, 3, rng=5).params["W_h"], LSTM(2, 3, rng=5).params["W_h"])
    assert np.all(np.abs(lstm.params["W_x"]) <= 1 / np.sqrt(3))


def test_from_arrays_copies() -> None:
    W_x = np.arange(12.0).reshape(1, 12)
    lstm = LSTM.from_arrays(W_x, np.zeros((3, 12)), np.ones(12))
    W_x[0, 0] = 99.0
    assert lstm.params["W_x"][0, 0] == 0.0
    assert lstm.params["b"].tolist() == [1.0] * 12
    gru = GRU.from_arrays(np.zeros((2, 6)), np.eye(2, 6), np.zeros(6), np.full(6, 2.0), bptt_steps=3)
    assert repr(gru) == "GRU(2, 2, bptt_steps=3)"
    assert gru.params["b_h"].tolist() == [2.0] * 6


@pytest.mark.parametrize("kind", KINDS)
def test_learns_to_remember_the_first_input(kind: str) -> None:
    # The sign of x_1, read out after 5 steps of noise: a task that needs memory.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 1))
    y = (x[:, 0, 0] > 0).astype(np.float64)[:, None]
    net = bp.Sequential(LSTM(1, 6, rng=1) if kind == "LSTM" else GRU(1, 6, rng=1), bp.Dense(6, 1, rng=2),
                        bp.Sigmoid())
    opt = bp.Adam(lr=0.05)
    first = bp.binary_cross_entropy(net.forward(x), y)[0]
    for _ in range(60):
        _, d = bp.binary_cross_entropy(net.forward(x), y)
        net.backward(d)
        opt.step(net)
    assert bp.binary_cross_entropy(net.forward(x), y)[0] < 0.3 * first


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("x", "exc", "match"),
    [
        (np.zeros((2, D)), ValueError, r"x must be 3-D, got 2-D"),
        (np.zeros((2, 3, D + 1)), ValueError, r"x must have shape \(N, N, 3\), got \(2, 3, 4\)"),
        (np.zeros((2, 3, D), dtype=np.int64), TypeError, "floating-point"),
        (np.full((2, 3, D), np.nan), ValueError, "finite"),
        (np.zeros((2, 0, D)), ValueError, "empty"),
    ],
)
def test_forward_rejects_bad_x(kind: str, x: Array, exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        make(kind, 0).forward(x)


@pytest.mark.parametrize("kind", KINDS)
def test_bad_initial_states_and_dout(kind: str) -> None:
    x = np.zeros((2, 3, D))
    layer, seq = make(kind, 0), make(kind, 0, return_sequences=True)
    with pytest.raises(ValueError, match=r"h0 must have shape \(2, 4\), got \(3, 4\)"):
        layer.forward(x, np.zeros((3, H)))
    with pytest.raises(ValueError, match="h0 must be 2-D"):
        layer.forward(x, np.zeros(H))
    if isinstance(layer, LSTM):
        with pytest.raises(ValueError, match=r"c0 must have shape \(2, 4\), got \(2, 5\)"):
            layer.forward(x, None, np.zeros((2, 5)))
    layer.forward(x)
    seq.forward(x)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 4\), got \(2, 3, 4\)"):
        layer.backward(np.zeros((2, 3, H)))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 4\), got \(2, 4\)"):
        seq.backward(np.zeros((2, H)))
    with pytest.raises(ValueError, match="finite"):
        layer.backward(np.full((2, H), np.inf))


@pytest.mark.parametrize("cls", [LSTM, GRU])
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_in": 0}, ValueError, "n_in must be a positive integer, got 0"),
        ({"n_hidden": 2.5}, TypeError, "n_hidden must be an int"),
        ({"bptt_steps": 0}, ValueError, "bptt_steps must be a positive integer, got 0"),
        ({"return_sequences": 1}, TypeError, "return_sequences must be a bool, got int"),
        ({"rng": "seed"}, TypeError, "rng must be"),
    ],
)
def test_constructor_rejects_bad_arguments(
    cls: type[Gated], kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    args: dict[str, Any] = {"n_in": 2, "n_hidden": 3, **kwargs}
    with pytest.raises(exc, match=match):
        cls(**args)


def test_from_arrays_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match=r"W_h must have shape \(3, 12\), got \(3, 9\)"):
        LSTM.from_arrays(np.zeros((2, 12)), np.zeros((3, 9)), np.zeros(12))
    with pytest.raises(ValueError, match=r"W_x must have shape \(N, 12\), got \(2, 8\)"):
        LSTM.from_arrays(np.zeros((2, 8)), np.zeros((3, 12)), np.zeros(12))
    with pytest.raises(ValueError, match=r"b must have shape \(12,\), got \(4,\)"):
        LSTM.from_arrays(np.zeros((2, 12)), np.zeros((3, 12)), np.zeros(4))
    with pytest.raises(ValueError, match=r"b_x must have shape \(9,\), got \(3,\)"):
        GRU.from_arrays(np.zeros((2, 9)), np.zeros((3, 9)), np.zeros(3), np.zeros(9))
