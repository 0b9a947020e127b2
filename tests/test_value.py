"""`backprop.Value`: each local rule, the chain rule on random graphs with shared sub-expressions,
the sum at a node used twice, the layers' gradients bit for bit, and PyTorch autograd."""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import Value
from backprop.examples.ann import ANN_W1, ANN_W2, ANN_X, ANN_Y, build_ann
from tests.support import require

# Each operation works on Values, on torch tensors and (but for max) on floats alike.
OPS: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("a + b", lambda a, b: a + b),
    ("a * b", lambda a, b: a * b),
    ("a - b", lambda a, b: a - b),
    ("a / (1 + b**2)", lambda a, b: a / (1 + b**2)),
    ("max(a, b)", lambda a, b: a.max(b)),
    ("tanh a", lambda a, _: a.tanh()),
    ("sigmoid a", lambda a, _: a.sigmoid()),
    ("exp tanh a", lambda a, _: a.tanh().exp()),
    ("relu a", lambda a, _: a.relu()),
    ("3 - a", lambda a, _: 3 - a),
    ("-a * 0.5", lambda a, _: -a * 0.5),
    ("1 / (2 + sigmoid a)", lambda a, _: 1 / (2 + a.sigmoid())),
    ("a**2", lambda a, _: a**2),
    ("(a**2 + 1)**0.5", lambda a, _: (a**2 + 1) ** 0.5),
    ("2 + a", lambda a, _: 2 + a),
]
KINKED: dict[str, Callable[[float, float], float]] = {
    "max(a, b)": lambda a, b: abs(a - b),
    "relu a": lambda a, _: abs(a),
}
"""Operations that are not differentiable everywhere, and the distance of their operands from the kink."""

Structure = list[tuple[int, int, int]]
"""A graph as (operation, first operand, second operand), operands numbered in the pool of earlier nodes."""


def bad(value: object) -> Any:
    """``value``, typed so that a wrong argument reaches the code under test."""
    return value


def random_structure(seed: int, leaves: int = 4, ops: int = 14) -> tuple[list[float], Structure]:
    """Leaf values and a random graph over them in which nodes are reused (shared sub-expressions).

    An operation whose operands sit within 1e-3 of a kink, or whose result exceeds 1e3, is drawn again.
    """
    gen = np.random.default_rng(seed)
    data = [float(v) for v in gen.normal(size=leaves)]
    pool = list(data)
    structure: Structure = []
    while len(structure) < ops:
        k, i, j = int(gen.integers(len(OPS))), int(gen.integers(len(pool))), int(gen.integers(len(pool)))
        name, op = OPS[k]
        if name in KINKED and KINKED[name](pool[i], pool[j]) < 1e-3:
            continue
        out = float(op(Value(pool[i]), Value(pool[j])).data)
        if abs(out) > 1e3:
            continue
        structure.append((k, i, j))
        pool.append(out)
    return data, structure


def build(inputs: list[Any], structure: Structure) -> Any:
    """The graph's output: the sum of all its operations, plus the product of the last two."""
    pool = list(inputs)
    for k, i, j in structure:
        pool.append(OPS[k][1](pool[i], pool[j]))
    return functools.reduce(operator.add, pool[len(inputs):]) + pool[-1] * pool[-2]


SEEDS = range(12)


def test_random_graphs_share_sub_expressions() -> None:
    for seed in SEEDS:
        data, structure = random_structure(seed)
        out = build([Value(v) for v in data], structure)
        uses: dict[int, int] = {}
        for node in out.nodes():
            for child in node.children:
                uses[id(child)] = uses.get(id(child), 0) + 1
        assert max(uses.values()) >= 2, seed  # some node feeds two operations


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_match_central_differences(seed: int) -> None:
    data, structure = random_structure(seed)
    leaves = [Value(v) for v in data]
    out = build(leaves, structure)
    out.backward()
    ours = np.array([leaf.grad for leaf in leaves])

    def f(theta: np.ndarray) -> float:
        return float(build([Value(float(v)) for v in theta], structure).data)

    numerical = bp.numerical_gradient(f, np.array(data))
    assert bp.relative_error(ours, numerical) < 1e-7, (seed, ours, numerical)
    assert np.linalg.norm(numerical) > 1e-3  # a real gradient, not two zeros agreeing


@pytest.mark.parametrize(
    ("name", "make", "value", "grads"),
    [
        ("add", lambda a, b: a + b, 1.0, (1.0, 1.0)),
        ("mul", lambda a, b: a * b, -6.0, (-2.0, 3.0)),
        ("sub", lambda a, b: a - b, 5.0, (1.0, -1.0)),
        ("div", lambda a, b: a / b, -1.5, (-0.5, -0.75)),
        ("max", lambda a, b: a.max(b), 3.0, (1.0, 0.0)),
        ("max, the other", lambda a, b: b.max(a), 3.0, (1.0, 0.0)),
        ("pow", lambda a, _: a**3, 27.0, (27.0, 0.0)),
        ("neg", lambda a, _: -a, -3.0, (-1.0, 0.0)),
        ("radd", lambda a, _: 1 + a, 4.0, (1.0, 0.0)),
        ("rsub", lambda a, _: 1 - a, -2.0, (-1.0, 0.0)),
        ("rmul", lambda a, _: 2 * a, 6.0, (2.0, 0.0)),
        ("rtruediv", lambda a, _: 6 / a, 2.0, (-6 / 9, 0.0)),
        ("exp", lambda a, _: a.exp(), math.exp(3.0), (math.exp(3.0), 0.0)),
        ("tanh", lambda a, _: a.tanh(), math.tanh(3.0), (1 - math.tanh(3.0) ** 2, 0.0)),
        ("relu", lambda a, _: a.relu(), 3.0, (1.0, 0.0)),
        ("relu, negative", lambda _, b: b.relu(), 0.0, (0.0, 0.0)),
        ("sigmoid", lambda a, _: a.sigmoid(), 1 / (1 + math.exp(-3)), (math.exp(-3) / (1 + math.exp(-3)) ** 2, 0.0)),
    ],
)
def test_each_local_rule(name: str, make: Callable[[Value, Value], Value], value: float,
                         grads: tuple[float, float]) -> None:
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    out = make(a, b)
    out.backward()
    assert out.data == pytest.approx(value, rel=1e-15), name
    assert (a.grad, b.grad) == pytest.approx(grads, rel=1e-15), name


def test_a_node_used_twice_gets_the_sum_of_both_paths() -> None:
    x = Value(3.0, "x")
    (x + x).backward()
    assert x.grad == 2.0
    (x * x).backward()
    assert x.grad == 6.0  # 2x: x times itself, once from each side
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    product = a * b
    f = product + a  # a reaches f directly (∂ = 1) and through the product (∂ = b)
    f.backward()
    direct, through_product = f.local[1] * f.grad, product.local[0] * product.grad
    assert (direct, through_product) == (1.0, -2.0)
    assert a.grad == direct + through_product == -1.0
    shared = a.tanh()
    g = shared * shared + shared  # a shared intermediate node, not only a shared input
    g.backward()
    t = math.tanh(3.0)
    assert shared.grad == pytest.approx(2 * t + 1, rel=1e-15)
    assert a.grad == pytest.approx((2 * t + 1) * (1 - t * t), rel=1e-15)


def test_backward_twice_gives_the_same_gradients_and_zero_grad_clears_them() -> None:
    x, y = Value(2.0), Value(-1.0)
    f = (x * y + x).tanh()
    f.backward()
    first = [n.grad for n in f.nodes()]
    f.backward()
    assert [n.grad for n in f.nodes()] == first  # not twice them
    f.zero_grad()
    assert all(n.grad == 0.0 for n in f.nodes())
    assert x.grad == 0.0


def test_nodes_lists_each_node_once_operands_first() -> None:
    x = Value(1.0, "x")
    y = x * 2
    f = y + y * x
    order = f.nodes()
    assert len(order) == len({id(n) for n in order}) == 5  # x, 2, y, y * x, f: each once
    where = {id(n): i for i, n in enumerate(order)}
    assert all(where[id(c)] < where[id(n)] for n in order for c in n.children)
    assert order[-1] is f


def test_a_long_chain_does_not_hit_the_recursion_limit() -> None:
    x = Value(0.5)
    total = x
    for _ in range(5000):
        total = total + x
    total.backward()
    assert x.grad == 5001.0


def test_the_ann_worked_example_gives_the_layers_gradients_bit_for_bit() -> None:
    def values(a: np.ndarray) -> np.ndarray:
        return np.array([Value(float(v)) for v in a.flat], dtype=object).reshape(a.shape)

    W1, b1, W2, b2 = values(ANN_W1), values(np.zeros(4)), values(ANN_W2), values(np.zeros(1))
    a1 = np.tanh(ANN_X @ W1 + b1)  # NumPy calls Value.tanh on each entry
    y_hat = (a1 @ W2 + b2)[0, 0].sigmoid()
    loss = (y_hat - ANN_Y[0, 0]) ** 2
    loss.backward()
    net = build_ann()
    expected_loss, dloss = bp.mse(net.forward(ANN_X), ANN_Y)
    net.backward(dloss)
    assert loss.data == expected_loss
    for name, param in {"0.W": W1, "0.b": b1, "2.W": W2, "2.b": b2}.items():
        grads = np.array([v.grad for v in param.flat]).reshape(param.shape)
        np.testing.assert_array_equal(grads, net.grads[name], err_msg=name)


def test_sigmoid_is_stable_far_out() -> None:
    assert Value(-800.0).sigmoid().data == 0.0
    assert Value(800.0).sigmoid().data == 1.0
    assert Value(-30.0).sigmoid().data == pytest.approx(float(bp.sigmoid(np.array([-30.0]))[0]), rel=1e-15)


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: Value(bad("1.0")), TypeError, r"data must be a real number \(int or float\), got str"),
        (lambda: Value(True), TypeError, r"data must be a real number \(int or float\), got bool"),
        (lambda: Value(bad(np.array([1.0]))), TypeError, r"data must be a real number \(int or float\), got ndarray"),
        (lambda: Value(float("nan")), ValueError, r"data must be finite, got nan"),
        (lambda: Value(float("inf")), ValueError, r"data must be finite, got inf"),
        (lambda: Value(1.0, label=bad(3)), TypeError, r"label must be a str, got int"),
        (lambda: Value(1.0) + bad("2"), TypeError, r"the other operand must be a real number .*got str"),
        (lambda: bad("2") * Value(1.0), TypeError, r"the other operand must be a real number .*got str"),
        (lambda: Value(1.0) ** bad(Value(2.0)), TypeError, r"the exponent must be a real number .*got Value"),
        (lambda: 2.0 ** bad(Value(2.0)), TypeError, r"unsupported operand type"),
        (lambda: Value(1.0).max(bad(None)), TypeError, r"the other operand must be a real number .*got NoneType"),
        (lambda: Value(-4.0) ** 0.5, ValueError, r"a negative number to a fractional power is not real: -4.0 \*\* 0.5"),
        (lambda: Value(1000.0).exp(), ValueError, r"exp gave inf: the operands are too large for a float"),
        (lambda: Value(1e200) * 1e200, ValueError, r"\* gave inf: the operands are too large for a float"),
    ],
)
def test_bad_input_raises_a_clear_error(call: Callable[[], object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        call()


# -- PyTorch ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    """The torch module (locally a skip, in CI a failure when it is missing)."""
    return require("torch")


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_match_pytorch(torch: ModuleType, seed: int) -> None:
    data, structure = random_structure(seed)
    leaves = [Value(v) for v in data]
    out = build(leaves, structure)
    out.backward()
    tensors = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in data]
    reference = build(tensors, structure)
    reference.backward()
    assert out.data == pytest.approx(reference.item(), rel=1e-12)
    theirs = np.array([0.0 if t.grad is None else t.grad.item() for t in tensors])
    np.testing.assert_allclose([leaf.grad for leaf in leaves], theirs, rtol=1e-12, atol=1e-15)
