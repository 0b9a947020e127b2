"""Save a layer's parameters to a ``.npz`` file and load them back, for any `Layer`.

The file holds one array per entry of ``layer.params`` (keys such as ``"0.W"`` for a
`Sequential`) and nothing else: it is read with ``allow_pickle=False``, so
loading a file can never run code. Loading checks that the file has exactly the layer's keys,
shapes and finite float values before anything is copied, so a mismatched file leaves the layer
untouched.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from backprop._types import Array
from backprop.layers import Layer, as_layer

__all__ = ["load_params", "save_params"]


def _npz_path(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    p = Path(path)
    if p.suffix.lower() != ".npz":
        raise ValueError(f"parameter files end in .npz, got {p.name!r}")
    return p


def save_params(layer: Layer, path: str | os.PathLike[str]) -> Path:
    """Write every array of ``layer.params`` to the ``.npz`` file ``path`` (overwritten if it exists).

    Args:
        layer: any layer or `Sequential`.
        path: the file to write; must end in ``.npz``.

    Returns:
        The path written.

    Examples:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> import backprop as bp
        >>> net = bp.Sequential(bp.Dense(2, 3, rng=0), bp.Tanh(), bp.Dense(3, 1, rng=1))
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.npz"
        >>> sorted(np.load(bp.save_params(net, path)).files)
        ['0.W', '0.b', '2.W', '2.b']
    """
    layer = as_layer(layer, "layer")
    p = _npz_path(path)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in layer.params.items()}
    with p.open("wb") as fh:  # a file object keeps numpy from appending a second ".npz"
        np.savez(fh, **arrays)  # type: ignore[arg-type]
    return p


def load_params(layer: Layer, path: str | os.PathLike[str]) -> Layer:
    """Copy the arrays of the ``.npz`` file ``path`` into ``layer.params``, in place.

    Args:
        layer: a layer built with the same architecture as the one saved.
        path: a file written by `save_params`.

    Returns:
        ``layer`` itself.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a readable ``.npz`` archive of plain arrays, or its keys,
            shapes or values do not fit ``layer`` (the message names expected and found).

    Examples:
        >>> import tempfile, pathlib
        >>> import numpy as np
        >>> import backprop as bp
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "dense.npz"
        >>> _ = bp.save_params(bp.Dense(2, 3, rng=0), path)
        >>> fresh = bp.load_params(bp.Dense(2, 3, rng=99), path)
        >>> np.array_equal(fresh.params["W"], bp.Dense(2, 3, rng=0).params["W"])
        True
        >>> bp.load_params(bp.Dense(3, 3, rng=0), path)
        Traceback (most recent call last):
        ...
        ValueError: parameter 'W' in dense.npz has shape (2, 3), the layer expects (3, 3)
    """
    layer = as_layer(layer, "layer")
    p = _npz_path(path)
    if not p.is_file():
        raise FileNotFoundError(f"no parameter file at {str(p)!r}")
    loaded: dict[str, Array] | None = None
    try:
        with p.open("rb") as fh:  # our own handle: closed even when numpy gives up half-way
            data = np.load(fh, allow_pickle=False)
            if isinstance(data, np.lib.npyio.NpzFile):
                loaded = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise ValueError(f"{p.name} is not a readable .npz parameter file: {exc}") from exc
    if loaded is None:
        raise ValueError(f"{p.name} holds a single array, not an .npz archive of named parameters")
    params = layer.params
    if set(loaded) != set(params):
        missing, extra = sorted(set(params) - set(loaded)), sorted(set(loaded) - set(params))
        raise ValueError(
            f"{p.name} does not match the layer: expected keys {sorted(params)}, "
            f"missing {missing}, unexpected {extra}"
        )
    for k, target in params.items():
        arr = loaded[k]
        if arr.shape != target.shape:
            raise ValueError(f"parameter {k!r} in {p.name} has shape {arr.shape}, the layer expects {target.shape}")
        if not np.issubdtype(arr.dtype, np.floating):
            raise ValueError(f"parameter {k!r} in {p.name} must hold floats, got dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError(f"parameter {k!r} in {p.name} contains NaN or inf")
    for k, target in params.items():
        target[...] = loaded[k]
    return layer
