"""How the benchmark times: alternating blocks, pauses, and medians of per-round ratios.

* **Same process, alternating blocks.** Each round times a block of backprop calls, pauses,
  then times a block of PyTorch calls (the order alternates between rounds). NumPy's BLAS
  threads and PyTorch's OpenMP threads keep spinning for a while after they finish and slow
  down whatever runs next; the pause lets them settle.
* **Median of per-round ratios.** The machine's speed drifts over minutes, but two blocks
  timed a second apart see the same machine, so their ratio is stable even when the
  absolute times are not. A round may also time a block of the peak matrix product, so
  that a workload's fraction of the peak is a ratio within a round too.
* **Spread and stability.** `summarize` reports, for every quantity, the median over all
  rounds, the smallest and largest value, and the median of each pass (the benchmark runs
  its rounds in two passes, minutes apart: two runs on one machine). A quantity whose
  two passes stray more than `TOLERANCE` from its median is *unstable*; a single disturbed
  round widens its range but does not move the medians.
"""

from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from backprop._check import positive_int
from backprop.bench.workloads import Step

__all__ = [
    "PAUSE_S",
    "TOLERANCE",
    "Timing",
    "compare",
    "import_time_ms",
    "per_call_s",
    "reps_for",
    "summarize",
    "time_rounds",
]

PAUSE_S = 0.3
"""Pause before every timed block, so the other library's threads go idle."""

TOLERANCE = 0.10
"""How far (±10%) the median of each of a quantity's two passes may stray from its median and still count as stable."""


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


def time_rounds(
    steps: Sequence[Step], reps: Sequence[int], *, rounds: int, pause_s: float = PAUSE_S
) -> list[list[float]]:
    """Seconds per call of each step in each of ``rounds`` rounds: one block of ``reps[i]`` calls per step.

    The steps take turns within a round, in the order given on even rounds and the reverse
    on odd ones. Before each block come a pause of ``pause_s`` (the other steps' threads go
    idle) and one untimed call (the step's own threads wake up and its data is back in the
    caches), so that a block measures the step running steadily, as in a training loop.

    Returns:
        One list per step, of one time per round.

    Examples:
        >>> from backprop.bench import time_rounds
        >>> calls = []
        >>> times = time_rounds([lambda: calls.append("a"), lambda: calls.append("b")], [1, 2], rounds=2, pause_s=0.0)
        >>> "".join(calls), [len(t) for t in times]        # each block after an untimed call
        ('aabbbbbbaa', [2, 2])
    """
    rounds = positive_int(rounds, "rounds")
    sides = list(zip(steps, reps, strict=True))
    times: list[list[float]] = [[] for _ in sides]
    for r in range(rounds):
        order = list(range(len(sides))) if r % 2 == 0 else list(range(len(sides)))[::-1]
        for i in order:
            time.sleep(pause_s)
            sides[i][0]()  # untimed
            times[i].append(per_call_s(*sides[i]))
    return times


def summarize(passes: Sequence[Mapping[str, Sequence[float]]], tolerance: float = TOLERANCE) -> dict[str, Any]:
    """Median of each quantity over every round of every pass, and its spread.

    Args:
        passes: for each pass, the per-round values of each quantity (``"ratio"`` → one
            value per round).
        tolerance: the relative distance from the median that the median of each pass may
            reach; beyond it ``stable`` is False. The smallest and largest round are reported,
            not judged: one disturbed round is what the median is for.

    Returns:
        Each quantity → its median, and ``"spread"``: each quantity → ``min``, ``max``, the
        median of each pass (``passes``) and ``stable``.

    Examples:
        >>> from backprop.bench import summarize
        >>> s = summarize([{"ratio": [0.70, 0.72, 0.69]}, {"ratio": [0.71, 0.90, 0.72]}])
        >>> s["ratio"], s["spread"]["ratio"]["min"], s["spread"]["ratio"]["max"], s["spread"]["ratio"]["stable"]
        (0.715, 0.69, 0.9, True)
        >>> summarize([{"ratio": [0.60, 0.62]}, {"ratio": [0.80, 0.81]}])["spread"]["ratio"]["stable"]
        False
    """
    out: dict[str, Any] = {"spread": {}}
    for key in passes[0]:
        per_pass = [list(p[key]) for p in passes if len(p[key])]
        values = [v for p in per_pass for v in p]
        median = statistics.median(values)
        medians = [statistics.median(p) for p in per_pass]
        low, high = (1 - tolerance) * median, (1 + tolerance) * median
        stable = all(low <= v <= high for v in medians)
        out[key] = median
        out["spread"][key] = {"min": min(values), "max": max(values), "passes": medians, "stable": stable}
    return out


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
    steps = [ours] if theirs is None else [ours, theirs]
    times = time_rounds(steps, [reps_for(fn, block_s) for fn in steps], rounds=rounds, pause_s=pause_s)
    out = Timing(backprop_ms=1e3 * statistics.median(times[0]))
    if theirs is not None:
        out["torch_ms"] = 1e3 * statistics.median(times[1])
        out["ratio"] = statistics.median(a / b for a, b in zip(times[0], times[1], strict=True))
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
