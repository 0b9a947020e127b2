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
        rounds=3,
        train=False,  # the training is timed in test_workloads, beside its PyTorch twin
        use_torch=False,
        sizes=TINY,
        import_repeats=1,
        block_s=0.0,
        pause_s=0.0,
        log=lines.append,
    )
    assert results["settings"] == {
        "rounds": 3, "passes": 2, "quick": False, "block_s": 0.0, "pause_s": 0.0, "tolerance": bench.TOLERANCE
    }
    assert lines[0] == "PyTorch left out (--no-torch): timing backprop alone."
    assert lines[2:4] == ["pass 1 of 2: 2 rounds of each workload", "pass 2 of 2: 1 round of each workload"]
    assert set(results["cases"]) == {"mlp", "conv2d", "rnn"}
    for key, case in results["cases"].items():
        assert case["backprop_ms"] > 0
        assert "torch_ms" not in case
        assert "ratio" not in case
        assert case["target"] == bench.TARGETS[key]
        assert case["backprop_gflops"] == pytest.approx(case["gflop"] / case["backprop_ms"] * 1e3, rel=0.5)
        spread = case["spread"]["backprop_of_peak"]
        assert spread["min"] <= case["backprop_of_peak"] <= spread["max"]
        assert len(spread["passes"]) == 2
    assert results["cases"]["mlp"]["title"] == "MLP 8-6-4-3, batch 5"
    assert results["cases"]["mlp"]["gflop"] == bench.mlp_flop(TINY.mlp, TINY.mlp_batch) / 1e9
    assert results["peak"]["title"] == "float64 GEMM 16×16"
    assert results["peak"]["gflop"] == 2 * 16**3 / 1e9
    assert results["machine"]["torch"] is None
    assert results["threads"]["torch"] is None
    assert results["conv_loops"]["ratio"] > 0
    assert results["import"]["backprop_ms"] > 0
    assert results["import"]["numpy_ms"] > 0
    assert "train" not in results
    table = bench.results_table(results)
    assert table.count("not installed") == 3
    assert bench.rates_table(results).count("not installed") == 4  # the peak's PyTorch row too
    assert "no PyTorch" in bench.machine_summary(results)


def test_an_unstable_ratio_is_not_quoted() -> None:
    spread = {"min": 0.5, "max": 0.9, "passes": [0.6, 0.8], "stable": False}
    case = {"title": "RNN", "backprop_ms": 6.0, "torch_ms": 9.0, "ratio": 0.7, "target": 0.6,
            "spread": {"ratio": spread}}
    row = bench.results_table({"cases": {"rnn": case}}).splitlines()[-1]
    assert "unstable (0.50–0.90×)" in row
    assert "0.70" not in row
    stable = {**case, "spread": {"ratio": {**spread, "min": 0.68, "max": 0.72, "stable": True}}}
    assert "0.70× (0.68–0.72×)" in bench.results_table({"cases": {"rnn": stable}})


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
    assert {"conv_loops", "import", "train", "peak", "threads"} <= set(results)
    assert results["settings"]["quick"] is False
    assert results["settings"]["passes"] == 2
    assert results["threads"]["numpy"] == results["threads"]["torch"] >= 1
    assert "PyTorch" in bench.machine_summary(results)
    assert results["train"]["backprop_accuracy"] >= 0.98
    assert "not installed" not in bench.results_table(results)
    assert "not installed" not in bench.rates_table(results)
    for entry in [*results["cases"].values(), results["train"]]:
        for key in ("ratio", "backprop_gflops", "torch_gflops", "backprop_of_peak", "torch_of_peak"):
            spread = entry["spread"][key]
            assert spread["min"] <= entry[key] <= spread["max"], (entry["title"], key)
            assert len(spread["passes"]) == 2
    assert results["cases"]["conv2d"]["gflop"] == bench.conv2d_flop(bench.SIZES.conv_input, 32, padding=1) / 1e9


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
