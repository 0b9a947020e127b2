"""`backprop.plots.regularization`: the figures draw the runs they are given, and the site's figures are registered."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.examples.regularization import train_deep_sigmoid, train_overfit
from tests.support import require

require("matplotlib")

from backprop.plots import regularization as plots  # noqa: E402


def _never(*_: object, **__: object) -> None:
    raise AssertionError("a figure function trained a model")


def test_overfit_figure_draws_the_runs_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [train_overfit("none", 1, steps=6, every=3), train_overfit("weight decay", 1, steps=6, every=3)]
    monkeypatch.setattr(plots, "train_overfit", _never)
    fig = plots.overfit_figure(runs)
    curves, regions = fig.axes[:2], fig.axes[2:]
    assert len(regions) == 2
    for ax, run in zip(curves, runs, strict=True):
        assert ax.get_title() == f"{run.regulariser}: test {run.final_test:.1%}"
        train, test, _ = ax.get_lines()  # and the 80% line
        np.testing.assert_array_equal(train.get_xdata(), run.steps)
        np.testing.assert_array_equal(train.get_ydata(), run.train_accuracy)
        np.testing.assert_array_equal(test.get_ydata(), run.test_accuracy)
    for ax, run in zip(regions, runs, strict=True):
        right, wrong = ax.collections[-2:]
        np.testing.assert_array_equal(right.get_offsets(), run.data.x_train[~run.data.flipped])
        np.testing.assert_array_equal(wrong.get_offsets(), run.data.x_train[run.data.flipped])


def test_batchnorm_figure_draws_the_runs_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, normalised = train_deep_sigmoid(False, epochs=1), train_deep_sigmoid(True, epochs=1)
    monkeypatch.setattr(plots, "train_deep_sigmoid", _never)
    fig = plots.batchnorm_figure(plain, normalised)
    norms_ax, loss_ax = fig.axes
    for line, run in zip(norms_ax.get_lines(), (plain, normalised), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), run.grad_norms)
    np.testing.assert_array_equal(loss_ax.get_lines()[1].get_ydata(), normalised.losses)
    assert fig.get_suptitle() == (f"accuracy after 1 epoch: {plain.accuracy:.1%} without BatchNorm,"
                                  f" {normalised.accuracy:.1%} with it")


def test_site_figures_and_style() -> None:
    from backprop.plots.site import SITE_FIGURES

    assert sorted(plots.FIGURES) == ["reg_batchnorm", "reg_overfit"]
    assert set(plots.FIGURES) <= set(SITE_FIGURES)
    assert hasattr(plots.overfit_figure, "__wrapped__")
    assert hasattr(plots.batchnorm_figure, "__wrapped__")
