"""Gradients over time: vanishing and exploding norms, and the error of truncated BPTT."""

from __future__ import annotations

import numpy as np

from backprop.examples.rnn_gradients import (
    SCALES,
    grad_norm_probe,
    hidden_grad_norms,
    truncation_error,
    truncation_probe,
)


def test_vanishing_and_exploding_gradients() -> None:
    small, unit, large = (hidden_grad_norms(s) for s in (0.5, 1.0, 1.5))
    assert small[0] < 1e-12 < 1e2 < large[0]  # 59 steps back
    assert 0.5 < unit[0] < 2.0
    np.testing.assert_allclose([small[-1], unit[-1], large[-1]], 1.0, rtol=1e-12)
    saturated = hidden_grad_norms(1.5, x_scale=1.0)
    assert saturated[0] < 1e-2  # saturated tanh units make even a scale-1.5 W_h vanish


def test_truncation_error_shrinks_with_k_and_vanishes_at_t() -> None:
    errs = [truncation_error(0.5, k) for k in (1, 5, 20)]
    assert errs[0] > errs[1] > errs[2]
    assert truncation_error(0.5, 40) == 0.0


def test_probes_run_every_scale_on_the_same_matrix() -> None:
    probe = grad_norm_probe(T=20)
    assert probe.scales == SCALES
    assert probe.norms.shape == (len(SCALES), 20)
    for scale, norms in zip(probe.scales, probe.norms, strict=True):
        np.testing.assert_array_equal(norms, hidden_grad_norms(scale, T=20))
    trunc = truncation_probe((0.5, 1.5), (1, 5, 40))
    assert trunc.errors.shape == (2, 3)
    assert trunc.errors[1, 1] == truncation_error(1.5, 5)
    assert trunc.errors[:, -1].tolist() == [0.0, 0.0]


def test_probes_take_a_seed_or_a_generator() -> None:
    np.testing.assert_array_equal(hidden_grad_norms(0.9, rng=4), hidden_grad_norms(0.9, rng=np.random.default_rng(4)))
    assert truncation_error(0.9, 3, rng=4) != truncation_error(0.9, 3, rng=5)
