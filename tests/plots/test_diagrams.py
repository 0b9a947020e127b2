"""`backprop.plots.diagrams`: every diagram shows the numbers of the objects it is given.

Each test draws a diagram, changes one value of its input, draws it again, and checks that
the drawing changed where that value is shown, and nowhere that it should not.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.support import require

require("matplotlib")

import backprop as bp  # noqa: E402
from backprop import Value  # noqa: E402
from backprop.examples.graph import circuit, gate_patterns  # noqa: E402
from backprop.examples.rnn import RNN_WH, RNN_WO, RNN_WX, RNN_X, RNN_Y, build_rnn  # noqa: E402
from backprop.im2col import im2col  # noqa: E402
from backprop.plots import Figure, to_svg  # noqa: E402
from backprop.plots import diagrams as d  # noqa: E402

DOCS = Path(__file__).resolve().parents[2] / "docs"


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_value_graph_shows_each_nodes_operation_value_and_gradient() -> None:
    f = circuit()
    shown = texts(d.value_graph(f))
    for node in f.nodes():
        assert f"value {d._num(node.data)}" in shown, node
        assert f"grad {d._num(node.grad)}" in shown, node
    assert {"q = x + y", "f = q × z", "x", "y", "z"} <= set(shown)
    moved = texts(d.value_graph(circuit(x=-3.0)))  # q = 2, f = -8; z's gradient is now 2
    assert "value −8" in moved
    assert "value −12" not in moved
    assert "grad 2" in moved
    assert "grad 3" not in moved
    assert to_svg(d.value_graph(circuit())) != to_svg(d.value_graph(circuit(x=-3.0)))


def test_value_graph_edges_carry_the_value_forward_and_the_local_gradient_back() -> None:
    a = Value(3.0, "a")
    f = a * a  # one node, two edges into the product, each carrying a = 3 back
    f.backward()
    shown = texts(d.value_graph(f))
    assert shown.count("3") == 4  # both edges: the value 3 forward and the gradient 3 back
    assert "grad 6" in shown  # the sum of the two edges


def test_value_graph_of_an_unbackpropagated_expression_shows_zero_gradients() -> None:
    x = Value(2.0, "x")
    shown = texts(d.value_graph(x.tanh() * 3))
    assert "grad 0" in shown
    assert "tanh(x)" in shown
    assert "(tanh(x)) × ·" in shown  # an unnamed result of named inputs is called by its expression


def test_value_graph_routes_long_edges_around_nodes() -> None:
    L = gate_patterns()["a branch sums"]  # a feeds a × b and, two columns on, a + (a × b)
    pos, bends = d._layout(L)
    assert sum(len(b) for b in bends.values()) == 1
    (bend,) = (b[0] for b in bends.values() if b)
    for node in L.nodes():  # the bend keeps clear of every node box
        x, y = pos[id(node)]
        assert abs(bend[0] - x) > d._W / 2 or abs(bend[1] - y) > d._H / 2


def test_gate_patterns_show_what_each_gate_sends_back() -> None:
    fig = d.gate_patterns_diagram(gate_patterns())
    assert [ax.get_title() for ax in fig.axes] == ["add distributes", "multiply swaps", "max routes", "a branch sums"]
    panels = [[t.get_text() for t in ax.texts] for ax in fig.axes]
    assert "g = max(a, b)" in panels[2]
    assert "grad 0" in panels[2]
    doubled = d.gate_patterns_diagram(gate_patterns(upstream=5.0))
    assert "grad 5" in [t.get_text() for t in doubled.axes[0].texts]
    assert "grad 2" not in [t.get_text() for t in doubled.axes[0].texts]


def test_network_diagram_shows_the_shapes_of_the_pass_it_is_given() -> None:
    def drawn(batch: int, hidden: int) -> list[str]:
        net = bp.Sequential(bp.Dense(2, hidden, rng=0), bp.Sigmoid(), bp.Dense(hidden, 1, rng=1), bp.Sigmoid())
        return texts(d.network_diagram(bp.trace(net, np.zeros((batch, 2)), np.zeros((batch, 1)), bp.mse)))

    page = drawn(3, 2)
    assert "Dense(2, 2) → Sigmoid" in page
    assert sum("3×2" in t for t in page) == 5  # x, z⁽¹⁾ and a⁽¹⁾ forward; δ⁽¹⁾ and ∂L/∂a⁽¹⁾ backward
    wider = drawn(5, 4)
    assert "Dense(2, 4) → Sigmoid" in wider
    assert "5×4" in " ".join(wider)
    assert "3×2" not in " ".join(wider)


def test_im2col_diagram_numbers_are_the_images_and_the_columns() -> None:
    image = np.arange(9.0).reshape(1, 1, 3, 3)
    fig = d.im2col_diagram(image, 2, 2)
    numbers = [t for t in texts(fig) if re.fullmatch(r"−?\d+(\.\d+)?", t)]
    assert len(numbers) == 4 * 9 + 16  # the image once per patch, then the 4×4 matrix
    assert numbers[36:] == [d._num(v) for v in im2col(image, 2, 2).ravel(order="F")]  # drawn column by column
    changed = image.copy()
    changed[0, 0, 1, 1] = 40.0  # the centre sits in all four patches
    again = [t for t in texts(d.im2col_diagram(changed, 2, 2)) if re.fullmatch(r"−?\d+(\.\d+)?", t)]
    assert again.count("40") == 4 + 4
    assert "4" not in again
    assert "column 8\npatch $(i, j) = (2, 2)$" in texts(d.im2col_diagram(np.zeros((1, 1, 4, 4)), 2, 2))


def test_im2col_diagram_padding_and_stride() -> None:
    fig = d.im2col_diagram(np.ones((1, 1, 3, 3)), 3, 3, stride=2, padding=1)
    shown = texts(fig)
    assert "column 3\npatch $(i, j) = (1, 1)$" in shown
    assert "column 4\npatch $(i, j) = (2, 0)$" not in " ".join(shown)


def test_unrolled_rnn_shows_the_layers_gradient_norms_and_its_window() -> None:
    def run(bptt_steps: int | None, scale: float = 1.0) -> bp.RNN:
        net = bp.Sequential(
            bp.RNN.from_arrays(RNN_WX, scale * RNN_WH, np.zeros(4), bptt_steps=bptt_steps),
            bp.Dense.from_arrays(RNN_WO, np.array([-0.1])),
            bp.Sigmoid(),
        )
        net.backward(bp.mse(net.forward(RNN_X), RNN_Y)[1])
        layer = net.layers[0]
        assert isinstance(layer, bp.RNN)
        return layer

    full = run(None)
    shown = texts(d.unrolled_rnn({"full": full}))
    norms = np.linalg.norm(full.hidden_grads[0], axis=1)
    for t, n in enumerate(norms, start=1):
        assert f"$\\|\\partial L/\\partial h_{{{t}}}\\|$ = {n:.4f}" in shown
    assert "window of k = 3 steps (full BPTT)" in shown
    assert "cut" not in shown
    scaled = texts(d.unrolled_rnn({"full": run(None, scale=3.0)}))
    assert scaled != shown  # a larger W_h: other gradient norms
    truncated = texts(d.unrolled_rnn({"k = 2": run(2)}))
    assert "window of k = 2 steps" in truncated
    assert truncated.count("cut") == 2  # into h_1 and into h_0
    assert "$\\|\\partial L/\\partial h_{1}\\|$ = 0" in truncated


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        d.value_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expressions\['a'\] must be a Value, got int"):
        d.gate_patterns_diagram({"a": 1})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="at least one Value"):
        d.gate_patterns_diagram({})
    with pytest.raises(TypeError, match="record must be a Trace"):
        d.network_diagram(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"one single-channel image of shape \(1, 1, H, W\), got \(1, 2, 3, 3\)"):
        d.im2col_diagram(np.zeros((1, 2, 3, 3)), 2, 2)
    with pytest.raises(ValueError, match="at most 9 patches, got 16"):
        d.im2col_diagram(np.zeros((1, 1, 5, 5)), 2, 2)
    with pytest.raises(TypeError, match=r"layers\['x'\] must be an RNN, got Dense"):
        d.unrolled_rnn({"x": bp.Dense(1, 1, rng=0)})  # type: ignore[dict-item]
    with pytest.raises(RuntimeError, match="before forward"):
        d.unrolled_rnn({"x": bp.RNN(1, 1, rng=0)})
    layer = bp.RNN(1, 1, rng=0)
    layer.forward(np.ones((1, 2, 1)))
    with pytest.raises(RuntimeError, match="before backward"):
        d.unrolled_rnn({"x": layer})


def test_site_diagrams_are_registered_styled_and_drawn_from_the_pages_examples() -> None:
    from backprop.plots.site import SITE_FIGURES

    assert set(d.FIGURES) == {"graph_circuit", "graph_gates", "four_steps_network", "cnn_im2col", "rnn_unrolled"}
    assert set(d.FIGURES) <= set(SITE_FIGURES)
    for name in ("value_graph", "gate_patterns_diagram", "network_diagram", "im2col_diagram", "unrolled_rnn"):
        assert hasattr(getattr(d, name), "__wrapped__"), name
    # The four-steps diagram's network and batch are those the page prints.
    four_steps = (DOCS / "four-steps.md").read_text(encoding="utf-8")
    assert "Sequential(Dense(2, 2), Sigmoid(), Dense(2, 1), Sigmoid())" in four_steps
    assert sum("3×2" in t for t in texts(d.FIGURES["four_steps_network"]())) == 5
    # The CNN page's im2col example is the image of the diagram.
    assert "img = np.arange(9.0).reshape(1, 1, 3, 3)" in (DOCS / "cnn.md").read_text(encoding="utf-8")
    # The RNN diagram shows the norms of the worked example's first backward pass.
    net = build_rnn()
    net.backward(bp.mse(net.forward(RNN_X), RNN_Y)[1])
    layer = net.layers[0]
    assert isinstance(layer, bp.RNN)
    shown = texts(d.FIGURES["rnn_unrolled"]())
    for t, n in enumerate(np.linalg.norm(layer.hidden_grads[0], axis=1), start=1):
        assert f"$\\|\\partial L/\\partial h_{{{t}}}\\|$ = {n:.4f}" in shown
