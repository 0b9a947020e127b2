"""`backprop.examples.dnn`: the spiral, the deep network that learns it, vanishing gradients.

Expected numbers come from the published seed documents (see SEEDS-FACTS) or from an
independent computation written out in the test itself.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import backprop as bp
from backprop.deep import DeepNetwork
from backprop.examples import dnn


def test_spiral_shapes_labels_and_radii() -> None:
    x, y = dnn.spiral(100, 3, rng=0)
    assert x.shape == (300, 2)
    assert y.shape == (300,)
    assert np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == [100, 100, 100]
    for k in range(3):  # each arm's radii run evenly from 0.05 to 1
        np.testing.assert_allclose(np.linalg.norm(x[y == k], axis=1), np.linspace(0.05, 1.0, 100), rtol=1e-12)
    x2, y2 = dnn.spiral(40, 2, rng=0)
    assert x2.shape == (80, 2)
    assert np.bincount(y2).tolist() == [40, 40]
    x_again, _ = dnn.spiral(100, 3, rng=0)
    np.testing.assert_array_equal(x, x_again)
    assert not np.array_equal(x, dnn.spiral(100, 3, rng=1)[0])


def test_spiral_is_not_linearly_separable() -> None:
    x, y = dnn.spiral(150, 3, rng=0)
    linear = DeepNetwork([2, 3], output="softmax", rng=0)
    linear.fit(x, y, epochs=100, rng=0)
    assert linear.accuracy(x, y) < 0.7


def test_train_spiral_reaches_95_percent_test_accuracy() -> None:
    result = dnn.train_spiral(epochs=150)  # the deep page's run (the command's 300 epochs: tests/cli/test_dnn.py)
    net, losses, train_acc, test_acc = result.net, result.losses, result.train_accuracy, result.test_accuracy
    assert net.sizes == [2, 64, 64, 3]
    assert len(losses) == 150
    assert losses[-1] < 0.05 * losses[0]
    assert train_acc >= 0.95
    assert test_acc >= 0.95


def test_train_spiral_binary_output() -> None:
    result = dnn.train_spiral(output="sigmoid", epochs=100)
    net, train_acc, test_acc = result.net, result.train_accuracy, result.test_accuracy
    assert net.sizes[-1] == 1
    assert train_acc >= 0.95
    assert test_acc >= 0.95


def test_sigmoid_gradients_vanish_toward_the_input_relu_ones_do_not() -> None:
    sig = dnn.layer_gradient_norms("sigmoid")
    relu = dnn.layer_gradient_norms("relu")
    assert len(sig) == len(relu) == 9  # depth 8: 9 dense layers
    assert all(a < b for a, b in itertools.pairwise(sig))  # shrinks at every layer going down
    assert sig[0] / sig[-1] < 1e-3
    assert relu[0] / relu[-1] > 0.1
    assert sig[0] < 1e-3 * relu[0]
    assert all(b / a < 0.5 for a, b in zip(sig[::-1], sig[-2::-1], strict=False))  # more than halved at every layer


@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
def test_deep_network_used_by_the_example_passes_the_gradient_check(hidden: str) -> None:
    x, y = dnn.spiral(5, 3, rng=2)
    net = DeepNetwork([2, 6, 6, 3], hidden=hidden, output="softmax", rng=0)  # type: ignore[arg-type]
    assert bp.check_model(net, bp.softmax_cross_entropy, x, y) < 1e-7


def test_dnn_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_per_class must be a positive integer"):
        dnn.spiral(0)
    with pytest.raises(ValueError, match="noise"):
        dnn.spiral(10, noise=-0.1)
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        dnn.layer_gradient_norms("relu", depth=0)


def test_train_spiral_records_its_data_and_split() -> None:
    result = dnn.train_spiral(sizes=(8,), epochs=2, rng=4)
    x, y = dnn.spiral(150, 3, rng=4)
    np.testing.assert_array_equal(result.x, x)
    np.testing.assert_array_equal(result.y, y)
    np.testing.assert_array_equal(result.train, np.random.default_rng(5).permutation(450)[:360])
    assert result.train_accuracy == result.net.accuracy(x[result.train], y[result.train])
    test = np.setdiff1d(np.arange(450), result.train)
    assert result.test_accuracy == result.net.accuracy(x[test], y[test])
    again = dnn.train_spiral(sizes=(8,), epochs=2, rng=np.random.default_rng(4))
    assert len(again.losses) == 2  # one Generator for everything also works


def test_compare_gradient_norms_is_layer_gradient_norms_per_activation() -> None:
    result = dnn.compare_gradient_norms(("relu", "sigmoid"), depth=3, width=8, rng=1)
    assert (result.depth, result.width) == (3, 8)
    assert list(result.norms) == ["relu", "sigmoid"]
    for name, norms in result.norms.items():
        assert norms == dnn.layer_gradient_norms(name, depth=3, width=8, rng=1)  # type: ignore[arg-type]
