"""The sonnet: the next-character model's gradients, training, clipping and completion."""

from __future__ import annotations

import numpy as np
import pytest

import backprop as bp
from backprop.examples.text import NextCharModel, TextResult, complete, load_text, one_hot, train_text


@pytest.fixture(scope="module")
def sonnet() -> TextResult:
    return train_text()


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


def test_complete_extends_the_prompt(sonnet: TextResult) -> None:
    result = sonnet
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


def test_next_char_model_is_a_wrapped_sequential() -> None:
    model = NextCharModel(6, 5, rng=1)
    assert isinstance(model.model, bp.Sequential)
    assert model.params["0.W_x"] is model.rnn.params["W_x"]
    assert model.params["2.W"] is model.out.params["W"]
    with pytest.raises(RuntimeError, match="before forward"):
        NextCharModel(6, 5, rng=1).backward(np.zeros((2, 6)))


def test_train_text_takes_a_seed_or_a_generator() -> None:
    a = train_text(steps=3, rng=5)
    b = train_text(steps=3, rng=np.random.default_rng(5))
    assert a.losses == b.losses
    assert a.losses != train_text(steps=3, rng=6).losses
