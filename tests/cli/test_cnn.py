"""``python -m backprop cnn``: the printed worked example, training, saving, loading, --plot, fail-fast checks."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.cli.cnn import progress_bar
from backprop.examples.edge import edge_report, edge_step, edge_trace
from tests.support import require


def test_cli_prints_the_published_line_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "CNN → Convolution Output: 3.66"
    assert lines[1:] == edge_report(edge_step())[1:]
    assert "output 3.66 → 3.95" in lines[1]
    assert "output 3.66 → 3.51" in lines[2]


def test_cli_trace_shows_the_chain_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "CNN → Convolution Output: 3.66"
    assert "∂L/∂out = 2(out − y) = -0.6800" in out
    assert "∂L/∂K = ∂L/∂out · patch = [[-0.6120, -0.3400, 0.0000]" in out
    assert edge_trace().to_text() in out


def test_cli_plot_writes_the_edge_figure_titled_with_the_printed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("matplotlib")
    target = tmp_path / "edge.svg"
    assert main(["cnn", "--plot", str(target)]) == 0
    svg = target.read_text(encoding="utf-8")
    assert svg.startswith("<?xml")
    assert capsys.readouterr().out.splitlines()[0] in svg  # the title holds the printed output


def test_progress_bar_format() -> None:
    assert progress_bar(3, 10, 0.12345, width=10) == "epoch  3/10 [###.......] loss 0.1235"
    assert progress_bar(10, 10, 0.0, width=4) == "epoch 10/10 [####] loss 0.0000"


def test_cli_train_save_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cnn.npz"
    assert main(["cnn", "--train", "--epochs", "2", "--save", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        line for line in captured.err.splitlines() if line.startswith("epoch ") and " loss " in line
    ]
    assert captured.err.splitlines()[-1].startswith("epoch 2/2 [####################] loss ")
    first = captured.out.splitlines()[0]
    assert first.startswith("digits CNN: test accuracy ")
    assert "after 2 epochs" in first
    assert captured.out.splitlines()[1] == f"saved parameters to {path}"
    accuracy = first.split("test accuracy ")[1].split()[0]
    assert main(["cnn", "--load", str(path)]) == 0
    assert f"test accuracy {accuracy} " in capsys.readouterr().out
    copy = tmp_path / "copy.npz"
    assert main(["cnn", "--load", str(path), "--save", str(copy)]) == 0  # --save with --load writes a copy
    assert capsys.readouterr().out.splitlines()[1] == f"saved parameters to {copy}"


def test_cli_plot_draws_the_run_that_was_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require("matplotlib")
    svgs, printed = [], []
    for epochs in ("1", "2"):
        target = tmp_path / f"digits{epochs}.svg"
        assert main(["cnn", "--train", "--epochs", epochs, "--plot", str(target)]) == 0
        printed.append(capsys.readouterr().out.splitlines()[0])
        svgs.append(target.read_text(encoding="utf-8"))
    assert svgs[0] != svgs[1]
    for line, svg in zip(printed, svgs, strict=True):
        assert line.startswith("digits CNN: test accuracy ")
        assert line in svg


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"this is not a zip archive", "not a readable .npz parameter file"),
        (b"PK\x03\x04 truncated", "not a readable .npz parameter file"),
    ],
)
def test_cli_load_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "params.npz"
    if content is not None:
        path.write_bytes(content)
    assert main(["cnn", "--load", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("backprop cnn: error: ")
    assert message in err


def test_cli_load_and_train_together_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn", "--train", "--load", "x.npz"]) == 2
    assert "use it without --train" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--train", "--save", "{tmp}/no/such/folder/d.npz"], "--save {tmp}/no/such/folder/d.npz: the folder"),
        (["--train", "--save", "{tmp}/d.npy"], "must end in .npz"),
        (["--train", "--plot", "{tmp}/no/such/folder/f.svg"], "--plot {tmp}/no/such/folder/f.svg: the folder"),
        (["--train", "--plot", "{tmp}/f.pdf"], "must end in .svg or .png"),
        (["--train", "--trace"], "--trace does nothing with --train"),
        (["--epochs", "3"], "--epochs does nothing without --train"),
        (["--lr", "0.1"], "--lr does nothing without --train"),
        (["--seed", "3"], "--seed does nothing without --train"),
        (["--load", "{tmp}/p.npz", "--epochs", "3"], "--epochs does nothing with --load"),
        (["--load", "{tmp}/p.npz", "--seed", "3"], "--seed does nothing with --load"),
        (["--load", "{tmp}/p.npz", "--trace"], "--trace does nothing with --load"),
    ],
)
def test_cli_fails_before_any_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "p.npz").write_bytes(b"")
    start = time.perf_counter()
    assert main(["cnn", *(a.format(tmp=tmp_path) for a in argv)]) == 2
    assert time.perf_counter() - start < 1.0  # a training takes seconds; a check, milliseconds
    captured = capsys.readouterr()
    assert captured.out == ""
    assert not any(line.startswith("epoch ") for line in captured.err.splitlines())  # no training progress
    assert captured.err.count("\n") == 1
    assert message.format(tmp=tmp_path) in captured.err


def test_cli_plot_without_matplotlib_is_one_line_with_the_install_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # find_spec now reports it missing
    assert main(["cnn", "--train", "--plot", str(tmp_path / "f.svg")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "--plot needs matplotlib, which is not installed: pip install 'backprop-from-scratch[docs]'" in captured.err
