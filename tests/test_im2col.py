"""im2col, col2im and conv_output_size: patch layout, adjointness, sizes, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.im2col import FlatPatches, Patches, col2im, conv_output_size, im2col, patches_for


def test_conv_output_size_floors_like_pytorch() -> None:
    assert conv_output_size(5, 5) == 1
    assert conv_output_size(6, 3, stride=2) == 2  # floor: the last column does not fit a third window
    assert conv_output_size(7, 3, 2, 1) == 4
    assert conv_output_size(1, 3, padding=1) == 1


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((2, 3), ValueError, r"kernel of size 3 is larger than the padded input 2 \(input 2, padding 0\)"),
        ((5, 3, 0), ValueError, "stride must be a positive integer, got 0"),
        ((5, 3, 1, -1), ValueError, "padding must be a non-negative integer, got -1"),
        ((5.0, 3), TypeError, "size must be an int, got float"),
    ],
)
def test_conv_output_size_rejects_bad_arguments(args: tuple[object, ...], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        conv_output_size(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kh", "kw", "s", "p"), [(3, 3, 1, 0), (3, 2, 2, 1), (2, 2, 2, 2), (1, 1, 1, 0)])
def test_im2col_columns_are_the_patches(kh: int, kw: int, s: int, p: int) -> None:
    # column (n, i, j) is the padded patch under the kernel at output position (i, j) of image n
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 5))
    cols = im2col(x, kh, kw, stride=s, padding=p)
    ho, wo = conv_output_size(6, kh, s, p), conv_output_size(5, kw, s, p)
    assert cols.shape == (3 * kh * kw, 2 * ho * wo)
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    for n in range(2):
        for i in range(ho):
            for j in range(wo):
                patch = xp[n, :, i * s : i * s + kh, j * s : j * s + kw]
                np.testing.assert_array_equal(cols[:, (n * ho + i) * wo + j], patch.ravel())


def test_im2col_and_col2im_are_adjoint() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 3, 7, 6))
    for kh, kw, s, p in [(3, 3, 1, 0), (3, 2, 2, 1), (2, 2, 2, 2)]:
        cols = im2col(x, kh, kw, stride=s, padding=p)
        Y = rng.normal(size=cols.shape)
        lhs = float(np.sum(cols * Y))
        rhs = float(np.sum(x * col2im(Y, (2, 3, 7, 6), kh, kw, stride=s, padding=p)))
        assert lhs == pytest.approx(rhs, rel=1e-12)


def test_col2im_counts_how_many_patches_cover_each_pixel() -> None:
    counts = col2im(np.ones((9, 2 * 2 * 3)), (2, 1, 4, 5), 3, 3, stride=1, padding=0)
    expected = np.array([[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]], dtype=float)
    np.testing.assert_array_equal(counts[0, 0], expected)
    np.testing.assert_array_equal(counts[1, 0], expected)


def test_im2col_and_col2im_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="larger than the padded input"):
        im2col(np.zeros((1, 1, 2, 2)), 3, 3)
    with pytest.raises(ValueError, match=r"x must be a 4-D batch of images \(N, C, H, W\), got 2-D"):
        im2col(np.zeros((4, 4)), 2, 2)
    with pytest.raises(ValueError, match="padding must be a non-negative integer"):
        im2col(np.zeros((1, 1, 4, 4)), 2, 2, padding=-1)
    with pytest.raises(ValueError, match="cols must have shape"):
        col2im(np.zeros((9, 5)), (1, 1, 3, 3), 3, 3)
    with pytest.raises(ValueError, match=r"x_shape must be a 4-tuple of ints \(N, C, H, W\), got \(1, 3, 3\)"):
        col2im(np.zeros((9, 1)), (1, 3, 3), 3, 3)  # type: ignore[arg-type]


def test_col2im_names_x_shape_when_it_is_not_a_tuple() -> None:
    with pytest.raises(TypeError, match=r"^x_shape must be a 4-tuple of ints \(N, C, H, W\), got int 9$"):
        col2im(np.zeros((4, 4)), 9, 2, 2)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^x_shape\[2\] must be an int, got float$"):
        col2im(np.zeros((4, 4)), (1, 1, 3.0, 3), 2, 2)  # type: ignore[arg-type]
    assert col2im(np.ones((4, 4)), [1, 1, 3, 3], 2, 2).shape == (1, 1, 3, 3)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the layouts Conv2D uses

# (N, C, H, W, kh, kw, padding): stride 1, padding below the kernel; odd sizes, one image, one channel
FLAT_CASES = [
    (2, 3, 6, 5, 3, 3, 1),
    (1, 1, 5, 5, 3, 3, 0),
    (3, 2, 4, 7, 3, 3, 2),
    (2, 2, 5, 6, 2, 3, 1),
    (1, 4, 3, 3, 1, 1, 0),
    (2, 1, 8, 8, 5, 5, 2),
]


@pytest.mark.parametrize("case", FLAT_CASES, ids=lambda c: "N{}-C{}-{}x{}-k{}x{}-p{}".format(*c))
def test_flat_patches_give_the_products_of_plain_im2col(case: tuple[int, ...]) -> None:
    n, c, h, w, kh, kw, p = case
    rng = np.random.default_rng(sum(case))
    x, K = rng.normal(size=(n, c, h, w)), rng.normal(size=(4, c, kh, kw))
    flat, plain = FlatPatches((n, c, h, w), kh, kw, padding=p), Patches((n, c, h, w), kh, kw, padding=p)
    for _ in range(2):  # the second call reuses the buffers of the first
        X, Xp = flat.im2col(x), plain.im2col(x)
        out = flat.to_images(flat.kernel_matrix(K) @ X)
        np.testing.assert_allclose(out, plain.to_images(plain.kernel_matrix(K) @ Xp), rtol=1e-12, atol=1e-12)
        dout = rng.normal(size=out.shape)
        G, Gp = flat.from_images(dout), plain.from_images(dout)
        np.testing.assert_allclose(flat.kernel_grad(G @ X.T), plain.kernel_grad(Gp @ Xp.T), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(G.sum(axis=1), Gp.sum(axis=1), rtol=1e-12, atol=1e-12)
        dx = flat.col2im(flat.kernel_matrix(K).T @ G)
        np.testing.assert_allclose(dx, plain.col2im(plain.kernel_matrix(K).T @ Gp), rtol=1e-12, atol=1e-12)
        assert out.flags.c_contiguous
        x = rng.normal(size=x.shape)


def test_flat_im2col_and_col2im_are_adjoint() -> None:
    rng = np.random.default_rng(5)
    for n, c, h, w, kh, kw, p in FLAT_CASES:
        flat = FlatPatches((n, c, h, w), kh, kw, padding=p)
        x = rng.normal(size=(n, c, h, w))
        X = flat.im2col(x).copy()
        Y = rng.normal(size=X.shape)  # nonzero on the padding positions too
        assert float(np.sum(X * Y)) == pytest.approx(float(np.sum(x * flat.col2im(Y))), rel=1e-12)


def test_flat_patches_return_new_arrays_and_keep_their_buffers() -> None:
    rng = np.random.default_rng(6)
    flat = FlatPatches((2, 3, 5, 5), 3, 3, padding=1)
    K = rng.normal(size=(2, 3, 3, 3))
    x1, x2 = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(2, 3, 5, 5))
    out1 = flat.to_images(flat.kernel_matrix(K) @ flat.im2col(x1))
    kept = out1.copy()
    X2 = flat.im2col(x2)
    assert X2 is flat.im2col(x2)  # one buffer for X
    np.testing.assert_array_equal(out1, kept)  # the output of the first call is its own
    dx1 = flat.col2im(flat.kernel_matrix(K).T @ flat.from_images(out1))
    dx2 = flat.col2im(flat.kernel_matrix(K).T @ flat.from_images(2 * out1))
    np.testing.assert_allclose(dx2, 2 * dx1, rtol=1e-12)


def test_patches_for_picks_the_flat_layout_where_it_applies() -> None:
    shape = (2, 3, 32, 32)
    assert type(patches_for(shape, 3, 3, 1, 1)) is FlatPatches
    assert type(patches_for(shape, 3, 3, 1, 0)) is FlatPatches
    assert type(patches_for(shape, 3, 2, 1, 1)) is FlatPatches
    assert type(patches_for(shape, 3, 3, 1, 3)) is Patches  # padding as large as the kernel
    assert type(patches_for(shape, 3, 2, 1, 2)) is Patches
    assert type(patches_for(shape, 3, 3, 2, 1)) is Patches  # stride 2
    assert type(patches_for((2, 3, 8, 8), 3, 3, 1, 1)) is Patches  # 81 columns for 64 outputs: too many wasted
    assert type(patches_for((2, 3, 8, 8), 3, 3, 1, 0)) is Patches  # 64 for 36
    with pytest.raises(ValueError, match="FlatPatches needs stride 1 and a padding smaller than the kernel"):
        FlatPatches(shape, 3, 3, stride=2, padding=1)
