"""`backprop.examples.regularization`: the noisy spiral, overfitting and its cures, BatchNorm in a deep sigmoid net."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.deep import DeepNetwork
from backprop.examples import dnn
from backprop.examples import regularization as reg


def test_noisy_spiral_flips_a_fifth_of_the_training_labels_only() -> None:
    data = reg.noisy_spiral()
    true_train = np.repeat(np.arange(3), 50)  # spiral() lists the arms in order
    np.testing.assert_array_equal(data.y_train == true_train, ~data.flipped)
    assert abs(data.flipped.mean() - 0.2) < 0.05
    np.testing.assert_array_equal(data.y_test, np.repeat(np.arange(3), 100))
    np.testing.assert_allclose(np.linalg.norm(data.x_test[:100], axis=1), np.linspace(0.05, 1.0, 100), rtol=1e-12)
    assert not np.array_equal(data.x_train, reg.noisy_spiral(rng=1).x_train)
    assert not reg.noisy_spiral(flip=0.0).flipped.any()
    with pytest.raises(ValueError, match="read-only"):
        data.y_train[0] = 1


def test_spiral_net_starts_from_the_same_weights_with_and_without_dropout() -> None:
    plain, dropped = reg.spiral_net(rng=4), reg.spiral_net(0.3, rng=4)
    assert [type(layer).__name__ for layer in dropped.layers] == [
        "Dense", "ReLU", "Dropout", "Dense", "ReLU", "Dropout", "Dense"]
    dense = [layer for layer in dropped.layers if isinstance(layer, bp.Dense)]
    for a, b in zip(plain.params.values(), [p for layer in dense for p in layer.params.values()], strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_page_runs_overfit_without_regularisation_and_not_with_it() -> None:
    table = reg.overfit_table()  # the regularisation page's table (cached: shared with the page and its figure)
    plain = table.runs["none"][0]
    assert plain.final_train > 0.85  # above the 80% a network that knows the true spiral scores
    assert plain.test_accuracy.max() > plain.final_test + 0.15  # the test accuracy fell after its peak
    for name in ("weight decay", "dropout"):
        assert table.mean(name) > table.mean("none") + 0.08
        assert np.mean([r.final_train for r in table.runs[name]]) < 0.81
    assert table.runs["weight decay"][0].optimizer == "AdamW(lr=0.03, weight_decay=1.0)"
    assert plain.optimizer == "Adam(lr=0.03)"
    assert [r.seed for r in table.runs["dropout"]] == [0, 1, 2, 3, 4]
    lines = table.to_text().splitlines()
    assert lines[1].split()[0] == "none"
    train = np.mean([r.final_train for r in table.runs["none"]])
    assert lines[1].split()[-2:] == [f"{table.mean('none'):.1%}", f"({train:.1%})"]


def test_every_setting_starts_from_the_same_data_and_weights_and_is_measured_in_eval_mode() -> None:
    runs = [reg.train_overfit(name, 2, steps=4, every=2) for name in reg.REGULARISERS]
    for run in runs:
        np.testing.assert_array_equal(run.data.x_train, runs[0].data.x_train)
        assert run.steps.tolist() == [0, 2, 4]
        assert run.regions.shape == (100, 100)
        assert set(np.unique(run.regions)) <= {0, 1, 2}
    # Step 0 is before any update: dropout in eval mode is the identity, so all three agree.
    assert len({(r.train_loss[0], r.test_accuracy[0]) for r in runs}) == 1
    assert len({r.train_loss[-1] for r in runs}) == 3


def test_train_overfit_is_cached_and_rejects_bad_settings() -> None:
    assert reg.train_overfit("none", 0, steps=3) is reg.train_overfit("none", steps=3)
    with pytest.raises(ValueError, match="regulariser must be one of"):
        reg.train_overfit("l1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dropout must be in"):
        reg.train_overfit("dropout", dropout=1.0)
    with pytest.raises(ValueError, match="flip must be in"):
        reg.noisy_spiral(flip=1.0)


def test_deep_sigmoid_net_starts_where_the_deep_page_starts() -> None:
    ours = reg.deep_sigmoid_net(False)
    theirs = DeepNetwork([2] + [32] * 8 + [3], hidden="sigmoid", rng=0)
    assert len(ours.params) == len(theirs.params)
    for a, b in zip(ours.params.values(), theirs.params.values(), strict=True):
        np.testing.assert_array_equal(a, b)
    with_bn = reg.deep_sigmoid_net(True)
    assert sum(isinstance(layer, bp.BatchNorm) for layer in with_bn.layers) == 8
    dense = [p for layer in with_bn.layers if isinstance(layer, bp.Dense) for p in layer.params.values()]
    for a, b in zip(dense, theirs.params.values(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_plain_run_is_the_deep_pages_training() -> None:
    ours = reg.train_deep_sigmoid(False, epochs=2)
    theirs = DeepNetwork([2] + [32] * 8 + [3], hidden="sigmoid", rng=0)
    x, y = dnn.spiral(150, 3, rng=0)
    losses = theirs.fit(x, y, epochs=2, batch_size=32, optimizer=bp.SGD(lr=0.1), rng=0)
    np.testing.assert_allclose(ours.losses, losses, rtol=1e-12)
    assert ours.accuracy == theirs.accuracy(x, y)
    assert ours.grad_norms == tuple(dnn.layer_gradient_norms("sigmoid"))


def test_batchnorm_makes_the_deep_sigmoid_network_trainable() -> None:
    plain, normalised = reg.train_deep_sigmoid(False), reg.train_deep_sigmoid(True)  # the page's runs
    assert plain.grad_norms[0] < 1e-5 * plain.grad_norms[-1]
    assert min(normalised.grad_norms) > 0.1
    assert plain.accuracy < 0.4
    assert normalised.accuracy > 0.5
    assert normalised.losses[-1] < 0.5 < plain.losses[-1]


def _page_claims(run: reg.DeepSigmoidRun) -> list[bool]:
    """What the regularization page prints about the trained normalised network, as booleans."""
    xs, ys = dnn.spiral(150, 3, rng=0)
    net = run.model()
    before = net.forward(xs).argmax(axis=1)
    same = all(np.array_equal(net.forward(xs[ys == k]).argmax(axis=1), before[ys == k]) for k in range(3))
    net.train()
    arms = [reg.accuracy(net, xs[ys == k], ys[ys == k]) for k in range(3)]
    net.eval()
    changed = bool((net.forward(xs).argmax(axis=1) != before).any())
    return [f"{run.losses[0]:.2f}" == "1.00", run.losses[-1] < 0.5, run.accuracy > 0.5, same, max(arms) < 0.55, changed]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_page_claims_about_the_trained_network_survive_rounding_noise(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The training is chaotic: a change in the 16th digit of the initial weights (what another
    # CPU's rounding does) ends in another network. The page prints only what survives that.
    page = reg.train_deep_sigmoid(True)  # before the patch below: the cache must hold the page's own run
    noise = np.random.default_rng(seed)
    original = reg.deep_sigmoid_net

    def perturbed(batchnorm: bool, **kwargs: int) -> bp.Sequential:
        net = original(batchnorm, **kwargs)
        for p in net.params.values():
            p *= 1.0 + 2e-16 * noise.standard_normal(p.shape)
        return net

    monkeypatch.setattr(reg, "deep_sigmoid_net", perturbed)
    run = reg._train_deep_sigmoid.__wrapped__(True, 20, 0.1, 32, 0)
    assert run.losses != page.losses  # the perturbation did change the run
    assert _page_claims(run) == [True] * 6
    assert _page_claims(page) == [True] * 6


def test_model_gives_a_copy_in_eval_mode() -> None:
    run = reg.train_deep_sigmoid(True, epochs=1)
    x, y = dnn.spiral(150, 3, rng=0)
    net = run.model()
    assert all(not layer.training for layer in net.layers if isinstance(layer, bp.BatchNorm))
    assert reg.accuracy(net, x, y) == run.accuracy
    net.train()
    net.forward(x[:30])  # moves net's running statistics, not the run's
    net.params["0.W"][...] = 0.0
    assert reg.accuracy(run.model(), x, y) == run.accuracy
