"""``python -m backprop xor``: losses, predictions, the plateau contrast, and --plot drawing both runs printed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from backprop.cli import main
from backprop.examples import xor
from tests.support import require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def test_xor_prints_losses_predictions_and_the_plateau(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["xor"]) == 0
    lines = capsys.readouterr().out.splitlines()
    result = xor.train_xor(init_scale=1.0, lr=1.0, rng=0)
    epoch_lines = [ln for ln in lines if ln.startswith("Epoch")]
    assert len(epoch_lines) == 10
    for ln, e, epoch in zip(epoch_lines, result.log, range(0, 1000, 100), strict=True):
        assert ln.split() == ["Epoch", str(epoch), "BCE", f"{e.loss:.4f}", "MSE", f"{e.mse:.4f}"]
    i = lines.index("Predictions:")
    preds = result.predictions
    assert len(lines) == i + 7
    assert lines[i + 5] == f"Final MSE {result.final_mse:.4f} after 1000 epochs"
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


def _printed_labels(out: str) -> list[str]:
    """What the printed lines say of each run, in the figure's words."""
    header, *lines = out.splitlines()
    scale, lr = re.search(r"init ×(\S+), lr (\S+),", header).groups()  # type: ignore[union-attr]
    epochs = [ln.split() for ln in lines if ln.startswith("Epoch")]
    final, n = re.search(r"^Final MSE (\S+) after (\d+) epochs$", out, re.M).groups()  # type: ignore[union-attr]
    labels = [f"init ×{scale}, lr {lr}: MSE {epochs[0][5]} → {final} after {n} epochs"]
    contrast = re.search(r"With init ×(\S+) and lr (\S+) instead: MSE (\S+) → (\S+) after (\d+) epochs", out)
    if contrast:
        s, r, first, last, m = contrast.groups()
        labels.append(f"init ×{s}, lr {r}: MSE {first} → {last} after {m} epochs")
    return labels


def test_plot_draws_the_runs_that_were_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    svgs: list[bytes] = []
    settings = [
        ([], 2),
        (["--epochs", "300", "--seed", "2", "--lr", "0.5"], 2),
        (["--init-scale", "0.01", "--lr", "0.1"], 1),
    ]
    for argv, runs in settings:
        target = tmp_path / f"{len(svgs)}.svg"
        assert main(["xor", *argv, "--plot", str(target)]) == 0
        labels = _printed_labels(capsys.readouterr().out)
        assert len(labels) == runs
        texts = _svg_texts(target.read_bytes())
        assert f"XOR, 2-4-1 sigmoid net, {labels[0]}" in texts  # the title: the main run, as printed
        for label in labels:  # a curve for each run printed, labelled with its printed numbers
            assert label in texts
        assert sum("init ×" in t for t in texts) == runs + 1  # the title and one legend entry per run
        svgs.append(target.read_bytes())
    assert len(set(svgs)) == 3
