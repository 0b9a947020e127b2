"""The CNN worked example: the Sobel-x kernel gives 3.66, one gradient step and its flipped sign."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop.conv import conv2d_forward_loop
from backprop.examples import edge as cnn


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


def test_edge_report_lines() -> None:
    lines = cnn.edge_report(cnn.edge_step())
    assert lines[0] == "CNN → Convolution Output: 3.66"
    assert "output 3.66 → 3.95" in lines[1]
    assert "output 3.66 → 3.51" in lines[2]
    traced = cnn.edge_report(cnn.edge_step(), chain_rule=True)
    assert "  ∂L/∂out = 2(out − y) = -0.6800" in traced
    assert traced[-2:] == lines[1:]


def test_cnn_module_re_exports_edge_and_digits() -> None:
    from backprop.examples import cnn as shim
    from backprop.examples import digits

    assert shim.edge_step is cnn.edge_step
    assert shim.train_digits is digits.train_digits
    assert set(shim.__all__) == set(cnn.__all__) | set(digits.__all__)


def test_cnn_and_rnn_examples_import_neither_argparse_nor_plots_nor_cli() -> None:
    code = (
        "import sys\n"
        "import backprop.examples.cnn, backprop.examples.edge, backprop.examples.digits\n"
        "import backprop.examples.rnn, backprop.examples.rnn_gradients, backprop.examples.text\n"
        "print(sorted(m for m in sys.modules if m == 'argparse' or m.startswith(('backprop.plots', 'backprop.cli',"
        " 'matplotlib'))))\n"
    )
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True
    )
    assert proc.stdout == "[]\n"
