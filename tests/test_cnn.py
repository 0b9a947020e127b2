"""The CNN worked example (3.66), the digits CNN, saving/loading parameters, the command line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.cli import main
from backprop.conv import conv2d_forward_loop
from backprop.examples import cnn
from tests.support import require

# --------------------------------------------------------------------------- the worked example


def test_sobel_patch_gives_published_output() -> None:
    by_hand = float(np.sum(cnn.EDGE_PATCH * cnn.SOBEL_X))
    layer_out = cnn.edge_layer().forward(cnn.EDGE_PATCH.reshape(1, 1, 3, 3))
    loop_out = conv2d_forward_loop(cnn.EDGE_PATCH.reshape(1, 1, 3, 3), cnn.SOBEL_X.reshape(1, 1, 3, 3), np.zeros(1))
    assert layer_out.shape == (1, 1, 1, 1)
    assert float(layer_out[0, 0, 0, 0]) == pytest.approx(by_hand, abs=1e-12)
    assert float(loop_out[0, 0, 0, 0]) == pytest.approx(by_hand, abs=1e-12)
    assert f"{by_hand:.2f}" == "3.66"


def test_edge_step_descends_and_the_flipped_sign_ascends() -> None:
    s = cnn.edge_step()
    assert s.output == pytest.approx(float(np.sum(cnn.EDGE_PATCH * cnn.SOBEL_X)))
    assert s.loss == pytest.approx((s.output - s.target) ** 2)
    assert s.dout == pytest.approx(2 * (s.output - s.target))
    np.testing.assert_allclose(s.grad_kernel, s.dout * cnn.EDGE_PATCH, atol=1e-14)
    np.testing.assert_allclose(s.grad_patch, s.dout * cnn.SOBEL_X, atol=1e-14)
    assert s.grad_b == pytest.approx(s.dout)
    # descent: the output moves toward the target and the loss falls
    assert abs(s.output_after - s.target) < abs(s.output - s.target)
    assert s.loss_after < s.loss
    np.testing.assert_allclose(s.kernel_after, cnn.SOBEL_X - s.lr * s.grad_kernel)
    # the flipped sign moves it away and the loss rises
    assert abs(s.output_wrong_sign - s.target) > abs(s.output - s.target)
    assert s.loss_wrong_sign > s.loss
    # both follow from linearity: out' = out ∓ η·g·(Σ patch² + 1)
    energy = float(np.sum(cnn.EDGE_PATCH**2)) + 1.0
    assert s.output_after == pytest.approx(s.output - s.lr * s.dout * energy)
    assert s.output_wrong_sign == pytest.approx(s.output - s.lr * (s.target - s.output) * energy)


def test_edge_step_for_a_target_below_the_output() -> None:
    s = cnn.edge_step(target=3.0, lr=0.05)
    assert s.output_after < s.output
    assert s.loss_after < s.loss
    assert s.output_wrong_sign > s.output
    assert s.loss_wrong_sign > s.loss
    with pytest.raises(ValueError, match="lr"):
        cnn.edge_step(lr=0.0)
    with pytest.raises(ValueError, match="finite"):
        cnn.edge_step(target=float("nan"))


def test_edge_gradient_passes_the_gradient_check() -> None:
    net = bp.Sequential(cnn.edge_layer())
    x = cnn.EDGE_PATCH.reshape(1, 1, 3, 3)
    assert bp.check_model(net, bp.mse, x, np.full((1, 1, 1, 1), cnn.EDGE_TARGET)) < 1e-7


def test_edge_trace_records_the_chain_rule() -> None:
    t = cnn.edge_trace()
    (rec,) = t.records
    s = cnn.edge_step()
    assert t.loss == pytest.approx(s.loss)
    np.testing.assert_allclose(rec.grads["W"][0, 0], s.grad_kernel)
    np.testing.assert_allclose(rec.delta, s.dout)


# --------------------------------------------------------------------------- command line


def test_cli_prints_the_published_line_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "CNN → Convolution Output: 3.66"
    assert lines[1:] == cnn.edge_report(cnn.edge_step())[1:]
    assert "output 3.66 → 3.95" in lines[1]
    assert "output 3.66 → 3.51" in lines[2]


def test_cli_trace_shows_the_chain_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn", "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "CNN → Convolution Output: 3.66"
    assert "∂L/∂out = 2(out − y) = -0.6800" in out
    assert "∂L/∂K = ∂L/∂out · patch = [[-0.6120, -0.3400, 0.0000]" in out
    assert cnn.edge_trace().to_text() in out


def test_cli_plot_writes_a_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require("matplotlib")
    target = tmp_path / "edge.svg"
    assert main(["cnn", "--plot", str(target)]) == 0
    assert target.read_bytes().startswith(b"<?xml")
    capsys.readouterr()


# --------------------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def trained() -> cnn.DigitsResult:
    return cnn.train_digits(seed=0)


def test_digits_split_is_fixed_and_disjoint() -> None:
    a, b = cnn.load_digits_split(), cnn.load_digits_split()
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.x_train.shape == (1437, 1, 8, 8)
    assert a.x_test.shape == (cnn.DIGITS_TEST_SIZE, 1, 8, 8)
    assert a.x_train.dtype == np.float64
    assert a.x_train.min() >= 0.0
    assert a.x_train.max() <= 1.0
    train_rows = {row.tobytes() for row in a.x_train}
    overlap = sum(row.tobytes() in train_rows for row in a.x_test)
    assert overlap <= 5  # the data set itself holds a few duplicate images; the split adds none
    assert set(a.y_test.tolist()) == set(range(10))


def test_digits_cnn_reaches_98_percent(trained: cnn.DigitsResult) -> None:
    assert trained.test_accuracy >= 0.98
    assert trained.test_accuracy == cnn.accuracy(trained.model, trained.data.x_test, trained.data.y_test)
    assert len(trained.losses) == len(trained.test_accuracies) == 15
    assert trained.losses[-1] < trained.losses[0] / 10


def test_digits_training_is_reproducible_and_seeded() -> None:
    a = cnn.train_digits(epochs=1, seed=3)
    b = cnn.train_digits(epochs=1, seed=3)
    c = cnn.train_digits(epochs=1, seed=4)
    assert a.losses == b.losses
    assert a.losses != c.losses


def test_input_gradient_is_the_models_dx(trained: cnn.DigitsResult) -> None:
    x, labels = trained.data.x_test[:3], trained.data.y_test[:3]
    g = cnn.input_gradient(trained.model, x, labels)
    assert g.shape == x.shape
    i = (0, 0, 4, 4)
    eps = 1e-5
    xp, xm = x.copy(), x.copy()
    xp[i] += eps
    xm[i] -= eps
    lp = bp.softmax_cross_entropy(trained.model.forward(xp), labels)[0]
    lm = bp.softmax_cross_entropy(trained.model.forward(xm), labels)[0]
    assert g[i] == pytest.approx((lp - lm) / (2 * eps), rel=1e-5, abs=1e-9)


def test_shipped_digits_are_the_uci_test_set() -> None:
    """1,797 images of pixel counts 0..16, with the class sizes the UCI test set publishes."""
    images, labels = cnn._digits_arrays()
    assert images.shape == (1797, 1, 8, 8)
    counts = images * 16.0  # back to the pixel counts, exactly (16 is a power of two)
    np.testing.assert_array_equal(counts, np.round(counts))
    assert counts.min() == 0.0
    assert counts.max() == 16.0
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert not images.flags.writeable


def test_train_digits_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="epochs"):
        cnn.train_digits(epochs=0)
    with pytest.raises(ValueError, match="decay"):
        cnn.train_digits(decay=1.5)
    with pytest.raises(ValueError, match="lr"):
        cnn.train_digits(lr=-1.0)


def test_progress_bar_format() -> None:
    assert cnn.progress_bar(3, 10, 0.12345, width=10) == "epoch  3/10 [###.......] loss 0.1235"
    assert cnn.progress_bar(10, 10, 0.0, width=4) == "epoch 10/10 [####] loss 0.0000"


def test_cli_train_save_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cnn.npz"
    assert main(["cnn", "--train", "--epochs", "2", "--save", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        line for line in captured.err.splitlines() if line.startswith("epoch ") and " loss " in line
    ]
    assert captured.err.splitlines()[-1].startswith("epoch 2/2 [####################] loss ")
    first = captured.out.splitlines()[0]
    assert first.startswith("digits CNN: test accuracy ")
    assert "after 2 epochs" in first
    assert captured.out.splitlines()[1] == f"saved parameters to {path}"
    accuracy = first.split("test accuracy ")[1].split()[0]
    assert main(["cnn", "--load", str(path)]) == 0
    assert f"test accuracy {accuracy} " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no parameter file"),
        (b"this is not a zip archive", "not a readable .npz parameter file"),
        (b"PK\x03\x04 truncated", "not a readable .npz parameter file"),
    ],
)
def test_cli_load_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "params.npz"
    if content is not None:
        path.write_bytes(content)
    assert main(["cnn", "--load", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("backprop cnn: error: ")
    assert message in err


def test_cli_load_and_train_together_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn", "--train", "--load", "x.npz"]) == 2
    assert "use it without --train" in capsys.readouterr().err


# --------------------------------------------------------------------------- save / load


def test_save_load_round_trip_for_any_layer(tmp_path: Path) -> None:
    pairs: list[tuple[bp.Layer, bp.Layer]] = [
        (bp.Dense(3, 2, rng=0), bp.Dense(3, 2, rng=1)),
        (bp.Conv2D(2, 3, 3, rng=0), bp.Conv2D(2, 3, 3, rng=1)),
        (cnn.build_cnn(0), cnn.build_cnn(1)),
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
    net = cnn.build_cnn(5)
    path = bp.save_params(net, tmp_path / "net.npz")
    np.testing.assert_array_equal(bp.load_params(cnn.build_cnn(6), path).forward(x), net.forward(x))


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


# --------------------------------------------------------------------------- figures


def test_figures_build() -> None:
    require("matplotlib")
    from backprop.plots import Figure
    from backprop.plots.cnn import FIGURES
    from backprop.plots.site import SITE_FIGURES

    assert set(FIGURES) <= set(SITE_FIGURES)
    assert set(FIGURES) == {"cnn_dK", "cnn_digit_dK", "cnn_saliency", "cnn_training"}
    for make in FIGURES.values():
        assert isinstance(make(), Figure)
