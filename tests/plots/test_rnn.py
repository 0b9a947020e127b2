"""The RNN figures: each draws the result it is given, and the site's figures are registered."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.examples.rnn import train_rnn
from backprop.examples.rnn_gradients import grad_norm_probe, truncation_probe
from backprop.examples.text import train_text
from tests.support import require


@pytest.fixture(autouse=True)
def _matplotlib() -> None:
    require("matplotlib")


def test_figures_are_registered() -> None:
    from backprop.plots.rnn import FIGURES
    from backprop.plots.site import SITE_FIGURES

    assert set(FIGURES) == {"rnn_grad_norms", "rnn_truncation", "rnn_clipping", "rnn_text_curve"}
    assert set(FIGURES) <= set(SITE_FIGURES)


def test_figure_functions_are_styled() -> None:
    from backprop.plots import rnn

    for name in ("rnn_training", "rnn_gradient_norms", "truncation_figure", "clipping_effect", "text_learning_curve"):
        assert hasattr(getattr(rnn, name), "__wrapped__"), name


def test_training_figure_draws_the_run_it_is_given() -> None:
    from backprop.plots import to_svg
    from backprop.plots.rnn import rnn_training

    short, longer = train_rnn(epochs=10), train_rnn(epochs=30)
    assert to_svg(rnn_training(short)) != to_svg(rnn_training(longer))
    fig = rnn_training(longer)
    assert fig.get_suptitle() == f"RNN → Final Prediction: {longer.prediction:.2f}"
    assert np.asarray(fig.axes[0].get_lines()[0].get_xdata()).size == 30
    assert len(rnn_training(short, train_text(steps=3)).axes) == 3  # two panels, one with a twin axis


def test_probe_figures_draw_the_probes_they_are_given() -> None:
    from backprop.plots.rnn import rnn_gradient_norms, truncation_figure

    fig = rnn_gradient_norms([grad_norm_probe((0.5, 1.5), T=8)])
    assert len(fig.axes) == 1
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["$W_h$ scale 0.5", "$W_h$ scale 1.5"]
    assert fig.axes[0].get_xlabel() == "time step $t$ (the loss reads $h_{8}$)"
    assert fig.axes[0].get_ylabel() == r"$\|\partial L/\partial h_t\|$"  # typeset by mathtext
    assert len({line.get_linestyle() for line in fig.axes[0].get_lines()}) == 2  # told apart without colour
    fig = truncation_figure(truncation_probe((0.9,), (1, 2), T=6))
    assert np.asarray(fig.axes[0].get_lines()[0].get_xdata()).tolist() == [1, 2]
    assert "$T$ = 6 steps" in fig.axes[0].get_title()


def test_text_figures_draw_the_runs_they_are_given() -> None:
    from backprop.plots.rnn import clipping_effect, text_learning_curve

    run = train_text(steps=4, eval_every=2)
    fig = text_learning_curve(run)
    assert np.asarray(fig.axes[0].get_lines()[1].get_xdata()).tolist() == [0, 2, 4]
    fig = clipping_effect({"a": run, "b": run}, title="two runs")
    assert fig.axes[0].get_title() == "two runs"
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["a", "b"]
