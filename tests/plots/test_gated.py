"""`backprop.plots.gated`: the figures draw the probes and tables they are given, and are registered."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.examples.memory import gradient_probe, memory_table
from tests.support import require

require("matplotlib")

from backprop.plots import gated as plots  # noqa: E402


def _never(*_: object, **__: object) -> None:
    raise AssertionError("a figure function trained a model")


def test_gradient_figure_draws_the_probes_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    probes = [gradient_probe(8, n=4), gradient_probe(8, gate_bias=0.0, n=4)]
    monkeypatch.setattr(plots, "gradient_probe", _never)
    fig = plots.gradient_figure(probes)
    assert [ax.get_title() for ax in fig.axes] == ["gate bias 5", "gate bias 0 (PyTorch's default)"]
    for ax, probe in zip(fig.axes, probes, strict=True):
        rnn, lstm_h, lstm_c, gru = ax.get_lines()
        np.testing.assert_array_equal(rnn.get_xdata(), np.arange(8, -1, -1))  # steps back from the loss
        np.testing.assert_array_equal(rnn.get_ydata(), probe.hidden["rnn"])
        np.testing.assert_array_equal(lstm_h.get_ydata(), probe.hidden["lstm"])
        np.testing.assert_array_equal(lstm_c.get_ydata(), probe.cell)
        np.testing.assert_array_equal(gru.get_ydata(), probe.hidden["gru"])
        assert ax.get_yscale() == "log"


def test_memory_figure_draws_the_table_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    table = memory_table(lengths=(2, 4), kinds=("rnn", "gru"), seeds=(0, 1), steps=3)
    monkeypatch.setattr(plots, "memory_table", _never)
    ax = plots.memory_figure(table).axes[0]
    rnn, gru, chance = ax.get_lines()
    assert [rnn.get_label(), gru.get_label(), chance.get_label()] == ["tanh RNN", "GRU", "chance"]
    np.testing.assert_array_equal(gru.get_ydata(), [table.runs["gru", T].mean for T in (2, 4)])
    dots = ax.collections[-1]  # the GRU's runs at T = 4
    np.testing.assert_array_equal(np.asarray(dots.get_offsets())[:, 1], table.runs["gru", 4].accuracies)
    assert ax.get_title() == "name the first symbol: 2 runs each (dots), mean (line)"


def test_site_figures_and_style() -> None:
    from backprop.plots.site import SITE_FIGURES

    assert sorted(plots.FIGURES) == ["gated_grad_norms", "gated_memory"]
    assert set(plots.FIGURES) <= set(SITE_FIGURES)
    assert hasattr(plots.gradient_figure, "__wrapped__")
    assert hasattr(plots.memory_figure, "__wrapped__")
