r"""Batch normalisation and layer normalisation, each with its backward pass in closed form.

Both standardise a group of $M$ numbers $x_1, \dots, x_M$ and then scale and shift the
result with learned parameters:

$$\mu = \frac1M\sum_i x_i, \quad v = \frac1M\sum_i (x_i - \mu)^2, \quad \sigma = \sqrt{v + \varepsilon}, \quad
\hat x_i = \frac{x_i - \mu}{\sigma}, \quad y_i = \gamma\,\hat x_i + \beta.$$

`BatchNorm` takes the group over the batch (one group per feature or channel), `LayerNorm`
over the features (one group per example).

**The backward pass, derived.** Write $\delta_i = \partial L/\partial y_i$ and
$g_i = \partial L/\partial \hat x_i$. The parameters are easy,
$\partial L/\partial\gamma = \sum_i \delta_i \hat x_i$ and $\partial L/\partial\beta = \sum_i \delta_i$,
and $g_i = \gamma\,\delta_i$. Every $\hat x_i$ depends on every $x_j$ through $\mu$ and
$\sigma$. Since $\partial\mu/\partial x_j = 1/M$ and
$\partial v/\partial x_j = \frac2M (x_j - \mu)$ (the term through $\mu$ vanishes because
$\sum_i (x_i - \mu) = 0$), we have
$\partial\sigma/\partial x_j = \frac{1}{2\sigma}\frac{2}{M}(x_j - \mu) = \hat x_j/M$, so

$$\frac{\partial \hat x_i}{\partial x_j} = \frac{1}{\sigma}\Big(\delta_{ij} - \frac1M\Big)
- \frac{x_i - \mu}{\sigma^2}\,\frac{\hat x_j}{M}
= \frac{1}{\sigma}\Big(\delta_{ij} - \frac1M - \frac{\hat x_i \hat x_j}{M}\Big)$$

($\delta_{ij}$ here is the Kronecker delta), and the chain rule sums over $i$:

$$\frac{\partial L}{\partial x_j} = \sum_i g_i\,\frac{\partial \hat x_i}{\partial x_j}
= \frac{1}{\sigma}\Big(g_j - \frac1M\sum_i g_i - \hat x_j\,\frac1M\sum_i g_i \hat x_i\Big).$$

In `BatchNorm` $\gamma$ is one number per group, so $\sum_i g_i = \gamma\,\partial L/\partial\beta$
and $\sum_i g_i\hat x_i = \gamma\,\partial L/\partial\gamma$: the input gradient reuses the two
parameter gradients,

$$\frac{\partial L}{\partial x} = \frac{\gamma}{\sigma}\Big(\delta - \frac{1}{M}\frac{\partial L}{\partial\beta}
- \hat x\,\frac1M\frac{\partial L}{\partial\gamma}\Big).$$

In `LayerNorm` $\gamma$ varies inside the group, so the two means are taken of $g = \gamma\odot\delta$.
Both are checked against central differences and against PyTorch in the tests.
"""

from __future__ import annotations

import numpy as np

from backprop._check import as_float_array, check_dout, positive_float, positive_int, require_forward
from backprop._types import Array
from backprop.dropout import _check_mode

__all__ = ["BatchNorm", "LayerNorm"]


class BatchNorm:
    r"""Batch normalisation over every axis except axis 1, as ``torch.nn.BatchNorm1d`` / ``BatchNorm2d``.

    For input ``(N, D)`` each feature is normalised over the batch ($M = N$); for images
    ``(N, C, H, W)`` each channel over the batch and all positions ($M = N H W$):
    $y = \gamma\,\hat x + \beta$ with $\hat x = (x - \mu)/\sqrt{v + \varepsilon}$.

    * **Training mode** uses the batch's own $\mu$ and (biased) $v$, and updates the running
      estimates as PyTorch does, with the *unbiased* variance:
      $\bar\mu \leftarrow (1 - m)\,\bar\mu + m\,\mu$, $\bar v \leftarrow (1 - m)\,\bar v + m\,\frac{M}{M-1}v$.
    * **Eval mode** uses $\bar\mu$ and $\bar v$, so each example's output no longer depends on
      the rest of the batch, and $\hat x$ is an affine function of $x$ alone.

    Backward (derived in the module docstring, `backprop.normalization`), per feature:
    $\partial L/\partial\gamma = \sum \delta\,\hat x$, $\partial L/\partial\beta = \sum \delta$,
    and in training mode
    $\partial L/\partial x = \frac{\gamma}{\sigma}\big(\delta - \frac1M\frac{\partial L}{\partial\beta}
    - \hat x\,\frac1M\frac{\partial L}{\partial\gamma}\big)$; in eval mode $\mu$ and $\sigma$ are
    constants and $\partial L/\partial x = \frac{\gamma}{\sigma}\,\delta$.

    Args:
        num_features: ``D`` (or ``C``), the size of axis 1.
        momentum: $m \in [0, 1]$, the weight of the new batch in the running estimates.
        eps: $\varepsilon > 0$, added to the variance.

    Attributes:
        params: ``"gamma"`` (starts at 1) and ``"beta"`` (starts at 0), ``(D,)`` each.
        grads: the same keys, filled by ``backward``.
        running_mean: $\bar\mu$, ``(D,)``, starts at 0; updated in place.
        running_var: $\bar v$, ``(D,)``, starts at 1; updated in place.
        training: True in training mode (the start), False in eval mode.

    Examples:
        Two features over a batch of three: each column comes out with mean 0 and variance 1
        (up to $\varepsilon$), and the running mean moves 10% of the way to the batch mean.

        >>> import numpy as np
        >>> import backprop as bp
        >>> bn = bp.BatchNorm(2)
        >>> x = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]])
        >>> np.round(bn.forward(x), 4).tolist()
        [[-1.2247, -0.9258], [0.0, -0.4629], [1.2247, 1.3887]]
        >>> bn.running_mean.tolist(), np.round(bn.running_var, 4).tolist()
        ([0.2, 3.0], [1.0, 70.9])
        >>> dx = bn.backward(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]))
        >>> np.round(dx, 4).tolist()
        [[0.2041, 0.0], [-0.4082, 0.0], [0.2041, 0.0]]
        >>> np.round(bn.grads["gamma"], 4).tolist(), bn.grads["beta"].tolist()
        ([-1.2247, 0.0], [1.0, 0.0])

        In eval mode the running estimates are used; after one batch they are still far
        from this batch's statistics, so the output is far from standardised:

        >>> np.round(bn.eval().forward(x), 4).tolist()
        [[0.8, 0.8313], [1.8, 2.019], [2.8, 6.7694]]
    """

    def __init__(self, num_features: int, *, momentum: float = 0.1, eps: float = 1e-5) -> None:
        n = positive_int(num_features, "num_features")
        self.momentum = positive_float(momentum, "momentum", allow_zero=True)
        if self.momentum > 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {self.momentum}")
        self.eps = positive_float(eps, "eps")
        self.params: dict[str, Array] = {"gamma": np.ones(n), "beta": np.zeros(n)}
        self.grads: dict[str, Array] = {"gamma": np.zeros(n), "beta": np.zeros(n)}
        self.running_mean: Array = np.zeros(n)
        self.running_var: Array = np.ones(n)
        self.training = True
        # x-hat (N, D, L), 1/sigma per feature, the input shape and the mode of the last forward.
        self._cache: tuple[Array, Array, tuple[int, ...], bool] | None = None

    @property
    def num_features(self) -> int:
        """The size ``D`` (or ``C``) of axis 1."""
        return int(self.params["gamma"].shape[0])

    def train(self) -> BatchNorm:
        """Switch to training mode (batch statistics; running estimates updated) and return the layer.

        Examples:
            >>> import backprop as bp
            >>> bp.BatchNorm(3).eval().train().training
            True
        """
        self.training = True
        return self

    def eval(self) -> BatchNorm:
        """Switch to eval mode (running estimates, not updated) and return the layer.

        Examples:
            >>> import backprop as bp
            >>> bp.BatchNorm(3).eval().training
            False
        """
        self.training = False
        return self

    def forward(self, x: Array) -> Array:
        r"""$y = \gamma\,(x - \mu)/\sqrt{v + \varepsilon} + \beta$ per feature, with batch or running statistics.

        Args:
            x: ``(N, D)`` or ``(N, C, H, W)``.

        Returns:
            $y$, the shape of ``x``.

        Raises:
            ValueError: wrong rank or axis-1 size, or one value per feature in training mode.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> x = np.random.default_rng(0).normal(loc=5.0, scale=3.0, size=(8, 2, 3, 3))
            >>> y = bp.BatchNorm(2).forward(x)                # per channel, over 8 images of 3x3
            >>> bool(np.abs(y.mean(axis=(0, 2, 3))).max() < 1e-12), np.round(y.std(axis=(0, 2, 3)), 4).tolist()
            (True, [1.0, 1.0])
        """
        x = as_float_array(x, "x", ndim=(2, 4))
        D = self.num_features
        if x.shape[1] != D:
            want = f"(N, {D})" if x.ndim == 2 else f"(N, {D}, H, W)"
            raise ValueError(f"x must have shape {want}, got {x.shape}")
        N = x.shape[0]
        x3 = x.reshape(N, D, -1)  # (N, D, L): L = H W positions of a channel, 1 for (N, D) input
        M = N * x3.shape[2]  # the values per feature
        if self.training:
            if M < 2:
                raise ValueError(
                    f"x must hold more than one value per feature in training mode, got shape {x.shape}"
                )
            mu = x3.mean(axis=(0, 2))
            xc = x3 - mu[:, None]
            var = np.einsum("ncl,ncl->c", xc, xc) / M  # biased: the batch's own variance
            m = self.momentum
            self.running_mean *= 1.0 - m
            self.running_mean += m * mu
            self.running_var *= 1.0 - m
            self.running_var += (m * M / (M - 1)) * var  # unbiased, as PyTorch
        else:
            xc = x3 - self.running_mean[:, None]
            var = self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        xhat = np.multiply(xc, inv_std[:, None], out=xc)  # in place: x - mu is not needed again
        self._cache = (xhat, inv_std, x.shape, self.training)
        out: Array = xhat * self.params["gamma"][:, None]
        out += self.params["beta"][:, None]
        return out.reshape(x.shape)

    def backward(self, dout: Array) -> Array:
        r"""Fill ``grads`` and return $\partial L/\partial x$, for $\delta = \partial L/\partial y$.

        $\partial L/\partial\gamma = \sum\delta\,\hat x$, $\partial L/\partial\beta = \sum\delta$
        (sums over every axis but 1); training mode:
        $\partial L/\partial x = \frac{\gamma}{\sigma}\big(\delta - \frac1M\frac{\partial L}{\partial\beta}
        - \hat x\,\frac1M\frac{\partial L}{\partial\gamma}\big)$, eval mode:
        $\partial L/\partial x = \frac{\gamma}{\sigma}\,\delta$.

        Args:
            dout: $\delta$, the shape of the forward input.

        Returns:
            $\partial L/\partial x$, the same shape.

        Raises:
            RuntimeError: no forward yet, or the mode changed since the forward.

        Examples:
            In training mode $\partial L/\partial x$ sums to zero over each feature: shifting
            a whole feature by a constant changes nothing after the mean is subtracted.

            >>> import numpy as np
            >>> import backprop as bp
            >>> rng = np.random.default_rng(0)
            >>> bn = bp.BatchNorm(2)
            >>> _ = bn.forward(rng.normal(size=(8, 2, 3, 3)))
            >>> dx = bn.backward(rng.normal(size=(8, 2, 3, 3)))
            >>> dx.shape, bool(np.abs(dx.sum(axis=(0, 2, 3))).max() < 1e-12)
            ((8, 2, 3, 3), True)
        """
        xhat, inv_std, shape, forward_training = require_forward(self._cache, type(self).__name__)
        _check_mode(type(self).__name__, self.training, forward_training)
        d3 = check_dout(dout, xhat.reshape(shape)).reshape(xhat.shape)  # (N, D, L), as x-hat
        self.grads["beta"] = d3.sum(axis=(0, 2))
        self.grads["gamma"] = np.einsum("ncl,ncl->c", d3, xhat)
        scale = (self.params["gamma"] * inv_std)[:, None]  # gamma / sigma
        if not forward_training:
            dx: Array = d3 * scale
            return dx.reshape(shape)
        M = xhat.shape[0] * xhat.shape[2]
        # dx = gamma/sigma (delta - dbeta/M - xhat dgamma/M), accumulated in place.
        dx = xhat * (-self.grads["gamma"] / M)[:, None]
        dx += d3
        dx -= (self.grads["beta"] / M)[:, None]
        dx *= scale
        return dx.reshape(shape)

    def __repr__(self) -> str:
        extra = "".join(
            [f", momentum={self.momentum}" if self.momentum != 0.1 else "",
             f", eps={self.eps}" if self.eps != 1e-5 else ""]
        )
        return f"BatchNorm({self.num_features}{extra})"


class LayerNorm:
    r"""Layer normalisation over the last axis, as ``torch.nn.LayerNorm(normalized_size)``.

    Each example (each row, or each time step of a sequence) is standardised over its own
    ``F`` features: $y = \gamma \odot \hat x + \beta$ with $\hat x = (x - \mu)/\sqrt{v + \varepsilon}$,
    $\mu$ and $v$ the mean and biased variance of the last axis. No statistic is shared across
    the batch, so the layer is the same in training and at test time and has no modes.

    Backward (derived in the module docstring, `backprop.normalization`), with
    $g = \gamma \odot \delta$ and means over the last axis:
    $\partial L/\partial x = \frac1\sigma\big(g - \overline{g} - \hat x\,\overline{g\,\hat x}\big)$;
    $\partial L/\partial\gamma = \sum \delta \odot \hat x$ and $\partial L/\partial\beta = \sum \delta$
    over every axis but the last.

    Args:
        normalized_size: ``F``, the size of the last axis.
        eps: $\varepsilon > 0$, added to the variance.

    Attributes:
        params: ``"gamma"`` (starts at 1) and ``"beta"`` (starts at 0), ``(F,)`` each.
        grads: the same keys, filled by ``backward``.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> ln = bp.LayerNorm(3)
        >>> x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 30.0]])
        >>> np.round(ln.forward(x), 4).tolist()
        [[-1.2247, 0.0, 1.2247], [-0.7071, -0.7071, 1.4142]]
        >>> dx = ln.backward(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
        >>> np.round(dx, 4).tolist()
        [[0.2041, -0.4082, 0.2041], [0.0, 0.0, 0.0]]
        >>> np.round(ln.grads["gamma"], 4).tolist(), ln.grads["beta"].tolist()
        ([-1.2247, 0.0, 0.0], [1.0, 0.0, 0.0])
    """

    def __init__(self, normalized_size: int, *, eps: float = 1e-5) -> None:
        n = positive_int(normalized_size, "normalized_size")
        self.eps = positive_float(eps, "eps")
        self.params: dict[str, Array] = {"gamma": np.ones(n), "beta": np.zeros(n)}
        self.grads: dict[str, Array] = {"gamma": np.zeros(n), "beta": np.zeros(n)}
        self._cache: tuple[Array, Array] | None = None  # x-hat, and 1/sigma per example (..., 1)

    @property
    def normalized_size(self) -> int:
        """The size ``F`` of the last axis."""
        return int(self.params["gamma"].shape[0])

    def forward(self, x: Array) -> Array:
        r"""$y = \gamma \odot (x - \mu)/\sqrt{v + \varepsilon} + \beta$, $\mu$ and $v$ over the last axis.

        Args:
            x: ``(N, ..., F)``: a batch axis first, the normalised axis last.

        Returns:
            $y$, the shape of ``x``.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> y = bp.LayerNorm(4).forward(np.random.default_rng(0).normal(size=(2, 3, 4)))  # (N, T, F)
            >>> y.shape, bool(np.allclose(y.mean(axis=-1), 0.0))
            ((2, 3, 4), True)
        """
        x = as_float_array(x, "x")
        F = self.normalized_size
        if x.ndim < 2 or x.shape[-1] != F:
            raise ValueError(f"x must have shape (N, ..., {F}), got {x.shape}")
        xc = x - x.mean(axis=-1, keepdims=True)
        inv_std = 1.0 / np.sqrt(np.mean(np.square(xc), axis=-1, keepdims=True) + self.eps)
        xhat = xc * inv_std
        self._cache = (xhat, inv_std)
        out: Array = xhat * self.params["gamma"] + self.params["beta"]
        return out

    def backward(self, dout: Array) -> Array:
        r"""Fill ``grads``; return $\partial L/\partial x = \frac1\sigma(g - \bar g - \hat x\,\overline{g\hat x})$.

        Here $g = \gamma \odot \delta$ and the bars are means over the last axis;
        $\partial L/\partial\gamma = \sum\delta\odot\hat x$ and $\partial L/\partial\beta = \sum\delta$,
        summed over the other axes.

        Args:
            dout: $\delta = \partial L/\partial y$, the shape of the forward input.

        Returns:
            $\partial L/\partial x$, the same shape.

        Examples:
            Moving every output of an example by the same amount is undone by the next
            normalisation, so it passes no gradient to $x$; it all goes to $\beta$.

            >>> import numpy as np
            >>> import backprop as bp
            >>> ln = bp.LayerNorm(4)
            >>> _ = ln.forward(np.random.default_rng(0).normal(size=(2, 3, 4)))
            >>> dx = ln.backward(np.ones((2, 3, 4)))
            >>> bool(np.abs(dx).max() < 1e-12), ln.grads["beta"].tolist()
            (True, [6.0, 6.0, 6.0, 6.0])
        """
        xhat, inv_std = require_forward(self._cache, type(self).__name__)
        dout = check_dout(dout, xhat)
        F = self.normalized_size
        self.grads["gamma"] = np.sum((dout * xhat).reshape(-1, F), axis=0)
        self.grads["beta"] = np.sum(dout.reshape(-1, F), axis=0)
        g = dout * self.params["gamma"]
        dx: Array = inv_std * (g - g.mean(axis=-1, keepdims=True) - xhat * np.mean(g * xhat, axis=-1, keepdims=True))
        return dx

    def __repr__(self) -> str:
        extra = f", eps={self.eps}" if self.eps != 1e-5 else ""
        return f"LayerNorm({self.normalized_size}{extra})"
