"""``python -m backprop dnn``: losses and accuracies printed, options reaching the model, --plot drawing that run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.examples import dnn
from tests.support import require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


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
    result = dnn.train_spiral(sizes=(16, 8), output="sigmoid", epochs=20, rng=2)
    assert out.splitlines()[0].startswith(f"{result.net} on a spiral (2 classes), 20 epochs")
    assert _accuracies(out) == (f"{result.train_accuracy:.1%}", f"{result.test_accuracy:.1%}")
    assert f"epoch   20  loss {result.losses[-1]:.4f}" in out


def test_plot_draws_the_run_that_was_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    svgs: list[bytes] = []
    settings = (
        ["--epochs", "5", "--sizes", "8"],
        ["--epochs", "8", "--sizes", "8", "--seed", "1", "--output", "sigmoid"],
    )
    for argv in settings:
        target = tmp_path / f"{len(svgs)}.svg"
        assert main(["dnn", *argv, "--plot", str(target)]) == 0
        out = capsys.readouterr().out
        train, test = _accuracies(out)
        epoch, loss = re.findall(r"^epoch +(\d+) +loss (\S+)$", out, re.MULTILINE)[-1]
        texts = _svg_texts(target.read_bytes())
        assert f"epoch {epoch}: loss {loss}, train accuracy {train}, test accuracy {test}" in texts
        svgs.append(target.read_bytes())
    assert svgs[0] != svgs[1]


def test_plot_writes_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "out.png"
    assert main(["dnn", "--epochs", "5", "--plot", str(target)]) == 0
    assert capsys.readouterr().err == ""
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
