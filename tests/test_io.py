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
