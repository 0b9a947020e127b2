"""``python -m backprop ann``: the printed prediction, --trace, --seed, and --plot drawing the run printed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.examples import ann
from tests.support import require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


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


def test_ann_seed_reaches_the_trace(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ann", "--trace", "--seed", "3", "--epochs", "1"]) == 0
    assert capsys.readouterr().out.startswith(ann.first_pass(3).to_text() + "\n\n")


def test_ann_with_fewer_larger_steps_prints_the_ann_page_value(capsys: pytest.CaptureFixture[str]) -> None:
    """The ANN page's command-line section quotes this run: 200 steps at lr 0.5 end at 0.97."""
    assert main(["ann", "--epochs", "200", "--lr", "0.5"]) == 0
    assert capsys.readouterr().out == "ANN → Final Prediction: 0.97\n"


def test_plot_draws_the_run_that_was_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    short, default = tmp_path / "a.svg", tmp_path / "b.svg"
    assert main(["ann", "--epochs", "200", "--lr", "0.5", "--plot", str(short)]) == 0
    assert capsys.readouterr().out == "ANN → Final Prediction: 0.97\n"
    assert main(["ann", "--plot", str(default)]) == 0
    assert capsys.readouterr().out == "ANN → Final Prediction: 0.98\n"
    assert short.read_bytes() != default.read_bytes()
    assert "200 steps, lr 0.5: final prediction 0.97" in _svg_texts(short.read_bytes())
    assert "1000 steps, lr 0.25: final prediction 0.98" in _svg_texts(default.read_bytes())
    assert ET.fromstring(short.read_bytes()).tag == "{http://www.w3.org/2000/svg}svg"


def test_plot_writes_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "out.png"
    assert main(["ann", "--epochs", "50", "--plot", str(target)]) == 0
    assert capsys.readouterr().err == ""
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert data[12:16] == b"IHDR"
    assert len(data) > 1000
