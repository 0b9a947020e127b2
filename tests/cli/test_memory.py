"""``python -m backprop memory``: the table printed, options reaching the runs, --plot drawing them, early errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.examples.memory import KINDS, memory_table
from tests.support import require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def test_memory_prints_the_page_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "8 hidden units each, 70 Adam steps (lr 0.07) of 32 fresh sequences, gate bias 5"
    assert "\n".join(lines[1:]) == memory_table().to_text()  # the gated page's table (cached)


def test_options_reach_the_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", "--lengths", "2", "3", "--steps", "4", "--runs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "4 Adam steps" in lines[0]
    assert "\n".join(lines[1:]) == memory_table((2, 3), KINDS, range(2), steps=4).to_text()
    assert lines[1].endswith("T = 3")


def test_plot_draws_the_table_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "memory.svg"
    assert main(["memory", "--lengths", "2", "--steps", "3", "--runs", "3", "--plot", str(target)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in printed[2:]] == [f"{r.solved}/3" for r in
                                                         memory_table((2,), KINDS, range(3), steps=3).runs.values()]
    texts = _svg_texts(target.read_bytes())
    assert "name the first symbol: 3 runs each (dots), mean (line)" in texts
    assert {"tanh RNN", "LSTM", "GRU"} <= set(texts)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "0"], "runs must be a positive integer, got 0"),
        (["--lengths", "10", "0"], "each of --lengths must be a positive integer, got 0"),
        (["--plot", "table.pdf"], "--plot table.pdf: the file name must end in .svg or .png"),
    ],
)
def test_bad_options_fail_before_any_work(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["memory", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("backprop memory: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
