r"""Patches as columns: `im2col`, its adjoint `col2im`, `conv_output_size`, and the layouts `Conv2D` uses.

A convolution multiplies every ``(C, kh, kw)`` patch of the (padded) input with every
kernel. `im2col` lays the patches out as the columns of one matrix, so that the whole
convolution is a single matrix product; `col2im` sends a gradient on those columns back
onto the pixels they were copied from, adding where patches overlap. Both move numbers
with one strided copy per kernel offset ``(p, q)``, never a loop over images or positions.

`Conv2D` builds that matrix through `patches_for`, which returns one of two layouts of
the same products: `Patches` (exactly `im2col` and `col2im`) or, for the common stride-1
convolutions, `FlatPatches`, which moves far fewer bytes to build the same matrix; the
tests check the second against the first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from backprop._check import as_float_array, nonnegative_int, positive_int
from backprop._types import Array

__all__ = ["FLAT_EXTRA", "FlatPatches", "Patches", "col2im", "conv_output_size", "im2col", "patches_for"]


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


class Patches:
    r"""The plain layout: $X = \operatorname{im2col}(x)$ with rows ``(c, p, q)`` and columns ``(n, i, j)``.

    `Conv2D` computes $\text{out} = K_{\text{mat}} X + b$, $\partial L/\partial K = G X^\top$ and
    $\partial L/\partial x = \operatorname{col2im}(K_{\text{mat}}^\top G)$ through one of these
    objects: ``im2col`` makes $X$, ``kernel_matrix`` flattens the kernels to match its rows,
    ``from_images`` turns $\partial L/\partial\,\text{out}$ into $G$, and ``to_images``,
    ``kernel_grad`` and ``col2im`` turn the products back into images and kernels.
    `FlatPatches` does the same with fewer bytes moved; this one is its reference.

    Args:
        x_shape: ``(N, C, H, W)`` of the images.
        kh: kernel height.
        kw: kernel width.
        stride: step between kernel positions.
        padding: zeros added on every side.

    Examples:
        >>> import numpy as np
        >>> from backprop.im2col import Patches, im2col
        >>> x = np.arange(18.0).reshape(1, 2, 3, 3)
        >>> layout = Patches(x.shape, 2, 2)
        >>> np.array_equal(layout.im2col(x), im2col(x, 2, 2))
        True
        >>> K = np.ones((1, 2, 2, 2))
        >>> layout.to_images(layout.kernel_matrix(K) @ layout.im2col(x))[0, 0].tolist()   # sums of 2×2×2 patches
        [[52.0, 60.0], [76.0, 84.0]]
    """

    def __init__(self, x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: int = 1, padding: int = 0) -> None:
        self.x_shape = x_shape
        self.kh, self.kw, self.stride, self.padding = kh, kw, stride, padding
        h, w = x_shape[2:]
        self.ho, self.wo = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)

    def im2col(self, x: Array) -> Array:
        """$X$ of the images ``x`` (of shape ``x_shape``): ``(C·kh·kw, N·Ho·Wo)``."""
        return _im2col(x, self.kh, self.kw, self.stride, self.padding, self.ho, self.wo)

    def kernel_matrix(self, K: Array) -> Array:
        r"""The kernels ``(O, C, kh, kw)`` as $K_{\text{mat}}$, one row per kernel, in the row order of $X$."""
        return K.reshape(K.shape[0], -1)

    def kernel_grad(self, dK_mat: Array) -> Array:
        r"""A gradient with the shape of $K_{\text{mat}}$ back in the shape ``(O, C, kh, kw)`` of the kernels."""
        return dK_mat.reshape(dK_mat.shape[0], self.x_shape[1], self.kh, self.kw)

    def to_images(self, out: Array) -> Array:
        """A product ``(O, columns of X)`` as images ``(N, O, Ho, Wo)``, a new C-ordered array."""
        return np.ascontiguousarray(out.reshape(out.shape[0], self.x_shape[0], self.ho, self.wo).transpose(1, 0, 2, 3))

    def gradient_buffer(self) -> Array | None:
        r"""Where to write $K_{\text{mat}}^\top G$ (the shape of $X$): here None, a new array each time.

        A layout that returns a buffer reuses it on the next call; `col2im` reads it before then.
        The buffer may be that of $X$ itself (as in `FlatPatches`): after writing there, the
        caller must not read $X$ again.
        """
        return None

    def from_images(self, dout: Array) -> Array:
        """Images ``(N, O, Ho, Wo)`` as a matrix ``(O, columns of X)``: $G$."""
        G: Array = dout.transpose(1, 0, 2, 3).reshape(dout.shape[1], -1)
        return G

    def col2im(self, dX: Array) -> Array:
        """The adjoint of ``im2col``: a gradient on $X$ back onto the images, ``(N, C, H, W)``."""
        return _col2im(dX, self.x_shape, self.kh, self.kw, self.stride, self.padding, self.ho, self.wo)


class FlatPatches(Patches):
    r"""$X$ for a stride-1 convolution, built from contiguous slices of one flat array: far fewer bytes moved.

    The padded images of the batch are laid end to end, channel by channel, in one flat
    array, each image row followed by the ``padding`` zeros that both pad its right edge and
    the next row's left edge, each image followed by the rows of zeros that pad its bottom
    and the next image's top. In that array the pixel under kernel offset ``(p, q)`` of an
    output position lies exactly $p\,W_p + q$ elements after the pixel under offset
    ``(0, 0)`` ($W_p = W + \text{padding}$, the length of a padded row). So the rows of $X$
    for one offset, all channels at once, are *one contiguous slice* of the flat array,
    shifted by $p\,W_p + q$: $X$ is made of ``kh·kw`` plain copies of long runs (instead of
    `im2col`'s strided copies of rows of ``Wo`` numbers), and `col2im` of ``kh·kw`` additions
    of long runs. The price is a few columns of $X$ that are not output positions (the
    padding columns and rows, about 6% for 32×32 images): their outputs are dropped, and
    $G$ is zero there, so they add nothing to the gradients.

    The rows of $X$ are ordered ``(p, q, c)``, which ``kernel_matrix`` and ``kernel_grad``
    follow; the columns are the positions of the flat array. The arrays it fills (the flat
    images, $X$, $G$) are kept and reused from one call to the next; every array it returns
    to be kept is new.

    It needs ``stride == 1`` and ``padding < kh`` and ``padding < kw`` (`patches_for` checks).

    Examples:
        >>> import numpy as np
        >>> from backprop.im2col import FlatPatches, Patches
        >>> rng = np.random.default_rng(0)
        >>> x, K = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(4, 3, 3, 3))
        >>> flat, plain = FlatPatches(x.shape, 3, 3, padding=1), Patches(x.shape, 3, 3, padding=1)
        >>> out = flat.to_images(flat.kernel_matrix(K) @ flat.im2col(x))
        >>> np.allclose(out, plain.to_images(plain.kernel_matrix(K) @ plain.im2col(x)))
        True
        >>> flat.im2col(x).shape, plain.im2col(x).shape       # the padding positions are columns too
        ((27, 65), (27, 40))
    """

    def __init__(self, x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: int = 1, padding: int = 0) -> None:
        if stride != 1 or padding >= min(kh, kw):
            raise ValueError(
                f"FlatPatches needs stride 1 and a padding smaller than the kernel, got stride {stride}, "
                f"padding {padding} and a {kh}×{kw} kernel: use Patches"
            )
        super().__init__(x_shape, kh, kw, stride, padding)
        n, c, h, w = x_shape
        pad = padding
        self.hs, self.wp = h + pad, w + pad  # rows per image and numbers per row, with the shared padding
        self.size = (pad + n * self.hs) * self.wp  # numbers per channel: the columns of X
        self.shifts = [p * self.wp + q for p in range(kh) for q in range(kw)]
        tail = self.shifts[-1]  # the last slice reaches this far past the last channel
        self._flat = np.zeros(c * self.size + tail)  # the padded images; the zeros are never written
        self._X = np.empty((kh * kw * c, self.size))
        self._G: Array | None = None  # G, zero where no output is; made when first needed

    def _pixels(self, flat: Array, channels: int) -> Array:
        """The view of ``flat`` holding the pixels, as ``(channels, N, H, W)``."""
        n, _, h, _ = self.x_shape
        pad = self.padding
        rows = flat[: channels * self.size].reshape(channels, pad + n * self.hs, self.wp)[:, pad:]
        view: Array = rows.reshape(channels, n, self.hs, self.wp)[:, :, :h, pad:]
        return view

    def _outputs(self, m: Array) -> Array:
        """The view of a matrix ``(O, columns of X)`` holding the output positions, as ``(O, N, Ho, Wo)``."""
        n = self.x_shape[0]
        view: Array = m[:, : n * self.hs * self.wp].reshape(m.shape[0], n, self.hs, self.wp)[:, :, : self.ho, : self.wo]
        return view

    def im2col(self, x: Array) -> Array:
        """$X$ of ``x``: ``(kh·kw·C, columns)``, rows in ``(p, q, c)`` order (a buffer reused by the next call)."""
        self._pixels(self._flat, self.x_shape[1])[...] = x.transpose(1, 0, 2, 3)
        block = self.x_shape[1] * self.size
        blocks = self._X.reshape(len(self.shifts), block)
        for k, shift in enumerate(self.shifts):  # all channels of one kernel offset: one contiguous copy
            blocks[k] = self._flat[shift : shift + block]
        return self._X

    def kernel_matrix(self, K: Array) -> Array:
        r"""$K_{\text{mat}}$ with its columns in the ``(p, q, c)`` order of the rows of $X$."""
        K_mat: Array = K.transpose(0, 2, 3, 1).reshape(K.shape[0], -1)
        return K_mat

    def kernel_grad(self, dK_mat: Array) -> Array:
        r"""A gradient with the shape of $K_{\text{mat}}$ as ``(O, C, kh, kw)``."""
        o = dK_mat.shape[0]
        return np.ascontiguousarray(dK_mat.reshape(o, self.kh, self.kw, self.x_shape[1]).transpose(0, 3, 1, 2))

    def to_images(self, out: Array) -> Array:
        """The output positions of a product ``(O, columns)`` as images ``(N, O, Ho, Wo)``, a new C-ordered array."""
        return np.ascontiguousarray(self._outputs(out).transpose(1, 0, 2, 3))

    def gradient_buffer(self) -> Array:
        r"""Where to write $K_{\text{mat}}^\top G$: the buffer of $X$ itself, which the next ``im2col`` refills.

        $X$ and $K_{\text{mat}}^\top G$ have one shape, and a backward pass reads $X$ (for
        $\partial L/\partial K$) before it makes $K_{\text{mat}}^\top G$: sharing the buffer halves the
        memory a call moves through. The caller must not read $X$ after writing here.
        """
        return self._X

    def from_images(self, dout: Array) -> Array:
        """$G$ ``(O, columns)``: ``dout`` at the output positions, zero elsewhere (a buffer reused by the next call)."""
        o = dout.shape[1]
        if self._G is None or self._G.shape[0] != o:
            self._G = np.zeros((o, self.size))
        self._outputs(self._G)[...] = dout.transpose(1, 0, 2, 3)
        return self._G

    def col2im(self, dX: Array) -> Array:
        """The adjoint of ``im2col``: each row block added back at its shift, then the pixels, ``(N, C, H, W)``."""
        c = self.x_shape[1]
        block = c * self.size
        blocks = dX.reshape(len(self.shifts), block)
        flat = np.empty(self._flat.size)
        flat[:block] = blocks[0]  # the first shift is 0: a copy, no zeros to add to
        flat[block:] = 0.0
        for k in range(1, len(self.shifts)):
            shift = self.shifts[k]
            flat[shift : shift + block] += blocks[k]
        view: Array = self._pixels(flat, c).transpose(1, 0, 2, 3)
        return view


def patches_for(x_shape: tuple[int, int, int, int], kh: int, kw: int, stride: int, padding: int) -> Patches:
    """The layout `Conv2D` uses for images of shape ``x_shape``: `FlatPatches` when it pays, else `Patches`.

    `FlatPatches` needs stride 1 and a padding smaller than the kernel (the usual ``padding
    = k // 2`` and ``padding = 0`` both qualify). It is chosen only where its extra columns
    (the padding positions) add at most `FLAT_EXTRA` to the products: on small images the
    products it wastes cost more than the bytes it saves.

    Examples:
        >>> from backprop.im2col import patches_for
        >>> shape = (8, 3, 32, 32)
        >>> type(patches_for(shape, 3, 3, 1, 1)).__name__, type(patches_for(shape, 3, 3, 2, 1)).__name__
        ('FlatPatches', 'Patches')
        >>> type(patches_for((8, 3, 8, 8), 3, 3, 1, 1)).__name__   # 9·9 columns for 8·8 outputs an image
        'Patches'
    """
    if stride == 1 and padding < kh and padding < kw:
        _, _, h, w = x_shape
        columns = (h + padding) * (w + padding)  # per image, in FlatPatches
        outputs = conv_output_size(h, kh, 1, padding) * conv_output_size(w, kw, 1, padding)
        if columns <= (1.0 + FLAT_EXTRA) * outputs:
            return FlatPatches(x_shape, kh, kw, stride, padding)
    return Patches(x_shape, kh, kw, stride, padding)


FLAT_EXTRA = 0.15
"""The largest fraction of extra columns `patches_for` accepts from `FlatPatches` (measured: at 27% it is slower)."""
