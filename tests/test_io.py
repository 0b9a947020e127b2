"""Saving and loading parameters: round trips, and every way a file can be wrong."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.examples.digits import build_cnn


def test_save_load_round_trip_for_any_layer(tmp_path: Path) -> None:
    pairs: list[tuple[bp.Layer, bp.Layer]] = [
        (bp.Dense(3, 2, rng=0), bp.Dense(3, 2, rng=1)),
        (bp.Conv2D(2, 3, 3, rng=0), bp.Conv2D(2, 3, 3, rng=1)),
        (build_cnn(0), build_cnn(1)),
    ]
    for layer, fresh in pairs:
        path = bp.save_params(layer, tmp_path / "p.npz")
        assert path == tmp_path / "p.npz"
        originals = [a for a in fresh.params.values()]
        assert bp.load_params(fresh, path) is fresh
        for k, v in layer.params.items():
            np.testing.assert_array_equal(fresh.params[k], v)
        assert all(a is b for a, b in zip(originals, fresh.params.values(), strict=True))  # updated in place


def test_loaded_model_predicts_the_same(tmp_path: Path) -> None:
    x = np.random.default_rng(0).normal(size=(4, 1, 8, 8))
    net = build_cnn(5)
    path = bp.save_params(net, tmp_path / "net.npz")
    np.testing.assert_array_equal(bp.load_params(build_cnn(6), path).forward(x), net.forward(x))


def _write_npz(path: Path, **arrays: np.ndarray) -> Path:
    with path.open("wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"W": np.zeros((3, 2))}, r"expected keys \['W', 'b'\], missing \['b'\], unexpected \[\]"),
        ({"W": np.zeros((3, 2)), "b": np.zeros(2), "c": np.zeros(1)}, r"unexpected \['c'\]"),
        ({"W": np.zeros((2, 3)), "b": np.zeros(2)}, r"'W' in p.npz has shape \(2, 3\), the layer expects \(3, 2\)"),
        ({"W": np.zeros((3, 2), dtype=np.int64), "b": np.zeros(2)}, "must hold floats, got dtype int64"),
        ({"W": np.full((3, 2), np.inf), "b": np.zeros(2)}, "NaN or inf"),
        ({"W": np.array([None] * 6, dtype=object).reshape(3, 2), "b": np.zeros(2)}, "not a readable .npz"),
    ],
)
def test_load_rejects_mismatched_files(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    layer = bp.Dense(3, 2, rng=0)
    before = {k: v.copy() for k, v in layer.params.items()}
    path = _write_npz(tmp_path / "p.npz", **arrays)
    with pytest.raises(ValueError, match=message):
        bp.load_params(layer, path)
    for k, v in before.items():  # a failed load changes nothing
        np.testing.assert_array_equal(layer.params[k], v)


def test_load_rejects_missing_corrupt_and_wrong_kind_of_file(tmp_path: Path) -> None:
    layer = bp.Dense(3, 2, rng=0)
    with pytest.raises(FileNotFoundError, match="no parameter file at"):
        bp.load_params(layer, tmp_path / "missing.npz")
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ValueError, match=r"not a readable \.npz parameter file"):
        bp.load_params(layer, corrupt)
    truncated = tmp_path / "truncated.npz"
    bp.save_params(layer, truncated)
    truncated.write_bytes(truncated.read_bytes()[:60])
    with pytest.raises(ValueError, match=r"not a readable \.npz parameter file"):
        bp.load_params(layer, truncated)
    single = tmp_path / "single.npz"
    with single.open("wb") as fh:
        np.save(fh, np.zeros(3))
    with pytest.raises(ValueError, match="single array"):
        bp.load_params(layer, single)
    with pytest.raises(ValueError, match=r"end in \.npz"):
        bp.save_params(layer, tmp_path / "p.npy")
    with pytest.raises(TypeError, match="layer must provide"):
        bp.save_params("not a layer", tmp_path / "p.npz")  # type: ignore[arg-type]
    assert zipfile.is_zipfile(bp.save_params(layer, tmp_path / "ok.npz"))


def _npy(shape: tuple[int, ...], descr: str = "<f8", data: bytes | None = None, version: int = 1) -> bytes:
    """A ``.npy`` file written by hand: magic, version, header length, header dict, then ``data``."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64 if version == 1 else 64 - (12 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    size = len(header).to_bytes(2 if version == 1 else 4, "little")
    if data is None:
        data = np.zeros(shape, dtype=np.dtype(descr)).tobytes()
    return b"\x93NUMPY" + bytes([version, 0]) + size + header + data


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _assert_refused(layer: bp.Layer, path: Path, message: str) -> None:
    before = {k: v.copy() for k, v in layer.params.items()}
    with pytest.raises(ValueError, match=message) as info:
        bp.load_params(layer, path)
    assert path.name in str(info.value)
    for k, v in before.items():
        np.testing.assert_array_equal(layer.params[k], v)


def test_hand_written_archive_loads(tmp_path: Path) -> None:
    w = np.arange(6.0).reshape(3, 2)
    path = _zip(tmp_path / "p.npz", {"W.npy": _npy((3, 2), data=w.tobytes()), "b.npy": _npy((2,), version=2)})
    layer = bp.load_params(bp.Dense(3, 2, rng=0), path)
    np.testing.assert_array_equal(layer.params["W"], w)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"W": _npy((3, 2)), "b.npy": _npy((2,))}, r"member 'W' that is not a \.npy array"),
        ({"W.npy": _npy((3, 2), data=b"\x00" * 40), "b.npy": _npy((2,))}, r"'W' is truncated: 40 of 48 bytes"),
        ({"W.npy": _npy((3, 2), data=b"\x00" * 56), "b.npy": _npy((2,))}, r"'W' has data beyond its 48 bytes"),
        ({"W.npy": b"\x93NUMPY\x01\x00\xff\x00{'des", "b.npy": _npy((2,))}, r"'W' has no valid \.npy header"),
        ({"W.npy": b"not an array", "b.npy": _npy((2,))}, r"'W' has no valid \.npy header"),
        ({"W.npy": _npy((3, 2), version=3), "b.npy": _npy((2,))}, r"unsupported \.npy format version 3\.0"),
        ({"W.npy": _npy((3, 2), "<c16"), "b.npy": _npy((2,))}, "must hold floats, got dtype complex128"),
        ({"W.npy": _npy((3, 2), "|O", data=b""), "b.npy": _npy((2,))}, r"holds Python objects \(dtype object\)"),
        ({"W.npy": _npy((3, 2), data=np.full(6, np.nan).tobytes()), "b.npy": _npy((2,))}, "contains NaN or inf"),
    ],
)
def test_load_rejects_crafted_members(tmp_path: Path, members: dict[str, bytes], message: str) -> None:
    _assert_refused(bp.Dense(3, 2, rng=0), _zip(tmp_path / "p.npz", members), message)


def test_load_checks_the_header_before_allocating_a_claimed_huge_array(tmp_path: Path) -> None:
    import time
    import tracemalloc

    huge = _npy((1_000_000, 1_000_000), data=b"\x00" * 64)  # claims 10¹² float64: 7.28 TiB
    path = _zip(tmp_path / "huge.npz", {"W.npy": huge, "b.npy": _npy((2,))})
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _assert_refused(bp.Dense(3, 2, rng=0), path, r"has shape \(1000000, 1000000\), the layer expects \(3, 2\)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 0.5
    assert peak < 1_000_000


def test_load_rejects_corrupt_compressed_and_bad_crc_archives(tmp_path: Path) -> None:
    layer = bp.Dense(3, 2, rng=0)
    compressed = tmp_path / "c.npz"
    with compressed.open("wb") as fh:
        np.savez_compressed(fh, **layer.params)  # type: ignore[arg-type]
    raw = bytearray(compressed.read_bytes())
    start = raw.index(b"W.npy") + len(b"W.npy")  # the compressed stream of W follows its local header's name
    raw[start + 10 : start + 30] = b"\xff" * 20
    compressed.write_bytes(bytes(raw))
    _assert_refused(layer, compressed, r"c\.npz is not a readable \.npz parameter file")  # was zlib.error

    stored = _zip(tmp_path / "crc.npz", {"W.npy": _npy((3, 2)), "b.npy": _npy((2,))})
    raw = bytearray(stored.read_bytes())
    raw[raw.rindex(b"\x93NUMPY") + 128] ^= 0xFF  # one byte of b's data: its CRC no longer matches
    stored.write_bytes(bytes(raw))
    _assert_refused(layer, stored, "Bad CRC-32")


def test_load_rejects_every_truncation_of_a_saved_file(tmp_path: Path) -> None:
    layer = bp.Dense(3, 2, rng=0)
    good = bp.save_params(layer, tmp_path / "good.npz").read_bytes()
    path = tmp_path / "cut.npz"
    for n in range(0, len(good), 7):
        path.write_bytes(good[:n])
        _assert_refused(layer, path, "cut.npz")


def test_save_refuses_non_finite_parameters(tmp_path: Path) -> None:
    layer = bp.Dense(3, 2, rng=0)
    path = bp.save_params(layer, tmp_path / "p.npz")
    before = path.read_bytes()
    layer.params["b"][1] = np.nan
    with pytest.raises(ValueError, match=r"parameter 'b' contains NaN or inf: not saved to p\.npz"):
        bp.save_params(layer, path)
    assert path.read_bytes() == before  # the existing file is left as it was


def test_save_and_load_reject_a_layer_class(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"got the class Sequential \(call it: Sequential\(\.\.\.\)\)"):
        bp.save_params(bp.Sequential, tmp_path / "p.npz")  # type: ignore[arg-type]
    assert not (tmp_path / "p.npz").exists()
    path = bp.save_params(bp.Dense(3, 2, rng=0), tmp_path / "q.npz")
    with pytest.raises(TypeError, match="got the class Dense"):
        bp.load_params(bp.Dense, path)  # type: ignore[arg-type]
