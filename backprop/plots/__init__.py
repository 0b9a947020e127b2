"""Figures of each model's gradients, drawn with matplotlib (the ``docs`` extra).

The documentation build and the ``--plot FILE`` option of every command call the
same functions, so the site shows exactly what the package computes. Each
``backprop.plots.<family>`` module has a ``FIGURES`` dict: file stem → function
returning a ``matplotlib.figure.Figure``.

Importing this package imports matplotlib; ``import backprop`` does not.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any, cast

try:
    import matplotlib
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "figures need matplotlib: pip install 'backprop[docs]' (or pip install matplotlib)"
    ) from exc

matplotlib.use("Agg")
from matplotlib.figure import Figure

__all__ = ["FAMILIES", "Figure", "all_figures", "save", "to_svg"]

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

    Examples:
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
        >>> def draw() -> bytes:
        ...     fig = new_figure(2, 2)
        ...     _ = fig.add_subplot().plot([0, 1], [1, 0])
        ...     return to_svg(fig)
        >>> draw() == draw()
        True
    """
    _apply_style()
    buf = io.BytesIO()
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
        >>> "ann_dW" in all_figures()
        True
    """
    out: dict[str, Callable[[], Figure]] = {}
    for family in FAMILIES:
        module = importlib.import_module(f"backprop.plots.{family}")
        out.update(module.FIGURES)
    return out
