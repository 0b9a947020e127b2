"""The RNN worked examples: the 0.92 sequence, the simplified-BPTT pitfall, the sonnet, the CLI and figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.cli import main
from backprop.examples.rnn import (
    RNN_X,
    RNN_Y,
    NextCharModel,
    build_rnn,
    complete,
    first_pass,
    hidden_grad_norms,
    load_text,
    one_hot,
    simplified_bptt_pitfall,
    train_rnn,
    train_text,
    truncation_error,
)
from tests.support import require

# ----------------------------------------------------------------------------- the 0.92 example


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
    text = first_pass(net)
    rnn = net.layers[0]
    assert isinstance(rnn, bp.RNN)
    w_h_row0 = ", ".join(f"{v:.4f}" for v in rnn.grads["W_h"][0])
    assert f"∂L/∂W_h  [{w_h_row0}]" in text
    # δ_t = ∂L/∂h_t ⊙ (1 − h_t²) at every step, and ∂L/∂h_3 comes from the readout only.
    np.testing.assert_allclose(rnn.deltas, rnn.hidden_grads * (1 - rnn.states**2), rtol=1e-13)
    np.testing.assert_allclose(rnn.hidden_grads[:, -1], net.layers[1].backward(net.layers[2].backward(
        bp.mse(net.forward(RNN_X), RNN_Y)[1])), rtol=1e-13)


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


# ----------------------------------------------------------------------------- the sonnet


def test_text_is_the_sonnet() -> None:
    lines = load_text().splitlines()
    assert len(lines) == 14
    assert lines[-1] == "So long lives this, and this gives life to thee."


def test_next_char_model_gradients_pass_the_check() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 6, size=(2, 5))
    model = NextCharModel(6, 5, rng=1)
    labels = rng.integers(0, 6, size=10)
    assert bp.check_model(model, bp.softmax_cross_entropy, one_hot(ids, 6), labels) < 1e-7  # type: ignore[arg-type]


def test_sonnet_loss_falls_substantially() -> None:
    result = train_text(steps=100)
    start, end = result.eval_losses[0], result.eval_losses[-1]
    assert start == pytest.approx(np.log(len(result.chars)), abs=0.1)  # a fresh model guesses ~uniformly
    assert end < 0.25 * start
    assert result.eval_steps == [0, 25, 50, 75, 100]
    assert len(result.losses) == len(result.grad_norms) == 100


def test_clipping_keeps_large_steps_finite_where_plain_sgd_diverges() -> None:
    clipped = train_text(optimizer="sgd", lr=2.0, clip=1.0)
    unclipped = train_text(optimizer="sgd", lr=2.0, clip=None)
    uniform = np.log(len(clipped.chars))
    assert clipped.eval_losses[-1] < 1.0
    assert unclipped.eval_losses[-1] > uniform  # worse than guessing: it diverged
    assert max(unclipped.grad_norms) > 10.0


def test_complete_extends_the_prompt() -> None:
    result = train_text(steps=300)
    text = complete(result, "Shall I", 30)
    assert len(text) == 37
    assert text == load_text()[:37]  # the sonnet is memorised
    with pytest.raises(ValueError, match="unknown"):
        complete(result, "Shall I §", 3)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be 'adam' or 'sgd'"),
        ({"seq_len": 5000}, ValueError, "seq_len must be at most 620"),
        ({"clip": 0.0}, ValueError, "clip must be"),
        ({"steps": 0}, ValueError, "steps must be a positive integer"),
    ],
)
def test_train_text_rejects_bad_arguments(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        train_text(**kwargs)  # type: ignore[arg-type]


def test_one_hot_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot(np.array([3]), 3)
    with pytest.raises(TypeError, match="integer"):
        one_hot(np.array([0.0]), 3)


# ----------------------------------------------------------------------------- gradients over time


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


# ----------------------------------------------------------------------------- CLI and figures


def test_cli_prints_the_final_prediction(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn"]) == 0
    assert capsys.readouterr().out == "RNN → Final Prediction: 0.92\n"


def test_cli_trace_prints_every_step_and_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(first_pass() + "\n\n")
    assert out.endswith("RNN → Final Prediction: 0.92\n")
    for needle in ("h_t", "∂L/∂h_t", "δ_t", "∂L/∂W_x", "∂L/∂W_h", "∂L/∂b", "∂L/∂W_o", "∂L/∂c"):
        assert needle in out
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines[2:5]] == ["1", "2", "3"]


def test_cli_text_and_plot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "rnn.svg"
    assert main(["rnn", "--text", "--plot", str(target)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "RNN → Final Prediction: 0.92"
    assert out[1].startswith("Sonnet 18, next character: cross-entropy 3.72 → ")
    assert out[2].startswith("Greedy completion: ")
    assert "Shall I" in out[2]
    assert target.read_bytes().startswith(b"<?xml")


def test_cli_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn", "--epochs", "0"]) == 2
    assert "epochs must be a positive integer, got 0" in capsys.readouterr().err


def test_figures_are_registered() -> None:
    require("matplotlib")
    from backprop.plots.site import SITE_FIGURES

    stems = set(SITE_FIGURES)
    assert {"rnn_grad_norms", "rnn_truncation", "rnn_clipping", "rnn_text_curve"} <= stems
