r"""Patches as columns: `im2col`, its adjoint `col2im`, and `conv_output_size`.

A convolution multiplies every ``(C, kh, kw)`` patch of the (padded) input with every
kernel. `im2col` lays the patches out as the columns of one matrix, so that the whole
convolution is a single matrix product; `col2im` sends a gradient on those columns back
onto the pixels they were copied from, adding where patches overlap. Both move numbers
with one strided copy per kernel offset ``(p, q)``, never a loop over images or positions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from backprop._check import as_float_array, nonnegative_int, positive_int
from backprop._types import Array

__all__ = ["col2im", "conv_output_size", "im2col"]


def _images(x: object, name: str = "x") -> Array:
    """``x`` as a float64 ``(N, C, H, W)`` array, or a clear error."""
    if isinstance(x, np.ndarray) and x.ndim != 4:
        raise ValueError(f"{name} must be a 4-D batch of images (N, C, H, W), got {x.ndim}-D array of shape {x.shape}")
    return as_float_array(x, name, ndim=4)


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    r"""Output length along one axis: $\lfloor (n + 2\,\text{pad} - k) / s\rfloor + 1$.

    Here $n$ is ``size``, $k$ is ``kernel`` and $s$ is ``stride``.

    The floor drops positions where the kernel would hang over the (padded) edge, as in PyTorch.

    Args:
        size: input length ``H`` or ``W``.
        kernel: kernel length ``kh`` or ``kw``.
        stride: step between neighbouring kernel positions.
        padding: zeros added on each side.

    Raises:
        ValueError: the kernel is larger than the padded input.

    Examples:
        >>> from backprop.im2col import conv_output_size
        >>> conv_output_size(8, 3), conv_output_size(8, 3, padding=1), conv_output_size(7, 3, stride=2)
        (6, 8, 3)
    """
    size = positive_int(size, "size")
    kernel = positive_int(kernel, "kernel")
    stride = positive_int(stride, "stride")
    padding = nonnegative_int(padding, "padding")
    if kernel > size + 2 * padding:
        raise ValueError(
            f"kernel of size {kernel} is larger than the padded input {size + 2 * padding} "
            f"(input {size}, padding {padding})"
        )
    return (size + 2 * padding - kernel) // stride + 1


def _pad(x: Array, padding: int) -> Array:
    """``x`` ``(N, C, H, W)`` surrounded by ``padding`` rows and columns of zeros."""
    if padding == 0:
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    out[:, :, padding : padding + h, padding : padding + w] = x
    return out


def _window(offset: int, stride: int, count: int) -> slice:
    """Rows (or columns) ``offset, offset + stride, ...`` — ``count`` of them."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)


def im2col(x: Array, kh: int, kw: int, *, stride: int = 1, padding: int = 0) -> Array:
    r"""Every ``(C, kh, kw)`` patch of ``x`` as one column of a matrix.

    Row ``(c, p, q)`` (in C order) of the result holds $x_{\text{pad}}[n, c, s\,i+p, s\,j+q]$ for
    every output position ``(n, i, j)`` (the columns, also in C order). The matrix is built
    with one strided copy per kernel offset ``(p, q)`` — ``kh·kw`` copies in all, never a loop
    over images or positions. Then ``K.reshape(O, -1) @ im2col(x, ...)`` is the whole convolution.

    Args:
        x: images, shape ``(N, C, H, W)``.
        kh: kernel height.
        kw: kernel width.
        stride: step between kernel positions.
        padding: zeros added on every side.

    Returns:
        An array of shape ``(C·kh·kw, N·Ho·Wo)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.im2col import im2col
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> im2col(x, 2, 2)                    # 4 patches of 2×2, one per column
        array([[0., 1., 3., 4.],
               [1., 2., 4., 5.],
               [3., 4., 6., 7.],
               [4., 5., 7., 8.]])
    """
    x = _images(x)
    kh, kw = positive_int(kh, "kh"), positive_int(kw, "kw")
    stride, padding = positive_int(stride, "stride"), nonnegative_int(padding, "padding")
    ho = conv_output_size(x.shape[2], kh, stride, padding)
    wo = conv_output_size(x.shape[3], kw, stride, padding)
    return _im2col(x, kh, kw, stride, padding, ho, wo)


def _im2col(x: Array, kh: int, kw: int, stride: int, padding: int, ho: int, wo: int) -> Array:
    """`im2col` for arguments already checked, with the output size ``(ho, wo)`` known."""
    n, c = x.shape[:2]
    xt = _pad(x, padding).transpose(1, 0, 2, 3)  # (C, N, Hp, Wp): channel-major, like the rows of the result
    cols = np.empty((c, kh, kw, n, ho, wo))
    for p in range(kh):
        for q in range(kw):
            cols[:, p, q] = xt[:, :, _window(p, stride, ho), _window(q, stride, wo)]
    return cols.reshape(c * kh * kw, n * ho * wo)


def col2im(
    cols: Array, x_shape: tuple[int, int, int, int], kh: int, kw: int, *, stride: int = 1, padding: int = 0
) -> Array:
    """The adjoint of `im2col`: add every column back onto the patch it came from.

    Where patches overlap their contributions add up, which is exactly what the chain rule
    asks of a gradient: an input pixel that fed several outputs collects the gradient of each.

    Args:
        cols: shape ``(C·kh·kw, N·Ho·Wo)``, laid out as `im2col` returns it.
        x_shape: the shape ``(N, C, H, W)`` of the images the columns came from.
        kh: kernel height.
        kw: kernel width.
        stride: as for `im2col`.
        padding: as for `im2col`; the padded border is dropped from the result.

    Returns:
        An array of shape ``x_shape`` (possibly a non-contiguous view).

    Examples:
        >>> import numpy as np
        >>> from backprop.im2col import col2im
        >>> ones = np.ones((4, 4))          # 4 patches of a 3×3 image, all gradients 1
        >>> col2im(ones, (1, 1, 3, 3), 2, 2)[0, 0]   # how many patches cover each pixel
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    if isinstance(x_shape, (str, bytes)) or not isinstance(x_shape, Sequence):
        raise TypeError(f"x_shape must be a 4-tuple of ints (N, C, H, W), got {type(x_shape).__name__} {x_shape!r}")
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be a 4-tuple of ints (N, C, H, W), got {tuple(x_shape)}")
    n, c, h, w = (positive_int(v, f"x_shape[{i}]") for i, v in enumerate(x_shape))
    kh, kw = positive_int(kh, "kh"), positive_int(kw, "kw")
    stride, padding = positive_int(stride, "stride"), nonnegative_int(padding, "padding")
    ho = conv_output_size(h, kh, stride, padding)
    wo = conv_output_size(w, kw, stride, padding)
    cols = as_float_array(cols, "cols", ndim=2)
    if cols.shape != (c * kh * kw, n * ho * wo):
        raise ValueError(f"cols must have shape {(c * kh * kw, n * ho * wo)} for x_shape {x_shape}, got {cols.shape}")
    return _col2im(cols, (n, c, h, w), kh, kw, stride, padding, ho, wo)


def _col2im(
    cols: Array, x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: int, padding: int, ho: int, wo: int
) -> Array:
    """`col2im` for arguments already checked, with the output size ``(ho, wo)`` known."""
    n, c, h, w = x_shape
    c6 = cols.reshape(c, kh, kw, n, ho, wo)
    dxt = np.zeros((c, n, h + 2 * padding, w + 2 * padding))
    for p in range(kh):
        for q in range(kw):
            dxt[:, :, _window(p, stride, ho), _window(q, stride, wo)] += c6[:, p, q]
    dx: Array = dxt[:, :, padding : padding + h, padding : padding + w].transpose(1, 0, 2, 3)
    return dx
