"""The digits CNN: the shipped data, its fixed split, training to 98%, the input gradient."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.examples import digits as cnn


@pytest.fixture(scope="module")
def trained() -> cnn.DigitsResult:
    return cnn.train_digits(rng=0, epochs=5)  # the CNN page's run: 98% within 5 epochs


def test_digits_split_is_fixed_and_disjoint() -> None:
    a, b = cnn.load_digits_split(), cnn.load_digits_split()
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.x_train.shape == (1437, 1, 8, 8)
    assert a.x_test.shape == (cnn.DIGITS_TEST_SIZE, 1, 8, 8)
    assert a.x_train.dtype == np.float64
    assert a.x_train.min() >= 0.0
    assert a.x_train.max() <= 1.0
    train_rows = {row.tobytes() for row in a.x_train}
    overlap = sum(row.tobytes() in train_rows for row in a.x_test)
    assert overlap <= 5  # the data set itself holds a few duplicate images; the split adds none
    assert set(a.y_test.tolist()) == set(range(10))


def test_digits_cnn_reaches_98_percent(trained: cnn.DigitsResult) -> None:
    assert trained.test_accuracy >= 0.98
    assert trained.test_accuracy == cnn.accuracy(trained.model, trained.data.x_test, trained.data.y_test)
    assert len(trained.losses) == len(trained.test_accuracies) == 5
    assert trained.losses[-1] < trained.losses[0] / 10


def test_digits_training_is_reproducible_and_seeded() -> None:
    a = cnn.train_digits(epochs=1, rng=3)
    b = cnn.train_digits(epochs=1, rng=np.random.default_rng(3))  # a seed or a Generator
    c = cnn.train_digits(epochs=1, rng=4)
    assert a.losses == b.losses
    assert a.losses != c.losses


def test_input_gradient_is_the_models_dx(trained: cnn.DigitsResult) -> None:
    x, labels = trained.data.x_test[:3], trained.data.y_test[:3]
    g = cnn.input_gradient(trained.model, x, labels)
    assert g.shape == x.shape
    i = (0, 0, 4, 4)
    eps = 1e-5
    xp, xm = x.copy(), x.copy()
    xp[i] += eps
    xm[i] -= eps
    lp = bp.softmax_cross_entropy(trained.model.forward(xp), labels)[0]
    lm = bp.softmax_cross_entropy(trained.model.forward(xm), labels)[0]
    assert g[i] == pytest.approx((lp - lm) / (2 * eps), rel=1e-5, abs=1e-9)


def test_shipped_digits_are_the_uci_test_set() -> None:
    """1,797 images of pixel counts 0..16, with the class sizes the UCI test set publishes."""
    images, labels = cnn._digits_arrays()
    assert images.shape == (1797, 1, 8, 8)
    counts = images * 16.0  # back to the pixel counts, exactly (16 is a power of two)
    np.testing.assert_array_equal(counts, np.round(counts))
    assert counts.min() == 0.0
    assert counts.max() == 16.0
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert not images.flags.writeable


def test_train_digits_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="epochs"):
        cnn.train_digits(epochs=0)
    with pytest.raises(ValueError, match="decay"):
        cnn.train_digits(decay=1.5)
    with pytest.raises(ValueError, match="lr"):
        cnn.train_digits(lr=-1.0)


def test_evaluate_digits_scores_a_model(trained: cnn.DigitsResult) -> None:
    scored = cnn.evaluate_digits(trained.model)
    assert scored.test_accuracy == trained.test_accuracy
    assert scored.losses == []


def test_kernel_gradients_are_the_first_layers() -> None:
    data = cnn.load_digits_split()
    net = cnn.build_cnn(0)
    dK = cnn.kernel_gradients(net, data.x_train[:8], data.y_train[:8])
    assert dK.shape == (32, 3, 3)
    np.testing.assert_array_equal(dK, net.grads["0.W"][:, 0])
    with pytest.raises(TypeError, match="Conv2D"):
        cnn.kernel_gradients(bp.Sequential(bp.Flatten()), data.x_train[:8], data.y_train[:8])
