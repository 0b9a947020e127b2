"""The results of a run, their table and machine line, and the results file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backprop import bench
from tests.bench import TINY
from tests.support import require

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "bench-results.json"


def test_run_without_torch_times_backprop_alone() -> None:
    lines: list[str] = []
    results = bench.run_benchmark(
        rounds=1,
        train=False,  # the training is timed in test_workloads, beside its PyTorch twin
        use_torch=False,
        sizes=TINY,
        import_repeats=1,
        block_s=0.0,
        pause_s=0.0,
        log=lines.append,
    )
    assert results["settings"] == {"rounds": 1, "quick": False, "block_s": 0.0, "pause_s": 0.0}
    assert lines[0] == "PyTorch left out (--no-torch): timing backprop alone."
    assert set(results["cases"]) == {"mlp", "conv2d", "rnn"}
    for key, case in results["cases"].items():
        assert case["backprop_ms"] > 0
        assert "torch_ms" not in case
        assert "ratio" not in case
        assert case["target"] == bench.TARGETS[key]
    assert results["cases"]["mlp"]["title"] == "MLP 8-6-4-3, batch 5"
    assert results["machine"]["torch"] is None
    assert results["conv_loops"]["ratio"] > 0
    assert results["import"]["backprop_ms"] > 0
    assert results["import"]["numpy_ms"] > 0
    assert "train" not in results
    table = bench.results_table(results)
    assert table.count("not installed") == 3
    assert "no PyTorch" in bench.machine_summary(results)


def test_machine_info_names_torch_and_the_blas() -> None:
    torch = require("torch")
    machine = bench.machine_info(torch)
    assert machine["torch"]["version"] == torch.__version__
    assert machine["cores"] >= 1
    assert machine["cpu"]
    assert {"name", "version", "OPENBLAS_CORETYPE"} <= set(machine["blas"])


def test_committed_results_file_is_complete() -> None:
    results = bench.load_results(COMMITTED)
    assert set(results["cases"]) == {"mlp", "conv2d", "rnn"}
    assert all("ratio" in case for case in results["cases"].values()), "commit a run made with PyTorch installed"
    assert {"conv_loops", "import", "train"} <= set(results)
    assert results["settings"]["quick"] is False
    assert "PyTorch" in bench.machine_summary(results)
    assert results["train"]["backprop_accuracy"] >= 0.98
    assert "not installed" not in bench.results_table(results)


def test_saved_results_load_back(tmp_path: Path) -> None:
    results = bench.load_results(COMMITTED)
    assert bench.load_results(bench.save_results(results, tmp_path / "r.json")) == results


def test_load_results_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="python -m backprop bench --json"):
        bench.load_results(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"cases": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a benchmark results file"):
        bench.load_results(bad)
