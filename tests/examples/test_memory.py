"""`backprop.examples.memory`: the first-symbol task, the gate biases, block-diagonal runs, the table and the probe."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.examples import memory


def test_first_symbol_task_is_one_hot_with_the_answer_first() -> None:
    x, y = memory.first_symbol_task(50, 7, rng=3)
    assert x.shape == (50, 8, 8)
    assert y.shape == (50,)
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)  # one symbol per step
    np.testing.assert_array_equal(x[:, 0].argmax(axis=1), y)  # the answer is the first symbol
    assert set(np.unique(y)) == {0, 1, 2, 3}
    noise = x[:, 1:].argmax(axis=2)
    assert noise.min() >= 4  # the noise uses the other four symbols only
    assert set(np.unique(noise)) == {4, 5, 6, 7}
    again, y_again = memory.first_symbol_task(50, 7, rng=3)
    np.testing.assert_array_equal(x, again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(y, memory.first_symbol_task(50, 7, rng=4)[1])


def test_make_recurrent_changes_only_the_gate_biases() -> None:
    H = 3
    lstm, plain_lstm = memory.make_recurrent("lstm", 8, H, gate_bias=2.0, rng=1), bp.LSTM(8, H, rng=1)
    np.testing.assert_array_equal(lstm.params["b"], [-2.0] * H + [2.0] * H + [0.0] * 2 * H)  # i, f, g, o
    gru, plain_gru = memory.make_recurrent("gru", 8, H, gate_bias=2.0, rng=1), bp.GRU(8, H, rng=1)
    np.testing.assert_array_equal(gru.params["b_x"], [0.0] * H + [2.0] * H + [0.0] * H)  # r, z, n
    np.testing.assert_array_equal(gru.params["b_h"], 0.0)
    rnn = memory.make_recurrent("rnn", 8, H, gate_bias=2.0, rng=1)
    np.testing.assert_array_equal(rnn.params["b"], 0.0)
    for ours, plain in ((lstm, plain_lstm), (gru, plain_gru), (rnn, bp.RNN(8, H, rng=1))):
        for name in ("W_x", "W_h"):
            np.testing.assert_array_equal(ours.params[name], plain.params[name])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "dense"])
def test_block_diagonal_computes_each_layer_side_by_side(kind: str) -> None:
    rng = np.random.default_rng(0)
    if kind == "dense":
        layers: list[bp.Dense | bp.RNN | bp.LSTM | bp.GRU] = [bp.Dense(3, 2, rng=s) for s in range(3)]
        xs = [rng.normal(size=(4, 3)) for _ in layers]
        douts = [rng.normal(size=(4, 2)) for _ in layers]
    else:
        layers = [memory.make_recurrent(kind, 3, 2, gate_bias=1.0, rng=s) for s in range(3)]  # type: ignore[arg-type]
        for layer in layers:  # biases that differ between the runs
            for p in layer.params.values():
                if p.ndim == 1:
                    p += rng.normal(size=p.shape)
        xs = [rng.normal(size=(4, 5, 3)) for _ in layers]
        douts = [rng.normal(size=(4, 2)) for _ in layers]
    big, masks = memory.block_diagonal(layers)
    out = big.forward(np.concatenate(xs, axis=-1))
    dx = big.backward(np.concatenate(douts, axis=-1))
    for name, mask in masks.items():
        assert set(np.unique(mask)) <= {0.0, 1.0}
        np.testing.assert_array_equal(big.params[name][mask == 0], 0.0)
        big.grads[name] *= mask
    for j, (layer, x, dout) in enumerate(zip(layers, xs, douts, strict=True)):
        np.testing.assert_allclose(out[..., 2 * j : 2 * j + 2], layer.forward(x), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(dx[..., 3 * j : 3 * j + 3], layer.backward(dout), rtol=1e-12, atol=1e-14)
        gates = {"rnn": 1, "lstm": 4, "gru": 3, "dense": 1}[kind]
        for name, grad in layer.grads.items():  # run j's own gradient sits in its own blocks
            own = memory._place([np.full_like(grad, i == j) for i in range(3)], gates)
            placed = memory._place([grad * (i == j) for i in range(3)], gates)
            np.testing.assert_allclose(big.grads[name] * own, placed, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_runs_trained_together_follow_the_path_of_each_run_alone(kind: memory.Kind) -> None:
    alone = memory.train_memory(kind, 4, seeds=(3,), steps=8, n_test=50)
    together = memory.train_memory(kind, 4, seeds=(5, 3), steps=8, n_test=50)
    np.testing.assert_allclose(together.losses[:, 1], alone.losses[:, 0], rtol=1e-10)
    assert together.accuracies[1] == alone.accuracies[0]
    assert together.seeds == (5, 3)
    assert together.losses.shape == (8, 2)
    with pytest.raises(ValueError, match="read-only"):
        together.losses[0, 0] = 0.0


def test_the_page_table_tanh_rnn_fails_as_t_grows_lstm_and_gru_succeed() -> None:
    table = memory.memory_table()  # the gated page's table (cached: the page and its figure share it)
    assert table.kinds == ("rnn", "lstm", "gru")
    assert table.lengths == (10, 30, 60)
    rnn = [table.runs["rnn", T] for T in table.lengths]
    assert rnn[0].solved >= 3
    assert rnn[1].solved == rnn[2].solved == 0
    assert rnn[0].mean > rnn[1].mean + 0.3
    assert max(r.mean for r in rnn[1:]) < 0.625  # the page: nearer guessing (25%) than the answer
    for kind in ("lstm", "gru"):
        for T in table.lengths:
            runs = table.runs[kind, T]
            assert runs.solved == 5, (kind, T, runs.accuracies)
            assert runs.mean >= 0.99
    r = table.runs["lstm", 60]
    assert (r.n_hidden, r.lr, r.batch_size, r.losses.shape, r.gate_bias, r.n_test) == (8, 0.07, 32, (70, 5), 5.0, 200)
    lines = table.to_text().splitlines()
    assert [cell.strip() for cell in lines[0].split("    ")[-3:]] == ["T = 10", "T = 30", "T = 60"]
    assert lines[1].startswith("tanh RNN")
    assert lines[1].split()[-3:] == [f"{r.solved}/5" for r in rnn]
    assert lines[2].split()[1:] == ["5/5"] * 3
    assert "%" not in "".join(lines[1:])  # no accuracy: it depends on the machine's rounding


def test_gradient_probe_gates_keep_the_gradient_only_when_biased() -> None:
    biased, zero = memory.gradient_probe(), memory.gradient_probe(gate_bias=0.0)
    for probe in (biased, zero):
        assert probe.cell.shape == (61,)
        for norms in (*probe.hidden.values(), probe.cell):
            assert norms[-1] == 1.0  # relative to the last step
    assert biased.cell[0] > 0.5
    assert biased.hidden["gru"][0] > 0.5
    assert biased.hidden["rnn"][0] < 1e-10
    assert max(zero.hidden["rnn"][0], zero.hidden["lstm"][0], zero.hidden["gru"][0], zero.cell[0]) < 1e-10
    np.testing.assert_array_equal(biased.hidden["rnn"], zero.hidden["rnn"])  # no gate: no bias to change


def test_gradient_probe_measures_what_backward_gives() -> None:
    probe = memory.gradient_probe(6, n=5, rng=2)
    x, y = memory.first_symbol_task(5, 6, rng=2)
    gen = np.random.default_rng(2)
    gru = memory.make_recurrent("gru", 8, memory.HIDDEN, rng=gen)
    read = bp.Dense(memory.HIDDEN, 4, rng=gen)
    _, dlogits = bp.softmax_cross_entropy(read.forward(gru.forward(x)), y)
    gru.backward(read.backward(dlogits))
    norms = np.linalg.norm(gru.hidden_grads, axis=2).mean(axis=0)
    np.testing.assert_allclose(probe.hidden["gru"], norms / norms[-1], rtol=1e-12)


def test_memory_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        memory.train_memory("lstmm", 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="T must be a positive integer, got 0"):
        memory.first_symbol_task(4, 0)
    with pytest.raises(ValueError, match="seeds must be one or more"):
        memory.train_memory("gru", 5, seeds=())
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        memory.train_memory("gru", 5, lr=-0.1)
    with pytest.raises(ValueError, match="n_hidden must be a positive integer"):
        memory.make_recurrent("rnn", 8, 0)
