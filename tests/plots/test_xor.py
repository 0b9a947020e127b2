"""`backprop.plots.xor`: the XOR loss curves draw the training runs they are given."""

from __future__ import annotations

import numpy as np
import pytest

from tests.support import require

require("matplotlib")

from backprop.examples.xor import train_xor  # noqa: E402
from backprop.plots import xor as plots  # noqa: E402


def test_xor_loss_curves_draw_every_epoch_of_the_runs_given(monkeypatch: pytest.MonkeyPatch) -> None:
    runs = [train_xor(epochs=150, rng=1), train_xor(init_scale=0.01, lr=0.1, epochs=150, rng=1)]
    monkeypatch.setattr(plots, "train_xor", lambda **_: pytest.fail("a figure function trained a model"))
    ax = plots.xor_loss_curves(runs).axes[0]
    curves = ax.lines[:2]
    for line, run in zip(curves, runs, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), run.mse)
        np.testing.assert_array_equal(line.get_xdata(), np.arange(150))
    legend = ax.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [plots.run_label(run) for run in runs]
    first = runs[0]
    assert labels[0] == f"init ×1.0, lr 1.0: MSE {first.mse[0]:.4f} → {first.final_mse:.4f} after 150 epochs"
    assert ax.get_title() == f"XOR, 2-4-1 sigmoid net, {labels[0]}"
    assert plots.xor_loss_curves(runs, title="given").axes[0].get_title() == "given"


def test_curves_on_the_same_plateau_stay_visible() -> None:
    """Two runs stuck at MSE 0.25 lie on top of each other: line styles and shifted markers tell them apart."""
    runs = [train_xor(init_scale=0.01, lr=1.0, epochs=160, rng=0), train_xor(init_scale=0.1, lr=1.0, epochs=160, rng=0)]
    a, b = plots.xor_loss_curves(runs).axes[0].lines[:2]
    assert a.get_linestyle() != b.get_linestyle()
    assert a.get_marker() != b.get_marker()
    assert a.get_markevery() != b.get_markevery()  # markers at different epochs, so neither hides the other


def test_xor_loss_curves_need_a_run() -> None:
    with pytest.raises(ValueError, match="at least one training run"):
        plots.xor_loss_curves([])


def test_site_figure_and_style() -> None:
    assert list(plots.FIGURES) == ["xor_loss"]
    assert hasattr(plots.xor_loss_curves, "__wrapped__")  # decorated with backprop.plots.styled
