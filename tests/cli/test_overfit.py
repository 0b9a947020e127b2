"""``python -m backprop overfit``: the table printed, options reaching the runs, --plot drawing them, early errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backprop.cli import main
from backprop.examples.regularization import REGULARISERS, overfit_table
from tests.support import require


def _svg_texts(svg: bytes) -> list[str]:
    """The texts of an SVG that matplotlib drew (text as paths, each preceded by a comment holding it)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def test_overfit_prints_the_page_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overfit"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].endswith("200 full-batch Adam steps (lr 0.03)")
    assert "\n".join(lines[2:]) == overfit_table().to_text()  # the page's table (cached)


def test_options_reach_the_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overfit", "--steps", "6", "--runs", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "6 full-batch Adam steps" in lines[0]
    assert "\n".join(lines[2:]) == overfit_table(seeds=range(2), steps=6).to_text()
    assert lines[2].split()[2:6] == ["seed", "0", "seed", "1"]


def test_plot_draws_the_first_run_of_each_setting(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    require("matplotlib")
    target = tmp_path / "overfit.svg"
    assert main(["overfit", "--steps", "4", "--runs", "1", "--plot", str(target)]) == 0
    table_lines = capsys.readouterr().out.splitlines()[3:]
    texts = _svg_texts(target.read_bytes())
    for name, line in zip(REGULARISERS, table_lines, strict=True):
        assert f"{name}: test {line.split()[-3]}" in texts  # the printed test accuracy of seed 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "0"], "runs must be a positive integer, got 0"),
        (["--steps", "-3"], "steps must be a positive integer, got -3"),
        (["--plot", "table.pdf"], "--plot table.pdf: the file name must end in .svg or .png"),
        (["--plot", "/no/such/folder/f.svg"], "the folder /no/such/folder does not exist"),
    ],
)
def test_bad_options_fail_before_any_work(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["overfit", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("backprop overfit: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
