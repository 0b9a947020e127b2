"""`backprop.plots.ann`: the ANN's gradient figure and the trilayer error curve draw the results they are given."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import require

require("matplotlib")

import matplotlib  # noqa: E402

from backprop.examples.ann import train_ann  # noqa: E402
from backprop.examples.trask import trilayer  # noqa: E402
from backprop.plots import ann as plots  # noqa: E402


def _never(*_: object, **__: object) -> None:
    raise AssertionError("a figure function trained a model")


def test_ann_gradients_draws_the_run_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    result = train_ann(epochs=30, lr=0.5)
    monkeypatch.setattr(plots, "train_ann", _never)
    fig = plots.ann_gradients(result)
    curves = fig.axes[-1]
    assert fig.get_suptitle() == f"30 steps, lr 0.5: final prediction {result.prediction:.2f}"
    w1, w2, loss = curves.lines
    np.testing.assert_array_equal(w1.get_ydata(), [n for n, _ in result.grad_norms])
    np.testing.assert_array_equal(w2.get_ydata(), [n for _, n in result.grad_norms])
    np.testing.assert_array_equal(loss.get_ydata(), result.losses)
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), result.first_grads[0])
    np.testing.assert_array_equal(fig.axes[1].images[0].get_array(), result.first_grads[1])


def test_ann_heatmaps_are_labelled_and_their_numbers_readable() -> None:
    fig = plots.ann_gradients(train_ann(epochs=2))
    w1, w2 = fig.axes[:2]
    assert (w1.get_ylabel(), w1.get_xlabel()) == ("input", "hidden unit")
    assert (w2.get_ylabel(), w2.get_xlabel()) == ("hidden unit", "output")
    assert [t.get_text() for t in w1.get_xticklabels()] == ["1", "2", "3", "4"]
    limit = max(float(np.abs(g).max()) for g in train_ann(epochs=2).first_grads)
    for ax in (w1, w2):
        for text in ax.texts:
            assert float(text.get_fontsize()) >= 8
            value = abs(float(text.get_text()))
            dark = value > 0.55 * limit  # a saturated cell: light text on it
            assert text.get_color() == ("white" if dark else "black"), text.get_text()
    assert fig.axes[2].get_label() == "<colorbar>"


def test_classic_errors_draws_the_errors_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    result = trilayer(iterations=500, report_every=100)
    monkeypatch.setattr(plots, "trilayer", _never)
    fig = plots.classic_errors(result)
    ax = fig.axes[0]
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_xdata(), [0, 100, 200, 300, 400])
    np.testing.assert_array_equal(line.get_ydata(), result.errors)
    assert f"{result.errors[-1]:.6f} (iteration 400)" in ax.get_title()
    assert fig.get_suptitle() == "Trilayer net, 500 iterations"


def test_figures_are_drawn_in_the_project_style_and_leave_rcparams_alone() -> None:
    before = dict(matplotlib.rcParams)
    fig = plots.ann_gradients(train_ann(epochs=5))
    assert fig.axes[-1].title.get_fontsize() == pytest.approx(9 * 1.2)  # STYLE's font.size, "large" title
    assert dict(matplotlib.rcParams) == before
    for draw in (plots.ann_gradients, plots.classic_errors):
        assert hasattr(draw, "__wrapped__")  # decorated with backprop.plots.styled


def test_site_figures_are_the_pages_runs() -> None:
    assert sorted(plots.FIGURES) == ["ann_dW", "classic_errors"]
    assert all(callable(draw) for draw in plots.FIGURES.values())
