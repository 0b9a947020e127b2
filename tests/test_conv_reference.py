"""The loop reference convolution: the formula itself, central differences, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.conv_reference import conv2d_backward_loop, conv2d_forward_loop

TOL = 1e-7


def test_loop_forward_is_the_formula() -> None:
    # out[n, o, i, j] = b_o + Σ_c Σ_p Σ_q K[o, c, p, q] · x_pad[n, c, s·i + p, s·j + q]
    rng = np.random.default_rng(1)
    x, K, b = rng.normal(size=(2, 2, 5, 6)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    s, pad = 2, 1
    out = conv2d_forward_loop(x, K, b, stride=s, padding=pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    assert out.shape == (2, 3, 3, 4)
    for n, o, i, j in np.ndindex(*out.shape):
        want = b[o] + sum(
            K[o, c, p, q] * xp[n, c, s * i + p, s * j + q] for c in range(2) for p in range(3) for q in range(2)
        )
        assert out[n, o, i, j] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_loop_reference_gradient_matches_central_differences() -> None:
    rng = np.random.default_rng(5)
    x, W, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    for stride, padding in [(2, 0), (1, 1)]:
        out_shape = conv2d_forward_loop(x, W, b, stride=stride, padding=padding).shape
        G = rng.normal(size=out_shape)

        def loss(_: bp.Array, s: int = stride, p: int = padding, g: bp.Array = G) -> float:
            return float(np.sum(conv2d_forward_loop(x, W, b, stride=s, padding=p) * g))

        dx, dW, db = conv2d_backward_loop(x, W, G, stride=stride, padding=padding)
        for analytic, arr in ((dx, x), (dW, W), (db, b)):
            assert bp.relative_error(analytic, bp.numerical_gradient(loss, arr)) < TOL


def test_kernel_gradient_is_correlation_of_input_with_upstream_gradient() -> None:
    # single channel, stride 1: dL/dK = x ⋆ G and dL/dx = full convolution of G with the flipped kernel
    rng = np.random.default_rng(6)
    x, K, G = rng.normal(size=(1, 1, 6, 7)), rng.normal(size=(1, 1, 3, 3)), rng.normal(size=(1, 1, 4, 5))
    dx, dK, _ = conv2d_backward_loop(x, K, G)
    np.testing.assert_allclose(dK, conv2d_forward_loop(x, G, np.zeros(1)), rtol=1e-12)
    full = conv2d_forward_loop(G, K[:, :, ::-1, ::-1].copy(), np.zeros(1), padding=2)
    np.testing.assert_allclose(dx, full, rtol=1e-12)


def test_loop_reference_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="channels"):
        conv2d_forward_loop(np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 3, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="b must have shape"):
        conv2d_forward_loop(np.zeros((1, 3, 5, 5)), np.zeros((1, 3, 3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="dout must have shape"):
        conv2d_backward_loop(np.zeros((1, 3, 5, 5)), np.zeros((1, 3, 3, 3)), np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        conv2d_forward_loop(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)), np.zeros(1))
    with pytest.raises(ValueError, match="K must be 4-D"):
        conv2d_forward_loop(np.zeros((1, 1, 4, 4)), np.zeros((1, 3, 3)), np.zeros(1))
