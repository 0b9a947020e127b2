"""Figures of each model's gradients, drawn with matplotlib (the ``docs`` extra).

The documentation build and the ``--plot FILE`` option of every command call the
same functions, so the site shows exactly what the package computes. Each
``backprop.plots.<family>`` module has a ``FIGURES`` dict: file stem → function
returning a ``matplotlib.figure.Figure``.

`render_all` draws each figure once per process, in the project's style whatever the
global ``rcParams`` are, and shares the SVG bytes with every later caller (the docs
build, the site tests).

Importing this package imports matplotlib; ``import backprop`` does not. Nothing here
picks a matplotlib backend: a ``Figure`` made directly needs none, and saving it uses
matplotlib's SVG or PNG writer.
"""

from __future__ import annotations

import functools
import importlib
import io
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, cast

from backprop._extras import require_module

try:
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure
except ImportError:
    require_module("matplotlib", "figures")  # raises, saying which extra to install
    raise

__all__ = ["FAMILIES", "Figure", "all_figures", "new_figure", "render", "render_all", "save", "to_svg"]

FAMILIES: tuple[str, ...] = ("ann", "xor", "dnn", "rnn", "cnn", "perf")
"""Modules under ``backprop.plots`` that contribute figures."""

_STYLE: dict[str, Any] = {
    "svg.hashsalt": "backprop",  # fixed ids: byte-identical SVG on every build
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}


def _apply_style() -> None:
    # RcParams is typed with one literal key per setting; the style dict is plain str keys.
    cast("MutableMapping[str, Any]", matplotlib.rcParams).update(_STYLE)


def new_figure(width: float = 6.4, height: float = 3.2) -> Figure:
    """A figure in the project's style, not attached to any GUI backend.

    Artists read their defaults (font size, grid) from ``rcParams`` when they are made,
    so this sets the project's style in ``rcParams`` for the figure function that follows.
    `render` and `render_all` call it inside a style context that undoes this afterwards.

    Examples:
        >>> from backprop.plots import new_figure
        >>> new_figure(4, 2).get_size_inches().tolist()
        [4.0, 2.0]
    """
    _apply_style()
    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Figure) -> bytes:
    """Render ``fig`` as SVG bytes with no date stamp.

    The same figure drawn afresh gives the same bytes on every run (render a new figure
    each time: a second render of one figure re-runs the layout and can move it slightly).

    Examples:
        >>> from backprop.plots import new_figure, to_svg
        >>> def draw() -> bytes:
        ...     fig = new_figure(2, 2)
        ...     _ = fig.add_subplot().plot([0, 1], [1, 0])
        ...     return to_svg(fig)
        >>> draw() == draw()
        True
    """
    buf = io.BytesIO()
    with matplotlib.style.context(_STYLE):  # the SVG settings, for this save only
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def save(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` to ``path``; the suffix picks the format (``.svg`` or ``.png``).

    Raises:
        ValueError: another suffix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_bytes(to_svg(fig))
    elif suffix == ".png":
        fig.savefig(path, format="png", metadata={"Software": None})
    else:
        raise ValueError(f"--plot FILE must end in .svg or .png, got {path.name!r}")
    return path


def all_figures() -> dict[str, Callable[[], Figure]]:
    """Every figure of every family, by file stem (e.g. ``"ann_dW"``).

    Examples:
        >>> from backprop.plots import all_figures
        >>> "ann_dW" in all_figures()
        True
    """
    out: dict[str, Callable[[], Figure]] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"backprop.plots.{family}")
        out.update(module.FIGURES)
    return out


def _draw(make: Callable[[], Figure]) -> bytes:
    # Matplotlib's defaults plus the project's style, whatever rcParams held before (a
    # matplotlibrc, another library's settings); the previous rcParams come back afterwards.
    with matplotlib.style.context(_STYLE, after_reset=True):
        return to_svg(make())


def render(stem: str) -> bytes:
    """Draw the figure ``stem`` afresh, as SVG bytes; nothing is cached.

    Raises:
        KeyError: ``stem`` is not a figure of `all_figures`.

    Examples:
        >>> from backprop.plots import render
        >>> render("perf_vs_torch").startswith(b"<?xml")
        True
    """
    return _draw(all_figures()[stem])


class _Drawn(Mapping[str, bytes]):
    """Stem → SVG bytes; a figure is drawn the first time it is looked up, then kept."""

    def __init__(self, figures: Mapping[str, Callable[[], Figure]]) -> None:
        self._figures = figures
        self._svg: dict[str, bytes] = {}

    def __getitem__(self, stem: str) -> bytes:
        if stem not in self._svg:
            self._svg[stem] = _draw(self._figures[stem])
        return self._svg[stem]

    def __contains__(self, stem: object) -> bool:
        return stem in self._figures  # without drawing it

    def __iter__(self) -> Iterator[str]:
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)


@functools.cache
def render_all() -> Mapping[str, bytes]:
    """Every figure as SVG bytes, by stem; each is drawn once per process and then shared.

    A figure is drawn when it is first looked up (iterating over the items draws them
    all), the same way as `render`, so both give the same bytes.

    Examples:
        >>> from backprop.plots import render_all
        >>> figures = render_all()
        >>> figures is render_all() and "ann_dW" in figures
        True
        >>> figures["perf_vs_torch"] is figures["perf_vs_torch"]  # drawn once
        True
    """
    return _Drawn(all_figures())
