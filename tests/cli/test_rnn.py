"""``python -m backprop rnn``: the printed prediction, the BPTT table, the sonnet, --plot, fail-fast checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.examples.rnn import first_pass
from tests.support import require


def test_cli_prints_the_final_prediction(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn"]) == 0
    assert capsys.readouterr().out == "RNN → Final Prediction: 0.92\n"


def test_cli_trace_prints_every_step_and_gradient(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(first_pass().to_text() + "\n\n")
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
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert out[0] in svg
    assert out[1].split(" → ")[1].split()[0] in svg  # the sonnet's final cross-entropy


def test_cli_plot_draws_the_run_that_was_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require("matplotlib")
    svgs, printed = [], []
    for epochs in ("20", "200"):
        target = tmp_path / f"rnn{epochs}.svg"
        assert main(["rnn", "--epochs", epochs, "--plot", str(target)]) == 0
        printed.append(capsys.readouterr().out.strip())
        svgs.append(target.read_text(encoding="utf-8"))
    assert printed[0] != printed[1]
    assert svgs[0] != svgs[1]
    for line, svg in zip(printed, svgs, strict=True):
        assert line in svg


def test_cli_bad_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rnn", "--epochs", "0"]) == 2
    assert "epochs must be a positive integer, got 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "3"], "--seed does nothing without --text"),
        (["--plot", "{tmp}/no/such/folder/f.svg"], "the folder"),
        (["--plot", "{tmp}/f.pdf"], "must end in .svg or .png"),
    ],
)
def test_cli_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["rnn", *(a.format(tmp=tmp_path) for a in argv)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was trained or printed
    assert captured.err.count("\n") == 1
    assert message in captured.err


def test_cli_plot_without_matplotlib_is_one_line_with_the_install_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["rnn", "--plot", str(tmp_path / "f.svg")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "pip install 'backprop-from-scratch[docs]'" in captured.err
