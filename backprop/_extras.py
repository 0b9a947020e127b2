"""Optional dependencies: what to install for each, in one place.

The distribution is ``backprop-from-scratch`` (the import name stays ``backprop``): the name
``backprop`` on PyPI belongs to another project, so an install hint never names it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

DIST_NAME = "backprop-from-scratch"
"""The name to ``pip install``."""

EXTRAS: dict[str, str] = {"matplotlib": "docs", "torch": "torch", "mkdocs": "docs", "playwright": "browser"}
"""Optional module → the extra that brings it."""


def install_hint(extra: str) -> str:
    """The command that installs ``extra``, from PyPI and from a checkout.

    Examples:
        >>> from backprop._extras import install_hint
        >>> print(install_hint("torch"))
        pip install 'backprop-from-scratch[torch]' (from a checkout: pip install -e '.[torch]')
    """
    return f"pip install '{DIST_NAME}[{extra}]' (from a checkout: pip install -e '.[{extra}]')"


def require_module(name: str, purpose: str) -> ModuleType:
    """Import the optional module ``name``, or raise an ImportError saying what to install.

    Examples:
        >>> from backprop._extras import require_module
        >>> require_module("numpy", "arrays").__name__
        'numpy'
        >>> require_module("matplotlib_is_not_a_module", "figures")
        Traceback (most recent call last):
        ...
        ImportError: figures need matplotlib_is_not_a_module, which is not installed
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = EXTRAS.get(name)
        hint = f": {install_hint(extra)}" if extra else ""
        raise ImportError(f"{purpose} need {name}, which is not installed{hint}") from exc
