"""How many threads NumPy's BLAS runs, and setting it: so that both libraries get the same number.

NumPy has no function that reports its BLAS threads. `blas_threads` asks, in turn,
``threadpoolctl`` (if it is installed), the OpenBLAS library NumPy has loaded (through
``ctypes``, on Linux), and the ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS`` variables, which
OpenBLAS reads when it starts. `set_blas_threads` sets the count the same two ways.
"""

from __future__ import annotations

import ctypes
import importlib
import os
from pathlib import Path
from typing import Any

from backprop._check import positive_int

__all__ = ["ENV_VARS", "blas_threads", "set_blas_threads"]

ENV_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
"""The variables OpenBLAS reads for its thread count when it is loaded, first one set wins."""

_NAMES = ("scipy_openblas_{}64_", "scipy_openblas_{}", "openblas_{}64_", "openblas_{}")
"""How the OpenBLAS builds NumPy ships with name their functions (``{}``: the function)."""


def _threadpoolctl() -> Any | None:
    try:
        return importlib.import_module("threadpoolctl")
    except ImportError:
        return None


def _openblas_function(name: str) -> Any | None:
    """The OpenBLAS function ``name`` (``get_num_threads``) of a library this process has loaded."""
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8")
    except OSError:  # not Linux
        return None
    libraries = {line.split()[-1] for line in maps.splitlines() if "openblas" in line.rsplit("/", 1)[-1].lower()}
    for path in sorted(libraries):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for pattern in _NAMES:
            function = getattr(library, pattern.format(name), None)
            if function is not None:
                return function
    return None


def blas_threads() -> tuple[int | None, str]:
    """NumPy's BLAS thread count and where it was read, or ``(None, why not)``.

    Examples:
        >>> from backprop.bench.threads import blas_threads
        >>> threads, source = blas_threads()
        >>> threads is None or threads >= 1, isinstance(source, str)
        (True, True)
    """
    tpc = _threadpoolctl()
    if tpc is not None:
        for pool in tpc.threadpool_info():
            if pool.get("user_api") == "blas":
                return int(pool["num_threads"]), f"threadpoolctl ({pool.get('internal_api')})"
    function = _openblas_function("get_num_threads")
    if function is not None:
        function.restype = ctypes.c_int
        return int(function()), "OpenBLAS"
    for var in ENV_VARS:
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var]), var
    return None, "unknown: no threadpoolctl, no OpenBLAS found, and neither of " + " nor ".join(ENV_VARS) + " set"


def set_blas_threads(threads: int) -> bool:
    """Set NumPy's BLAS thread count; False if neither threadpoolctl nor OpenBLAS could be reached.

    Examples:
        >>> from backprop.bench.threads import blas_threads, set_blas_threads
        >>> before, _ = blas_threads()
        >>> set_blas_threads(1), blas_threads()[0]
        (True, 1)
        >>> set_blas_threads(before or 1)
        True
    """
    threads = positive_int(threads, "threads")
    tpc = _threadpoolctl()
    if tpc is not None and any(p.get("user_api") == "blas" for p in tpc.threadpool_info()):
        tpc.threadpool_limits(threads, user_api="blas")
        return True
    function = _openblas_function("set_num_threads")
    if function is None:
        return False
    function.argtypes = [ctypes.c_int]
    function(threads)
    return True
