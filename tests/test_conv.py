"""Conv2D, MaxPool2D and Flatten: gradient checks, agreement with the loop reference and torch, bad inputs.

The im2col helpers are tested in ``test_im2col.py``, the loop reference itself in
``test_conv_reference.py``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import backprop as bp
from backprop.conv_reference import conv2d_backward_loop, conv2d_forward_loop
from backprop.im2col import FlatPatches, col2im, conv_output_size, im2col
from tests.support import require

TOL = 1e-7

# (batch, channels in, channels out, H, W, kernel, stride, padding): odd sizes, batch 1, several channels
ConvCase = tuple[int, int, int, int, int, int | tuple[int, int], int, int]
CONV_CASES: list[ConvCase] = [
    (1, 1, 1, 5, 5, 3, 1, 0),
    (2, 3, 4, 7, 5, 3, 1, 1),
    (1, 2, 3, 6, 7, 3, 2, 0),
    (2, 2, 2, 7, 7, 3, 2, 1),
    (1, 3, 2, 5, 6, 3, 1, 2),
    (2, 1, 3, 9, 8, 3, 2, 2),
    (1, 2, 2, 5, 7, (2, 3), 1, 1),
    (3, 2, 1, 4, 4, 1, 1, 0),
    (2, 2, 3, 16, 15, 3, 1, 1),  # large enough for the flat layout (FlatPatches)
    (1, 2, 2, 40, 38, 3, 1, 0),
]


def test_the_cases_cover_both_layouts() -> None:
    kinds = set()
    for n, c, o, h, w, k, s, p in CONV_CASES:
        layer = bp.Conv2D(c, o, k, stride=s, padding=p, rng=0)
        layer.forward(np.zeros((n, c, h, w)))
        kinds.add(type(layer._patches).__name__)
    assert kinds == {"Patches", "FlatPatches"}


def _ids(case: ConvCase) -> str:
    n, c, o, h, w, k, s, p = case
    return f"N{n}-C{c}-O{o}-{h}x{w}-k{k}-s{s}-p{p}"


@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
def test_conv2d_gradient_check(case: ConvCase) -> None:
    n, c, o, h, w, k, s, p = case
    rng = np.random.default_rng(1)
    layer = bp.Conv2D(c, o, k, stride=s, padding=p, rng=2)
    layer.params["b"][...] = rng.normal(size=o)
    x = rng.normal(size=(n, c, h, w))
    assert bp.check_layer(layer, x) < TOL


@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
def test_vectorized_conv_equals_loop_reference(case: ConvCase) -> None:
    n, c, o, h, w, k, s, p = case
    rng = np.random.default_rng(3)
    layer = bp.Conv2D(c, o, k, stride=s, padding=p, rng=4)
    layer.params["b"][...] = rng.normal(size=o)
    x = rng.normal(size=(n, c, h, w))
    out = layer.forward(x)
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)
    W, b = layer.params["W"], layer.params["b"]
    np.testing.assert_allclose(out, conv2d_forward_loop(x, W, b, stride=s, padding=p), rtol=1e-12, atol=1e-12)
    ldx, ldW, ldb = conv2d_backward_loop(x, W, dout, stride=s, padding=p)
    np.testing.assert_allclose(dx, ldx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["W"], ldW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grads["b"], ldb, rtol=1e-12, atol=1e-12)


def test_conv2d_matches_torch() -> None:
    torch = require("torch")
    rng = np.random.default_rng(8)
    for (n, c, o, h, w, k, s, p) in CONV_CASES:
        layer = bp.Conv2D(c, o, k, stride=s, padding=p, rng=9)
        layer.params["b"][...] = rng.normal(size=o)
        x = rng.normal(size=(n, c, h, w))
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        dx = layer.backward(dout)
        xt = torch.tensor(x, requires_grad=True)
        Wt = torch.tensor(layer.params["W"], requires_grad=True)
        bt = torch.tensor(layer.params["b"], requires_grad=True)
        ot = torch.nn.functional.conv2d(xt, Wt, bt, stride=s, padding=p)
        ot.backward(torch.tensor(dout))
        np.testing.assert_allclose(out, ot.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.grads["W"], Wt.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(layer.grads["b"], bt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_conv2d_output_shape_and_sizes() -> None:
    layer = bp.Conv2D(2, 5, 3, stride=2, padding=1, rng=0)
    out = layer.forward(np.zeros((3, 2, 7, 8)))
    assert out.shape == (3, 5, conv_output_size(7, 3, 2, 1), conv_output_size(8, 3, 2, 1)) == (3, 5, 4, 4)
    assert layer.output_shape((3, 2, 7, 8)) == out.shape


def test_conv2d_he_init_scale() -> None:
    layer = bp.Conv2D(16, 64, 3, rng=0)
    assert layer.params["W"].std() == pytest.approx(np.sqrt(2.0 / (16 * 9)), rel=0.05)
    assert not layer.params["b"].any()
    xav = bp.Conv2D(16, 64, 3, rng=0, init="xavier")
    assert np.abs(xav.params["W"]).max() <= np.sqrt(6.0 / (16 * 9 + 64 * 9))


def test_conv2d_from_arrays_copies_and_validates() -> None:
    W, b = np.ones((2, 1, 3, 3)), np.zeros(2)
    layer = bp.Conv2D.from_arrays(W, b, stride=2, padding=1)
    W[...] = 5.0
    assert layer.params["W"].max() == 1.0
    assert (layer.stride, layer.padding, layer.kernel_size) == (2, 1, (3, 3))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        bp.Conv2D.from_arrays(np.ones((2, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="W must be 4-D"):
        bp.Conv2D.from_arrays(np.ones((2, 3, 3)), np.zeros(2))


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.zeros((2, 8, 8)), ValueError, r"4-D batch of images \(N, C, H, W\), got 3-D"),
        (np.zeros((2, 3, 8, 8)), ValueError, r"x must have 1 channels.*got shape \(2, 3, 8, 8\)"),
        (np.zeros((1, 1, 2, 8)), ValueError, r"x is too small for the 3×3 kernel: its images are 2×8 \(2×8 padded\)"),
        (np.zeros((1, 1, 8, 8), dtype=np.int64), TypeError, "floating-point"),
        (np.full((1, 1, 8, 8), np.nan), ValueError, "finite"),
        (np.zeros((0, 1, 8, 8)), ValueError, "empty"),
        ([[[[1.0]]]], TypeError, "numpy.ndarray"),
    ],
)
def test_conv2d_rejects_bad_input(x: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        bp.Conv2D(1, 2, 3, rng=0).forward(x)  # type: ignore[arg-type]


def test_conv2d_padding_makes_small_input_fit() -> None:
    assert bp.Conv2D(1, 1, 3, padding=1, rng=0).forward(np.ones((1, 1, 1, 1))).shape == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"stride": 0}, ValueError, "stride must be a positive integer"),
        ({"padding": -1}, ValueError, "padding must be a non-negative integer"),
        ({"kernel_size": 0}, ValueError, "kernel_size must be a positive integer"),
        ({"kernel_size": (3, 3, 3)}, ValueError, "pair"),
        ({"stride": 1.5}, TypeError, "stride must be an int"),
        ({"init": "glorot"}, ValueError, "init must be 'he' or 'xavier'"),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        bp.Conv2D(1, 2, **kwargs)  # type: ignore[arg-type]


def test_conv2d_backward_checks() -> None:
    layer = bp.Conv2D(1, 2, 3, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((1, 2, 3, 3)))
    layer.forward(np.zeros((1, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"shape of the forward output \(1, 2, 3, 3\), got \(1, 2, 3, 4\)"):
        layer.backward(np.zeros((1, 2, 3, 4)))


# --------------------------------------------------------------------------- MaxPool2D


def _distinct(shape: tuple[int, ...], seed: int) -> bp.Array:
    """Values at least 0.1 apart: no ties, and a 1e-5 nudge never changes a window's maximum."""
    size = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(size).astype(np.float64)
    return values.reshape(shape) * 0.1 - 0.05 * size


@pytest.mark.parametrize(
    ("shape", "size", "stride"),
    [((2, 3, 8, 8), 2, 2), ((1, 2, 7, 5), 2, 2), ((2, 1, 7, 7), 3, 2), ((1, 3, 6, 9), 2, 1), ((1, 1, 5, 5), 3, 3)],
)
def test_maxpool_gradient_check(shape: tuple[int, int, int, int], size: int, stride: int) -> None:
    assert bp.check_layer(bp.MaxPool2D(size, stride), _distinct(shape, 1)) < TOL


@pytest.mark.parametrize(
    ("shape", "size", "stride"),
    [((2, 3, 8, 8), 2, 2), ((1, 2, 7, 5), 2, 2), ((2, 1, 7, 7), 3, 2), ((1, 3, 6, 9), 2, 1)],
)
def test_maxpool_matches_torch(shape: tuple[int, int, int, int], size: int, stride: int) -> None:
    torch = require("torch")
    x = np.random.default_rng(2).normal(size=shape)
    pool = bp.MaxPool2D(size, stride)
    out = pool.forward(x)
    dout = np.random.default_rng(3).normal(size=out.shape)
    dx = pool.backward(dout)
    xt = torch.tensor(x, requires_grad=True)
    ot = torch.nn.functional.max_pool2d(xt, size, stride)
    ot.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, ot.detach().numpy())
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-15)  # overlaps: sums in another order


def test_maxpool_odd_size_is_floored_and_ties_go_to_the_first() -> None:
    pool = bp.MaxPool2D(2)
    x = np.ones((1, 1, 5, 5))
    assert pool.forward(x).shape == (1, 1, 2, 2)  # the last row and column are dropped
    dx = pool.backward(np.full((1, 1, 2, 2), 3.0))
    expected = np.zeros((5, 5))
    expected[0, 0] = expected[0, 2] = expected[2, 0] = expected[2, 2] = 3.0  # row-major first entry of each window
    np.testing.assert_array_equal(dx[0, 0], expected)
    assert pool.forward(x).shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(pool.backward(np.full((1, 1, 2, 2), 3.0)), dx)  # same answer every time


def test_maxpool_overlapping_windows_accumulate() -> None:
    x = np.array([[[[0.0, 0.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])
    pool = bp.MaxPool2D(2, stride=1)
    assert pool.forward(x).tolist() == [[[[9.0, 9.0], [9.0, 9.0]]]]
    assert pool.backward(np.ones((1, 1, 2, 2)))[0, 0, 1, 1] == 4.0


def test_maxpool_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="x is too small for the 3×3 pooling window: its images are 2×5"):
        bp.MaxPool2D(3).forward(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="4-D"):
        bp.MaxPool2D(2).forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="size must be a positive integer"):
        bp.MaxPool2D(0)
    pool = bp.MaxPool2D(2)
    with pytest.raises(RuntimeError, match="before forward"):
        pool.backward(np.zeros((1, 1, 1, 1)))
    pool.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="shape of the forward output"):
        pool.backward(np.zeros((1, 1, 3, 3)))


# --------------------------------------------------------------------------- Flatten


def test_flatten_gradient_check_and_shapes() -> None:
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
    flat = bp.Flatten()
    assert flat.forward(x).shape == (2, 60)
    np.testing.assert_array_equal(flat.forward(x)[1], x[1].ravel())
    assert bp.check_layer(flat, x) < TOL
    with pytest.raises(ValueError, match="batch axis"):
        flat.forward(np.zeros(3))
    flat.forward(x)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 60\)"):
        flat.backward(np.zeros((2, 59)))
    with pytest.raises(RuntimeError, match="before forward"):
        bp.Flatten().backward(np.zeros((2, 60)))


# --------------------------------------------------------------------------- a whole CNN


def test_cnn_model_gradient_check() -> None:
    rng = np.random.default_rng(10)
    net = bp.Sequential(
        bp.Conv2D(2, 3, 3, padding=1, rng=11),
        bp.Tanh(),
        bp.Conv2D(3, 4, 3, stride=2, padding=1, rng=12),
        bp.ReLU(),
        bp.MaxPool2D(2),
        bp.Flatten(),
        bp.Dense(4 * 2 * 2, 5, rng=13),
    )
    x = rng.normal(size=(3, 2, 9, 9))
    y = np.eye(5)[rng.integers(0, 5, size=3)]  # one-hot rows
    assert bp.check_model(net, bp.softmax_cross_entropy, x, y) < TOL


def test_cnn_layers_are_layers_and_exported() -> None:
    for layer in (bp.Conv2D(1, 1, rng=0), bp.MaxPool2D(), bp.Flatten()):
        assert isinstance(layer, bp.Layer)
    assert {"Conv2D", "MaxPool2D", "Flatten", "save_params", "load_params"} <= set(bp.__all__)
    assert repr(bp.MaxPool2D(3, 2)) == "MaxPool2D(size=3, stride=2)"


def test_many_conv_configurations_agree_with_loop() -> None:
    rng = np.random.default_rng(14)
    for s, p, (h, w) in itertools.product([1, 2, 3], [0, 1, 2], [(5, 5), (6, 7)]):
        x = rng.normal(size=(2, 2, h, w))
        layer = bp.Conv2D(2, 3, 3, stride=s, padding=p, rng=15)
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        dx = layer.backward(dout)
        ref = conv2d_backward_loop(x, layer.params["W"], dout, stride=s, padding=p)
        ref_out = conv2d_forward_loop(x, layer.params["W"], layer.params["b"], stride=s, padding=p)
        np.testing.assert_allclose(out, ref_out, atol=1e-12)
        np.testing.assert_allclose(dx, ref[0], atol=1e-12)
        np.testing.assert_allclose(layer.grads["W"], ref[1], atol=1e-12)


def test_old_imports_from_backprop_conv_still_work() -> None:
    import backprop.conv
    import backprop.conv_reference
    import backprop.im2col

    for name in ("im2col", "col2im", "conv_output_size"):
        assert getattr(backprop.conv, name) is getattr(backprop.im2col, name)
    for name in ("conv2d_forward_loop", "conv2d_backward_loop"):
        assert getattr(backprop.conv, name) is getattr(backprop.conv_reference, name)
    assert set(backprop.conv.__all__) >= {"im2col", "col2im", "conv_output_size", "conv2d_forward_loop"}


def test_conv2d_backward_is_col2im_of_kernels_transposed_times_upstream() -> None:
    # the docstring's three formulas, written out with im2col / col2im
    rng = np.random.default_rng(16)
    for s, p in [(1, 1), (2, 0), (1, 0), (3, 2)]:
        x = rng.normal(size=(2, 3, 7, 6))
        layer = bp.Conv2D(3, 4, 3, stride=s, padding=p, rng=17)
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        dx = layer.backward(dout)
        X = im2col(x, 3, 3, stride=s, padding=p)
        K_mat = layer.params["W"].reshape(4, -1)
        G = dout.transpose(1, 0, 2, 3).reshape(4, -1)
        np.testing.assert_allclose(layer.grads["W"], (G @ X.T).reshape(4, 3, 3, 3), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.grads["b"], G.sum(axis=1), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dx, col2im(K_mat.T @ G, x.shape, 3, 3, stride=s, padding=p), rtol=1e-12, atol=1e-12)


def test_conv2d_buffers_are_reused_but_results_are_never_shared() -> None:
    rng = np.random.default_rng(18)
    layer = bp.Conv2D(2, 3, 3, padding=1, rng=19)
    results = []
    for n in (4, 3, 4, 5, 6, 7, 4):  # shapes come back, and more of them than the layer keeps
        x = rng.normal(size=(n, 2, 16, 15))
        out = layer.forward(x)
        assert type(layer._patches) is FlatPatches  # the layout that keeps buffers
        dout = rng.normal(size=out.shape)
        dx = layer.backward(dout)
        fresh = bp.Conv2D.from_arrays(layer.params["W"], layer.params["b"], padding=1)
        np.testing.assert_array_equal(out, fresh.forward(x))
        np.testing.assert_array_equal(dx, fresh.backward(dout))
        np.testing.assert_array_equal(layer.grads["W"], fresh.grads["W"])
        results.append((out, out.copy(), dx, dx.copy()))
    for out, kept_out, dx, kept_dx in results:  # later calls left every earlier result alone
        np.testing.assert_array_equal(out, kept_out)
        np.testing.assert_array_equal(dx, kept_dx)
    assert len(layer._layouts) == 4


def test_a_second_backward_after_one_forward_rebuilds_the_patch_matrix() -> None:
    rng = np.random.default_rng(20)
    layer = bp.Conv2D(2, 3, 3, padding=1, rng=21)
    x = rng.normal(size=(2, 2, 16, 15))
    out = layer.forward(x)
    assert type(layer._patches) is FlatPatches  # the layout whose X buffer backward reuses
    layer.backward(rng.normal(size=out.shape))
    dout = rng.normal(size=out.shape)
    dx = layer.backward(dout)  # X's buffer now holds the first call's K^T G: X must be rebuilt
    fresh = bp.Conv2D.from_arrays(layer.params["W"], layer.params["b"], padding=1)
    fresh.forward(x)
    np.testing.assert_array_equal(dx, fresh.backward(dout))
    np.testing.assert_array_equal(layer.grads["W"], fresh.grads["W"])
