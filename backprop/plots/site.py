"""The figures of the documentation site: each drawn from the run its page describes.

`SITE_FIGURES` maps a file stem (``figures/<stem>.svg`` on the site) to a function that runs
the worked example with the page's settings and draws its result, or draws the page's
diagram (`backprop.plots.diagrams`) from its example's objects. `render_all` draws each
once per process and shares the SVG bytes (the docs build, the site tests). The benchmark
figure is not here: the docs build draws it from its own results file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping

from backprop.plots import ann, cnn, diagrams, dnn, gated, regularization, rnn, xor
from backprop.plots._style import Figure, styled, to_svg

__all__ = ["SITE_FIGURES", "render", "render_all"]

SITE_FIGURES: dict[str, Callable[[], Figure]] = {
    **ann.FIGURES,
    **xor.FIGURES,
    **dnn.FIGURES,
    **regularization.FIGURES,
    **rnn.FIGURES,
    **gated.FIGURES,
    **cnn.FIGURES,
    **diagrams.FIGURES,
}
"""File stem → zero-argument function that computes the page's run and draws it."""


def render(stem: str) -> bytes:
    """Draw the site figure ``stem`` afresh, as SVG bytes; nothing is cached.

    Raises:
        KeyError: ``stem`` is not in `SITE_FIGURES`.

    Examples:
        >>> from backprop.plots.site import render
        >>> render("dnn_grad_norms").startswith(b"<?xml")
        True
    """
    return to_svg(styled(SITE_FIGURES[stem])())


class _Drawn(Mapping[str, bytes]):
    """Stem → SVG bytes; a figure is drawn the first time it is looked up, then kept."""

    def __init__(self, figures: Mapping[str, Callable[[], Figure]]) -> None:
        self._figures = figures
        self._svg: dict[str, bytes] = {}

    def __getitem__(self, stem: str) -> bytes:
        if stem not in self._svg:
            self._svg[stem] = to_svg(styled(self._figures[stem])())
        return self._svg[stem]

    def __contains__(self, stem: object) -> bool:
        return stem in self._figures  # without drawing it

    def __iter__(self) -> Iterator[str]:
        return iter(self._figures)

    def __len__(self) -> int:
        return len(self._figures)


@functools.cache
def render_all() -> Mapping[str, bytes]:
    """Every site figure as SVG bytes, by stem; each is drawn once per process and then shared.

    Examples:
        >>> from backprop.plots.site import render_all
        >>> figures = render_all()
        >>> figures is render_all() and "ann_dW" in figures
        True
    """
    return _Drawn(SITE_FIGURES)
