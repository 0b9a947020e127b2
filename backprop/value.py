r"""`Value`: a number that remembers how it was computed, and backpropagates through that record.

Each operation on values returns a new `Value` that keeps its result (``data``), the
operands it came from (``children``), the operation (``op``) and the **local derivatives**
$\partial\,\text{result}/\partial\,\text{operand}$ (``local``), written beside the forward
formula in every method below. Together the values form a graph. `Value.backward` walks it
from the output back to the inputs and applies the chain rule once per edge:
``operand.grad += local * result.grad``.

The ``+=`` matters: a value used in two places receives the gradient of both uses, because
the output changes through both of them (the chain rule sums over every path).

``tanh``, ``exp`` and ``sigmoid`` use NumPy's functions, so a graph of values gives bit
for bit the numbers of the `Tanh` and `Sigmoid` layers.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["Value"]


def _number(x: object, name: str) -> float:
    """``x`` as a float if it is a finite real number (not a bool), else a ``TypeError`` or ``ValueError``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number (int or float), got {type(x).__name__}")
    if not np.isfinite(float(x)):
        raise ValueError(f"{name} must be finite, got {float(x)}")
    return float(x)


class Value:
    r"""A scalar node of a computational graph: its value, its gradient, and how it was made.

    Args:
        data: the number (a finite int or float).
        label: a name, shown by ``repr`` and by `backprop.plots.diagrams.value_graph`.

    Attributes:
        data: the number this node holds.
        grad: $\partial f/\partial\,\text{node}$ after ``f.backward()`` for an output ``f`` (0 before).
        children: the operands it came from; ``()`` for an input.
        local: $\partial\,\text{data}/\partial\,\text{child}$ for each child: the local rule of ``op``.
        op: the operation (``"+"``, ``"*"``, ``"tanh"``, ...); ``""`` for an input.

    Examples:
        >>> from backprop import Value
        >>> x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
        >>> f = (x + y) * z
        >>> f.backward()
        >>> f, x.grad, y.grad, z.grad
        (Value(data=-12.0, grad=1.0), -4.0, -4.0, 3.0)
        >>> g = x * x + x                 # x is used three times: its gradient sums them, 2x + 1
        >>> g.backward()
        >>> x.grad
        -3.0
        >>> (1 - x / 4) ** 2, round((-x).exp().data, 4), x.relu().data, x.tanh().op
        (Value(data=2.25, grad=0.0), 7.3891, 0.0, 'tanh')
    """

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.data = _number(data, "data")
        self.label = label
        self.grad = 0.0
        self.children: tuple[Value, ...] = ()
        self.local: tuple[float, ...] = ()
        self.op = ""

    @staticmethod
    def _result(data: float, op: str, children: tuple[Value, ...], local: tuple[float, ...]) -> Value:
        """A new node: the result of ``op`` on ``children``, with its local derivatives."""
        if not np.isfinite(data):
            raise ValueError(f"{op} gave {data}: the operands are too large for a float")
        out = Value(data)
        out.op, out.children, out.local = op, children, local
        return out

    def __add__(self, other: Value | float) -> Value:
        r"""$a + b$; local rule $\partial/\partial a = 1$, $\partial/\partial b = 1$ (add distributes)."""
        b = _value(other)
        return Value._result(self.data + b.data, "+", (self, b), (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:
        r"""$a b$; local rule $\partial/\partial a = b$, $\partial/\partial b = a$ (multiply swaps)."""
        b = _value(other)
        return Value._result(self.data * b.data, "*", (self, b), (b.data, self.data))

    def __sub__(self, other: Value | float) -> Value:
        r"""$a - b$; local rule $\partial/\partial a = 1$, $\partial/\partial b = -1$."""
        b = _value(other)
        return Value._result(self.data - b.data, "-", (self, b), (1.0, -1.0))

    def __truediv__(self, other: Value | float) -> Value:
        r"""$a / b$; local rule $\partial/\partial a = 1/b$, $\partial/\partial b = -a/b^2$."""
        b = _value(other)
        return Value._result(self.data / b.data, "/", (self, b), (1.0 / b.data, -self.data / b.data**2))

    def __pow__(self, n: float) -> Value:
        """$x^n$ for a number $n$; local rule $n x^{n-1}$."""
        n = _number(n, "the exponent")
        if self.data < 0 and not n.is_integer():
            raise ValueError(f"a negative number to a fractional power is not real: {self.data} ** {n}")
        return Value._result(self.data**n, f"**{n:g}", (self,), (n * self.data ** (n - 1),))

    def __neg__(self) -> Value:
        """$-x$; local rule $-1$."""
        return Value._result(-self.data, "neg", (self,), (-1.0,))

    def __radd__(self, other: float) -> Value:
        return _value(other) + self

    def __rmul__(self, other: float) -> Value:
        return _value(other) * self

    def __rsub__(self, other: float) -> Value:
        return _value(other) - self

    def __rtruediv__(self, other: float) -> Value:
        return _value(other) / self

    def tanh(self) -> Value:
        r"""$t = \tanh x$; local rule $1 - t^2$."""
        t = float(np.tanh(self.data))
        return Value._result(t, "tanh", (self,), (1.0 - t * t,))

    def exp(self) -> Value:
        """$e^x$; local rule $e^x$."""
        with np.errstate(over="ignore"):  # an overflow is reported by _result, as a ValueError
            e = float(np.exp(self.data))
        return Value._result(e, "exp", (self,), (e,))

    def relu(self) -> Value:
        r"""$\max(x, 0)$; local rule 1 where $x > 0$, else 0."""
        return Value._result(max(self.data, 0.0), "relu", (self,), (1.0 if self.data > 0 else 0.0,))

    def sigmoid(self) -> Value:
        """$s = 1/(1 + e^{-x})$, computed without overflow as `backprop.sigmoid` does; local rule $s(1 - s)$."""
        x = self.data
        s = 1.0 / (1.0 + float(np.exp(-x))) if x >= 0 else float(np.exp(x)) / (1.0 + float(np.exp(x)))
        return Value._result(s, "sigmoid", (self,), (s * (1.0 - s),))

    def max(self, other: Value | float) -> Value:
        r"""$\max(a, b)$; local rule 1 for the larger operand (``self`` on a tie), 0 for the other (max routes)."""
        b = _value(other)
        first = self.data >= b.data
        return Value._result(max(self.data, b.data), "max", (self, b), (1.0, 0.0) if first else (0.0, 1.0))

    def nodes(self) -> list[Value]:
        """Every node this value depends on, each once, operands before results: itself last."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # depth first, without recursion, so that a long chain cannot hit the recursion limit
            node, operands_done = stack.pop()
            if operands_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(node.children))
        return order

    def zero_grad(self) -> None:
        """Set ``grad`` to 0 on this value and on every node it depends on."""
        for node in self.nodes():
            node.grad = 0.0

    def backward(self) -> None:
        r"""Set ``grad`` of every node this value depends on to $\partial\,\text{self}/\partial\,\text{node}$.

        It first sets every gradient of the graph to 0 (as `zero_grad` does), so the gradients
        are those of this call alone: calling it twice gives the same numbers, not twice them.
        (PyTorch instead adds every backward pass into the ``.grad`` of its leaves, and a
        training loop zeroes them itself.) It then seeds
        $\partial\,\text{self}/\partial\,\text{self} = 1$ and visits the nodes results first, so
        that a node's ``grad`` is complete before it is passed on to its operands.
        """
        order = self.nodes()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for child, local in zip(node.children, node.local, strict=True):
                child.grad += local * node.grad  # the chain rule; += sums the paths through a shared node

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"


def _value(x: Value | float) -> Value:
    """``x`` itself if it is a `Value`, else a new input node holding the number ``x``."""
    return x if isinstance(x, Value) else Value(_number(x, "the other operand"))
