"""NumPy's BLAS thread count is read and set three ways; the benchmark gives PyTorch the same count."""

from __future__ import annotations

import pytest

from backprop import bench
from backprop.bench import threads
from tests.bench import TINY
from tests.support import require


def test_the_count_read_is_the_count_set() -> None:
    before, _ = threads.blas_threads()
    assert before is not None
    assert before >= 1
    try:
        assert threads.set_blas_threads(1)
        assert threads.blas_threads()[0] == 1
    finally:
        threads.set_blas_threads(before)
    assert threads.blas_threads()[0] == before


def test_without_threadpoolctl_openblas_is_asked_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    before, _ = threads.blas_threads()
    monkeypatch.setattr(threads, "_threadpoolctl", lambda: None)
    count, source = threads.blas_threads()
    assert (count, source) == (before, "OpenBLAS")
    assert threads.set_blas_threads(before or 1)


def test_without_any_library_the_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_threadpoolctl", lambda: None)
    monkeypatch.setattr(threads, "_openblas_function", lambda name: None)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert threads.blas_threads() == (3, "OMP_NUM_THREADS")
    monkeypatch.delenv("OMP_NUM_THREADS")
    count, source = threads.blas_threads()
    assert count is None
    assert source.startswith("unknown")
    assert not threads.set_blas_threads(2)


def test_torch_gets_numpy_threads_and_both_are_restored() -> None:
    torch = require("torch")
    numpy_threads, _ = threads.blas_threads()
    torch_before = torch.get_num_threads()
    torch.set_num_threads(1 if numpy_threads != 1 else 2)  # unequal before the run
    lines: list[str] = []
    try:
        results = bench.run_benchmark(
            rounds=1, train=False, imports=False, sizes=TINY, block_s=0.0, pause_s=0.0, threads=1, log=lines.append
        )
        assert results["threads"] == {"numpy": 1, "numpy_source": "set", "torch": 1}
        assert results["machine"]["torch"]["threads"] == 1
        assert "threads: NumPy's BLAS 1 (set), PyTorch 1" in lines
        assert threads.blas_threads()[0] == numpy_threads  # restored
        assert torch.get_num_threads() == (1 if numpy_threads != 1 else 2)
    finally:
        torch.set_num_threads(torch_before)


def test_bad_thread_counts_fail_before_any_timing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import backprop.cli.bench as command
    from backprop.cli import main

    def forbidden(**kwargs: object) -> None:
        raise AssertionError("the benchmark ran")

    monkeypatch.setattr(command, "run_benchmark", forbidden)
    assert main(["bench", "--threads", "0"]) == 2
    assert capsys.readouterr().err == "backprop bench: error: --threads must be at least 1, got 0\n"
    monkeypatch.setattr(command, "set_blas_threads", lambda n: False)
    assert main(["bench", "--threads", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("backprop bench: error: --threads 2: NumPy's BLAS cannot be set from here; set OPENBLAS")
