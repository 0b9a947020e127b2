"""The CNN figures: each draws the result it is given, and the site's figures are registered."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.examples.digits import build_cnn, evaluate_digits, train_digits
from backprop.examples.edge import edge_step
from tests.support import require


@pytest.fixture(autouse=True)
def _matplotlib() -> None:
    require("matplotlib")


def test_figures_build() -> None:
    from backprop.plots.cnn import FIGURES
    from backprop.plots.site import SITE_FIGURES, render_all

    assert set(FIGURES) <= set(SITE_FIGURES)
    assert set(FIGURES) == {"cnn_dK", "cnn_digit_dK", "cnn_saliency", "cnn_training"}
    for stem in FIGURES:  # drawn as the site draws them, and shared with the site build
        svg = render_all()[stem]
        assert svg.startswith(b"<?xml"), stem
        assert b"<svg" in svg, stem


def test_figure_functions_are_styled() -> None:
    from backprop.plots import cnn

    for name in ("edge_gradients", "digit_kernel_gradients", "digit_saliency", "training_curve"):
        assert hasattr(getattr(cnn, name), "__wrapped__"), name


def test_edge_figure_draws_the_step_it_is_given() -> None:
    from backprop.plots import to_svg
    from backprop.plots.cnn import edge_gradients

    default, other = edge_step(), edge_step(target=3.0, lr=0.05)
    assert to_svg(edge_gradients(default)) != to_svg(edge_gradients(other))
    fig = edge_gradients(other, title="a title")
    assert fig.get_suptitle() == "a title"
    assert "(out 3.66)" in fig.axes[1].get_title()


def test_digit_figures_draw_the_result_they_are_given() -> None:
    from backprop.plots.cnn import digit_kernel_gradients, digit_saliency, training_curve

    run = train_digits(epochs=1)
    fig = training_curve(run)
    assert "after 1 epochs" in fig.axes[0].get_title()
    assert np.asarray(fig.axes[0].get_lines()[0].get_xdata()).size == 1
    untrained = digit_saliency(evaluate_digits(build_cnn(0)), title="untrained", count=3)
    assert untrained.get_suptitle() == "untrained"
    assert len(untrained.axes) == 3 + 3 + 2  # digits, saliency maps, a colour bar for each row
    assert len(digit_kernel_gradients(np.zeros((32, 3, 3))).axes) == 32 + 1  # and its colour bar


def test_saliency_shows_one_digit_per_label_on_one_colour_scale() -> None:
    from backprop.plots.cnn import digit_saliency

    result = evaluate_digits(build_cnn(0))
    fig = digit_saliency(result, count=6)
    labels = [int(ax.get_title().split()[1].rstrip(",")) for ax in fig.axes[:6]]
    assert labels == [0, 1, 2, 3, 4, 5]  # a varied sample: no label twice
    for ax, label in zip(fig.axes[:6], labels, strict=True):
        first = int(np.flatnonzero(result.data.y_test == label)[0])
        np.testing.assert_array_equal(ax.images[0].get_array(), result.data.x_test[first, 0])
    maps = fig.axes[6:12]
    norms = {(m.images[0].norm.vmin, m.images[0].norm.vmax) for m in maps}
    assert len(norms) == 1  # every saliency map on the same scale
    assert [ax.get_label() for ax in fig.axes[12:]] == ["<colorbar>", "<colorbar>"]


def test_kernel_gradients_share_one_colour_scale() -> None:
    from backprop.plots.cnn import digit_kernel_gradients

    dK = np.random.default_rng(0).normal(size=(4, 3, 3))
    fig = digit_kernel_gradients(dK)
    limit = float(np.abs(dK).max())
    assert {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in fig.axes[:4]} == {(-limit, limit)}
    assert fig.axes[4].get_label() == "<colorbar>"
