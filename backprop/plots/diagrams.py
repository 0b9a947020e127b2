r"""Diagrams of what backpropagation computes, each drawn from the objects it is given.

* `value_graph`: the computational graph of a `Value` expression, each node with its
  operation, value and gradient, each edge with the value it carries forward (above) and
  the gradient it carries back (below); `gate_patterns_diagram` draws several small ones.
* `network_diagram`: the layers of a recorded pass (`backprop.trace`), with the shape of
  every array of the forward pass and of the backward pass.
* `im2col_diagram`: which entries of an image become which column of `backprop.conv.im2col`.
* `unrolled_rnn`: an `RNN` unrolled over its steps, with ‖∂L/∂h_t‖ at every state, the
  BPTT arrows, and the window of ``bptt_steps`` steps that the gradient flows through.

Every number, label and shape in a diagram is read from its arguments; nothing is placed
by hand. `FIGURES` draws the documentation's diagrams from the pages' own examples.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from backprop._check import as_float_array
from backprop._types import Array
from backprop.activations import Sigmoid
from backprop.examples.graph import circuit, gate_patterns
from backprop.examples.rnn import RNN_X, RNN_Y, build_rnn
from backprop.im2col import im2col
from backprop.layers import Dense, Sequential
from backprop.losses import mse
from backprop.plots._style import Figure, new_figure, styled
from backprop.rnn import RNN
from backprop.trace import Trace, trace
from backprop.value import Value

__all__ = ["FIGURES", "gate_patterns_diagram", "im2col_diagram", "network_diagram", "unrolled_rnn", "value_graph"]

FORWARD = "#1a7f37"
"""Colour of forward values (green)."""
BACKWARD = "#c62828"
"""Colour of gradients (red)."""
INCH = 0.5
"""Inches per unit of a diagram's coordinates: every diagram is drawn at the same scale."""


def _num(v: float) -> str:
    """A number in at most 4 significant digits, with a true minus sign and no ``-0``."""
    text = f"{v + 0.0:.4g}"
    return text.replace("-", "\u2212")


_Limits = tuple[float, float, float, float]  # x from, x to, y from, y to


def _canvas(panels: Sequence[_Limits], *, scale: float = INCH, titles: bool = False) -> tuple[Figure, list[Axes]]:
    """A figure of blank axes stacked in one column, showing ``panels[k]`` at ``scale`` inches per unit.

    The axes are placed by hand, not by a layout engine (which would measure every text of
    a diagram once more), with room for a title above each when ``titles``.
    """
    title_room = 0.3 if titles else 0.0  # inches
    fig_w = max(x1 - x0 for x0, x1, _, _ in panels) * scale
    fig_h = sum((y1 - y0) * scale + title_room for _, _, y0, y1 in panels)
    fig = new_figure(fig_w, fig_h)
    fig.set_layout_engine("none")
    axes, top = [], fig_h
    for x0, x1, y0, y1 in panels:
        top -= title_room + (y1 - y0) * scale
        ax = fig.add_axes((0.0, top / fig_h, (x1 - x0) * scale / fig_w, (y1 - y0) * scale / fig_h))
        ax.set_axis_off()
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        axes.append(ax)
    return fig, axes


def _box(ax: Axes, x: float, y: float, w: float, h: float, *, face: str, edge: str = "#555555") -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.12",
            facecolor=face, edgecolor=edge, lw=1,
        )
    )


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *, color: str = "#333333",
           rad: float = 0.0, ls: str = "-", lw: float = 1.2) -> None:
    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10, color=color, lw=lw, ls=ls,
                        connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0)
    )


# -- the graph of a Value ---------------------------------------------------------------

_SYMBOLS = {"+": "+", "*": "×", "-": "\u2212", "/": "/"}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_DX, _DY, _W, _H = 3.2, 1.45, 2.2, 1.05  # column and row spacing, node width and height
_OUT = 1.5  # length of the output's own edge


def _expression(node: Value) -> str:
    """What a node computes from its operands: ``"x + y"``, ``"tanh(z)"``, ``""`` for an input.

    An operand is called by its label; an unnamed operand computed from named inputs by its
    own expression in parentheses; any other by ``·``.
    """
    def name(child: Value) -> str:
        if child.label:
            return child.label
        inner = _expression(child) if child.children and all(c.label for c in child.children) else ""
        return f"({inner})" if inner else "·"

    names = [name(c) for c in node.children]
    op = node.op
    if not op:
        return ""
    if op in _SYMBOLS:
        return f"{names[0]} {_SYMBOLS[op]} {names[1]}"
    if op.startswith("**"):
        power = op[2:]
        return names[0] + (power.translate(_SUPERSCRIPT) if power.lstrip("-").isdigit() else f"^{power}")
    if op == "neg":
        return f"\u2212{names[0]}"
    return f"{op}({', '.join(names)})"


def _operation(node: Value) -> str:
    """A node's header: ``"q = x + y"`` for a named result, ``"x"`` for a named input."""
    expr = _expression(node)
    return f"{node.label} = {expr}" if node.label and expr else node.label or expr


_Key = tuple[int, ...]  # (id of a node,), or (id of an edge's result, operand index, column) for a bend of the edge


_Point = tuple[float, float]


def _layout(root: Value) -> tuple[dict[int, _Point], dict[tuple[int, int, int], list[_Point]]]:
    """Where to draw each node, and the bends of each edge that skips columns.

    Results stand one column right of their last operand, each input one column left of
    its first use. An edge that spans several columns bends through a free slot in each
    column it crosses (the layered layout of Sugiyama et al.), so it never runs through a
    node. Rows are placed from the output back, each item near the items it feeds.

    Returns:
        Node id → (x, y), and (result id, operand index, operand id) → the bend points.
    """
    order = root.nodes()
    column: dict[int, int] = {}
    users: dict[int, list[Value]] = defaultdict(list)
    for node in order:
        column[id(node)] = 1 + max((column[id(c)] for c in node.children), default=-1)
        for child in node.children:
            users[id(child)].append(node)
    for node in order:
        if not node.children and users[id(node)]:
            column[id(node)] = min(column[id(u)] for u in users[id(node)]) - 1
    # Each edge becomes a chain of items, one per column: its operand, bends, its result.
    paths: dict[tuple[int, int, int], list[_Key]] = {}
    col_of: dict[_Key, int] = {(id(n),): column[id(n)] for n in order}
    for node in order:
        for i, child in enumerate(node.children):
            edge = (id(node), i, id(child))
            bends: list[_Key] = [(id(node), i, c) for c in range(column[id(child)] + 1, column[id(node)])]
            col_of.update((key, key[2]) for key in bends)
            paths[edge] = [(id(child),), *bends, (id(node),)]
    feeds: dict[_Key, list[tuple[_Key, float]]] = defaultdict(list)  # item → (next item, offset of the port)
    for (node_id, i, _), path in paths.items():
        n_ops = len(next(n for n in order if id(n) == node_id).children)
        for here, there in itertools.pairwise(path):
            feeds[here].append((there, i - (n_ops - 1) / 2 if there == path[-1] else 0.0))
    row: dict[_Key, float] = {}
    for col in sorted(set(col_of.values()), reverse=True):
        items = [key for key, c in col_of.items() if c == col]
        target = {k: float(np.mean([row[t] + off for t, off in feeds[k]])) if feeds[k] else 0.0 for k in items}
        items.sort(key=lambda k: target[k])
        placed = [target[k] for k in items]
        for j in range(1, len(placed)):
            gap = 1.0 if len(items[j]) == len(items[j - 1]) == 1 else 0.6  # bends need less room than nodes
            placed[j] = max(placed[j], placed[j - 1] + gap)
        shift = float(np.mean([target[k] for k in items]) - np.mean(placed))
        for k, y in zip(items, placed, strict=True):
            row[k] = y + shift
    low = min(column.values())

    def xy(key: _Key) -> tuple[float, float]:
        return (col_of[key] - low) * _DX, -row[key] * _DY

    pos = {key[0]: xy(key) for key in col_of if len(key) == 1}
    return pos, {edge: [xy(k) for k in path[1:-1]] for edge, path in paths.items()}


def _extent(root: Value) -> tuple[float, float, float, float]:
    pos, bends = _layout(root)
    points = [*pos.values(), *(p for b in bends.values() for p in b)]
    xs, ys = zip(*points, strict=True)
    return min(xs) - _W / 2 - 0.2, max(xs) + _W / 2 + _OUT + 0.2, min(ys) - _H / 2 - 0.3, max(ys) + _H / 2 + 0.3


def _edge_labels(ax: Axes, a: tuple[float, float], b: tuple[float, float], forward: float, backward: float) -> None:
    """The value an edge carries forward above it, the gradient it carries back below it, at its middle."""
    (x0, y0), (x1, y1) = a, b
    length = float(np.hypot(x1 - x0, y1 - y0)) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # the normal pointing up
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    ax.text(mx + 0.2 * nx, my + 0.2 * ny, _num(forward), ha="center", va="center", color=FORWARD, fontsize=8)
    ax.text(mx - 0.2 * nx, my - 0.2 * ny, _num(backward), ha="center", va="center", color=BACKWARD, fontsize=8)


def _draw_graph(ax: Axes, root: Value) -> None:
    pos, bends = _layout(root)
    for node in root.nodes():
        x, y = pos[id(node)]
        header = _operation(node)
        _box(ax, x, y, _W, _H, face="#eef3fb" if node.children else "#f6f6f6")
        lines = [(header, "#111111"), (f"value {_num(node.data)}", FORWARD), (f"grad {_num(node.grad)}", BACKWARD)]
        if not header:
            lines = lines[1:]
        for k, (text, color) in enumerate(lines):
            ax.text(x, y + 0.3 * ((len(lines) - 1) / 2 - k), text, ha="center", va="center", color=color,
                    fontsize=8.5, fontweight="bold" if k == 0 and header else "normal")
        for i, child in enumerate(node.children):  # the edge child → node, with what it carries both ways
            cx, cy = pos[id(child)]
            points = [(cx + _W / 2, cy), *bends[(id(node), i, id(child))],
                      (x - _W / 2, y + 0.22 * ((len(node.children) - 1) / 2 - i))]
            for a, b in itertools.pairwise(points[:-1]):
                ax.plot([a[0], b[0]], [a[1], b[1]], color="#333333", lw=1.2, solid_capstyle="round")
            _arrow(ax, points[-2], points[-1])
            _edge_labels(ax, points[-2], points[-1], child.data, node.local[i] * node.grad)  # the segment into node
    x, y = pos[id(root)]  # the output's own edge: its value, and the seed ∂f/∂f = 1
    _arrow(ax, (x + _W / 2, y), (x + _W / 2 + _OUT, y))
    _edge_labels(ax, (x + _W / 2, y), (x + _W / 2 + _OUT, y), root.data, root.grad)


@styled
def value_graph(root: Value, *, title: str | None = None) -> Figure:
    """The computational graph of ``root``: every node it depends on, with its operation, value and gradient.

    Results stand to the right of their operands. Each edge shows the value it carries
    forward (green, above) and the gradient it carries back (red, below): the local
    derivative times the gradient of the result. A node with several outgoing edges
    sums theirs. Call ``root.backward()`` first, or every gradient reads 0.

    Args:
        root: the expression's output.
        title: the figure's title (default: none).

    Examples:
        >>> from backprop import Value
        >>> from backprop.plots.diagrams import value_graph
        >>> x, y = Value(2.0, "x"), Value(3.0, "y")
        >>> f = x * y + x
        >>> f.backward()
        >>> texts = [t.get_text() for t in value_graph(f).axes[0].texts]
        >>> "grad 4" in texts, "x × y" in texts
        (True, True)
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value, got {type(root).__name__}")
    fig, (ax,) = _canvas([_extent(root)], titles=bool(title))
    _draw_graph(ax, root)
    if title:
        ax.set_title(title)
    return fig


@styled
def gate_patterns_diagram(expressions: Mapping[str, Value]) -> Figure:
    """A `value_graph` panel for each expression, one above the other, titled by its key.

    Examples:
        >>> from backprop.examples.graph import gate_patterns
        >>> from backprop.plots.diagrams import gate_patterns_diagram
        >>> [ax.get_title() for ax in gate_patterns_diagram(gate_patterns()).axes]
        ['add distributes', 'multiply swaps', 'max routes', 'a branch sums']
    """
    if not expressions:
        raise ValueError("expressions must hold at least one Value")
    for name, root in expressions.items():
        if not isinstance(root, Value):
            raise TypeError(f"expressions[{name!r}] must be a Value, got {type(root).__name__}")
    extents = [_extent(root) for root in expressions.values()]
    fig, axes = _canvas(extents, titles=True)
    for ax, (name, root) in zip(axes, expressions.items(), strict=True):
        _draw_graph(ax, root)
        ax.set_title(name, fontsize=10)
    return fig


# -- the four-steps network ------------------------------------------------------------


def _shape(a: Array) -> str:
    return "×".join(str(n) for n in np.shape(a)) or "1"


def _chain_step(row: int, layers: int, loss: str) -> str:
    """What the backward pass does to reach the box of ``row`` from the one below it."""
    if row == 2 * layers:
        return f"{loss}'s derivative"
    layer = (row + 1) // 2
    if row % 2:
        return f"$\\odot\\, f\\,'(z^{{({layer})}})$"
    return f"$\\cdot\\, W^{{({layer + 1})\\top}}$"


@styled
def network_diagram(record: Trace, *, loss: str = "mse") -> Figure:
    r"""The layers of a recorded forward and backward pass, with the shape of every array.

    The left column is the forward pass, top to bottom: the input, each layer (its
    parameters and its pre-activation $z$), each activation $a$, the prediction $\hat y$ and
    the loss $L$. The right column is the backward pass, bottom to top: from
    $\partial L/\partial L = 1$ and $\partial L/\partial\hat y$, each layer's
    $\delta = \partial L/\partial z$ and parameter gradients, and the gradient it passes down,
    beside the forward quantity of the same shape. Every shape is read from ``record``.

    Args:
        record: a pass recorded by `backprop.trace`.
        loss: the loss's name, for its box.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.plots.diagrams import network_diagram
        >>> net = bp.Sequential(bp.Dense(2, 3, rng=0), bp.Tanh(), bp.Dense(3, 1, rng=1), bp.Sigmoid())
        >>> fig = network_diagram(bp.trace(net, np.zeros((5, 2)), np.ones((5, 1)), bp.mse))
        >>> "5×3" in [t.get_text() for t in fig.axes[0].texts]
        True
    """
    if not isinstance(record, Trace):
        raise TypeError(f"record must be a Trace (from backprop.trace), got {type(record).__name__}")
    black = "#111111"
    n = len(record.records)
    # One row per box, top to bottom: (forward lines, forward colours, backward lines); None: no backward box.
    rows: list[tuple[list[str], list[str], list[str] | None]] = [
        ([r"$x$", _shape(record.records[0].x)], [black, FORWARD], None)
    ]
    for layer, rec in enumerate(record.records, start=1):
        def sup(name: str, layer: int = layer) -> str:
            return f"${name}^{{({layer})}}$"

        forward = [rec.name, *(f"{sup(k)} {_shape(v)}" for k, v in rec.grads.items()), f"{sup('z')} {_shape(rec.z)}"]
        backward = [f"{sup(chr(92) + 'delta')} {_shape(rec.delta)}",
                    *(f"$\\partial L/\\partial {k}^{{({layer})}}$ {_shape(v)}" for k, v in rec.grads.items())]
        rows.append((forward, [black] * (len(forward) - 1) + [FORWARD], backward))
        out = r"$\hat y$" if layer == n else sup("a")
        grad = r"$\partial L/\partial\hat y$" if layer == n else f"$\\partial L/\\partial a^{{({layer})}}$"
        rows.append(([out, _shape(rec.a)], [black, FORWARD], [grad, _shape(rec.upstream)]))
    rows.append(([f"$L$ = {loss}($\\hat y$, $y$)", _shape(np.float64(record.loss))], [black, FORWARD],
                 [r"$\partial L/\partial L$", "1"]))
    w, gap, step = 3.7, 1.4, 0.38
    heights = [step * len(f) + 0.3 for f, _, _ in rows]
    ys, y = [], 0.0
    for k, h in enumerate(heights):
        y -= (heights[k - 1] / 2 + 0.55 + h / 2) if k else h / 2
        ys.append(y)
    xs = (0.0, w + gap)
    fig, (ax,) = _canvas([(-w / 2 - 0.2, xs[1] + w / 2 + 0.2, ys[-1] - heights[-1] / 2 - 0.2, 0.8)])

    def cell(x: float, y: float, h: float, lines: Sequence[str], colors: Sequence[str], face: str) -> None:
        _box(ax, x, y, w, h, face=face)
        for k, (text, color) in enumerate(zip(lines, colors, strict=True)):
            ax.text(x, y + step * ((len(lines) - 1) / 2 - k), text, ha="center", va="center", color=color, fontsize=8.5)

    for k, ((ahead, colors, back), y, h) in enumerate(zip(rows, ys, heights, strict=True)):
        layer_box = k % 2 == 1 and k < len(rows) - 1
        cell(xs[0], y, h, ahead, colors, "#f3f3f3" if layer_box else "#eef3fb")
        if back is not None:
            cell(xs[1], y, h, back, [BACKWARD] * len(back), "#fdf0f0")
        if k:
            above = ys[k - 1] - heights[k - 1] / 2
            _arrow(ax, (xs[0], above), (xs[0], y + h / 2))
            if rows[k - 1][2] is not None:
                _arrow(ax, (xs[1], y + h / 2), (xs[1], above), color=BACKWARD)
                ax.text(xs[1] + 0.15, (y + h / 2 + above) / 2, _chain_step(k - 1, n, loss), ha="left", va="center",
                        fontsize=8, color=BACKWARD)
    _arrow(ax, (xs[0] + w / 2, ys[-1]), (xs[1] - w / 2, ys[-1]), color=BACKWARD)
    ax.text(xs[0], 0.25, "forward ↓", ha="center", va="bottom", fontsize=9.5, color=FORWARD, fontweight="bold")
    ax.text(xs[1], 0.25, "backward ↑", ha="center", va="bottom", fontsize=9.5, color=BACKWARD, fontweight="bold")
    return fig


# -- im2col ------------------------------------------------------------------------------

_PATCH_COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"]


@styled
def im2col_diagram(x: Array, kh: int, kw: int, *, stride: int = 1, padding: int = 0) -> Figure:
    """Which entries of the image ``x`` become which column of ``im2col(x, kh, kw, ...)``.

    The top row repeats the (padded) image once per kernel position, with the patch read
    there in that column's colour; below, the matrix that `backprop.conv.im2col` returns,
    each column in the colour of its patch. The numbers are the entries of ``x`` and of the
    matrix; which cell goes where is found by running `im2col` on the positions of the cells.

    Args:
        x: one single-channel image, shape ``(1, 1, H, W)``.
        kh: kernel height.
        kw: kernel width.
        stride: as for `im2col`.
        padding: as for `im2col` (padded cells are grey).

    Raises:
        ValueError: ``x`` holds more than one image or channel, or there are more than 9 patches.

    Examples:
        >>> import numpy as np
        >>> from backprop.plots.diagrams import im2col_diagram
        >>> fig = im2col_diagram(np.arange(9.0).reshape(1, 1, 3, 3), 2, 2)
        >>> sorted({t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()})
        ['0', '1', '2', '3', '4', '5', '6', '7', '8']
    """
    x = as_float_array(x, "x", ndim=4)
    if x.shape[:2] != (1, 1):
        raise ValueError(f"x must be one single-channel image of shape (1, 1, H, W), got {x.shape}")
    cols = im2col(x, kh, kw, stride=stride, padding=padding)
    padded = np.pad(x[0, 0], padding)
    hp, wp = padded.shape
    where = im2col(np.arange(float(hp * wp)).reshape(1, 1, hp, wp), kh, kw, stride=stride).astype(int)
    rows_m, n = cols.shape
    if n > len(_PATCH_COLORS):
        raise ValueError(f"the diagram draws at most {len(_PATCH_COLORS)} patches, got {n}")
    wo = (wp - kw) // stride + 1  # output columns: patch j sits at output position divmod(j, wo)
    cw = 1.5  # width of a matrix cell
    top_w = n * wp + (n - 1)
    mat_x0 = max((top_w - n * cw) / 2, 3.6)
    mat_top = -(hp + 2.6)
    width = max(top_w, mat_x0 + n * cw) + 0.4
    fig, (ax,) = _canvas([(-0.2, width - 0.2, mat_top - rows_m - 1.5, 2.0)], scale=0.4)
    for j in range(n):
        color = _PATCH_COLORS[j]
        x0 = j * (wp + 1)
        inside = set(where[:, j].tolist())
        for r in range(hp):
            for c in range(wp):
                pad = not (padding <= r < hp - padding and padding <= c < wp - padding)
                hit = r * wp + c in inside
                face = color if hit else ("#e0e0e0" if pad else "white")
                ax.add_patch(Rectangle((x0 + c, -r - 1), 1, 1, facecolor=face, alpha=0.45 if hit else 1.0,
                                       edgecolor="#555555", lw=0.8))
                ax.text(x0 + c + 0.5, -r - 0.5, _num(padded[r, c]), ha="center", va="center", fontsize=9,
                        color="#777777" if pad else "#111111")
        ax.text(x0 + wp / 2, 0.2, "column {}\npatch $(i, j) = ({}, {})$".format(j, *divmod(j, wo)), ha="center",
                va="bottom", fontsize=8.5, color=color, linespacing=1.5)
        _arrow(ax, (x0 + wp / 2, -hp - 0.15), (mat_x0 + (j + 0.5) * cw, mat_top + 0.55), color=color)
    for r in range(rows_m):
        for j in range(n):
            ax.add_patch(Rectangle((mat_x0 + j * cw, mat_top - r - 1), cw, 1, facecolor=_PATCH_COLORS[j], alpha=0.45,
                                   edgecolor="#555555", lw=0.8))
            ax.text(mat_x0 + (j + 0.5) * cw, mat_top - r - 0.5, _num(cols[r, j]), ha="center", va="center",
                    fontsize=9)
        p, q = divmod(r, kw)
        ax.text(mat_x0 - 0.2, mat_top - r - 0.5, f"$(p, q) = ({p}, {q})$", ha="right", va="center", fontsize=8.5)
    ax.text(mat_x0 + n * cw / 2, mat_top - rows_m - 0.3,
            f"im2col(x, {kh}, {kw}): a {rows_m}×{n} matrix, row $(p, q)$ of column $(i, j)$ holds "
            "$x_{\\rm pad}[si + p,\\ sj + q]$", ha="center", va="top", fontsize=8.5)
    return fig


# -- the unrolled RNN --------------------------------------------------------------------


def _norm_text(v: float) -> str:
    if v == 0.0:
        return "0"
    return f"{v:.4f}" if 1e-3 <= v < 1e3 else f"{v:.2e}"


@styled
def unrolled_rnn(layers: Mapping[str, RNN]) -> Figure:
    r"""Each `RNN` of ``layers`` unrolled over its steps, after a backward pass: one row per layer.

    A row shows the states $h_0, \dots, h_T$ of the first sequence of the batch, the inputs
    $x_t$ and the output(s) read from the states, the forward arrows (black), and the BPTT
    arrows (red) that carry the gradient from each state back to the one before. Under
    ``bptt_steps=k`` the shaded window marks the $k$ steps that the gradient entering at
    the last step flows through; an arrow the truncation cuts is grey and dashed. Each
    state shows $\lVert\partial L/\partial h_t\rVert$ as the layer computed it.

    Args:
        layers: row title → an `RNN` that has run ``forward`` and ``backward``.

    Examples:
        >>> import numpy as np
        >>> import backprop as bp
        >>> from backprop.plots.diagrams import unrolled_rnn
        >>> rnn = bp.RNN(1, 2, bptt_steps=2, rng=0)
        >>> _ = rnn.forward(np.ones((1, 4, 1)))
        >>> _ = rnn.backward(np.ones((1, 2)))
        >>> fig = unrolled_rnn({"k = 2": rnn})
        >>> fig.axes[0].get_title()
        'k = 2'
    """
    if not layers:
        raise ValueError("layers must hold at least one RNN")
    for name, layer in layers.items():
        if not isinstance(layer, RNN):
            raise TypeError(f"layers[{name!r}] must be an RNN, got {type(layer).__name__}")
    steps = max(layer.states.shape[1] for layer in layers.values())
    dx, w, h = 3.15, 2.5, 1.0
    fig, axes = _canvas([(-w / 2 - 0.4, steps * dx + w / 2 + 0.4, -2.6, 2.4)] * len(layers), titles=True)
    for ax, (name, layer) in zip(axes, layers.items(), strict=True):
        grads = layer.hidden_grads[0]  # read first: it raises if backward has not run
        T = grads.shape[0]
        norms = [float(np.linalg.norm(layer.dh0[0])) if layer.dh0 is not None else 0.0]
        norms += [float(np.linalg.norm(g)) for g in grads]
        k = T if layer.bptt_steps is None else min(layer.bptt_steps, T)
        origins = list(range(1, T + 1)) if layer.return_sequences else [T]
        last = origins[-1]
        ax.add_patch(FancyBboxPatch(((last - k + 1) * dx - w / 2 - 0.25, -h / 2 - 1.05), (k - 1) * dx + w + 0.5,
                                    h + 1.6, boxstyle="round,pad=0,rounding_size=0.2", facecolor="#fff4d6",
                                    edgecolor="#e0b040", lw=1))
        window = f"window of k = {k} steps" + (" (full BPTT)" if k == T else "")
        ax.text((last - k + 1) * dx - w / 2 - 0.1, h / 2 + 0.5, window, ha="left", va="top", fontsize=8.5,
                color="#8a6d00")
        for t in range(T + 1):
            x = t * dx
            _box(ax, x, 0.0, w, h, face="#eef3fb")
            ax.text(x, 0.2, f"$h_{{{t}}}$", ha="center", va="center", fontsize=10)
            ax.text(x, -0.22, f"$\\|\\partial L/\\partial h_{{{t}}}\\|$ = {_norm_text(norms[t])}", ha="center",
                    va="center", fontsize=8, color=BACKWARD)
            if t == 0:
                continue
            ax.text(x, -2.2, f"$x_{{{t}}}$", ha="center", va="center", fontsize=10)
            _arrow(ax, (x, -1.95), (x, -h / 2))
            _arrow(ax, ((t - 1) * dx + w / 2, 0.12), (x - w / 2, 0.12))
            # The gradient from step t back into h_{t-1}: does any origin's window still reach it?
            reach = any(u <= k for u in origins) if t == 1 else any(t <= u <= t + k - 2 for u in origins)
            _arrow(ax, (x - w / 2, -0.22), ((t - 1) * dx + w / 2, -0.22), color=BACKWARD if reach else "#9e9e9e",
                   ls="-" if reach else "--")
            if not reach:
                ax.text(x - dx / 2, -0.3, "cut", ha="center", va="top", fontsize=7.5, color="#757575")
            if t in origins:
                y_name = "$\\hat y$" if not layer.return_sequences else f"$\\hat y_{{{t}}}$"
                ax.text(x, 1.95, y_name, ha="center", va="center", fontsize=10)
                _arrow(ax, (x - 0.25, h / 2), (x - 0.25, 1.7))
                _arrow(ax, (x + 0.25, 1.7), (x + 0.25, h / 2), color=BACKWARD)
        ax.set_title(name, fontsize=10)
    return fig


# -- the documentation's diagrams ------------------------------------------------------


def _four_steps() -> Figure:
    # The four-steps page's network and batch: a 2-2-1 sigmoid net on 3 examples of 2 features
    # (the diagram shows shapes only, so the page's hand-written weights are not needed here).
    net = Sequential(Dense(2, 2, rng=0), Sigmoid(), Dense(2, 1, rng=1), Sigmoid())
    return network_diagram(trace(net, np.zeros((3, 2)), np.zeros((3, 1)), mse))


def _rnn_page() -> Figure:
    layers: dict[str, RNN] = {}
    for title, k in (("full BPTT", None), ("truncated BPTT, bptt_steps = 2", 2)):
        net = build_rnn(bptt_steps=k)  # the RNN page's worked example
        net.backward(mse(net.forward(RNN_X), RNN_Y)[1])
        layer = net.layers[0]
        assert isinstance(layer, RNN)
        layers[title] = layer
    return unrolled_rnn(layers)


FIGURES: dict[str, Callable[[], Figure]] = {
    "graph_circuit": lambda: value_graph(circuit()),
    "graph_gates": lambda: gate_patterns_diagram(gate_patterns()),
    "four_steps_network": _four_steps,
    "cnn_im2col": lambda: im2col_diagram(np.arange(9.0).reshape(1, 1, 3, 3), 2, 2),  # the CNN page's image
    "rnn_unrolled": _rnn_page,
}
"""Site figure stem → zero-argument function that draws its page's diagram."""
