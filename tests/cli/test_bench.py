"""``python -m backprop bench``: options and paths checked first, and ``--plot`` draws the run printed."""

from __future__ import annotations

import functools
import importlib.util
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any

import pytest

import backprop.cli.bench as command
from backprop import bench
from backprop.cli import main
from tests.bench import TINY
from tests.support import require


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command runs the real benchmark on tiny workloads (import times are tested with `run_benchmark`)."""
    run = functools.partial(bench.run_benchmark, sizes=TINY, imports=False, block_s=0.0, pause_s=0.0)
    monkeypatch.setattr(command, "run_benchmark", run)


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any timing at all fails the test: the command must stop before it."""

    def forbidden(**kwargs: Any) -> dict[str, Any]:
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(command, "run_benchmark", forbidden)


@pytest.mark.usefixtures("tiny")
def test_plot_draws_the_run_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require("torch")
    require("matplotlib")
    import backprop.plots.perf as perf

    drawn: list[dict[str, Any]] = []
    figures: list[Any] = []
    perf_figure = perf.perf_figure

    def record(results: dict[str, Any]) -> Any:
        drawn.append(results)
        figures.append(perf_figure(results))
        return figures[-1]

    monkeypatch.setattr(perf, "perf_figure", record)
    out, svg = tmp_path / "results.json", tmp_path / "perf.svg"
    assert main(["bench", "--quick", "--rounds", "1", "--no-train", "--json", str(out), "--plot", str(svg)]) == 0
    printed = capsys.readouterr().out
    (results,) = drawn
    assert bench.results_table(results) in printed
    assert bench.load_results(out) == results
    assert svg.read_bytes().startswith(b"<?xml")
    ratios = [f"{case['ratio']:.2f}×" for case in results["cases"].values()]
    assert all(ratio in printed for ratio in ratios)
    labels = [text.get_text().strip() for text in figures[0].axes[1].texts]
    assert labels == ratios
    assert results["machine"]["torch"]["version"] in figures[0].get_suptitle()


@pytest.mark.usefixtures("no_run")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--json", "/no/such/folder/r.json"],
            "--json /no/such/folder/r.json: the folder /no/such/folder does not exist",
        ),
        (
            ["--plot", "/no/such/folder/p.svg"],
            "--plot /no/such/folder/p.svg: the folder /no/such/folder does not exist",
        ),
        (["--plot", "perf.pdf"], "--plot perf.pdf: the file name must end in .svg or .png"),
        (["--rounds", "0"], "--rounds must be at least 1, got 0"),
    ],
)
def test_bad_options_fail_before_any_timing(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"backprop bench: error: {message}\n"


@pytest.mark.usefixtures("no_run")
def test_plot_without_matplotlib_fails_before_any_timing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    find_spec = importlib.util.find_spec

    def hide_matplotlib(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == "matplotlib" else find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", hide_matplotlib)
    assert main(["bench", "--plot", str(tmp_path / "p.svg")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop bench: error: --plot needs matplotlib, which is not installed")
    assert err.count("\n") == 1


def test_bench_takes_no_seed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--seed", "1"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --seed 1" in capsys.readouterr().err
