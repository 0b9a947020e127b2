"""Save a layer's parameters to a ``.npz`` file and load them back, for any `Layer`.

The file holds one array per entry of ``layer.params`` (keys such as ``"0.W"`` for a
`Sequential`) and nothing else: it is read with ``allow_pickle=False``, so
loading a file can never run code. Loading checks that the file has exactly the layer's keys,
reads each array's header and checks its dtype and shape before reading its data, then checks
its values are finite floats, all before anything is copied: a mismatched, corrupt or crafted
file leaves the layer untouched and allocates no more than the layer's own size.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path
from typing import IO

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

    Raises:
        ValueError: ``path`` does not end in ``.npz``, or a parameter holds NaN or inf (the
            same rule as `load_params`; nothing is written).

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
    for k, a in arrays.items():  # checked before the file is opened: an existing file stays as it was
        if not np.isfinite(a).all():
            raise ValueError(
                f"parameter {k!r} contains NaN or inf: not saved to {p.name} (it could not be loaded back)"
            )
    with p.open("wb") as fh:  # a file object keeps numpy from appending a second ".npz"
        np.savez(fh, **arrays)  # type: ignore[arg-type]
    return p


def load_params(layer: Layer, path: str | os.PathLike[str]) -> Layer:
    """Copy the arrays of the ``.npz`` file ``path`` into ``layer.params``, in place.

    The archive is read member by member: each ``.npy`` header's dtype and shape are checked
    against the layer's parameter before its data is read, so a crafted header that claims
    a huge array costs nothing, and a corrupt, truncated or crafted file is one ``ValueError``
    that names the file and what is wrong, with the layer untouched.

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
    params = layer.params
    try:
        with p.open("rb") as fh:
            if fh.read(len(_NPY_MAGIC)) == _NPY_MAGIC:
                raise ValueError(f"{p.name} holds a single array, not an .npz archive of named parameters")
            fh.seek(0)
            with zipfile.ZipFile(fh) as archive:
                loaded = _read_archive(archive, params, p.name)
    except _UNREADABLE as exc:
        raise ValueError(f"{p.name} is not a readable .npz parameter file: {exc}") from exc
    for k, target in params.items():
        target[...] = loaded[k]
    return layer


_NPY_MAGIC = b"\x93NUMPY"
"""The first bytes of a ``.npy`` file (an ``.npz`` archive starts with ``PK``)."""


class _UnreadableError(ValueError):
    """A member that is not a plain float array: reported as an unreadable parameter file."""


_UNREADABLE = (
    _UnreadableError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
    NotImplementedError, RuntimeError, KeyError,
)
"""What ``zipfile`` and ``zlib`` raise for a corrupt, truncated, encrypted or oddly compressed archive."""


def _read_archive(archive: zipfile.ZipFile, params: dict[str, Array], name: str) -> dict[str, Array]:
    """Every parameter of ``archive``, checked against ``params`` key by key, header before data."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise ValueError(f"{name} has a member {info.filename!r} that is not a .npy array")
        key = info.filename[: -len(".npy")]
        if key in members:
            raise ValueError(f"{name} holds parameter {key!r} twice")
        members[key] = info
    if set(members) != set(params):
        missing, extra = sorted(set(params) - set(members)), sorted(set(members) - set(params))
        raise ValueError(
            f"{name} does not match the layer: expected keys {sorted(params)}, "
            f"missing {missing}, unexpected {extra}"
        )
    loaded = {}
    for k, target in params.items():
        with archive.open(members[k]) as member:
            loaded[k] = _read_member(member, k, target.shape, name)
    return loaded


def _read_member(member: IO[bytes], key: str, shape: tuple[int, ...], name: str) -> Array:
    """One ``.npy`` member: its header checked against ``shape`` first, then exactly its data."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            header = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            header = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    except ValueError as exc:
        raise _UnreadableError(f"parameter {key!r} has no valid .npy header: {exc}") from exc
    found, fortran_order, dtype = header
    if found != shape:
        raise ValueError(f"parameter {key!r} in {name} has shape {found}, the layer expects {shape}")
    if dtype.hasobject:
        raise _UnreadableError(f"parameter {key!r} holds Python objects (dtype {dtype}), not floats")
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"parameter {key!r} in {name} must hold floats, got dtype {dtype}")
    nbytes = dtype.itemsize * int(np.prod(shape))  # the layer's own size: the header cannot inflate it
    data = member.read(nbytes)
    if len(data) != nbytes:
        raise _UnreadableError(f"parameter {key!r} is truncated: {len(data)} of {nbytes} bytes")
    if member.read(1):  # also reaches the member's end, where zipfile checks its CRC
        raise _UnreadableError(f"parameter {key!r} has data beyond its {nbytes} bytes")
    arr = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
    if not np.isfinite(arr).all():
        raise ValueError(f"parameter {key!r} in {name} contains NaN or inf")
    return arr.astype(np.float64)
