"""The project's figure style, applied only while a figure is drawn and saved.

Artists read their defaults (font size, grid) from ``rcParams`` when they are made, so a
figure function runs inside `styled`'s context (an ``rc_context`` of matplotlib's defaults
plus `STYLE`): the user's own settings neither leak into a figure nor change. Nothing here
picks a matplotlib backend: a ``Figure`` made directly needs none, and saving uses
matplotlib's SVG or PNG writer.
"""

from __future__ import annotations

import contextlib
import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, cast

from backprop._extras import require_module

try:
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure
except ImportError:
    require_module("matplotlib", "figures")  # raises, saying which extra to install
    raise

__all__ = ["STYLE", "Figure", "new_figure", "save", "styled", "to_svg"]

STYLE: dict[str, Any] = {
    "svg.hashsalt": "backprop",  # fixed ids: byte-identical SVG on every build
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}
"""The settings every figure is drawn and saved with."""

P = ParamSpec("P")


def _style_context() -> contextlib.AbstractContextManager[None]:
    # An rc_context holding matplotlib's defaults plus STYLE, whatever rcParams held before (a
    # matplotlibrc, another library's settings); the previous rcParams come back on exit.
    return cast("contextlib.AbstractContextManager[None]", matplotlib.style.context(STYLE, after_reset=True))


def styled(draw: Callable[P, Figure]) -> Callable[P, Figure]:
    """Run the figure function ``draw`` inside ``matplotlib.rc_context(STYLE)``.

    Examples:
        >>> import matplotlib
        >>> from backprop.plots import new_figure, styled
        >>> @styled
        ... def draw():
        ...     fig = new_figure(2, 2)
        ...     _ = fig.add_subplot()
        ...     return fig
        >>> before = matplotlib.rcParams["font.size"]
        >>> draw().axes[0].xaxis.label.get_fontsize()
        9.0
        >>> matplotlib.rcParams["font.size"] == before
        True
    """

    @functools.wraps(draw)
    def in_style(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with _style_context():
            return draw(*args, **kwargs)

    return in_style


def new_figure(width: float = 6.4, height: float = 3.2) -> Figure:
    """A figure with constrained layout, attached to no GUI backend (draw it inside `styled`).

    Examples:
        >>> from backprop.plots import new_figure
        >>> new_figure(4, 2).get_size_inches().tolist()
        [4.0, 2.0]
    """
    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Figure) -> bytes:
    """Render ``fig`` as SVG bytes with no date stamp.

    The same figure drawn afresh gives the same bytes on every run (render a new figure
    each time: a second render of one figure re-runs the layout and can move it slightly).

    Examples:
        >>> from backprop.plots import new_figure, styled, to_svg
        >>> @styled
        ... def draw():
        ...     fig = new_figure(2, 2)
        ...     _ = fig.add_subplot().plot([0, 1], [1, 0])
        ...     return fig
        >>> to_svg(draw()) == to_svg(draw())
        True
    """
    buf = io.BytesIO()
    with _style_context():  # the SVG settings, for this save only
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def save(fig: Figure, path: str | Path) -> Path:
    """Save ``fig`` to ``path``; the suffix picks the format (``.svg`` or ``.png``).

    Raises:
        ValueError: another suffix.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from backprop.plots import new_figure, save
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     print(save(new_figure(1, 1), Path(folder) / "f.svg").read_bytes()[:5])
        b'<?xml'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_bytes(to_svg(fig))
    elif suffix == ".png":
        with _style_context():
            fig.savefig(path, format="png", metadata={"Software": None})
    else:
        raise ValueError(f"a figure file must end in .svg or .png, got {path.name!r}")
    return path
