"""Time backprop's forward + backward passes beside PyTorch's (``python -m backprop bench``).

Three workloads (`backprop.bench.workloads`), each timed as one forward **and** one backward
pass in float64, by `compare` (`backprop.bench.timing`):

* an MLP 784-256-128-10 (Dense/ReLU/Dense/ReLU/Dense, softmax cross-entropy), batch 256;
* a 3×3 convolution, input ``(32, 16, 32, 32)`` → 32 filters;
* a tanh RNN with ``T = 50`` steps, batch 32, 16 inputs, 128 hidden units, full BPTT.

`run_benchmark` also times ``import backprop`` in fresh interpreters, the tutorial's
loop-by-loop convolution against the vectorized one, and the training of the digits CNN
(with its test accuracy) by backprop and by the same network, data and schedule in
PyTorch. It returns a results dict; `backprop.bench.report` turns one into a table or a
file, and ``backprop.plots.perf`` draws it.

PyTorch is optional (``pip install 'backprop-from-scratch[torch]'``, or
``pip install -e '.[torch]'`` in a checkout): without it only backprop's times are measured.
"""

from __future__ import annotations

import importlib
import statistics
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from backprop._check import positive_float, positive_int
from backprop._extras import install_hint
from backprop.bench.report import _ms, load_results, machine_info, machine_summary, results_table, save_results
from backprop.bench.timing import PAUSE_S, Timing, compare, import_time_ms, per_call_s, reps_for
from backprop.bench.workloads import (
    SIZES,
    TRAIN_SETTINGS,
    Case,
    Sizes,
    Trained,
    conv2d,
    conv_loops,
    mlp,
    rnn,
    train_digits_torch,
)
from backprop.examples.digits import load_digits_split, train_digits

__all__ = [
    "PAUSE_S",
    "SIZES",
    "TARGETS",
    "TRAIN_SETTINGS",
    "Case",
    "Sizes",
    "Timing",
    "Trained",
    "compare",
    "conv2d",
    "conv_loops",
    "import_time_ms",
    "load_results",
    "machine_info",
    "machine_summary",
    "mlp",
    "per_call_s",
    "reps_for",
    "results_table",
    "rnn",
    "run_benchmark",
    "save_results",
    "time_training",
    "train_digits_torch",
]

TARGETS: dict[str, float] = {"mlp": 1.05, "conv2d": 1.2, "rnn": 0.6, "import_ms": 150.0}
"""The ratio to PyTorch (or the milliseconds) each measurement aims to stay under."""

Log = Callable[[str], None]


def _cases(torch: ModuleType | None, sizes: Sizes) -> dict[str, Case]:
    return {
        "mlp": mlp(torch, sizes.mlp, sizes.mlp_batch),
        "conv2d": conv2d(torch, sizes.conv_input, sizes.conv_filters),
        "rnn": rnn(torch, sizes.rnn),
    }


def _import_torch() -> ModuleType | None:
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def run_benchmark(
    *,
    rounds: int = 15,
    quick: bool = False,
    train: bool = True,
    imports: bool = True,
    use_torch: bool = True,
    sizes: Sizes = SIZES,
    import_repeats: int | None = None,
    block_s: float | None = None,
    pause_s: float | None = None,
    log: Log = print,
) -> dict[str, Any]:
    """Run every measurement and return the results (what ``--json`` writes).

    Args:
        rounds: rounds per workload (see `compare`).
        quick: shorter blocks and pauses, fewer import runs and one training run: a smoke
            test, not a measurement.
        train: also time training the digits CNN.
        imports: also time ``import backprop`` and ``import numpy``.
        use_torch: compare with PyTorch when it is installed.
        sizes: the workloads' sizes and the training's epochs.
        import_repeats: fresh interpreters per import timing (default: 7, ``quick``: 3).
        block_s: seconds of calls per timed block (default: 0.1, ``quick``: 0.02).
        pause_s: seconds of pause before each block (default: `PAUSE_S`, ``quick``: 0.05).
        log: called with a line of progress for each measurement.

    Returns:
        A JSON-ready dict: ``machine``, ``settings``, ``cases`` (key → title, times, ratio,
        target), ``conv_loops``, with ``imports`` ``import`` and with ``train`` ``train`` (seconds,
        losses, accuracies, ratio).

    Examples:
        >>> from backprop.bench import Sizes, run_benchmark
        >>> tiny = Sizes(mlp=(8, 4, 3), mlp_batch=4, conv_input=(1, 2, 5, 5), conv_filters=2, rnn=(2, 3, 2, 4))
        >>> r = run_benchmark(rounds=1, train=False, imports=False, use_torch=False, sizes=tiny,
        ...                   block_s=0.0, pause_s=0.0, log=lambda line: None)
        >>> sorted(r), sorted(r["cases"]), sorted(r["cases"]["mlp"])
        (['cases', 'conv_loops', 'machine', 'settings'], ['conv2d', 'mlp', 'rnn'], ['backprop_ms', 'target', 'title'])
        >>> r["cases"]["mlp"]["title"]
        'MLP 8-4-3, batch 4'
    """
    rounds = positive_int(rounds, "rounds")
    defaults = (3, 0.02, 0.05) if quick else (7, 0.1, PAUSE_S)  # import runs, block and pause seconds
    repeats = positive_int(import_repeats if import_repeats is not None else defaults[0], "import_repeats")
    block_s = positive_float(block_s if block_s is not None else defaults[1], "block_s", allow_zero=True)
    pause_s = positive_float(pause_s if pause_s is not None else defaults[2], "pause_s", allow_zero=True)
    torch = _import_torch() if use_torch else None
    results: dict[str, Any] = {
        "machine": machine_info(torch),
        "settings": {"rounds": rounds, "quick": quick, "block_s": block_s, "pause_s": pause_s},
        "cases": {},
    }
    if not use_torch:
        log("PyTorch left out (--no-torch): timing backprop alone.")
    elif torch is None:
        log(f"PyTorch is not installed ({install_hint('torch')}): timing backprop alone.")
    for key, case in _cases(torch, sizes).items():
        timing = compare(case.ours, case.theirs, rounds=rounds, block_s=block_s, pause_s=pause_s)
        results["cases"][key] = {"title": case.title, **timing, "target": TARGETS[key]}
        log(f"{case.title}: " + _describe(timing))
    loops = conv_loops(sizes.conv_input, sizes.conv_filters)
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
        runs = 1 if quick else 3
        results["train"] = time_training(torch, epochs=sizes.epochs, repeats=runs, pause_s=pause_s, log=log)
    return results


def _describe(t: Timing) -> str:
    text = f"backprop {_ms(t['backprop_ms'])}"
    if "ratio" in t:
        text += f", PyTorch {_ms(t['torch_ms'])}, ratio {t['ratio']:.2f}"
    return text


def time_training(
    torch: ModuleType | None,
    *,
    epochs: int = SIZES.epochs,
    repeats: int = 3,
    pause_s: float = PAUSE_S,
    log: Log = print,
) -> dict[str, Any]:
    """Train the digits CNN with backprop and, given ``torch``, the same network and schedule in PyTorch.

    The two trainings alternate ``repeats`` times; times and ratio are medians.

    Returns:
        The ``train`` entry of the results: title, seconds, final loss and test accuracy
        of each side, their ratio, and the schedule (`TRAIN_SETTINGS` and ``epochs``).
    """
    repeats = positive_int(repeats, "repeats")
    load_digits_split()  # read the data set once, outside the timed region
    ours: list[Trained] = []
    theirs: list[Trained] = []
    s = TRAIN_SETTINGS
    for _ in range(repeats):
        time.sleep(pause_s)
        result = train_digits(epochs=epochs, batch_size=s["batch_size"], lr=s["lr"], decay=s["decay"], rng=s["seed"])
        ours.append(Trained(result.seconds, result.losses[-1], result.test_accuracy))
        if torch is not None:
            time.sleep(pause_s)
            theirs.append(train_digits_torch(torch, epochs))
    out: dict[str, Any] = {
        "title": f"digits CNN: {epochs} epoch{'s' * (epochs != 1)} of Adam, batch {TRAIN_SETTINGS['batch_size']}",
        "backprop_s": statistics.median(t.seconds for t in ours),
        "backprop_loss": ours[-1].loss,
        "backprop_accuracy": ours[-1].accuracy,
        "repeats": repeats,
        "epochs": epochs,
        **TRAIN_SETTINGS,
    }
    log(f"digits CNN with backprop: {out['backprop_s']:.2f} s, test accuracy {out['backprop_accuracy']:.4f}")
    if theirs:
        out.update(
            torch_s=statistics.median(t.seconds for t in theirs),
            torch_loss=theirs[-1].loss,
            torch_accuracy=theirs[-1].accuracy,
            ratio=statistics.median(a.seconds / b.seconds for a, b in zip(ours, theirs, strict=True)),
        )
        log(f"digits CNN with PyTorch: {out['torch_s']:.2f} s, test accuracy {out['torch_accuracy']:.4f}")
    return out
