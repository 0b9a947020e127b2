"""im2col, col2im and conv_output_size: patch layout, adjointness, sizes, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.im2col import col2im, conv_output_size, im2col


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
