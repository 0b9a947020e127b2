r"""``python -m backprop bench``: time backprop's forward + backward passes beside PyTorch's.

Three workloads, each timed as one forward **and** one backward pass in float64:

* an MLP 784-256-128-10 (Dense/ReLU/Dense/ReLU/Dense, softmax cross-entropy), batch 256;
* a 3×3 convolution, input ``(32, 16, 32, 32)`` → 32 filters;
* a tanh RNN with ``T = 50`` steps, batch 32, 16 inputs, 128 hidden units, full BPTT.

How the timing stays fair on a small, shared machine:

* **Same process, alternating blocks.** Each round times a block of backprop calls, pauses
  0.3 s, then times a block of PyTorch calls (the order alternates between rounds). NumPy's
  BLAS threads and PyTorch's OpenMP threads keep spinning for a while after they finish and
  slow down whatever runs next; the pause lets them settle.
* **Median of per-round ratios.** The machine's speed drifts over minutes, but two blocks
  timed a second apart see the same machine, so their ratio is stable even when the
  absolute times are not.
* **Equal work.** A layer's ``backward`` always returns $\partial L/\partial x$; PyTorch
  only computes it for an input that requires a gradient, so the PyTorch input does.
  Both sides run in float64 and clear their gradients every call.

It also times ``import backprop`` in fresh interpreters, the tutorial's loop-by-loop
convolution against the vectorized one, and the training of the digits CNN (with its test
accuracy) by backprop and by the same network, data and schedule in PyTorch.

PyTorch is optional (``pip install 'backprop-from-scratch[torch]'``, or
``pip install -e '.[torch]'`` in a checkout): without it only backprop's times are printed.
``--json FILE`` writes everything, with the machine, the library versions and the BLAS in
use; the documentation's performance page is built from such a file.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from backprop._check import positive_int
from backprop._extras import install_hint

__all__ = [
    "HELP",
    "RESULTS_FILE",
    "TARGETS",
    "TRAIN_SETTINGS",
    "Timing",
    "add_arguments",
    "compare",
    "import_time_ms",
    "load_results",
    "machine_info",
    "machine_summary",
    "results_table",
    "run",
    "run_benchmark",
]

HELP = "time forward+backward passes (MLP, Conv2D, RNN) and the digits CNN's training against PyTorch, if installed"

RESULTS_FILE = Path(__file__).resolve().parent.parent / "docs" / "bench-results.json"
"""The committed results the documentation is built from (in a source checkout)."""

TARGETS: dict[str, float] = {"mlp": 1.05, "conv2d": 1.2, "rnn": 0.6, "import_ms": 150.0}
"""The ratio to PyTorch (or the milliseconds) each measurement aims to stay under."""

PAUSE_S = 0.3
"""Pause before every timed block, so the other library's threads go idle."""

Step = Callable[[], object]
Log = Callable[[str], None]


class Timing(dict[str, float]):
    """The result of `compare`: median times in milliseconds and the median ratio.

    Keys: ``"backprop_ms"``, and with PyTorch ``"torch_ms"`` and ``"ratio"``
    (backprop time / PyTorch time, below 1 means backprop is faster).

    Examples:
        >>> from backprop.bench import Timing
        >>> Timing(backprop_ms=2.0, torch_ms=4.0, ratio=0.5)["ratio"]
        0.5
    """


def _per_call_s(fn: Step, reps: int) -> float:
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def _reps_for(fn: Step, block_s: float) -> int:
    """How many calls of ``fn`` fill about ``block_s`` seconds (after one warm-up call)."""
    fn()
    one = _per_call_s(fn, 1)
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
    sides: list[tuple[Step, int, list[float]]] = [(ours, _reps_for(ours, block_s), [])]
    if theirs is not None:
        sides.append((theirs, _reps_for(theirs, block_s), []))
    ratios: list[float] = []
    for r in range(rounds):
        for fn, reps, sink in sides if r % 2 == 0 else sides[::-1]:
            gc.collect()
            time.sleep(pause_s)
            sink.append(_per_call_s(fn, reps))
        if theirs is not None:
            ratios.append(sides[0][2][-1] / sides[1][2][-1])
    out = Timing(backprop_ms=1e3 * statistics.median(sides[0][2]))
    if theirs is not None:
        out["torch_ms"] = 1e3 * statistics.median(sides[1][2])
        out["ratio"] = statistics.median(ratios)
    return out


# --- the three workloads ----------------------------------------------------------------


def _mlp(torch: ModuleType | None) -> tuple[Step, Step | None]:
    import backprop as bp

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 784))
    y: Any = rng.integers(0, 10, size=256)  # int class labels
    net = bp.Sequential(
        bp.Dense(784, 256, rng=1, init="he"),
        bp.ReLU(),
        bp.Dense(256, 128, rng=2, init="he"),
        bp.ReLU(),
        bp.Dense(128, 10, rng=3),
    )

    def ours() -> object:
        _, dlogits = bp.softmax_cross_entropy(net.forward(x), y)
        return net.backward(dlogits)

    if torch is None:
        return ours, None
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    model = model.double()
    with torch.no_grad():
        for i in (0, 2, 4):  # the same weights: Linear.weight is Dense.W transposed
            model[i].weight.copy_(torch.from_numpy(net.params[f"{i}.W"].T))
            model[i].bias.copy_(torch.from_numpy(net.params[f"{i}.b"]))
    xt = torch.tensor(x, requires_grad=True)  # so PyTorch computes dL/dx too, as backward does
    yt = torch.from_numpy(y)

    def theirs() -> object:
        model.zero_grad(set_to_none=True)
        xt.grad = None
        torch.nn.functional.cross_entropy(model(xt), yt).backward()
        return xt.grad

    return ours, theirs


def _conv(torch: ModuleType | None) -> tuple[Step, Step | None]:
    from backprop.conv import Conv2D

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 16, 32, 32))
    conv = Conv2D(16, 32, 3, rng=1)
    G = rng.normal(size=conv.forward(x).shape)

    def ours() -> object:
        conv.forward(x)
        return conv.backward(G)

    if torch is None:
        return ours, None
    xt = torch.tensor(x, requires_grad=True)
    w = torch.tensor(conv.params["W"], requires_grad=True)
    b = torch.tensor(conv.params["b"], requires_grad=True)
    Gt = torch.from_numpy(G)

    def theirs() -> object:
        xt.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(xt, w, b).backward(Gt)
        return xt.grad

    return ours, theirs


def _rnn(torch: ModuleType | None) -> tuple[Step, Step | None]:
    from backprop.rnn import RNN

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 50, 16))
    rnn = RNN(16, 128, return_sequences=True, rng=1)
    G = rng.normal(size=(32, 50, 128))

    def ours() -> object:
        rnn.forward(x)
        return rnn.backward(G)

    if torch is None:
        return ours, None
    model = torch.nn.RNN(16, 128, batch_first=True).double()
    with torch.no_grad():  # the same weights: W_x = weight_ih.T, W_h = weight_hh.T, b = b_ih + b_hh
        model.weight_ih_l0.copy_(torch.from_numpy(rnn.params["W_x"].T))
        model.weight_hh_l0.copy_(torch.from_numpy(rnn.params["W_h"].T))
        model.bias_ih_l0.copy_(torch.from_numpy(rnn.params["b"]))
        model.bias_hh_l0.zero_()
    xt = torch.tensor(x, requires_grad=True)
    Gt = torch.from_numpy(G)

    def theirs() -> object:
        model.zero_grad(set_to_none=True)
        xt.grad = None
        model(xt)[0].backward(Gt)
        return xt.grad

    return ours, theirs


CASES: dict[str, tuple[str, Callable[[ModuleType | None], tuple[Step, Step | None]]]] = {
    "mlp": ("MLP 784-256-128-10, batch 256", _mlp),
    "conv2d": ("Conv2D 3×3, (32, 16, 32, 32) → 32 filters", _conv),
    "rnn": ("RNN T=50, batch 32, 16 → 128, full BPTT", _rnn),
}
"""Workload key → (title, builder of the backprop step and the PyTorch step)."""


# --- other measurements -------------------------------------------------------------------


def import_time_ms(module: str = "backprop", *, repeats: int = 7) -> float:
    """Median wall time of ``import <module>`` in fresh interpreters, in milliseconds.

    Each run is a new ``python`` process, timed from inside it around the import statement
    alone. Bytecode caching is allowed (``PYTHONDONTWRITEBYTECODE`` is removed) and one
    uncounted run comes first, so the modules load from their compiled ``.pyc`` files as
    they do after ``pip install``.

    Examples:
        >>> from backprop.bench import import_time_ms
        >>> import_time_ms("json", repeats=1) > 0
        True
    """
    repeats = positive_int(repeats, "repeats")
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    root = str(Path(__file__).resolve().parent.parent)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    times = []
    for i in range(repeats + 1):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        if i > 0:  # the first run may compile and cache bytecode
            times.append(float(done.stdout))
    return 1e3 * statistics.median(times)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_info() -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        config: Any = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        info.update(name=blas.get("name"), version=blas.get("version"))
    except (TypeError, KeyError, AttributeError):  # NumPy < 1.25 has no mode="dicts"
        pass
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")  # optional: names the kernel in use
        for pool in threadpoolctl.threadpool_info():
            if pool.get("user_api") == "blas":
                info.update(kernel=pool.get("architecture"), threads=pool.get("num_threads"))
                break
    except ImportError:
        pass
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
    return info


def machine_info(torch: ModuleType | None = None) -> dict[str, Any]:
    """The machine and library versions a benchmark ran with.

    Args:
        torch: the imported ``torch`` module, or None.

    Examples:
        >>> from backprop.bench import machine_info
        >>> info = machine_info()
        >>> sorted(info)
        ['blas', 'cores', 'cpu', 'date', 'numpy', 'platform', 'python', 'torch']
        >>> info["torch"] is None
        True
    """
    torch_info: dict[str, Any] | None = None
    if torch is not None:
        config = torch.__config__.show()
        blas = next((p.split("=", 1)[1] for p in config.replace(",", " ").split() if p.startswith("BLAS_INFO=")), None)
        torch_info = {"version": torch.__version__, "threads": torch.get_num_threads(), "blas": blas}
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas_info(),
        "torch": torch_info,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# --- running and reporting ------------------------------------------------------------------


def _import_torch() -> ModuleType | None:
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return None
    return torch


def run_benchmark(
    *,
    rounds: int = 15,
    quick: bool = False,
    train: bool = True,
    use_torch: bool = True,
    log: Log = print,
) -> dict[str, Any]:
    """Run every measurement and return the results (the ``--json`` content).

    Args:
        rounds: rounds per workload (see `compare`).
        quick: shorter blocks and pauses and fewer import runs: a smoke test, not a measurement.
        train: also time training the digits CNN.
        use_torch: compare with PyTorch when it is installed.
        log: called with a line of progress for each measurement.

    Returns:
        A JSON-ready dict: ``machine``, ``settings``, ``cases`` (key → title, times, ratio,
        target), ``conv_loops``, ``import`` and, with ``train``, ``train`` (seconds, accuracies, ratio).

    Examples:
        >>> from backprop.bench import run_benchmark
        >>> r = run_benchmark(rounds=1, quick=True, train=False, use_torch=False, log=lambda line: None)
        >>> sorted(r), sorted(r["cases"]), sorted(r["cases"]["mlp"])
        (['cases', 'conv_loops', 'import', 'machine', 'settings'], ['conv2d', 'mlp', 'rnn'], \
['backprop_ms', 'target', 'title'])
    """
    rounds = positive_int(rounds, "rounds")
    torch = _import_torch() if use_torch else None
    block_s, pause_s = (0.02, 0.05) if quick else (0.1, PAUSE_S)
    results: dict[str, Any] = {
        "machine": machine_info(torch),
        "settings": {"rounds": rounds, "quick": quick, "block_s": block_s, "pause_s": pause_s},
        "cases": {},
    }
    if not use_torch:
        log("PyTorch left out (--no-torch): timing backprop alone.")
    elif torch is None:
        log(f"PyTorch is not installed ({install_hint('torch')}): timing backprop alone.")
    for key, (title, build) in CASES.items():
        ours, theirs = build(torch)
        timing = compare(ours, theirs, rounds=rounds, block_s=block_s, pause_s=pause_s)
        results["cases"][key] = {"title": title, **timing, "target": TARGETS[key]}
        log(f"{title}: " + _describe(timing))
    results["conv_loops"] = _conv_loops(rounds=max(1, rounds // 3), block_s=block_s, pause_s=pause_s)
    log(f"{results['conv_loops']['title']}: {results['conv_loops']['ratio']:.1f}× the vectorized Conv2D")
    repeats = 3 if quick else 7
    results["import"] = {
        "backprop_ms": import_time_ms("backprop", repeats=repeats),
        "numpy_ms": import_time_ms("numpy", repeats=repeats),
        "target_ms": TARGETS["import_ms"],
    }
    imp = results["import"]
    log(f"import backprop: {imp['backprop_ms']:.0f} ms (numpy alone {imp['numpy_ms']:.0f} ms)")
    if train:
        results["train"] = _train(torch, repeats=1 if quick else 3, pause_s=pause_s, log=log)
    return results


def _describe(t: Timing) -> str:
    text = f"backprop {_ms(t['backprop_ms'])}"
    if "ratio" in t:
        text += f", PyTorch {_ms(t['torch_ms'])}, ratio {t['ratio']:.2f}"
    return text


def _conv_loops(*, rounds: int, block_s: float, pause_s: float) -> dict[str, Any]:
    """The loop-by-loop reference convolution against the vectorized Conv2D, on the same input."""
    from backprop.conv import Conv2D, conv2d_backward_loop, conv2d_forward_loop

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 16, 32, 32))
    conv = Conv2D(16, 32, 3, rng=1)
    K, b = conv.params["W"], conv.params["b"]
    G = rng.normal(size=conv.output_shape(x.shape))

    def loops() -> object:
        conv2d_forward_loop(x, K, b)
        return conv2d_backward_loop(x, K, G)

    def vectorized() -> object:
        conv.forward(x)
        return conv.backward(G)

    t = compare(loops, vectorized, rounds=rounds, block_s=block_s, pause_s=pause_s)
    return {
        "title": "Conv2D as loops over output positions (the reference), same input",
        "loops_ms": t["backprop_ms"],
        "backprop_ms": t["torch_ms"],
        "ratio": t["ratio"],
    }


TRAIN_SETTINGS: dict[str, Any] = {"epochs": 15, "batch_size": 32, "lr": 0.01, "decay": 0.8, "seed": 0}
"""The digits CNN schedule that is timed, the same on both sides (``train_digits``' defaults)."""


def _train(torch: ModuleType | None, *, repeats: int, pause_s: float, log: Log) -> dict[str, Any]:
    """Train the digits CNN with backprop and, if available, the same network and schedule in PyTorch.

    The two trainings alternate ``repeats`` times; times and ratio are medians.
    """
    from backprop.examples.cnn import load_digits_split, train_digits

    s = TRAIN_SETTINGS
    load_digits_split()  # read the data set once, outside the timed region
    ours: list[float] = []
    theirs: list[float] = []
    ratios: list[float] = []
    acc = torch_acc = 0.0
    for _ in range(repeats):
        time.sleep(pause_s)
        result = train_digits(**s)
        ours.append(result.seconds)
        acc = result.test_accuracy
        if torch is not None:
            time.sleep(pause_s)
            seconds, torch_acc = _train_torch(torch)
            theirs.append(seconds)
            ratios.append(ours[-1] / seconds)
    out: dict[str, Any] = {
        "title": f"digits CNN: {s['epochs']} epochs of Adam, batch {s['batch_size']}",
        "backprop_s": statistics.median(ours),
        "backprop_accuracy": acc,
        "repeats": repeats,
        **s,
    }
    log(f"digits CNN with backprop: {out['backprop_s']:.2f} s, test accuracy {acc:.4f}")
    if torch is not None:
        out.update(torch_s=statistics.median(theirs), torch_accuracy=torch_acc, ratio=statistics.median(ratios))
        log(f"digits CNN with PyTorch: {out['torch_s']:.2f} s, test accuracy {torch_acc:.4f}")
    return out


def _train_torch(torch: ModuleType) -> tuple[float, float]:
    """The digits CNN in PyTorch: same initial weights, batches, optimizer and learning-rate decay."""
    from backprop._check import make_rng
    from backprop.examples.cnn import build_cnn, load_digits_split

    s = TRAIN_SETTINGS
    rng = make_rng(s["seed"])
    net = build_cnn(rng)  # the generator then shuffles the batches, exactly as train_digits does
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(512, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    ).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(net.params["0.W"]))
        model[0].bias.copy_(torch.from_numpy(net.params["0.b"]))
        for i in (4, 6):
            model[i].weight.copy_(torch.from_numpy(net.params[f"{i}.W"].T))
            model[i].bias.copy_(torch.from_numpy(net.params[f"{i}.b"]))
    data = load_digits_split()
    x_train, y_train = torch.from_numpy(np.array(data.x_train)), torch.from_numpy(np.array(data.y_train))
    x_test, y_test = torch.from_numpy(np.array(data.x_test)), torch.from_numpy(np.array(data.y_test))
    opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
    n, acc = len(y_train), 0.0
    start = time.perf_counter()
    for _ in range(s["epochs"]):
        order = torch.from_numpy(rng.permutation(n))
        for i in range(0, n, s["batch_size"]):
            idx = order[i : i + s["batch_size"]]
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
        for group in opt.param_groups:
            group["lr"] *= s["decay"]
        with torch.no_grad():
            acc = float((model(x_test).argmax(dim=1) == y_test).double().mean())
    return time.perf_counter() - start, acc


def results_table(results: dict[str, Any]) -> str:
    """A Markdown table of a results dict (as written by ``--json``).

    Examples:
        >>> from backprop.bench import results_table
        >>> r = {"cases": {"mlp": {"title": "MLP", "backprop_ms": 2.0, "torch_ms": 2.5,
        ...                        "ratio": 0.8, "target": 1.05}},
        ...      "import": {"backprop_ms": 120.0, "numpy_ms": 100.0, "target_ms": 150.0},
        ...      "train": {"title": "digits CNN", "backprop_s": 2.0, "backprop_accuracy": 0.99}}
        >>> print(results_table(r))
        | measurement | backprop | PyTorch | ratio | target |
        | --- | ---: | ---: | ---: | ---: |
        | MLP: forward + backward | 2.00 ms | 2.50 ms | 0.80× | ≤ 1.05× |
        | `import backprop` (NumPy alone: 100 ms) | 120 ms | | | ≤ 150 ms |
        | digits CNN: training time (test accuracy) | 2.00 s (99.0%) | not installed |  | accuracy ≥ 98% |
    """
    lines = ["| measurement | backprop | PyTorch | ratio | target |", "| --- | ---: | ---: | ---: | ---: |"]
    for case in results.get("cases", {}).values():
        ratio = f"{case['ratio']:.2f}×" if "ratio" in case else ""
        torch_ms = _ms(case["torch_ms"]) if "torch_ms" in case else "not installed"
        lines.append(
            f"| {case['title']}: forward + backward | {_ms(case['backprop_ms'])} | {torch_ms} | {ratio} "
            f"| ≤ {case['target']:.3g}× |"
        )
    loops = results.get("conv_loops")
    if loops:
        lines.append(f"| {loops['title']} | {_ms(loops['loops_ms'])} | | {loops['ratio']:.1f}× `Conv2D` | |")
    imp = results.get("import")
    if imp:
        lines.append(
            f"| `import backprop` (NumPy alone: {imp['numpy_ms']:.0f} ms) | {imp['backprop_ms']:.0f} ms | | "
            f"| ≤ {imp['target_ms']:.0f} ms |"
        )
    tr = results.get("train")
    if tr:
        ours = f"{tr['backprop_s']:.2f} s ({100 * tr['backprop_accuracy']:.1f}%)"
        theirs = f"{tr['torch_s']:.2f} s ({100 * tr['torch_accuracy']:.1f}%)" if "torch_s" in tr else "not installed"
        ratio = f"{tr['ratio']:.2f}×" if "ratio" in tr else ""
        lines.append(f"| {tr['title']}: training time (test accuracy) | {ours} | {theirs} | {ratio} | accuracy ≥ 98% |")
    return "\n".join(lines)


def machine_summary(results: dict[str, Any]) -> str:
    """One sentence naming the machine, versions and BLAS of a results dict.

    Examples:
        >>> from backprop.bench import machine_summary
        >>> m = {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.7", "numpy": "2.4.6",
        ...      "blas": {"name": "scipy-openblas", "version": "0.3.31", "kernel": "SkylakeX", "threads": 2},
        ...      "torch": {"version": "2.13.0+cpu", "threads": 2, "blas": "mkl"}, "date": "2026-01-01 00:00 UTC"}
        >>> for part in machine_summary({"machine": m, "settings": {"rounds": 15}}).split("; "):
        ...     print(part)
        AMD EPYC, 2 cores
        Python 3.11.7
        NumPy 2.4.6 with scipy-openblas 0.3.31 (SkylakeX kernel, 2 threads)
        PyTorch 2.13.0+cpu (mkl, 2 threads)
        float64
        15 rounds
        measured 2026-01-01 00:00 UTC.
    """
    m = results["machine"]
    blas = m.get("blas") or {}
    blas_text = " ".join(str(blas[k]) for k in ("name", "version") if blas.get(k))
    detail = [f"{blas['kernel']} kernel"] if blas.get("kernel") else []
    detail += [f"{blas['threads']} threads"] if blas.get("threads") else []
    if detail:
        blas_text += " (" + ", ".join(detail) + ")"
    torch = m.get("torch")
    torch_text = f"PyTorch {torch['version']} ({torch['blas']}, {torch['threads']} threads)" if torch else "no PyTorch"
    rounds = results.get("settings", {}).get("rounds")
    return (
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}; NumPy {m['numpy']} with {blas_text}; "
        f"{torch_text}; float64; {rounds} rounds; measured {m['date']}."
    )


def _ms(v: float) -> str:
    return f"{v:#.3g} ms" if v < 100 else f"{v:.0f} ms"


def load_results(path: str | Path | None = None) -> dict[str, Any]:
    """Read a results file written by ``python -m backprop bench --json FILE``.

    Args:
        path: the file; None for `RESULTS_FILE`, the one committed with the docs.

    Raises:
        FileNotFoundError: no such file (the committed one exists only in a source checkout).
        ValueError: the file is not a results object.

    Examples:
        >>> from backprop.bench import load_results
        >>> results = load_results()          # the committed docs/bench-results.json
        >>> sorted(results["cases"]), results["settings"]["quick"]
        (['conv2d', 'mlp', 'rnn'], False)
    """
    path = RESULTS_FILE if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark results at {path}: run python -m backprop bench --json {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "cases" not in data or "machine" not in data:
        raise ValueError(f"{path} is not a benchmark results file (no 'cases' and 'machine' keys)")
    return data


# --- the command ----------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m backprop bench``.

    Examples:
        >>> import argparse
        >>> from backprop.bench import add_arguments
        >>> parser = argparse.ArgumentParser()
        >>> add_arguments(parser)
        >>> args = parser.parse_args(["--quick", "--json", "out.json"])
        >>> args.quick, args.rounds, args.json, args.no_train, args.no_torch
        (True, None, 'out.json', False, False)
    """
    parser.add_argument("--rounds", type=int, default=None, help="rounds per workload (default: 15, --quick: 3)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run: short blocks, few rounds")
    parser.add_argument("--no-train", action="store_true", help="skip timing the digits CNN training")
    parser.add_argument("--no-torch", action="store_true", help="time backprop alone even if PyTorch is installed")
    parser.add_argument("--json", metavar="FILE", help="write the results, with machine and versions, to FILE")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark, print a table, optionally write ``--json`` and ``--plot``."""
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 15)
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(
            f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set and may pick a slower BLAS kernel; "
            "unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command to measure the default one."
        )
    results = run_benchmark(rounds=rounds, quick=args.quick, train=not args.no_train, use_torch=not args.no_torch)
    print()
    print(results_table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")
    if args.plot:
        from backprop.plots import save
        from backprop.plots.perf import perf_figure

        print(f"wrote {save(perf_figure(results), args.plot)}")
    return 0
