"""`backprop.plots.dnn`: the spiral figure and the gradient-norm figure draw the results they are given."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import require

require("matplotlib")

from backprop.examples.dnn import compare_gradient_norms, train_spiral  # noqa: E402
from backprop.plots import dnn as plots  # noqa: E402


def _never(*_: object, **__: object) -> None:
    raise AssertionError("a figure function trained a model")


def test_dnn_decision_draws_the_run_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    result = train_spiral(epochs=4, sizes=(8,), output="sigmoid", rng=3)
    monkeypatch.setattr(plots, "train_spiral", _never)
    fig = plots.dnn_decision(result)
    loss_ax, regions_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.lines[0].get_ydata(), result.losses)
    assert fig.get_suptitle() == (
        f"epoch 4: loss {result.losses[-1]:.4f}, train accuracy {result.train_accuracy:.1%},"
        f" test accuracy {result.test_accuracy:.1%}"
    )
    regions, *points = regions_ax.collections
    for c, dots in enumerate(points):  # the run's own data, class by class
        np.testing.assert_array_equal(dots.get_offsets(), result.x[result.y == c])
    # Each class's points and its region have one colour.
    region_colours = np.asarray(regions.get_facecolor())[:, :3]
    point_colours = np.array([np.asarray(dots.get_facecolor())[0, :3] for dots in points])
    np.testing.assert_allclose(region_colours, point_colours)
    assert (regions_ax.get_xlabel(), regions_ax.get_ylabel()) == ("$x_1$", "$x_2$")


def test_dnn_gradient_norms_draws_the_norms_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    result = compare_gradient_norms(("relu", "tanh"), depth=2, width=4)
    monkeypatch.setattr(plots, "compare_gradient_norms", _never)
    ax = plots.dnn_gradient_norms(result).axes[0]
    for line, (name, norms) in zip(ax.lines, result.norms.items(), strict=True):
        assert line.get_label() == name
        np.testing.assert_array_equal(line.get_ydata(), norms)
    assert ax.get_title().startswith("2 hidden layers of 4:")


def test_site_figures_and_style() -> None:
    assert sorted(plots.FIGURES) == ["dnn_grad_norms", "dnn_spiral"]
    assert hasattr(plots.dnn_decision, "__wrapped__")
    assert hasattr(plots.dnn_gradient_norms, "__wrapped__")
