"""A learning rate far too large: every training command stops with one line and exit status 2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop.cli import main
from backprop.deep import DeepNetwork
from backprop.examples.dnn import train_spiral
from backprop.examples.xor import XOR_X, XOR_Y, TwoLayerNet
from backprop.optim import DivergenceError

ROOT = Path(__file__).resolve().parents[2]

ABSURD = {
    "ann": (["ann"], r"loss 0\.2426; step 1 would make parameter '0\.W' 2\.4e\+298"),
    "xor": (["xor"], r"loss 0\.9258; step 1 would make parameter '0\.W' -4\.8e\+298"),
    "dnn": (["dnn", "--epochs", "2"], r"loss 1\.217; step 1 would make parameter '0\.W' 1\.0e\+300"),
    "cnn": (["cnn", "--train", "--epochs", "1"], r"loss 2\.945; step 1 would make parameter '0\.W' -1\.0e\+300"),
    "rnn": (["rnn"], r"loss 0\.3232; step 1 would make parameter '0\.W_x' -8\.1e\+298"),
}
"""Each command that takes ``--lr``, and what its one-line error says about lr = 1e300."""


@pytest.mark.parametrize("command", sorted(ABSURD))
def test_absurd_lr_gives_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], command: str) -> None:
    argv, detail = ABSURD[command]
    assert main([*argv, "--lr", "1e300"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"backprop {command}: error: training diverged at epoch 1 ("), lines[0]
    assert lines[0].endswith("); try a smaller --lr")
    assert re.search(detail, lines[0]), lines[0]


def test_dnn_absurd_lr_from_the_shell_prints_one_line_and_no_warning() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-m", "backprop", "dnn", "--epochs", "2", "--lr", "1e300"],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == (
        "backprop dnn: error: training diverged at epoch 1 (loss 1.217; step 1 would make parameter '0.W' 1.0e+300); "
        "try a smaller --lr\n"
    )


def test_activations_that_outgrow_the_range_stop_fit_with_the_epoch_and_loss() -> None:
    net = DeepNetwork([2, 8, 8, 2], hidden="relu", output="softmax", rng=0)
    x, y = np.random.default_rng(1).normal(size=(32, 2)), np.arange(32) % 2
    message = r"^layer 4 \(Dense\) output has entries as large as 7\.77e\+107: "
    with pytest.raises(DivergenceError, match=message) as info:
        net.fit(x, y, epochs=50, batch_size=8, optimizer=bp.SGD(1e20), rng=0)  # type: ignore[arg-type]
    assert info.value.epoch == 2
    assert info.value.loss is not None
    assert info.value.loss > 1e50


def test_the_callers_own_input_is_named_as_such() -> None:
    net = bp.Sequential(bp.Dense(2, 2, rng=0), bp.Tanh())
    with pytest.raises(ValueError, match=r"^x has entries as large as 1e\+200") as info:
        net.forward(np.full((1, 2), 1e200))
    assert not isinstance(info.value, DivergenceError)


def test_train_spiral_records_the_epoch_and_the_refused_batch_loss() -> None:
    with pytest.raises(DivergenceError) as info:
        train_spiral(sizes=(4,), epochs=3, lr=1e300)
    exc = info.value
    assert (exc.epoch, exc.step, exc.parameter) == (1, 1, "0.W")
    assert exc.loss is not None
    assert np.isfinite(exc.loss)


def test_a_diverging_fit_leaves_the_network_at_its_last_finite_parameters() -> None:
    net = DeepNetwork([2, 3, 2], hidden="tanh", output="softmax", rng=0)
    x = np.random.default_rng(1).normal(size=(8, 2))
    y: Any = np.arange(8) % 2  # integer class labels: fit accepts them, though typed Array
    opt = bp.Adam(lr=0.01)
    net.fit(x, y, epochs=2, batch_size=8, optimizer=opt, rng=0)
    before = {k: v.copy() for k, v in net.params.items()}
    opt.lr = 1e300
    with pytest.raises(DivergenceError, match=r"^step 3 would make parameter '\d\.[Wb]' .* with lr=1e\+300"):
        net.fit(x, y, epochs=1, batch_size=8, optimizer=opt, rng=0)
    assert opt.t == 2
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_xor_net_that_diverges_keeps_its_last_finite_weights() -> None:
    net = TwoLayerNet(2, 4, 1, rng=0)
    net.train(XOR_X, XOR_Y, epochs=5, lr=1.0)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(DivergenceError, match=r"^step 6 would make parameter") as info:
        net.train(XOR_X, XOR_Y, epochs=5, lr=1e300)
    assert info.value.epoch == 1
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)
