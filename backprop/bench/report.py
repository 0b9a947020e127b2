"""The benchmark's results: the machine they came from, a table, and the ``--json`` file.

A results dict is what `backprop.bench.run_benchmark` returns: ``machine``, ``settings``,
``cases``, ``conv_loops``, ``import`` and, when the training was timed, ``train``. The file
it is saved to is always an argument: `save_results` writes one and `load_results` reads it.
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

__all__ = ["load_results", "machine_info", "machine_summary", "results_table", "save_results"]


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
