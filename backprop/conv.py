r"""Convolutional layers: `Conv2D`, `MaxPool2D` and `Flatten`.

Images are batches of shape ``(N, C, H, W)``: ``N`` images, ``C`` channels, ``H`` rows and
``W`` columns (the layout PyTorch uses). A convolution layer holds ``O`` kernels of shape
``(C, kh, kw)`` and, like every deep-learning library, computes a *cross-correlation*: the
kernel is slid over the input without being flipped,

$$\text{out}[n, o, i, j] = b_o + \sum_{c=0}^{C-1}\sum_{p=0}^{k_h-1}\sum_{q=0}^{k_w-1}
  K[o, c, p, q]\; x_{\text{pad}}[n, c,\; s\,i + p,\; s\,j + q],$$

with stride $s$ and $x_{\text{pad}}$ the input surrounded by ``padding`` rows and columns of
zeros. Each output number is a sum of products of one input patch with the kernel.

Two implementations live here, and the tests check that they agree:

* `conv2d_forward_loop` / `conv2d_backward_loop` visit one output position at a
  time: slow, but they read like the formula.
* `Conv2D` rearranges every patch into a column (`im2col`) so that the whole
  layer is one matrix product, and sends gradients back through `col2im`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from backprop._check import as_float_array, make_rng, positive_int
from backprop._types import Array

__all__ = [
    "Conv2D",
    "Flatten",
    "MaxPool2D",
    "col2im",
    "conv2d_backward_loop",
    "conv2d_forward_loop",
    "conv_output_size",
    "im2col",
]


# --------------------------------------------------------------------------- helpers


def _nonnegative_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def _kernel_pair(kernel_size: object) -> tuple[int, int]:
    if isinstance(kernel_size, tuple):
        if len(kernel_size) != 2:
            raise ValueError(f"kernel_size must be an int or a pair (kh, kw), got {kernel_size!r}")
        return positive_int(kernel_size[0], "kernel_size[0]"), positive_int(kernel_size[1], "kernel_size[1]")
    k = positive_int(kernel_size, "kernel_size")
    return k, k


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
        >>> from backprop.conv import conv_output_size
        >>> conv_output_size(8, 3), conv_output_size(8, 3, padding=1), conv_output_size(7, 3, stride=2)
        (6, 8, 3)
    """
    size = positive_int(size, "size")
    kernel = positive_int(kernel, "kernel")
    stride = positive_int(stride, "stride")
    padding = _nonnegative_int(padding, "padding")
    if kernel > size + 2 * padding:
        raise ValueError(
            f"kernel of size {kernel} is larger than the padded input {size + 2 * padding} "
            f"(input {size}, padding {padding})"
        )
    return (size + 2 * padding - kernel) // stride + 1


def _pad(x: Array, padding: int) -> Array:
    if padding == 0:
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + 2 * padding, w + 2 * padding))
    out[:, :, padding : padding + h, padding : padding + w] = x
    return out


def _window(offset: int, stride: int, count: int) -> slice:
    """Rows (or columns) ``offset, offset + stride, ...`` — ``count`` of them."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)


# --------------------------------------------------------------------------- im2col


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
        >>> from backprop.conv import im2col
        >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
        >>> im2col(x, 2, 2)                    # 4 patches of 2×2, one per column
        array([[0., 1., 3., 4.],
               [1., 2., 4., 5.],
               [3., 4., 6., 7.],
               [4., 5., 7., 8.]])
    """
    x = _images(x)
    kh, kw = positive_int(kh, "kh"), positive_int(kw, "kw")
    stride, padding = positive_int(stride, "stride"), _nonnegative_int(padding, "padding")
    ho = conv_output_size(x.shape[2], kh, stride, padding)
    wo = conv_output_size(x.shape[3], kw, stride, padding)
    return _im2col(x, kh, kw, stride, padding, ho, wo)


def _workspace(buffer: Array | None, shape: tuple[int, ...]) -> Array:
    """``buffer`` if it has ``shape``, else a new uninitialised array.

    Reusing the large scratch arrays of a layer between calls saves the operating system's
    work of handing out (and zero-filling) fresh memory pages each time.
    """
    if buffer is not None and buffer.shape == shape:
        return buffer
    return np.empty(shape)


def _im2col(
    x: Array, kh: int, kw: int, stride: int, padding: int, ho: int, wo: int, out: Array | None = None
) -> Array:
    n, c = x.shape[:2]
    xt = _pad(x, padding).transpose(1, 0, 2, 3)  # (C, N, Hp, Wp): channel-major, like the rows of the result
    cols = _workspace(out, (c * kh * kw, n * ho * wo)).reshape(c, kh, kw, n, ho, wo)
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
        >>> from backprop.conv import col2im
        >>> ones = np.ones((4, 4))          # 4 patches of a 3×3 image, all gradients 1
        >>> col2im(ones, (1, 1, 3, 3), 2, 2)[0, 0]   # how many patches cover each pixel
        array([[1., 2., 1.],
               [2., 4., 2.],
               [1., 2., 1.]])
    """
    if len(x_shape) != 4:
        raise ValueError(f"x_shape must be (N, C, H, W), got {x_shape}")
    n, c, h, w = (positive_int(v, "x_shape entry") for v in x_shape)
    kh, kw = positive_int(kh, "kh"), positive_int(kw, "kw")
    stride, padding = positive_int(stride, "stride"), _nonnegative_int(padding, "padding")
    ho = conv_output_size(h, kh, stride, padding)
    wo = conv_output_size(w, kw, stride, padding)
    cols = as_float_array(cols, "cols", ndim=2)
    if cols.shape != (c * kh * kw, n * ho * wo):
        raise ValueError(f"cols must have shape {(c * kh * kw, n * ho * wo)} for x_shape {x_shape}, got {cols.shape}")
    return _col2im(cols, (n, c, h, w), kh, kw, stride, padding, ho, wo)


def _col2im(
    cols: Array, x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: int, padding: int, ho: int, wo: int
) -> Array:
    n, c, h, w = x_shape
    c6 = cols.reshape(c, kh, kw, n, ho, wo)
    dxt = np.zeros((c, n, h + 2 * padding, w + 2 * padding))
    for p in range(kh):
        for q in range(kw):
            dxt[:, :, _window(p, stride, ho), _window(q, stride, wo)] += c6[:, p, q]
    dx: Array = dxt[:, :, padding : padding + h, padding : padding + w].transpose(1, 0, 2, 3)
    return dx


def _input_grad_stride1(
    dout: Array, K: Array, x_shape: tuple[int, int, int, int], padding: int, work: Array | None = None
) -> tuple[Array, Array]:
    """dL/dx of a stride-1 convolution: ``col2im(K_mat.T @ G)`` with contiguous adds.

    The same sum as `col2im`, arranged for speed: each output row of ``G`` is widened
    with zeros to the padded input's width ``Wp``. Then kernel offset ``(p, q)`` is a plain
    shift by ``p·Wp + q`` of each flattened image, and each of the ``kh·kw`` additions runs
    over long contiguous stretches instead of rows of ``Wo`` numbers. Returns ``dx`` and the
    scratch array, for reuse by the next call.
    """
    n, c, h, w = x_shape
    o, _, kh, kw = K.shape
    hp, wp = h + 2 * padding, w + 2 * padding
    ho, wo = hp - kh + 1, wp - kw + 1
    Gw = np.zeros((o, n, ho, wp))
    Gw[:, :, :, :wo] = dout.transpose(1, 0, 2, 3)  # the extra columns stay 0 and add nothing below
    work = _workspace(work, (c * kh * kw, n * ho * wp))
    dcols = np.matmul(K.reshape(o, -1).T, Gw.reshape(o, -1), out=work).reshape(c, kh, kw, n, ho * wp)
    run = (ho - 1) * wp + wo  # from the first to the last real output of an image
    dxt = np.zeros((c, n, hp * wp))
    for p in range(kh):
        for q in range(kw):
            start = p * wp + q
            dxt[:, :, start : start + run] += dcols[:, p, q, :, :run]
    dx: Array = dxt.reshape(c, n, hp, wp)[:, :, padding : padding + h, padding : padding + w].transpose(1, 0, 2, 3)
    return dx, work


# --------------------------------------------------------------------------- loop reference


def _check_conv_args(x: object, K: object, stride: int, padding: int) -> tuple[Array, Array, int, int]:
    x = _images(x)
    K = as_float_array(K, "K", ndim=4)
    stride = positive_int(stride, "stride")
    padding = _nonnegative_int(padding, "padding")
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
        >>> from backprop.conv import conv2d_forward_loop
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
        >>> from backprop.conv import conv2d_backward_loop
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


# --------------------------------------------------------------------------- layers


class Conv2D:
    r"""2-D convolution (cross-correlation, as ``torch.nn.Conv2d``) over ``(N, C, H, W)`` images.

    Forward, with $X = \operatorname{im2col}(x)$ of shape ``(C·kh·kw, N·Ho·Wo)`` and the kernels
    flattened to $K_{\text{mat}}$ of shape ``(O, C·kh·kw)``: $\text{out} = K_{\text{mat}} X + b$,
    one matrix product.

    Backward, for upstream $G = \partial L/\partial\,\text{out}$ rearranged to ``(O, N·Ho·Wo)``:
    $\partial L/\partial K = G X^\top$ (the correlation of the input with the upstream gradient),
    $\partial L/\partial b = \sum G$ over images and positions, and
    $\partial L/\partial x = \operatorname{col2im}(K_{\text{mat}}^\top G)$ (the full convolution of
    $G$ with the flipped kernels).

    The forward output is a transposed view of the product ``(O, N·Ho·Wo)`` (no copy is made);
    ``numpy.ascontiguousarray`` turns it into a C-ordered array if one is needed. The layer
    keeps its im2col matrix between ``forward`` and ``backward`` and reuses that memory, and a
    scratch array of the same size, from call to call.

    Args:
        in_channels: channels ``C`` of the input.
        out_channels: number of kernels ``O`` (channels of the output).
        kernel_size: ``k`` for a square ``k×k`` kernel, or a pair ``(kh, kw)``.
        stride: step between kernel positions (the same along both axes).
        padding: rows/columns of zeros added on every side.
        rng: seed or ``numpy.random.Generator`` for the initial kernels.
        init: ``"he"`` ($\mathcal N(0, 2/(C\,k_h k_w))$, for ReLU; the default) or
            ``"xavier"`` (Glorot uniform with fan-in $C k_h k_w$ and fan-out $O k_h k_w$).
            Biases start at zero.

    Examples:
        The Sobel-x edge detector on a patch with a bright left and a dark right side:

        >>> import numpy as np
        >>> import backprop as bp
        >>> sobel_x = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
        >>> conv = bp.Conv2D.from_arrays(sobel_x.reshape(1, 1, 3, 3), np.zeros(1))
        >>> patch = np.array([[0.90, 0.50, 0.00], [0.95, 0.50, 0.01], [0.90, 0.50, 0.02]])
        >>> out = conv.forward(patch.reshape(1, 1, 3, 3))
        >>> print(f"{out[0, 0, 0, 0]:.2f}")
        3.66
        >>> dx = conv.backward(np.ones((1, 1, 1, 1)))   # dL/dout = 1
        >>> np.round(conv.grads["W"][0, 0], 2).tolist()  # dL/dK = the patch
        [[0.9, 0.5, 0.0], [0.95, 0.5, 0.01], [0.9, 0.5, 0.02]]
        >>> dx[0, 0].tolist()                            # dL/dx = the kernel
        [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int] = 3,
        *,
        stride: int = 1,
        padding: int = 0,
        rng: np.random.Generator | int | None = None,
        init: Literal["he", "xavier"] = "he",
    ) -> None:
        c = positive_int(in_channels, "in_channels")
        o = positive_int(out_channels, "out_channels")
        kh, kw = _kernel_pair(kernel_size)
        self.stride = positive_int(stride, "stride")
        self.padding = _nonnegative_int(padding, "padding")
        gen = make_rng(rng)
        fan_in, fan_out = c * kh * kw, o * kh * kw
        if init == "he":
            w = gen.normal(0.0, np.sqrt(2.0 / fan_in), size=(o, c, kh, kw))
        elif init == "xavier":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = gen.uniform(-limit, limit, size=(o, c, kh, kw))
        else:
            raise ValueError(f"init must be 'he' or 'xavier', got {init!r}")
        self.params: dict[str, Array] = {"W": w, "b": np.zeros(o)}
        self.grads: dict[str, Array] = {"W": np.zeros_like(w), "b": np.zeros(o)}
        self._cols: Array | None = None
        self._work: Array | None = None  # scratch space of the backward pass, reused between calls
        self._x_shape: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._out_shape: tuple[int, int, int, int] = (0, 0, 0, 0)

    @classmethod
    def from_arrays(cls, W: Array, b: Array, *, stride: int = 1, padding: int = 0) -> Conv2D:
        """A layer with the given kernels ``W`` (``(O, C, kh, kw)``) and biases ``b`` (``(O,)``), copied.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> bp.Conv2D.from_arrays(np.ones((2, 1, 3, 3)), np.zeros(2), padding=1)
            Conv2D(1, 2, kernel_size=(3, 3), stride=1, padding=1)
        """
        W = as_float_array(W, "W", ndim=4)
        b = as_float_array(b, "b", ndim=1)
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape ({W.shape[0]},) to match W of shape {W.shape}, got {b.shape}")
        o, c, kh, kw = W.shape
        layer = cls(c, o, (kh, kw), stride=stride, padding=padding, rng=0)
        layer.params["W"][...] = W
        layer.params["b"][...] = b
        return layer

    @property
    def in_channels(self) -> int:
        """Channels ``C`` expected in the input."""
        return int(self.params["W"].shape[1])

    @property
    def out_channels(self) -> int:
        """Number of kernels ``O``."""
        return int(self.params["W"].shape[0])

    @property
    def kernel_size(self) -> tuple[int, int]:
        """``(kh, kw)``."""
        return int(self.params["W"].shape[2]), int(self.params["W"].shape[3])

    def output_shape(self, x_shape: tuple[int, ...]) -> tuple[int, int, int, int]:
        """The output shape ``(N, O, Ho, Wo)`` for an input of shape ``x_shape``.

        Raises:
            ValueError: ``x_shape`` is not ``(N, C, H, W)`` with this layer's ``C``, or the
                kernel does not fit in the padded input.

        Examples:
            >>> import backprop as bp
            >>> bp.Conv2D(1, 8, 3, padding=1, rng=0).output_shape((5, 1, 8, 8))
            (5, 8, 8, 8)
        """
        if len(x_shape) != 4:
            raise ValueError(f"x must be a 4-D batch of images (N, C, H, W), got shape {x_shape}")
        n, c, h, w = x_shape
        if c != self.in_channels:
            raise ValueError(
                f"x must have {self.in_channels} channels, shape (N, {self.in_channels}, H, W), got shape {x_shape}"
            )
        kh, kw = self.kernel_size
        return (
            n,
            self.out_channels,
            conv_output_size(h, kh, self.stride, self.padding),
            conv_output_size(w, kw, self.stride, self.padding),
        )

    def forward(self, x: Array) -> Array:
        r"""$\text{out} = K_{\text{mat}} X + b$ with $X = \operatorname{im2col}(x)$; keeps $X$ for `backward`.

        Args:
            x: images, ``(N, C, H, W)``.

        Returns:
            ``(N, O, Ho, Wo)`` (a transposed view of the ``(O, N·Ho·Wo)`` product), sizes from
            `conv_output_size`.
        """
        x = _images(x)
        n, o, ho, wo = self.output_shape(x.shape)
        kh, kw = self.kernel_size
        cols = _im2col(x, kh, kw, self.stride, self.padding, ho, wo, out=self._cols)  # (C·kh·kw, N·Ho·Wo)
        out = self.params["W"].reshape(o, -1) @ cols  # (O, N·Ho·Wo): one GEMM for the whole batch
        out += self.params["b"][:, None]
        self._cols = cols
        self._x_shape, self._out_shape = (n, x.shape[1], x.shape[2], x.shape[3]), (n, o, ho, wo)
        result: Array = out.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)  # a view: no copy
        return result

    def backward(self, dout: Array) -> Array:
        r"""Fill ``grads`` and return $\partial L/\partial x$, for $G$ = ``dout`` rearranged to ``(O, N·Ho·Wo)``.

        $\partial L/\partial K = G X^\top$, $\partial L/\partial b = \sum G$ over images and positions,
        $\partial L/\partial x = \operatorname{col2im}(K_{\text{mat}}^\top G)$ (with stride 1, the same sum
        done as shifted contiguous adds).

        Args:
            dout: $\partial L/\partial\,\text{out}$, ``(N, O, Ho, Wo)``.

        Returns:
            $\partial L/\partial x$, ``(N, C, H, W)``. ``grads["W"]`` ``(O, C, kh, kw)`` and
            ``grads["b"]`` ``(O,)`` are set.
        """
        if self._cols is None:
            raise RuntimeError("Conv2D.backward called before forward")
        dout = as_float_array(dout, "dout", ndim=4)
        if dout.shape != self._out_shape:
            raise ValueError(f"dout must have the shape of the forward output {self._out_shape}, got {dout.shape}")
        o = self.out_channels
        kh, kw = self.kernel_size
        G = dout.transpose(1, 0, 2, 3).reshape(o, -1)  # (O, N·Ho·Wo); free when dout is channel-major
        self.grads["W"] = (G @ self._cols.T).reshape(self.params["W"].shape)
        self.grads["b"] = G.sum(axis=1)
        ho, wo = self._out_shape[2:]
        if self.stride == 1:
            dx, self._work = _input_grad_stride1(dout, self.params["W"], self._x_shape, self.padding, self._work)
            return dx
        self._work = _workspace(self._work, self._cols.shape)
        dcols = np.matmul(self.params["W"].reshape(o, -1).T, G, out=self._work)  # (C·kh·kw, N·Ho·Wo)
        return _col2im(dcols, self._x_shape, kh, kw, self.stride, self.padding, ho, wo)

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding})"
        )


class MaxPool2D:
    r"""Max pooling over ``size×size`` windows of each channel, moved by ``stride``.

    Forward: $\text{out}[n, c, i, j] = \max_{p, q < \text{size}} x[n, c, s\,i + p, s\,j + q]$.
    Windows that would hang over the edge are dropped (the output size is floored, as in
    PyTorch). Backward: the whole upstream gradient of an output goes to the input that was
    the maximum (the *argmax*) of its window, nothing to the others. When several entries tie
    for the maximum, the first in row-major order wins, so the result is deterministic.

    Args:
        size: window height and width.
        stride: step between windows (``stride == size``: non-overlapping windows).

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> pool = bp.MaxPool2D(2)
        >>> x = np.array([[[[1.0, 3.0, 0.0], [2.0, 0.0, 5.0], [7.0, 7.0, 9.0]]]])
        >>> pool.forward(x).tolist()          # one 2×2 window fits in a 3×3 image
        [[[[3.0]]]]
        >>> pool.backward(np.array([[[[10.0]]]]))[0, 0].tolist()
        [[0.0, 10.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    """

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        self.size = positive_int(size, "size")
        self.stride = self.size if stride is None else positive_int(stride, "stride")
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._argmax: np.ndarray | None = None
        self._x_shape: tuple[int, int, int, int] = (0, 0, 0, 0)

    def forward(self, x: Array) -> Array:
        r"""$\text{out}[n, c, i, j] = \max_{p, q} x[n, c, s\,i + p, s\,j + q]$; keeps each window's argmax.

        Args:
            x: images, ``(N, C, H, W)``.

        Returns:
            ``(N, C, Ho, Wo)`` with $H_o = \lfloor (H - \text{size})/s \rfloor + 1$ (and $W_o$ alike).
        """
        x = _images(x)
        n, c, h, w = x.shape
        k, s = self.size, self.stride
        if h < k or w < k:
            raise ValueError(f"pooling window {k}×{k} is larger than the input {h}×{w}")
        ho, wo = (h - k) // s + 1, (w - k) // s + 1
        # windows[p·k + q] holds the window entry at offset (p, q) for every output position
        windows = np.stack([x[:, :, _window(p, s, ho), _window(q, s, wo)] for p in range(k) for q in range(k)])
        self._argmax = windows.argmax(axis=0)  # first maximum in row-major order: ties resolved the same way always
        self._x_shape = (n, c, h, w)
        out: Array = np.take_along_axis(windows, self._argmax[None], axis=0)[0]
        return out

    def backward(self, dout: Array) -> Array:
        r"""Each window's gradient goes to its argmax: $\partial L/\partial x$ is ``dout`` there, 0 elsewhere.

        Overlapping windows (``stride < size``) add their contributions.

        Args:
            dout: $\partial L/\partial\,\text{out}$, ``(N, C, Ho, Wo)``.

        Returns:
            $\partial L/\partial x$, ``(N, C, H, W)``.
        """
        if self._argmax is None:
            raise RuntimeError("MaxPool2D.backward called before forward")
        dout = as_float_array(dout, "dout", ndim=4)
        if dout.shape != self._argmax.shape:
            raise ValueError(f"dout must have the shape of the forward output {self._argmax.shape}, got {dout.shape}")
        k, s = self.size, self.stride
        ho, wo = dout.shape[2:]
        dx = np.zeros(self._x_shape)
        for p in range(k):
            for q in range(k):
                dx[:, :, _window(p, s, ho), _window(q, s, wo)] += np.where(self._argmax == p * k + q, dout, 0.0)
        return dx

    def __repr__(self) -> str:
        return f"MaxPool2D(size={self.size}, stride={self.stride})"


class Flatten:
    """Reshape ``(N, ...)`` to ``(N, features)``, so a `Dense` layer can follow.

    Backward reshapes the gradient back to the input's shape: flattening moves numbers,
    it changes none, so the chain rule has nothing else to do.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> f = bp.Flatten()
        >>> f.forward(np.zeros((2, 3, 4, 4))).shape
        (2, 48)
        >>> f.backward(np.ones((2, 48))).shape
        (2, 3, 4, 4)
    """

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._x_shape: tuple[int, ...] | None = None

    def forward(self, x: Array) -> Array:
        """``x.reshape(N, -1)``; keeps the input shape for `backward`.

        Args:
            x: ``(N, ...)``, at least 2-D.

        Returns:
            ``(N, features)``, ``features`` the product of the other axes.
        """
        x = as_float_array(x, "x")
        if x.ndim < 2:
            raise ValueError(f"x must have a batch axis and at least one more, got shape {x.shape}")
        self._x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: Array) -> Array:
        """``dout`` reshaped back to the input's shape.

        Args:
            dout: ``(N, features)``.

        Returns:
            $\\partial L/\\partial x$, the shape of the last ``forward``'s input.
        """
        if self._x_shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        dout = as_float_array(dout, "dout", ndim=2)
        n = self._x_shape[0]
        features = int(np.prod(self._x_shape[1:]))
        if dout.shape != (n, features):
            raise ValueError(f"dout must have shape {(n, features)}, got {dout.shape}")
        return dout.reshape(self._x_shape)

    def __repr__(self) -> str:
        return "Flatten()"
