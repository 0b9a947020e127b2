"""The RNN worked example: the 0.92 sequence, its BPTT pass, and the simplified-BPTT pitfall."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.examples.rnn import RNN_X, RNN_Y, BPTTPass, build_rnn, first_pass, simplified_bptt_pitfall, train_rnn


def test_final_prediction_is_092_and_not_at_a_rounding_boundary() -> None:
    result = train_rnn()
    assert round(result.prediction, 2) == 0.92
    assert 0.918 < result.prediction < 0.922
    assert len(result.losses) == 200
    assert result.losses[-1] < 0.05 * result.losses[0]
    assert all(b < a for a, b in zip(result.losses, result.losses[1:], strict=False))  # descent, every epoch


def test_worked_example_gradients_pass_the_check() -> None:
    assert bp.check_model(build_rnn(), bp.mse, RNN_X, RNN_Y) < 1e-7


def test_trace_numbers_are_the_model_gradients() -> None:
    net = build_rnn()
    text = first_pass(net).to_text()
    rnn = net.layers[0]
    assert isinstance(rnn, bp.RNN)
    w_h_row0 = ", ".join(f"{v:.4f}" for v in rnn.grads["W_h"][0])
    assert f"∂L/∂W_h  [{w_h_row0}]" in text
    # δ_t = ∂L/∂h_t ⊙ (1 − h_t²) at every step, and ∂L/∂h_3 comes from the readout only.
    np.testing.assert_allclose(rnn.deltas, rnn.hidden_grads * (1 - rnn.states**2), rtol=1e-13)
    np.testing.assert_allclose(
        rnn.hidden_grads[:, -1],
        net.layers[1].backward(net.layers[2].backward(bp.mse(net.forward(RNN_X), RNN_Y)[1])),
        rtol=1e-13,
    )


def test_first_pass_rejects_a_different_network() -> None:
    with pytest.raises(TypeError, match="RNN → Dense → Sigmoid"):
        first_pass(bp.Sequential(bp.Dense(2, 1, rng=0)))


def test_truncated_training_differs_but_full_equals_k3() -> None:
    full = train_rnn(epochs=20).prediction
    assert train_rnn(epochs=20, bptt_steps=3).prediction == full  # k >= T = 3 is full BPTT
    assert train_rnn(epochs=20, bptt_steps=1).prediction != full


# ----------------------------------------------------------------------------- the pitfall


def test_simplified_bptt_fails_the_gradient_check_while_full_bptt_passes() -> None:
    net = build_rnn()
    rnn = net.layers[0]
    assert isinstance(rnn, bp.RNN)

    def loss(_: object) -> float:
        return bp.mse(net.forward(RNN_X), RNN_Y)[0]

    numeric = {k: bp.numerical_gradient(loss, p) for k, p in rnn.params.items()}
    _, dpred = bp.mse(net.forward(RNN_X), RNN_Y)
    net.backward(dpred)
    ours = {k: v.copy() for k, v in rnn.grads.items()}
    dh_last = net.layers[1].backward(net.layers[2].backward(dpred))
    wrong = simplified_bptt_pitfall(rnn, RNN_X, dh_last)

    assert max(bp.relative_error(ours[k], numeric[k]) for k in ours) < 1e-7
    assert bp.relative_error(wrong["W_h"], numeric["W_h"]) > 1e-2
    assert bp.relative_error(wrong["W_x"], numeric["W_x"]) > 1e-2

    # Its W_x and b are those of truncated BPTT with one step; its W_h is not (h_T ≠ h_{T-1}).
    one_step = bp.RNN.from_arrays(rnn.params["W_x"], rnn.params["W_h"], rnn.params["b"], bptt_steps=1)
    one_step.forward(RNN_X)
    one_step.backward(dh_last)
    np.testing.assert_allclose(wrong["W_x"], one_step.grads["W_x"], rtol=1e-13)
    np.testing.assert_allclose(wrong["b"], one_step.grads["b"], rtol=1e-13)
    assert bp.relative_error(wrong["W_h"], one_step.grads["W_h"]) > 1e-1


def test_pitfall_rejects_bad_input() -> None:
    rnn = bp.RNN(2, 4, rng=0)
    with pytest.raises(RuntimeError, match="before forward"):
        simplified_bptt_pitfall(rnn, RNN_X, np.zeros((1, 4)))
    rnn.forward(RNN_X)
    with pytest.raises(ValueError, match=r"dh_last must have shape \(1, 4\)"):
        simplified_bptt_pitfall(rnn, RNN_X, np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"x must have shape"):
        simplified_bptt_pitfall(rnn, RNN_X[:, :2], np.zeros((1, 4)))
    with pytest.raises(ValueError, match="return_sequences=False"):
        simplified_bptt_pitfall(bp.RNN(2, 4, return_sequences=True, rng=0), RNN_X, np.zeros((1, 4)))
    with pytest.raises(TypeError, match="must be an RNN"):
        simplified_bptt_pitfall(bp.Dense(2, 4, rng=0), RNN_X, np.zeros((1, 4)))  # type: ignore[arg-type]


def test_first_pass_is_an_object_holding_the_gradients() -> None:
    net = build_rnn()
    p = first_pass(net)
    assert isinstance(p, BPTTPass)
    rnn = net.layers[0]
    assert isinstance(rnn, bp.RNN)
    np.testing.assert_array_equal(p.grads["W_h"], rnn.grads["W_h"])
    np.testing.assert_array_equal(p.deltas, rnn.deltas[0])
    assert p.states.shape == p.hidden_grads.shape == (3, 4)
    assert list(p.grads) == ["W_x", "W_h", "b", "W_o", "c"]
    lines = p.to_text().splitlines()
    assert lines[0] == "prediction ŷ = 0.4315, loss L = (ŷ − y)² = 0.3232, ∂L/∂ŷ = -1.1371"
    assert [ln.split()[0] for ln in lines[2:5]] == ["1", "2", "3"]
