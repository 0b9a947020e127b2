"""``python -m backprop bench``, its results file, table and figure (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backprop import bench
from backprop.cli import main
from tests.support import require


def run_quick(tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "results.json"
    assert main(["bench", "--quick", "--rounds", "1", "--no-train", "--json", str(out), *extra]) == 0
    results: dict[str, Any] = bench.load_results(out)
    return results


def test_bench_without_torch_times_backprop_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require("matplotlib")
    figure = tmp_path / "perf.svg"
    results = run_quick(tmp_path, "--no-torch", "--plot", str(figure))
    assert figure.read_bytes().startswith(b"<?xml")
    printed = capsys.readouterr().out
    assert "PyTorch left out (--no-torch)" in printed
    assert set(results["cases"]) == {"mlp", "conv2d", "rnn"}
    for case in results["cases"].values():
        assert case["backprop_ms"] > 0
        assert "torch_ms" not in case
        assert "ratio" not in case
    assert results["machine"]["torch"] is None
    assert results["conv_loops"]["ratio"] > 0
    assert results["import"]["backprop_ms"] > 0
    assert "train" not in results
    table = bench.results_table(results)
    assert table.count("not installed") == 3
    assert table in printed


def test_bench_with_torch_records_ratios_and_machine(tmp_path: Path) -> None:
    require("torch")
    results = run_quick(tmp_path)
    for case in results["cases"].values():
        assert case["ratio"] > 0
        assert case["torch_ms"] > 0
    machine = results["machine"]
    assert machine["torch"]["version"].startswith("2.")
    assert machine["cores"] >= 1
    assert machine["cpu"]
    assert {"name", "version", "OPENBLAS_CORETYPE"} <= set(machine["blas"])


def test_training_is_timed_on_both_sides() -> None:
    torch = require("torch")
    lines: list[str] = []
    result = bench._train(torch, repeats=1, pause_s=0.0, log=lines.append)
    assert result["backprop_accuracy"] >= 0.98
    assert result["torch_accuracy"] >= 0.98  # same weights, batches and schedule
    assert result["ratio"] == pytest.approx(result["backprop_s"] / result["torch_s"])
    assert len(lines) == 2


def test_committed_results_file_is_complete() -> None:
    results = bench.load_results()
    assert set(results["cases"]) == {"mlp", "conv2d", "rnn"}
    assert all("ratio" in case for case in results["cases"].values()), "commit a run made with PyTorch installed"
    assert {"conv_loops", "import", "train"} <= set(results)
    assert results["settings"]["quick"] is False
    assert "PyTorch" in bench.machine_summary(results)
    assert results["train"]["backprop_accuracy"] >= 0.98


def test_load_results_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m backprop bench --json"):
        bench.load_results(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cases": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a benchmark results file"):
        bench.load_results(bad)


def test_compare_rejects_bad_rounds() -> None:
    with pytest.raises(ValueError, match="rounds must be a positive integer"):
        bench.compare(lambda: None, None, rounds=0)
