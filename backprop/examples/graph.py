r"""The computational-graph page's expressions, built from `Value`\ s and backpropagated.

`circuit` is the circuit $f = (x + y)\,z$; `gate_patterns` holds one small expression per
rule of thumb of backpropagation: add distributes, multiply swaps, max routes, a branch
sums. The documentation draws each with `backprop.plots.diagrams.value_graph`.
"""

from __future__ import annotations

from collections.abc import Callable

from backprop.value import Value

__all__ = ["circuit", "gate_patterns"]


def circuit(x: float = -2.0, y: float = 5.0, z: float = -4.0) -> Value:
    """$f = (x + y)\\,z$ with named nodes ``x``, ``y``, ``z``, ``q = x + y`` and ``f``, after ``f.backward()``.

    Examples:
        >>> from backprop.examples.graph import circuit
        >>> f = circuit()
        >>> [(node.label, node.data, node.grad) for node in f.nodes()]
        [('x', -2.0, -4.0), ('y', 5.0, -4.0), ('q', 3.0, -4.0), ('z', -4.0, 3.0), ('f', -12.0, 1.0)]
    """
    xv, yv, zv = Value(x, "x"), Value(y, "y"), Value(z, "z")
    q = xv + yv
    q.label = "q"
    f = q * zv
    f.label = "f"
    f.backward()
    return f


def gate_patterns(a: float = 3.0, b: float = -2.0, upstream: float = 2.0) -> dict[str, Value]:
    """Four expressions $L = u \\, g(a, b)$, one per gate $g$, each after ``L.backward()``.

    The constant $u$ (``upstream``) is the gradient $\\partial L/\\partial g$ that reaches the
    gate; what each gate does with it is the pattern: $a + b$ passes it to both operands,
    $a b$ multiplies it by the *other* operand, $\\max(a, b)$ sends it to the larger one
    only, and in $a + a b$ the input $a$, used twice, receives the sum of both paths.

    Examples:
        >>> from backprop.examples.graph import gate_patterns
        >>> for name, L in gate_patterns().items():
        ...     a, b = (n for n in L.nodes() if n.label in ("a", "b"))
        ...     print(f"{name}: ∂L/∂a = {a.grad:g}, ∂L/∂b = {b.grad:g}")
        add distributes: ∂L/∂a = 2, ∂L/∂b = 2
        multiply swaps: ∂L/∂a = -4, ∂L/∂b = 6
        max routes: ∂L/∂a = 2, ∂L/∂b = 0
        a branch sums: ∂L/∂a = -2, ∂L/∂b = 6
    """
    gates: dict[str, Callable[[Value, Value], Value]] = {
        "add distributes": lambda p, q: p + q,
        "multiply swaps": lambda p, q: p * q,
        "max routes": lambda p, q: p.max(q),
        "a branch sums": lambda p, q: p + p * q,
    }
    out: dict[str, Value] = {}
    for name, gate in gates.items():
        av, bv, u = Value(a, "a"), Value(b, "b"), Value(upstream, "u")
        g = gate(av, bv)
        g.label = "g"
        L = u * g
        L.label = "L"
        L.backward()
        out[name] = L
    return out
