r"""Record one forward and backward pass, layer by layer, to show the chain rule with numbers.

For each layer with parameters (and the activation right after it) a
`LayerRecord` keeps its input $x$, pre-activation $z$, activation $a$, the
upstream gradient $\partial L/\partial a$ arriving from above, the local error
$\delta = \partial L/\partial z = \partial L/\partial a \odot f'(z)$, and
$\partial L/\partial\theta$ for each parameter (for a dense layer
$\partial L/\partial W = x^\top\delta$ and $\partial L/\partial b = \sum\delta$).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from backprop._check import nonnegative_int
from backprop._types import Array
from backprop.activations import _Activation
from backprop.gradcheck import LossFn
from backprop.layers import Sequential

__all__ = ["LayerRecord", "Trace", "format_array", "trace"]


def format_array(a: ArrayLike, decimals: int = 4) -> str:
    """Text of ``a`` as nested lists, every number with ``decimals`` digits after the point.

    The same text on every NumPy version and machine (no ``np.float64(...)``, no line
    wrapping, no scientific notation), with a negative zero written as zero, so worked
    examples can print gradients that read the same in a doctest and on paper.

    Args:
        a: a number or an array (anything ``numpy.asarray`` turns into floats).
        decimals: digits after the decimal point, ≥ 0.

    Returns:
        ``"0.5000"`` for a number, ``"[0.5000, -1.0000]"`` for a vector, lists of lists for more axes.

    Raises:
        TypeError: ``decimals`` is not an int.
        ValueError: ``decimals`` is negative.

    Examples:
        >>> import numpy as np
        >>> from backprop.trace import format_array
        >>> print(format_array(np.array([[0.25, -0.00001], [1.0, 2.0 / 3.0]])))
        [[0.2500, 0.0000], [1.0000, 0.6667]]
        >>> print(format_array(np.float64(0.98765), decimals=2), format_array([1.5, -2.0], decimals=0))
        0.99 [2, -2]
    """
    decimals = nonnegative_int(decimals, "decimals")
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 0:
        text = f"{float(arr):.{decimals}f}"
        return text[1:] if text.startswith("-") and float(text) == 0.0 else text
    return "[" + ", ".join(format_array(sub, decimals) for sub in arr) + "]"


def _unbatched(a: Array) -> Array:
    """``a`` without its batch axis when the batch holds one example (what the tables show)."""
    return a[0] if a.ndim >= 2 and a.shape[0] == 1 else a


@dataclass
class LayerRecord:
    """One step of the chain rule: a layer with parameters and the activations after it.

    Attributes:
        name: e.g. ``"Dense(2, 4) → Tanh"``.
        x: the input the layer received.
        z: its output before the activation.
        a: the output after the activation (``z`` when there is none).
        upstream: $\\partial L/\\partial a$, the gradient arriving from the layer above.
        delta: $\\partial L/\\partial z$.
        grads: $\\partial L/\\partial\\theta$ for each parameter name.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])), bp.Sigmoid())
        >>> record = bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse).records[0]
        >>> record.name, record.z.tolist(), record.a.tolist(), list(record.grads)
        ('Dense(2, 1) → Sigmoid', [[0.0]], [[0.5]], ['W', 'b'])
    """

    name: str
    x: Array
    z: Array
    a: Array
    upstream: Array
    delta: Array
    grads: dict[str, Array] = field(default_factory=dict)

    def rows(self, decimals: int) -> list[tuple[str, str]]:
        """The record as (quantity, formatted value) pairs.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])), bp.Sigmoid())
            >>> record = bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse).records[0]
            >>> for quantity, value in record.rows(2):
            ...     print(f"{quantity}: {value}")
            input x: [1.00, 1.00]
            z (pre-activation): [0.00]
            a = f(z): [0.50]
            ∂L/∂a (upstream): [-1.00]
            δ = ∂L/∂z: [-0.25]
            ∂L/∂W: [[-0.25], [-0.25]]
            ∂L/∂b: [-0.25]
        """
        out = [
            ("input x", format_array(_unbatched(self.x), decimals)),
            ("z (pre-activation)", format_array(_unbatched(self.z), decimals)),
            ("a = f(z)", format_array(_unbatched(self.a), decimals)),
            ("∂L/∂a (upstream)", format_array(_unbatched(self.upstream), decimals)),
            ("δ = ∂L/∂z", format_array(_unbatched(self.delta), decimals)),
        ]
        return out + [(f"∂L/∂{k}", format_array(_unbatched(v), decimals)) for k, v in self.grads.items()]


@dataclass
class Trace:
    """A recorded forward/backward pass. Render it with `to_text` or `to_markdown`.

    Attributes:
        loss: the loss value of the pass.
        dloss: $\\partial L/\\partial\\hat y$, what the loss sent into the last layer.
        records: one `LayerRecord` per layer with parameters, input to output.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])), bp.Sigmoid())
        >>> t = bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse)
        >>> t.loss, t.dloss.tolist(), [r.name for r in t.records]
        (0.25, [[-1.0]], ['Dense(2, 1) → Sigmoid'])
    """

    loss: float
    dloss: Array
    records: list[LayerRecord]

    def to_text(self, decimals: int = 4) -> str:
        """Plain-text table, one block per layer (batch of one shown without its batch axis).

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])), bp.Sigmoid())
            >>> print(bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse).to_text(decimals=2))
            loss L = 0.25
            ∂L/∂ŷ = [-1.00]
            layer 1: Dense(2, 1) → Sigmoid
              input x             [1.00, 1.00]
              z (pre-activation)  [0.00]
              a = f(z)            [0.50]
              ∂L/∂a (upstream)    [-1.00]
              δ = ∂L/∂z           [-0.25]
              ∂L/∂W               [[-0.25], [-0.25]]
              ∂L/∂b               [-0.25]
        """
        decimals = nonnegative_int(decimals, "decimals")
        lines = [f"loss L = {self.loss:.{decimals}f}", f"∂L/∂ŷ = {format_array(_unbatched(self.dloss), decimals)}"]
        for i, rec in enumerate(self.records, 1):
            rows = rec.rows(decimals)
            width = max(len(q) for q, _ in rows)
            lines.append(f"layer {i}: {rec.name}")
            lines += [f"  {q:<{width}}  {v}" for q, v in rows]
        return "\n".join(lines)

    def to_markdown(self, decimals: int = 4) -> str:
        """Markdown table: one row per quantity, one column per layer.

        Examples:
            >>> import numpy as np
            >>> import backprop as bp
            >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])), bp.Sigmoid())
            >>> t = bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse)
            >>> table, footer = t.to_markdown(decimals=2).split("\\n\\n")
            >>> print(table)
            | quantity | layer 1: Dense(2, 1) → Sigmoid |
            |---|---|
            | input x | `[1.00, 1.00]` |
            | z (pre-activation) | `[0.00]` |
            | a = f(z) | `[0.50]` |
            | ∂L/∂a (upstream) | `[-1.00]` |
            | δ = ∂L/∂z | `[-0.25]` |
            | ∂L/∂W | `[[-0.25], [-0.25]]` |
            | ∂L/∂b | `[-0.25]` |
            >>> print(footer)
            Loss $L$ = 0.25; $\\partial L/\\partial\\hat y$ = `[-1.00]`.
        """
        decimals = nonnegative_int(decimals, "decimals")
        head = "| quantity | " + " | ".join(f"layer {i}: {r.name}" for i, r in enumerate(self.records, 1)) + " |"
        sep = "|---|" + "---|" * len(self.records)
        table = [r.rows(decimals) for r in self.records]
        names: list[str] = []
        for rows in table:
            names += [q for q, _ in rows if q not in names]
        body = []
        for q in names:
            cells = [dict(rows).get(q, "") for rows in table]
            body.append(f"| {q} | " + " | ".join(f"`{c}`" if c else "" for c in cells) + " |")
        dloss = format_array(_unbatched(self.dloss), decimals)
        footer = f"\n\nLoss $L$ = {self.loss:.{decimals}f}; $\\partial L/\\partial\\hat y$ = `{dloss}`."
        return "\n".join([head, sep, *body]) + footer


def trace(model: Sequential, x: Array, y: Array, loss: LossFn) -> Trace:
    """Run one forward and backward pass through ``model`` and record every layer.

    Parameters are not changed. Each layer that has parameters starts a record; the
    activation layers right after it complete it. A layer with neither (e.g. a reshape)
    gets a record of its own.

    Args:
        model: the network.
        x: an input batch.
        y: the target for ``loss``.
        loss: e.g. `backprop.mse`.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> net = bp.Sequential(bp.Dense.from_arrays(np.array([[0.5], [-0.5]]), np.array([0.0])),
        ...                     bp.Sigmoid())
        >>> t = bp.trace(net, np.array([[1.0, 1.0]]), np.array([[1.0]]), bp.mse)
        >>> print(t.to_text())
        loss L = 0.2500
        ∂L/∂ŷ = [-1.0000]
        layer 1: Dense(2, 1) → Sigmoid
          input x             [1.0000, 1.0000]
          z (pre-activation)  [0.0000]
          a = f(z)            [0.5000]
          ∂L/∂a (upstream)    [-1.0000]
          δ = ∂L/∂z           [-0.2500]
          ∂L/∂W               [[-0.2500], [-0.2500]]
          ∂L/∂b               [-0.2500]
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a Sequential, got {type(model).__name__}")
    if not callable(loss):
        raise TypeError(f"loss must be callable, got {type(loss).__name__}")
    inputs, outputs = [], []
    h = x
    for layer in model.layers:
        inputs.append(h)
        h = layer.forward(h)
        outputs.append(h)
    value, dloss = loss(h, y)
    douts: list[Array] = [np.empty(0)] * len(model.layers)
    g = dloss
    for i in reversed(range(len(model.layers))):
        douts[i] = g
        g = model.layers[i].backward(g)

    records: list[LayerRecord] = []
    i = 0
    n = len(model.layers)
    while i < n:
        layer = model.layers[i]
        j = i + 1
        while j < n and isinstance(model.layers[j], _Activation) and not isinstance(layer, _Activation):
            j += 1
        name = " → ".join(repr(model.layers[k]).removesuffix("()") for k in range(i, j))
        records.append(
            LayerRecord(
                name=name,
                x=inputs[i],
                z=outputs[i],
                a=outputs[j - 1],
                upstream=douts[j - 1],
                delta=douts[i],
                grads={k: v.copy() for k, v in layer.grads.items()},
            )
        )
        i = j
    return Trace(loss=value, dloss=dloss, records=records)
