r"""The loop reference for `backprop.conv.Conv2D`: one output position at a time.

`conv2d_forward_loop` and `conv2d_backward_loop` compute the convolution and its gradients
straight from the formula

$$\text{out}[n, o, i, j] = b_o + \sum_{c, p, q} K[o, c, p, q]\; x_{\text{pad}}[n, c,\; s\,i + p,\; s\,j + q],$$

visiting each output position ``(i, j)`` in turn (all images and kernels at once). They are
slow and meant for reading and testing: the tests check `Conv2D`, which does the same sums
as matrix products, against them.
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, nonnegative_int, positive_int
from backprop._types import Array
from backprop.im2col import _images, _pad, conv_output_size

__all__ = ["conv2d_backward_loop", "conv2d_forward_loop"]


def _check_conv_args(x: object, K: object, stride: int, padding: int) -> tuple[Array, Array, int, int]:
    x = _images(x)
    K = as_float_array(K, "K", ndim=4)
    stride = positive_int(stride, "stride")
    padding = nonnegative_int(padding, "padding")
    if x.shape[1] != K.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but the kernels K of shape {K.shape} expect {K.shape[1]}")
    conv_output_size(x.shape[2], K.shape[2], stride, padding)
    conv_output_size(x.shape[3], K.shape[3], stride, padding)
    return x, K, stride, padding


def conv2d_forward_loop(x: Array, K: Array, b: Array, *, stride: int = 1, padding: int = 0) -> Array:
    """Reference convolution, one output position at a time (slow; for reading and testing).

    For each output position ``(i, j)`` the patch under the kernel is multiplied by every
    kernel and summed: ``out[:, o, i, j] = sum(patch * K[o]) + b[o]`` for all images at once.

    Args:
        x: images, shape ``(N, C, H, W)``.
        K: kernels, shape ``(O, C, kh, kw)``.
        b: biases, shape ``(O,)``.
        stride: step between kernel positions.
        padding: zeros added on every side.

    Returns:
        ``(N, O, Ho, Wo)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.conv_reference import conv2d_forward_loop
        >>> x = np.array([[[[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]]]])
        >>> sobel_x = np.array([[[[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]]])
        >>> out = conv2d_forward_loop(x, sobel_x, np.zeros(1))
        >>> out.shape, round(float(out[0, 0, 0, 0]), 4)
        ((1, 1, 1, 1), 3.66)
    """
    x, K, stride, padding = _check_conv_args(x, K, stride, padding)
    b = as_float_array(b, "b", ndim=1)
    o, _, kh, kw = K.shape
    if b.shape != (o,):
        raise ValueError(f"b must have shape ({o},), got {b.shape}")
    xp = _pad(x, padding)
    ho = conv_output_size(x.shape[2], kh, stride, padding)
    wo = conv_output_size(x.shape[3], kw, stride, padding)
    out = np.empty((x.shape[0], o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]  # (N, C, kh, kw)
            out[:, :, i, j] = np.tensordot(patch, K, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def conv2d_backward_loop(
    x: Array, K: Array, dout: Array, *, stride: int = 1, padding: int = 0
) -> tuple[Array, Array, Array]:
    r"""Reference backward pass of `conv2d_forward_loop`, one output position at a time.

    Output ``(n, o, i, j)`` was ``sum(patch * K[o]) + b[o]``, so its upstream gradient
    $g = \partial L/\partial\,\text{out}[n, o, i, j]$ flows back as

    * ``g * patch`` into $\partial L/\partial K[o]$ (the kernel saw that patch),
    * ``g * K[o]`` into $\partial L/\partial\,\text{patch}$ (the patch saw that kernel),
    * ``g`` into $\partial L/\partial b_o$.

    Args:
        x: the forward input, ``(N, C, H, W)``.
        K: the kernels, ``(O, C, kh, kw)``.
        dout: $\partial L/\partial\,\text{out}$, ``(N, O, Ho, Wo)``.
        stride: as in the forward pass.
        padding: as in the forward pass.

    Returns:
        ``(dx, dK, db)`` with the shapes of ``x``, ``K`` and ``(O,)``.

    Examples:
        >>> import numpy as np
        >>> from backprop.conv_reference import conv2d_backward_loop
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> dx, dK, db = conv2d_backward_loop(x, np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))
        >>> dK[0, 0].tolist(), db.tolist()     # each kernel entry saw 4 pixels
        ([[8.0, 12.0], [20.0, 24.0]], [4.0])
        >>> dx[0, 0].tolist()                   # each pixel was in 1, 2 or 4 patches
        [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    """
    x, K, stride, padding = _check_conv_args(x, K, stride, padding)
    o, _, kh, kw = K.shape
    ho = conv_output_size(x.shape[2], kh, stride, padding)
    wo = conv_output_size(x.shape[3], kw, stride, padding)
    dout = as_float_array(dout, "dout", ndim=4)
    if dout.shape != (x.shape[0], o, ho, wo):
        raise ValueError(f"dout must have shape {(x.shape[0], o, ho, wo)}, got {dout.shape}")
    xp = _pad(x, padding)
    dxp = np.zeros_like(xp)
    dK = np.zeros_like(K)
    for i in range(ho):
        for j in range(wo):
            rows = slice(i * stride, i * stride + kh)
            cols = slice(j * stride, j * stride + kw)
            g = dout[:, :, i, j]  # (N, O)
            dK += np.tensordot(g, xp[:, :, rows, cols], axes=(0, 0))  # Σ_n g[n, o] · patch[n]
            dxp[:, :, rows, cols] += np.tensordot(g, K, axes=(1, 0))  # Σ_o g[n, o] · K[o]
    db = dout.sum(axis=(0, 2, 3))
    h, w = x.shape[2:]
    return dxp[:, :, padding : padding + h, padding : padding + w].copy(), dK, db
