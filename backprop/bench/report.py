"""The benchmark's results: the machine they came from, a table, and the ``--json`` file.

A results dict is what `backprop.bench.run_benchmark` returns: ``machine``, ``settings``,
``threads``, ``peak``, ``cases``, ``conv_loops``, ``import`` and, when the training was timed,
``train``. `results_table` shows the times and ratios, `rates_table` the FLOP rates against
the peak; a figure whose spread (``entry["spread"][key]``) is not ``stable`` is shown as
*unstable* with its range, never as a single number. The file it is saved to is always an
argument: `save_results` writes one and `load_results` reads it.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import platform
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

__all__ = [
    "describe",
    "load_results",
    "machine_info",
    "machine_summary",
    "rates_table",
    "results_table",
    "save_results",
]


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


def _spread(entry: dict[str, Any], key: str) -> dict[str, Any] | None:
    spread: dict[str, Any] | None = entry.get("spread", {}).get(key)
    return spread


def _stable(entry: dict[str, Any], key: str) -> bool:
    spread = _spread(entry, key)
    return spread is None or bool(spread["stable"])


def _with_range(entry: dict[str, Any], key: str, fmt: str, unit: str = "", scale: float = 1.0) -> str:
    """``entry[key]`` (times ``scale``) with its min–max, or "unstable" and the min–max when it did not hold still."""
    spread = _spread(entry, key)
    value = f"{scale * entry[key]:{fmt}}{unit}"
    if spread is None:
        return value
    span = f"{scale * spread['min']:{fmt}}–{scale * spread['max']:{fmt}}{unit}"
    return f"{value} ({span})" if spread["stable"] else f"unstable ({span})"


def _time(entry: dict[str, Any], key: str) -> str:
    """A time in ms (or s, for keys ending in ``_s``) with its range; times are never called unstable."""
    spread = _spread(entry, key)
    seconds = key.endswith("_s")
    text = f"{entry[key]:.2f} s" if seconds else _ms(entry[key])
    if spread is not None:
        low, high = (f"{spread[k]:.2f}" if seconds else _ms(spread[k]).removesuffix(" ms") for k in ("min", "max"))
        text += f" ({low}–{high})"
    return text


def _ratio(entry: dict[str, Any]) -> str:
    return _with_range(entry, "ratio", ".2f", "×") if "ratio" in entry else ""


def _percent(entry: dict[str, Any], key: str) -> str:
    return _with_range(entry, key, ".0f", "%", scale=100.0) if key in entry else ""


def _gflops(entry: dict[str, Any], key: str) -> str:
    if key not in entry:
        return "not installed"
    spread = _spread(entry, key)
    text = f"{entry[key]:.3g}"
    return text + (f" ({spread['min']:.3g}–{spread['max']:.3g})" if spread is not None else "")


def describe(entry: dict[str, Any]) -> str:
    """One line for a measured workload: times, ratio, rate and fraction of the peak.

    Examples:
        >>> from backprop.bench import describe
        >>> entry = {"backprop_ms": 20.0, "torch_ms": 30.0, "ratio": 0.67, "backprop_gflops": 45.0,
        ...          "backprop_of_peak": 0.3, "spread": {"ratio": {"min": 0.6, "max": 0.9, "stable": False}}}
        >>> print(describe(entry))
        backprop 20.0 ms, PyTorch 30.0 ms, ratio unstable (0.60–0.90×), 45 GFLOP/s = 30% of the peak
    """
    seconds = "backprop_s" in entry
    text = f"backprop {_time(entry, 'backprop_s') if seconds else _ms(entry['backprop_ms'])}"
    if "ratio" in entry:
        text += f", PyTorch {_time(entry, 'torch_s') if seconds else _ms(entry['torch_ms'])}, ratio {_ratio(entry)}"
    if "backprop_gflops" in entry:
        text += f", {entry['backprop_gflops']:.3g} GFLOP/s"
    if "backprop_of_peak" in entry:
        text += f" = {_percent(entry, 'backprop_of_peak')} of the peak"
    return text


def results_table(results: dict[str, Any]) -> str:
    """A Markdown table of a results dict (as written by ``--json``): times, ratios and targets.

    Each time is the median over the rounds, with the smallest and largest in brackets; a
    ratio that did not hold still (see `backprop.bench.summarize`) reads "unstable".

    Examples:
        >>> from backprop.bench import results_table
        >>> r = {"cases": {"mlp": {"title": "MLP", "backprop_ms": 2.0, "torch_ms": 2.5,
        ...                        "ratio": 0.8, "target": 1.05}},
        ...      "import": {"backprop_ms": 120.0, "numpy_ms": 100.0, "target_ms": 150.0},
        ...      "train": {"title": "digits CNN", "backprop_s": 2.0, "backprop_accuracy": 0.99, "target": 1.0}}
        >>> print(results_table(r))
        | measurement | backprop | PyTorch | ratio | target |
        | --- | ---: | ---: | ---: | ---: |
        | MLP: forward + backward | 2.00 ms | 2.50 ms | 0.80× | ≤ 1.05× |
        | `import backprop` (NumPy alone: 100 ms) | 120 ms | | | ≤ 150 ms |
        | digits CNN: training time (test accuracy) | 2.00 s (99.0%) | not installed |  | ≤ 1×, accuracy ≥ 98% |
    """
    lines = ["| measurement | backprop | PyTorch | ratio | target |", "| --- | ---: | ---: | ---: | ---: |"]
    for case in results.get("cases", {}).values():
        torch_ms = _time(case, "torch_ms") if "torch_ms" in case else "not installed"
        lines.append(
            f"| {case['title']}: forward + backward | {_time(case, 'backprop_ms')} | {torch_ms} | {_ratio(case)} "
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
        ours = f"{_time(tr, 'backprop_s')} ({100 * tr['backprop_accuracy']:.1f}%)"
        theirs = f"{_time(tr, 'torch_s')} ({100 * tr['torch_accuracy']:.1f}%)" if "torch_s" in tr else "not installed"
        target = f"≤ {tr['target']:.3g}×, accuracy ≥ 98%" if "target" in tr else "accuracy ≥ 98%"
        lines.append(f"| {tr['title']}: training time (test accuracy) | {ours} | {theirs} | {_ratio(tr)} | {target} |")
    return "\n".join(lines)


def rates_table(results: dict[str, Any]) -> str:
    """A Markdown table of the work of each workload, the GFLOP/s each library reaches, and their fraction of the peak.

    The first row is the peak itself: the rate of a large float64 matrix product in NumPy
    (and in PyTorch), timed in the same run. A fraction of the peak is the median over the
    rounds of (rate in the round / rate of the peak block of the same round).

    Examples:
        >>> from backprop.bench import rates_table
        >>> r = {"peak": {"title": "float64 GEMM 2048×2048", "gflop": 17.2, "backprop_gflops": 150.0,
        ...               "torch_gflops": 160.0},
        ...      "cases": {"conv2d": {"title": "Conv2D", "gflop": 0.906, "backprop_gflops": 60.0,
        ...                           "backprop_of_peak": 0.4, "torch_gflops": 40.0, "torch_of_peak": 0.27,
        ...                           "peak_target": 0.35}}}
        >>> print(rates_table(r))
        | workload | work | backprop GFLOP/s | of the peak | PyTorch GFLOP/s | of the peak | target |
        | --- | ---: | ---: | ---: | ---: | ---: | ---: |
        | float64 GEMM 2048×2048 (the peak) | 17.2 GFLOP | 150 | 100% | 160 | | |
        | Conv2D | 0.906 GFLOP | 60 | 40% | 40 | 27% | ≥ 35% |
    """
    lines = [
        "| workload | work | backprop GFLOP/s | of the peak | PyTorch GFLOP/s | of the peak | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    peak = results.get("peak")
    if peak:
        lines.append(
            f"| {peak['title']} (the peak) | {peak['gflop']:.3g} GFLOP | {_gflops(peak, 'backprop_gflops')} | 100% "
            f"| {_gflops(peak, 'torch_gflops')} | | |"
        )
    entries = list(results.get("cases", {}).values())
    if results.get("train"):
        entries.append(results["train"])
    for e in entries:
        if "gflop" not in e:
            continue
        target = f"≥ {100 * e['peak_target']:.0f}%" if "peak_target" in e else ""
        lines.append(
            f"| {e['title']} | {e['gflop']:.3g} GFLOP | {_gflops(e, 'backprop_gflops')} | "
            f"{_percent(e, 'backprop_of_peak')} | {_gflops(e, 'torch_gflops')} | {_percent(e, 'torch_of_peak')} "
            f"| {target} |"
        )
    return "\n".join(lines)


def machine_summary(results: dict[str, Any]) -> str:
    """One sentence naming the machine, versions, BLAS and threads of a results dict.

    Examples:
        >>> from backprop.bench import machine_summary
        >>> m = {"cpu": "AMD EPYC", "cores": 2, "python": "3.11.7", "numpy": "2.4.6",
        ...      "blas": {"name": "scipy-openblas", "version": "0.3.31", "kernel": "SkylakeX", "threads": 2},
        ...      "torch": {"version": "2.13.0+cpu", "threads": 2, "blas": "mkl"}, "date": "2026-01-01 00:00 UTC"}
        >>> r = {"machine": m, "settings": {"rounds": 16, "passes": 2}, "threads": {"numpy": 2, "torch": 2}}
        >>> for part in machine_summary(r).split("; "):
        ...     print(part)
        AMD EPYC, 2 cores
        Python 3.11.7
        NumPy 2.4.6 with scipy-openblas 0.3.31 (SkylakeX kernel, 2 threads)
        PyTorch 2.13.0+cpu (mkl, 2 threads)
        float64
        16 rounds in 2 passes
        measured 2026-01-01 00:00 UTC.
    """
    m = results["machine"]
    threads = results.get("threads") or {}
    blas = m.get("blas") or {}
    blas_text = " ".join(str(blas[k]) for k in ("name", "version") if blas.get(k))
    numpy_threads = threads.get("numpy") or blas.get("threads")
    detail = [f"{blas['kernel']} kernel"] if blas.get("kernel") else []
    detail += [f"{numpy_threads} threads"] if numpy_threads else []
    if detail:
        blas_text += " (" + ", ".join(detail) + ")"
    torch = m.get("torch")
    torch_threads = threads.get("torch") or (torch or {}).get("threads")
    torch_text = f"PyTorch {torch['version']} ({torch['blas']}, {torch_threads} threads)" if torch else "no PyTorch"
    settings = results.get("settings", {})
    rounds = f"{settings.get('rounds')} rounds"
    if settings.get("passes", 1) > 1:
        rounds += f" in {settings['passes']} passes"
    return (
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}; NumPy {m['numpy']} with {blas_text}; "
        f"{torch_text}; float64; {rounds}; measured {m['date']}."
    )


def _ms(v: float) -> str:
    return f"{v:#.3g} ms" if v < 100 else f"{v:.0f} ms"


def save_results(results: dict[str, Any], path: str | Path) -> Path:
    """Write ``results`` to ``path`` as JSON (UTF-8, indented), for `load_results` to read.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from backprop.bench import load_results, save_results
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = save_results({"machine": {}, "cases": {}}, Path(folder) / "r.json")
        ...     load_results(path)
        {'machine': {}, 'cases': {}}
    """
    path = Path(path)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_results(path: str | Path) -> dict[str, Any]:
    """Read a results file written by ``python -m backprop bench --json FILE``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not a results object.

    Examples:
        >>> from backprop.bench import load_results
        >>> load_results("missing.json")
        Traceback (most recent call last):
        ...
        FileNotFoundError: no benchmark results at missing.json: run python -m backprop bench --json missing.json
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark results at {path}: run python -m backprop bench --json {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "cases" not in data or "machine" not in data:
        raise ValueError(f"{path} is not a benchmark results file (no 'cases' and 'machine' keys)")
    return data
