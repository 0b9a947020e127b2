r"""Convolutional layers: `Conv2D`, `MaxPool2D` and `Flatten`.

Images are batches of shape ``(N, C, H, W)``: ``N`` images, ``C`` channels, ``H`` rows and
``W`` columns (the layout PyTorch uses). A convolution layer holds ``O`` kernels of shape
``(C, kh, kw)`` and, like every deep-learning library, computes a *cross-correlation*: the
kernel is slid over the input without being flipped,

$$\text{out}[n, o, i, j] = b_o + \sum_{c=0}^{C-1}\sum_{p=0}^{k_h-1}\sum_{q=0}^{k_w-1}
  K[o, c, p, q]\; x_{\text{pad}}[n, c,\; s\,i + p,\; s\,j + q],$$

with stride $s$ and $x_{\text{pad}}$ the input surrounded by ``padding`` rows and columns of
zeros. Each output number is a sum of products of one input patch with the kernel.

`Conv2D` rearranges every patch into a column (`backprop.im2col.im2col`) so that the whole
layer is one matrix product, and sends gradients back through `backprop.im2col.col2im`.
For stride-1 convolutions it builds the same matrix in a layout that moves fewer bytes
(`backprop.im2col.FlatPatches`, chosen by `backprop.im2col.patches_for`). The loop-by-loop
reference it is tested against is in `backprop.conv_reference`. Both are importable from
here too, as before (``from backprop.conv import im2col``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from backprop._check import as_float_array, make_rng, nonnegative_int, positive_int, require_forward
from backprop._types import Array
from backprop.conv_reference import conv2d_backward_loop, conv2d_forward_loop
from backprop.im2col import Patches, _images, _window, col2im, conv_output_size, im2col, patches_for

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


def _kernel_pair(kernel_size: object) -> tuple[int, int]:
    if isinstance(kernel_size, tuple):
        if len(kernel_size) != 2:
            raise ValueError(f"kernel_size must be an int or a pair (kh, kw), got {kernel_size!r}")
        return positive_int(kernel_size[0], "kernel_size[0]"), positive_int(kernel_size[1], "kernel_size[1]")
    k = positive_int(kernel_size, "kernel_size")
    return k, k


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

    The forward output is a C-ordered ``(N, O, Ho, Wo)`` array, copied out of the product
    ``(O, N·Ho·Wo)``, so that the layers after it read it fast. The layer keeps $X$ between
    ``forward`` and ``backward``, in a buffer it reuses from one batch to the next (one per
    input shape, for the last few shapes seen); the rows and columns of $X$ are laid out by
    `backprop.im2col.patches_for`. With `backprop.im2col.FlatPatches` the backward pass
    writes $K_{\text{mat}}^\top G$ into that same buffer once $\partial L/\partial K$ has
    read $X$, so the two large matrices of a call share their memory; a second
    ``backward`` after one ``forward`` rebuilds $X$ from the input.

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
        self.padding = nonnegative_int(padding, "padding")
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
        self._x: Array | None = None  # the last forward's input
        self._cols: Array | None = None  # X = im2col(x) of it, (C·kh·kw, N·Ho·Wo); None once backward reused its buffer
        self._patches: Patches | None = None  # the layout of X and G for the last forward's input shape
        self._layouts: dict[tuple[int, ...], Patches] = {}  # the layouts (and their buffers) of recent shapes
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
        p = self.padding
        if h + 2 * p < kh or w + 2 * p < kw:
            raise ValueError(
                f"x is too small for the {kh}×{kw} kernel: its images are {h}×{w} ({h + 2 * p}×{w + 2 * p} padded), "
                f"got shape {x_shape}"
            )
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
            ``(N, O, Ho, Wo)``, sizes from `conv_output_size`.
        """
        x = _images(x)
        self._out_shape = self.output_shape(x.shape)
        patches = self._layout(x.shape)
        X = patches.im2col(x)  # (C·kh·kw, N·Ho·Wo)
        out = patches.kernel_matrix(self.params["W"]) @ X  # K_mat X: one GEMM for the whole batch
        out += self.params["b"][:, None]
        self._x, self._patches, self._cols = x, patches, X
        return patches.to_images(out)  # (N, O, Ho, Wo)

    def _layout(self, x_shape: tuple[int, ...]) -> Patches:
        """The layout of X for inputs of ``x_shape``, made once per shape (the last four are kept)."""
        layout = self._layouts.pop(x_shape, None)
        if layout is None:
            kh, kw = self.kernel_size
            n, c, h, w = x_shape
            layout = patches_for((n, c, h, w), kh, kw, self.stride, self.padding)
        self._layouts[x_shape] = layout  # the most recent last
        while len(self._layouts) > 4:
            del self._layouts[next(iter(self._layouts))]
        return layout

    def backward(self, dout: Array) -> Array:
        r"""Fill ``grads`` and return $\partial L/\partial x$, for $G$ = ``dout`` rearranged to ``(O, N·Ho·Wo)``.

        $\partial L/\partial K = G X^\top$, $\partial L/\partial b = \sum G$ over images and positions,
        $\partial L/\partial x = \operatorname{col2im}(K_{\text{mat}}^\top G)$.

        Args:
            dout: $\partial L/\partial\,\text{out}$, ``(N, O, Ho, Wo)``.

        Returns:
            $\partial L/\partial x$, ``(N, C, H, W)``. ``grads["W"]`` ``(O, C, kh, kw)`` and
            ``grads["b"]`` ``(O,)`` are set.
        """
        x = require_forward(self._x, type(self).__name__)
        patches = require_forward(self._patches, type(self).__name__)
        dout = as_float_array(dout, "dout", ndim=4)
        if dout.shape != self._out_shape:
            raise ValueError(f"dout must have the shape of the forward output {self._out_shape}, got {dout.shape}")
        X = self._cols if self._cols is not None else patches.im2col(x)  # rebuilt for a second backward
        K_mat = patches.kernel_matrix(self.params["W"])  # (O, C·kh·kw)
        G = patches.from_images(dout)  # (O, N·Ho·Wo)
        self.grads["W"] = patches.kernel_grad((X @ G.T).T)  # G X^T, as (X G^T)^T: the order BLAS runs faster
        self.grads["b"] = G.sum(axis=1)
        dX = np.matmul(K_mat.T, G, out=patches.gradient_buffer())  # K_mat^T G, perhaps into X's own buffer
        if dX is X:  # X was read for the last time above; a second backward would rebuild it
            self._cols = None
        return patches.col2im(dX)

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
        self._x_shape: tuple[int, ...] = ()  # the shape of the last forward's input
        self._windows: Array | None = None  # its windows, entry j of each in windows[j]: (size², N, C, Ho, Wo)
        self._out: Array | None = None  # its output: the maximum of every window

    def forward(self, x: Array) -> Array:
        r"""$\text{out}[n, c, i, j] = \max_{p, q} x[n, c, s\,i + p, s\,j + q]$; keeps its windows for `backward`.

        Args:
            x: images, ``(N, C, H, W)``.

        Returns:
            ``(N, C, Ho, Wo)`` with $H_o = \lfloor (H - \text{size})/s \rfloor + 1$ (and $W_o$ alike).
        """
        x = _images(x)
        h, w = x.shape[2:]
        k, s = self.size, self.stride
        if h < k or w < k:
            raise ValueError(
                f"x is too small for the {k}×{k} pooling window: its images are {h}×{w}, got shape {x.shape}"
            )
        ho, wo = (h - k) // s + 1, (w - k) // s + 1
        windows = np.empty((k * k, x.shape[0], x.shape[1], ho, wo))  # entry j of every window: windows[j]
        for j in range(k * k):
            windows[j] = self._entry(x, j, ho, wo)
        out: Array = windows.max(axis=0)
        self._x_shape, self._windows, self._out = x.shape, windows, out
        return out

    def _entry(self, x: Array, j: int, ho: int, wo: int) -> Array:
        """Entry ``j = p·size + q`` (offset ``(p, q)``) of every window, as a view ``(N, C, Ho, Wo)``."""
        k, s = self.size, self.stride
        view: Array = x[:, :, _window(j // k, s, ho), _window(j % k, s, wo)]
        return view

    def backward(self, dout: Array) -> Array:
        r"""Each window's gradient goes to its argmax: $\partial L/\partial x$ is ``dout`` there, 0 elsewhere.

        The argmax of a window is its first entry, in row-major order, equal to the window's
        maximum, so a tie always goes the same way. Overlapping windows (``stride < size``)
        add their contributions.

        Args:
            dout: $\partial L/\partial\,\text{out}$, ``(N, C, Ho, Wo)``.

        Returns:
            $\partial L/\partial x$, ``(N, C, H, W)``.
        """
        out = require_forward(self._out, type(self).__name__)
        windows = require_forward(self._windows, type(self).__name__)
        dout = as_float_array(dout, "dout", ndim=4)
        if dout.shape != out.shape:
            raise ValueError(f"dout must have the shape of the forward output {out.shape}, got {dout.shape}")
        ho, wo = out.shape[2:]
        dx = np.zeros(self._x_shape)
        taken = np.zeros(out.shape, dtype=bool)  # windows whose argmax is found
        for j in range(self.size**2):
            first = windows[j] == out  # entry j is its window's first maximum
            first &= ~taken
            taken |= first
            to = self._entry(dx, j, ho, wo)  # a view of dx
            if self.stride >= self.size:  # windows apart: each pixel is entry j of one window at most
                np.multiply(dout, first, out=to)
            else:  # overlapping windows add up
                to += dout * first
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
        x_shape = require_forward(self._x_shape, type(self).__name__)
        dout = as_float_array(dout, "dout", ndim=2)
        n = x_shape[0]
        features = int(np.prod(x_shape[1:]))
        if dout.shape != (n, features):
            raise ValueError(f"dout must have shape {(n, features)}, got {dout.shape}")
        return dout.reshape(x_shape)

    def __repr__(self) -> str:
        return "Flatten()"
