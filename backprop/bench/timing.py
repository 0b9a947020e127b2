"""How the benchmark times: alternating blocks, pauses, and medians of per-round ratios.

* **Same process, alternating blocks.** Each round times a block of backprop calls, pauses,
  then times a block of PyTorch calls (the order alternates between rounds). NumPy's BLAS
  threads and PyTorch's OpenMP threads keep spinning for a while after they finish and slow
  down whatever runs next; the pause lets them settle.
* **Median of per-round ratios.** The machine's speed drifts over minutes, but two blocks
  timed a second apart see the same machine, so their ratio is stable even when the
  absolute times are not.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from backprop._check import positive_int
from backprop.bench.workloads import Step

__all__ = ["PAUSE_S", "Timing", "compare", "import_time_ms", "per_call_s", "reps_for"]

PAUSE_S = 0.3
"""Pause before every timed block, so the other library's threads go idle."""


class Timing(dict[str, float]):
    """The result of `compare`: median times in milliseconds and the median ratio.

    Keys: ``"backprop_ms"``, and with PyTorch ``"torch_ms"`` and ``"ratio"``
    (backprop time / PyTorch time, below 1 means backprop is faster).

    Examples:
        >>> from backprop.bench import Timing
        >>> Timing(backprop_ms=2.0, torch_ms=4.0, ratio=0.5)["ratio"]
        0.5
    """


def per_call_s(fn: Step, reps: int) -> float:
    """Mean wall time of one call of ``fn`` over ``reps`` calls in a row, in seconds.

    The garbage collector is paused while they run, as `timeit` does, so that a collection
    of the other library's leftovers is not charged to ``fn``.

    Examples:
        >>> from backprop.bench import per_call_s
        >>> per_call_s(lambda: sum(range(100)), 10) > 0
        True
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(reps):
            fn()
        return (time.perf_counter() - start) / reps
    finally:
        if collecting:
            gc.enable()


def reps_for(fn: Step, block_s: float) -> int:
    """How many calls of ``fn`` fill about ``block_s`` seconds (after one warm-up call).

    Examples:
        >>> import time
        >>> from backprop.bench import reps_for
        >>> reps_for(lambda: time.sleep(0.002), 0.001)
        1
    """
    fn()
    one = per_call_s(fn, 1)
    return max(1, min(10_000, round(block_s / max(one, 1e-9))))


def compare(
    ours: Step,
    theirs: Step | None,
    *,
    rounds: int = 15,
    block_s: float = 0.1,
    pause_s: float = PAUSE_S,
) -> Timing:
    """Time ``ours`` against ``theirs`` in alternating blocks; medians over ``rounds`` rounds.

    Each round times one block of ``ours`` and one of ``theirs`` (about ``block_s`` seconds
    each, the order alternating from round to round), each after a pause of ``pause_s``.
    The ratio reported is the median over rounds of (our time / their time) within a round.

    Args:
        ours: one forward + backward pass of backprop.
        theirs: the same work in PyTorch, or None to time ``ours`` alone.
        rounds: number of rounds (≥ 1).
        block_s: target duration of one block, in seconds.
        pause_s: pause before each block, in seconds.

    Examples:
        >>> from backprop.bench import compare
        >>> t = compare(lambda: sum(range(100)), lambda: sum(range(200)), rounds=3, block_s=0.001, pause_s=0.0)
        >>> sorted(t), t["ratio"] > 0
        (['backprop_ms', 'ratio', 'torch_ms'], True)
        >>> sorted(compare(lambda: None, None, rounds=1, block_s=0.001, pause_s=0.0))
        ['backprop_ms']
    """
    rounds = positive_int(rounds, "rounds")
    sides: list[tuple[Step, int, list[float]]] = [(ours, reps_for(ours, block_s), [])]
    if theirs is not None:
        sides.append((theirs, reps_for(theirs, block_s), []))
    ratios: list[float] = []
    for r in range(rounds):
        for fn, reps, sink in sides if r % 2 == 0 else sides[::-1]:
            time.sleep(pause_s)
            sink.append(per_call_s(fn, reps))
        if theirs is not None:
            ratios.append(sides[0][2][-1] / sides[1][2][-1])
    out = Timing(backprop_ms=1e3 * statistics.median(sides[0][2]))
    if theirs is not None:
        out["torch_ms"] = 1e3 * statistics.median(sides[1][2])
        out["ratio"] = statistics.median(ratios)
    return out


def import_time_ms(module: str = "backprop", *, repeats: int = 7) -> float:
    """Median wall time of ``import <module>`` in fresh interpreters, in milliseconds.

    Each run is a new ``python`` process, timed from inside it around the import statement
    alone. Bytecode caching is allowed (``PYTHONDONTWRITEBYTECODE`` is removed) and one
    uncounted run comes first, so the modules load from their compiled ``.pyc`` files as
    they do after ``pip install``. The folder holding this ``backprop`` comes first on the
    path, so a source checkout times itself.

    Examples:
        >>> from backprop.bench import import_time_ms
        >>> import_time_ms("json", repeats=1) > 0
        True
    """
    repeats = positive_int(repeats, "repeats")
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    root = str(Path(__file__).resolve().parents[2])  # the folder that holds backprop/
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    times = []
    for i in range(repeats + 1):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        if i > 0:  # the first run may compile and cache bytecode
            times.append(float(done.stdout))
    return 1e3 * statistics.median(times)
