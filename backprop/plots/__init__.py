"""Figures of each model's gradients, drawn with matplotlib (the ``docs`` extra).

A figure function takes the result of a worked example (``backprop.examples``) and returns
a ``matplotlib.figure.Figure``; it never trains anything itself. The ``--plot FILE`` option
of every command draws the run it has just printed, and the documentation build draws the
runs its pages describe (`backprop.plots.site`). Each ``backprop.plots.<family>`` module
holds one family's figures.

Importing this package imports matplotlib; ``import backprop`` does not. Drawing happens
inside a ``matplotlib.rc_context`` (see `styled`), so the user's settings are left alone.
"""

from backprop.plots._style import STYLE, Figure, new_figure, save, styled, to_svg

__all__ = ["STYLE", "Figure", "new_figure", "save", "styled", "to_svg"]
