"""Time backprop's forward + backward passes beside PyTorch's, and against the machine (``python -m backprop bench``).

Three workloads (`backprop.bench.workloads`), each timed as one forward **and** one backward
pass in float64:

* an MLP 784-256-128-10 (Dense/ReLU/Dense/ReLU/Dense, softmax cross-entropy), batch 256;
* a 3×3 convolution with padding 1, input ``(32, 16, 32, 32)`` → 32 filters;
* a tanh RNN with ``T = 50`` steps, batch 32, 16 inputs, 128 hidden units, full BPTT.

Each is timed against its PyTorch twin in alternating blocks (`backprop.bench.timing`), and
against the machine: its work in FLOPs (counted from the shapes) divided by its time is a
rate in GFLOP/s, compared with the rate of a large float64 matrix product (`gemm`, the
*peak*) timed in the same rounds. Both libraries run on the same number of threads
(`backprop.bench.threads`), and the rounds run in two passes, so that a result that does
not hold still is reported as unstable rather than quoted.

`run_benchmark` also times ``import backprop`` in fresh interpreters, the tutorial's
loop-by-loop convolution against the vectorized one, and the training of the digits CNN
(with its test accuracy) by backprop and by the same network, data and schedule in
PyTorch. It returns a results dict; `backprop.bench.report` turns one into tables or a
file, and ``backprop.plots.perf`` draws it.

PyTorch is optional (``pip install 'backprop-from-scratch[torch]'``, or
``pip install -e '.[torch]'`` in a checkout): without it only backprop's times are measured.
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from backprop._check import positive_float, positive_int
from backprop._extras import install_hint
from backprop.bench.report import (
    describe,
    load_results,
    machine_info,
    machine_summary,
    rates_table,
    results_table,
    save_results,
)
from backprop.bench.threads import ENV_VARS, blas_threads, set_blas_threads
from backprop.bench.timing import (
    PAUSE_S,
    TOLERANCE,
    Timing,
    compare,
    import_time_ms,
    per_call_s,
    reps_for,
    summarize,
    time_rounds,
)
from backprop.bench.workloads import (
    SIZES,
    TRAIN_SETTINGS,
    Case,
    Sizes,
    Step,
    Trained,
    conv2d,
    conv2d_flop,
    conv_loops,
    gemm,
    mlp,
    mlp_flop,
    rnn,
    rnn_flop,
    train_digits_torch,
    training_flop,
)
from backprop.examples.digits import load_digits_split, train_digits

__all__ = [
    "PAUSE_S",
    "PEAK_TARGETS",
    "SIZES",
    "TARGETS",
    "TOLERANCE",
    "TRAIN_SETTINGS",
    "Case",
    "Sizes",
    "Timing",
    "Trained",
    "blas_threads",
    "compare",
    "conv2d",
    "conv2d_flop",
    "conv_loops",
    "describe",
    "gemm",
    "import_time_ms",
    "load_results",
    "machine_info",
    "machine_summary",
    "mlp",
    "mlp_flop",
    "per_call_s",
    "rates_table",
    "reps_for",
    "results_table",
    "rnn",
    "rnn_flop",
    "run_benchmark",
    "save_results",
    "set_blas_threads",
    "summarize",
    "time_rounds",
    "time_training",
    "train_digits_torch",
    "training_flop",
]

TARGETS: dict[str, float] = {"mlp": 1.05, "conv2d": 0.7, "rnn": 0.6, "train": 1.0, "import_ms": 150.0}
"""The ratio to PyTorch (or the milliseconds) each measurement aims to stay under."""

PEAK_TARGETS: dict[str, float] = {"conv2d": 0.35}
"""The fraction of the GEMM peak a workload aims to reach."""

Log = Callable[[str], None]


def _cases(torch: ModuleType | None, sizes: Sizes) -> dict[str, Case]:
    return {
        "mlp": mlp(torch, sizes.mlp, sizes.mlp_batch),
        "conv2d": conv2d(torch, sizes.conv_input, sizes.conv_filters, sizes.conv_padding),
        "rnn": rnn(torch, sizes.rnn),
    }


def _import_torch() -> ModuleType | None:
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _passes(rounds: int, passes: int) -> list[int]:
    """``rounds`` split into at most ``passes`` passes, the first ones the larger."""
    count = min(rounds, passes)
    return [rounds // count + (i < rounds % count) for i in range(count)]


def _equal_threads(torch: ModuleType | None, threads: int | None, log: Log) -> dict[str, Any]:
    """Give PyTorch as many threads as NumPy's BLAS (both ``threads``, if given); say how many."""
    if threads is not None and not set_blas_threads(threads):
        raise RuntimeError(
            f"cannot set NumPy's BLAS threads in this process: set {' and '.join(ENV_VARS)} to {threads} "
            "before starting Python instead"
        )
    numpy_threads, source = (threads, "set") if threads is not None else blas_threads()
    if torch is not None and numpy_threads is not None:
        torch.set_num_threads(numpy_threads)
    if numpy_threads is None:
        log(f"NumPy's BLAS thread count is {source}; to give both libraries the same number, set "
            f"{' and '.join(ENV_VARS)} before starting Python.")
    info = {"numpy": numpy_threads, "numpy_source": source, "torch": None if torch is None else torch.get_num_threads()}
    log(f"threads: NumPy's BLAS {numpy_threads} ({source}), PyTorch {info['torch']}")
    return info


def _rates(case: Case, times: list[list[float]], peak_flop: float | None) -> dict[str, list[float]]:
    """Per-round quantities of one pass: times (ours, theirs if timed, peak last if timed) → ms, ratios, rates."""
    ours, theirs = times[0], (times[1] if len(times) - (peak_flop is not None) > 1 else None)
    q: dict[str, list[float]] = {
        "backprop_ms": [1e3 * t for t in ours],
        "backprop_gflops": [case.flop / t / 1e9 for t in ours],
    }
    if theirs is not None:
        q["torch_ms"] = [1e3 * t for t in theirs]
        q["torch_gflops"] = [case.flop / t / 1e9 for t in theirs]
        q["ratio"] = [a / b for a, b in zip(ours, theirs, strict=True)]
    if peak_flop is not None:
        peak = [peak_flop / t / 1e9 for t in times[-1]]
        q["peak_gflops"] = peak
        for side in ("backprop", "torch"):
            if f"{side}_gflops" in q:
                q[f"{side}_of_peak"] = [r / p for r, p in zip(q[f"{side}_gflops"], peak, strict=True)]
    return q


def run_benchmark(
    *,
    rounds: int = 16,
    passes: int = 2,
    quick: bool = False,
    train: bool = True,
    imports: bool = True,
    use_torch: bool = True,
    threads: int | None = None,
    sizes: Sizes = SIZES,
    import_repeats: int | None = None,
    block_s: float | None = None,
    pause_s: float | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Run every measurement and return the results (what ``--json`` writes).

    Every round of a workload times a block of backprop, one of PyTorch and one of the peak
    matrix product (`gemm`); the rounds run in ``passes`` passes over all the workloads, so
    that two passes minutes apart can be compared.

    Args:
        rounds: rounds per workload, over all passes (see `time_rounds`).
        passes: passes the rounds are split into (at most ``rounds``).
        quick: shorter blocks and pauses, fewer import runs and two training runs: a smoke
            test, not a measurement.
        train: also time training the digits CNN.
        imports: also time ``import backprop`` and ``import numpy``.
        use_torch: compare with PyTorch when it is installed.
        threads: threads for NumPy's BLAS and PyTorch both (default: PyTorch gets as many as
            NumPy's BLAS has).
        sizes: the workloads' sizes and the training's epochs.
        import_repeats: fresh interpreters per import timing (default: 7, ``quick``: 3).
        block_s: seconds of calls per timed block (default: 0.1, ``quick``: 0.02).
        pause_s: seconds of pause before each block (default: `PAUSE_S`, ``quick``: 0.05).
        log: called with a line of progress for each measurement.

    Returns:
        A JSON-ready dict: ``machine``, ``settings``, ``threads``, ``peak`` (the matrix
        product), ``cases`` (key → title, work in GFLOP, times, ratio, rates, fractions of
        the peak, target, and the ``spread`` of each), ``conv_loops``, with ``imports``
        ``import`` and with ``train`` ``train`` (seconds, losses, accuracies, ratio, rates).

    Examples:
        >>> from backprop.bench import Sizes, run_benchmark
        >>> tiny = Sizes(mlp=(8, 4, 3), mlp_batch=4, conv_input=(1, 2, 5, 5), conv_filters=2, rnn=(2, 3, 2, 4), gemm=8)
        >>> r = run_benchmark(rounds=2, train=False, imports=False, use_torch=False, sizes=tiny,
        ...                   block_s=0.0, pause_s=0.0, log=lambda line: None)
        >>> sorted(r), sorted(r["cases"])
        (['cases', 'conv_loops', 'machine', 'peak', 'settings', 'threads'], ['conv2d', 'mlp', 'rnn'])
        >>> sorted(k for k in r["cases"]["mlp"] if k != "spread")
        ['backprop_gflops', 'backprop_ms', 'backprop_of_peak', 'gflop', 'peak_gflops', 'target', 'title']
        >>> r["cases"]["mlp"]["title"], r["cases"]["mlp"]["spread"]["backprop_ms"]["passes"] != []
        ('MLP 8-4-3, batch 4', True)
    """
    rounds = positive_int(rounds, "rounds")
    passes = positive_int(passes, "passes")
    defaults = (3, 0.02, 0.05) if quick else (7, 0.1, PAUSE_S)  # import runs, block and pause seconds
    repeats = positive_int(import_repeats if import_repeats is not None else defaults[0], "import_repeats")
    block_s = positive_float(block_s if block_s is not None else defaults[1], "block_s", allow_zero=True)
    pause_s = positive_float(pause_s if pause_s is not None else defaults[2], "pause_s", allow_zero=True)
    torch = _import_torch() if use_torch else None
    if not use_torch:
        log("PyTorch left out (--no-torch): timing backprop alone.")
    elif torch is None:
        log(f"PyTorch is not installed ({install_hint('torch')}): timing backprop alone.")
    torch_threads = None if torch is None else torch.get_num_threads()
    blas_before, _ = blas_threads()
    try:
        thread_info = _equal_threads(torch, threads, log)
        split = _passes(rounds, passes)
        results: dict[str, Any] = {
            "machine": machine_info(torch),
            "settings": {"rounds": rounds, "passes": len(split), "quick": quick, "block_s": block_s,
                         "pause_s": pause_s, "tolerance": TOLERANCE},
            "threads": thread_info,
            "cases": {},
        }
        peak = gemm(torch, sizes.gemm)
        cases = _cases(torch, sizes)
        plan: dict[str, list[Step]] = {"peak": [peak.ours] if peak.theirs is None else [peak.ours, peak.theirs]}
        for key, case in cases.items():
            plan[key] = [case.ours, *([case.theirs] if case.theirs is not None else []), peak.ours]
        reps = {key: [reps_for(fn, block_s) for fn in steps] for key, steps in plan.items()}
        times: dict[str, list[list[list[float]]]] = {key: [] for key in plan}
        for i, count in enumerate(split):
            log(f"pass {i + 1} of {len(split)}: {count} round{'s' * (count != 1)} of each workload")
            for key, steps in plan.items():
                times[key].append(time_rounds(steps, reps[key], rounds=count, pause_s=pause_s))
        results["peak"] = {"title": peak.title, "gflop": peak.flop / 1e9,
                           **summarize([_rates(peak, t, None) for t in times["peak"]])}
        log(f"{peak.title}: " + describe(results["peak"]))
        for key, case in cases.items():
            entry = {"title": case.title, "gflop": case.flop / 1e9,
                     **summarize([_rates(case, t, peak.flop) for t in times[key]]), "target": TARGETS[key]}
            if key in PEAK_TARGETS:
                entry["peak_target"] = PEAK_TARGETS[key]
            results["cases"][key] = entry
            log(f"{case.title}: " + describe(entry))
        loops = conv_loops(sizes.conv_input, sizes.conv_filters, sizes.conv_padding)
        t = compare(loops.ours, loops.theirs, rounds=max(1, rounds // 3), block_s=block_s, pause_s=pause_s)
        results["conv_loops"] = {
            "title": loops.title,
            "loops_ms": t["backprop_ms"],
            "backprop_ms": t["torch_ms"],  # the vectorized Conv2D: the "theirs" side of this comparison
            "ratio": t["ratio"],
        }
        log(f"{loops.title}: {t['ratio']:.1f}× the vectorized Conv2D")
        if imports:
            results["import"] = imp = {
                "backprop_ms": import_time_ms("backprop", repeats=repeats),
                "numpy_ms": import_time_ms("numpy", repeats=repeats),
                "target_ms": TARGETS["import_ms"],
            }
            log(f"import backprop: {imp['backprop_ms']:.0f} ms (numpy alone {imp['numpy_ms']:.0f} ms)")
        if train:
            runs = 2 if quick else 4
            results["train"] = time_training(
                torch, epochs=sizes.epochs, repeats=runs, pause_s=pause_s, peak=peak, log=log
            )
    finally:  # leave both libraries as they were
        if torch is not None and torch_threads is not None:
            torch.set_num_threads(torch_threads)
        if threads is not None and blas_before is not None:
            set_blas_threads(blas_before)
    return results


def time_training(
    torch: ModuleType | None,
    *,
    epochs: int = SIZES.epochs,
    repeats: int = 4,
    pause_s: float = PAUSE_S,
    peak: Case | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Train the digits CNN with backprop and, given ``torch``, the same network and schedule in PyTorch.

    The two trainings alternate ``repeats`` times, each pair followed by a block of the
    ``peak`` matrix product if one is given. The first half of the repeats and the second
    are the two passes of `summarize`; times, ratio and rates are medians over the repeats.

    Returns:
        The ``train`` entry of the results: title, work in GFLOP, seconds, final loss and
        test accuracy of each side, their ratio, the rates, their ``spread``, and the
        schedule (`TRAIN_SETTINGS` and ``epochs``).
    """
    repeats = positive_int(repeats, "repeats")
    data = load_digits_split()  # read the data set once, outside the timed region
    flop = training_flop(epochs, len(data.y_train), len(data.y_test))
    ours: list[Trained] = []
    theirs: list[Trained] = []
    peak_s: list[float] = []
    peak_reps = 0 if peak is None else reps_for(peak.ours, 0.1)
    s = TRAIN_SETTINGS
    for _ in range(repeats):
        time.sleep(pause_s)
        result = train_digits(epochs=epochs, batch_size=s["batch_size"], lr=s["lr"], decay=s["decay"], rng=s["seed"])
        ours.append(Trained(result.seconds, result.losses[-1], result.test_accuracy))
        if torch is not None:
            time.sleep(pause_s)
            theirs.append(train_digits_torch(torch, epochs))
        if peak is not None:
            time.sleep(pause_s)
            peak.ours()  # untimed, as before every block
            peak_s.append(per_call_s(peak.ours, peak_reps))
    half = math.ceil(repeats / 2)
    per_pass = []
    for part in (slice(0, half), slice(half, repeats)):
        q: dict[str, list[float]] = {"backprop_s": [t.seconds for t in ours[part]]}
        q["backprop_gflops"] = [flop / t / 1e9 for t in q["backprop_s"]]
        if theirs:
            q["torch_s"] = [t.seconds for t in theirs[part]]
            q["torch_gflops"] = [flop / t / 1e9 for t in q["torch_s"]]
            q["ratio"] = [a / b for a, b in zip(q["backprop_s"], q["torch_s"], strict=True)]
        if peak is not None:
            q["peak_gflops"] = [peak.flop / t / 1e9 for t in peak_s[part]]
            for side in ("backprop", "torch"):
                if f"{side}_gflops" in q:
                    q[f"{side}_of_peak"] = [r / p for r, p in zip(q[f"{side}_gflops"], q["peak_gflops"], strict=True)]
        per_pass.append(q)
    out: dict[str, Any] = {
        "title": f"digits CNN: {epochs} epoch{'s' * (epochs != 1)} of Adam, batch {TRAIN_SETTINGS['batch_size']}",
        "gflop": flop / 1e9,
        **summarize(per_pass),
        "backprop_loss": ours[-1].loss,
        "backprop_accuracy": ours[-1].accuracy,
        "target": TARGETS["train"],
        "repeats": repeats,
        "epochs": epochs,
        **TRAIN_SETTINGS,
    }
    log(f"digits CNN with backprop: {out['backprop_s']:.2f} s, test accuracy {out['backprop_accuracy']:.4f}")
    if theirs:
        out.update(torch_loss=theirs[-1].loss, torch_accuracy=theirs[-1].accuracy)
        log(f"digits CNN with PyTorch: {out['torch_s']:.2f} s, test accuracy {out['torch_accuracy']:.4f}")
        log(f"digits CNN: {describe(out)}")
    return out
