"""`backprop.examples.trask`: the "11 lines" nets, to their published digits.

Expected numbers come from the published seed documents (see SEEDS-FACTS) or from an
independent computation written out in the test itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop._types import Array
from backprop.examples import trask
from tests.support import PUBLISHED_BILAYER, PUBLISHED_ERRORS, PUBLISHED_TRILAYER


def _sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))




@pytest.fixture(scope="module")
def trilayer_run() -> trask.TrilayerResult:
    """The published 60,000-iteration run, shared by every test of this module."""
    return trask.trilayer()


def test_bilayer_reproduces_the_published_output() -> None:
    out = trask.bilayer()
    assert out.shape == (4, 1)
    assert np.round(out[:, 0], 8).tolist() == PUBLISHED_BILAYER
    assert np.all(np.abs(out[:, 0] - PUBLISHED_BILAYER) < 5e-9)


def test_trilayer_reproduces_the_published_output(trilayer_run: trask.TrilayerResult) -> None:
    out = trilayer_run.output
    assert out.shape == (4, 1)
    assert np.round(out[:, 0], 8).tolist() == PUBLISHED_TRILAYER
    assert np.all(np.abs(out[:, 0] - PUBLISHED_TRILAYER) < 5e-9)


def test_trilayer_reproduces_the_published_errors(trilayer_run: trask.TrilayerResult) -> None:
    errors = trilayer_run.errors
    assert (trilayer_run.iterations, trilayer_run.report_every) == (60_000, 10_000)
    assert errors == pytest.approx(PUBLISHED_ERRORS, rel=1e-12)


def test_trilayer_reports_every_report_every_iterations() -> None:
    result = trask.trilayer(iterations=50, report_every=10)
    out, errors = result.output, result.errors
    assert (result.iterations, result.report_every) == (50, 10)
    assert len(errors) == 5
    assert errors[0] == pytest.approx(PUBLISHED_ERRORS[0], rel=1e-12)  # iteration 0: same initial weights
    assert out.shape == (4, 1)


def test_default_rng_does_not_reproduce_the_published_bilayer() -> None:
    # The same algorithm as the published code, but with the new Generator stream.
    w = 2 * np.random.default_rng(1).random((3, 1)) - 1
    out = _sigmoid(trask.X @ w)
    for _ in range(10_000):
        out = _sigmoid(trask.X @ w)
        w += trask.X.T @ ((trask.BILAYER_Y - out) * out * (1 - out))
    assert f"{out[0, 0]:.8f}" == "0.00966341"  # the value SEEDS-FACTS quotes
    assert np.round(out[:, 0], 8).tolist() != PUBLISHED_BILAYER


def _half_sse(y: Array, yhat: Array) -> float:
    return 0.5 * float(np.sum((y - yhat) ** 2))


def test_trask_update_is_minus_the_gradient_of_half_sse() -> None:
    rng = np.random.default_rng(7)
    X, y = trask.X, trask.TRILAYER_Y
    # no hidden layer
    w = rng.uniform(-1, 1, (3, 1))
    out = _sigmoid(X @ w)
    update = X.T @ ((y - out) * out * (1 - out))
    grad = bp.numerical_gradient(lambda v: _half_sse(y, _sigmoid(X @ v)), w)
    assert bp.relative_error(update, -grad) < 1e-8
    # one hidden layer: both updates of the trilayer loop
    w0, w1 = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (4, 1))

    def loss(_: Array) -> float:
        return _half_sse(y, _sigmoid(_sigmoid(X @ w0) @ w1))

    h = _sigmoid(X @ w0)
    out = _sigmoid(h @ w1)
    delta_out = (y - out) * out * (1 - out)
    delta_hidden = (delta_out @ w1.T) * h * (1 - h)
    assert bp.relative_error(h.T @ delta_out, -bp.numerical_gradient(loss, w1)) < 1e-8
    assert bp.relative_error(X.T @ delta_hidden, -bp.numerical_gradient(loss, w0)) < 1e-8
    # and descending it lowers the loss (a small step)
    before = loss(w0)
    w1 += 0.1 * (h.T @ delta_out)
    w0 += 0.1 * (X.T @ delta_hidden)
    assert loss(w0) < before


def test_trask_rejects_bad_iterations() -> None:
    with pytest.raises(ValueError, match="iterations must be a positive integer"):
        trask.bilayer(0)
    with pytest.raises(ValueError, match="report_every must be a positive integer"):
        trask.trilayer(10, report_every=0)




def test_the_loops_sigmoid_is_bit_for_bit_backprops_sigmoid() -> None:
    z = np.concatenate([np.linspace(-40.0, 40.0, 801), [-1000.0, 1000.0, 0.0, -0.0, 1e-300]])
    np.testing.assert_array_equal(trask._sigmoid(z), bp.sigmoid(z))
    np.testing.assert_array_equal(trask._sigmoid(z.reshape(-1, 2)), bp.sigmoid(z.reshape(-1, 2)))


def test_trilayer_calls_get_independent_results() -> None:
    """The run is computed once per process; changing one call's result cannot change the next."""
    first = trask.trilayer(iterations=50, report_every=10)
    first.output[0, 0] = -1.0
    first.errors.append(99.0)
    second = trask.trilayer(iterations=50, report_every=10)
    assert second.output[0, 0] != -1.0
    assert len(second.errors) == 5
