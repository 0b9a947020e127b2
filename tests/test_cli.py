"""The command line: ``python -m backprop <command>`` for the trask, xor, ann and dnn examples, help and errors."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from backprop.cli import COMMANDS, main
from backprop.examples import ann, dnn, xor
from tests.support import PUBLISHED_BILAYER, PUBLISHED_ERRORS, PUBLISHED_TRILAYER, require

ROOT = Path(__file__).resolve().parents[1]



# ----------------------------------------------------------------------------- ann


def test_ann_prints_the_published_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ann"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "ANN → Final Prediction: 0.98\n"
    assert captured.err == ""


def test_ann_trace_prints_the_chain_rule_before_the_prediction(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ann", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(ann.first_pass().to_text() + "\n\n")
    assert out.endswith("\nANN → Final Prediction: 0.98\n")
    final = out.index("ANN → Final Prediction")
    for needle in ("δ = ∂L/∂z", "layer 1: Dense(2, 4) → Tanh", "layer 2: Dense(4, 1) → Sigmoid", "∂L/∂W"):
        assert -1 < out.index(needle) < final


@pytest.mark.parametrize("seed", ["0", "3"])
def test_ann_with_a_seed_still_rounds_to_098(capsys: pytest.CaptureFixture[str], seed: str) -> None:
    assert main(["ann", "--seed", seed]) == 0
    assert capsys.readouterr().out == "ANN → Final Prediction: 0.98\n"


def test_module_entry_point_runs() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "backprop", "ann"],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ANN → Final Prediction: 0.98\n"
    assert proc.stderr == ""


# ----------------------------------------------------------------------------- trask


def test_trask_prints_the_published_outputs_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trask"]) == 0
    out = capsys.readouterr().out
    tri_at = out.index("Trilayer")
    for value in PUBLISHED_BILAYER:
        assert -1 < out.index(f"{value:.8f}") < tri_at
    for value in PUBLISHED_TRILAYER:
        assert out.index(f"{value:.8f}") > tri_at
    errors = [float(line.removeprefix("Error: ")) for line in out.splitlines() if line.startswith("Error: ")]
    assert errors == pytest.approx(PUBLISHED_ERRORS, rel=1e-12)


# ----------------------------------------------------------------------------- xor


def test_xor_prints_losses_predictions_and_the_plateau(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    net, log = xor.train_xor(init_scale=1.0, lr=1.0, seed=0)
    epoch_lines = [ln for ln in lines if ln.startswith("Epoch")]
    assert len(epoch_lines) == 10
    for ln, e, epoch in zip(epoch_lines, log, range(0, 1000, 100), strict=True):
        assert ln.split() == ["Epoch", str(epoch), "BCE", f"{e.loss:.4f}", "MSE", f"{e.mse:.4f}"]
    i = lines.index("Predictions:")
    preds = net.forward(xor.XOR_X)[:, 0]
    assert len(lines) == i + 6
    for ln, xi, p, target in zip(lines[i + 1 : i + 5], xor.XOR_X, preds, [0, 1, 1, 0], strict=True):
        assert ln.strip() == f"input {xi.astype(int).tolist()} -> {p:.4f}  (target {target})"
    assert np.round(preds).tolist() == [0, 1, 1, 0]
    assert lines[-1].startswith("With init ×0.01 and lr 0.1 instead: MSE 0.2500 → 0.2500")


def test_xor_tiny_init_stays_at_025_and_prints_no_contrast(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xor", "--init-scale", "0.01", "--lr", "0.1", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "Epoch   900  BCE 0.6931  MSE 0.2500" in out
    assert "With init" not in out
    assert out.count("-> 0.5000") == 4


# ----------------------------------------------------------------------------- dnn


def _accuracies(out: str) -> tuple[str, str]:
    last = out.splitlines()[-1].split()
    assert last[:2] == ["train", "accuracy"]
    assert last[3:5] == ["test", "accuracy"]
    return last[2], last[5]


def test_dnn_prints_train_and_test_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dnn"]) == 0
    out = capsys.readouterr().out
    train, test = _accuracies(out)
    assert float(test.rstrip("%")) >= 95.0
    assert float(train.rstrip("%")) >= 95.0
    assert len([ln for ln in out.splitlines() if ln.startswith("epoch")]) == 11
    assert out.splitlines()[-2].startswith("epoch  300  loss ")


def test_dnn_options_reach_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dnn", "--epochs", "20", "--sizes", "16", "8", "--output", "sigmoid", "--seed", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    net, losses, train_acc, test_acc = dnn.train_spiral(sizes=(16, 8), output="sigmoid", epochs=20, seed=2)
    assert out.splitlines()[0].startswith(f"{net} on a spiral (2 classes), 20 epochs")
    assert _accuracies(out) == (f"{train_acc:.1%}", f"{test_acc:.1%}")
    assert f"epoch   20  loss {losses[-1]:.4f}" in out


# ----------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"usage: backprop {command} ")
    assert "--seed" in captured.out
    assert "--plot" in captured.out
    assert captured.err == ""


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: backprop ")
    for command in COMMANDS:
        assert command in out


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["bogus"], ["invalid choice", "'bogus'"]),
        ([], ["COMMAND"]),
        (["ann", "--bogus"], ["unrecognized arguments", "--bogus"]),
        (["trask", "--epochs", "3"], ["unrecognized arguments", "--epochs"]),
        (["ann", "--seed", "x"], ["--seed", "invalid int value", "'x'"]),
        (["xor", "--epochs", "1.5"], ["--epochs", "invalid int value"]),
        (["dnn", "--hidden", "gelu"], ["--hidden", "invalid choice"]),
    ],
)
def test_argument_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needles: list[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.endswith("\n")
    assert captured.err.count("\n") == 1
    assert "error" in captured.err
    for needle in needles:
        assert needle in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ann", "--epochs", "-1"], "backprop ann: error: epochs must be a positive integer, got -1"),
        (["ann", "--epochs", "0"], "backprop ann: error: epochs must be a positive integer, got 0"),
        (["dnn", "--epochs", "-3"], "backprop dnn: error: epochs must be a positive integer, got -3"),
        (["xor", "--epochs", "-5"], "backprop xor: error: epochs must be a positive integer, got -5"),
        (["xor", "--lr", "-1"], "backprop xor: error: lr must be a finite number > 0, got -1.0"),
        (["ann", "--lr", "-1"], "backprop ann: error: lr must be a finite number > 0, got -1.0"),
        (["dnn", "--lr", "-1"], "backprop dnn: error: lr must be a finite number > 0, got -1.0"),
        (["xor", "--init-scale", "0"], "backprop xor: error: init_scale must be a finite number > 0, got 0.0"),
    ],
)
def test_bad_values_return_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == message + "\n"


def test_plot_with_an_unknown_suffix_fails_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "file.txt"
    assert main(["ann", "--plot", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("backprop ann: error: ")
    assert "file.txt" in err
    assert ".svg or .png" in err
    assert not target.exists()


# ----------------------------------------------------------------------------- figures


@pytest.mark.parametrize(
    "argv",
    [["ann"], ["xor"], ["dnn", "--epochs", "5"], ["trask"]],
    ids=["ann", "xor", "dnn", "trask"],
)
def test_plot_writes_an_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]) -> None:
    require("matplotlib")
    target = tmp_path / "out.svg"
    assert main([*argv, "--plot", str(target)]) == 0
    assert capsys.readouterr().err == ""
    data = target.read_bytes()
    assert data.startswith(b"<?xml")
    assert ET.fromstring(data).tag == "{http://www.w3.org/2000/svg}svg"


@pytest.mark.parametrize("argv", [["ann"], ["dnn", "--epochs", "5"]], ids=["ann", "dnn"])
def test_plot_writes_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]) -> None:
    require("matplotlib")
    target = tmp_path / "out.png"
    assert main([*argv, "--plot", str(target)]) == 0
    assert capsys.readouterr().err == ""
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data[12:16] == b"IHDR"
    assert len(data) > 1000


def test_ann_with_fewer_larger_steps_prints_the_ann_page_value(capsys: pytest.CaptureFixture[str]) -> None:
    """The ANN page's command-line section quotes this run: 200 steps at lr 0.5 end at 0.97."""
    assert main(["ann", "--epochs", "200", "--lr", "0.5"]) == 0
    assert capsys.readouterr().out == "ANN → Final Prediction: 0.97\n"
