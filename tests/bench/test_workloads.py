"""Each workload and its PyTorch twin compute the same thing from the same weights."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import backprop as bp
from backprop import bench
from backprop.im2col import im2col
from tests.bench import TINY
from tests.support import require

BUILDERS: dict[str, Callable[[ModuleType | None], bench.Case]] = {
    "mlp": lambda torch: bench.mlp(torch, TINY.mlp, TINY.mlp_batch),
    "conv2d": lambda torch: bench.conv2d(torch, TINY.conv_input, TINY.conv_filters),
    "rnn": lambda torch: bench.rnn(torch, TINY.rnn),
}


@pytest.mark.parametrize("key", BUILDERS)
def test_torch_twin_returns_the_same_input_gradient(key: str) -> None:
    torch = require("torch")
    case = BUILDERS[key](torch)
    assert case.theirs is not None
    ours = np.asarray(case.ours())
    theirs: Any = case.theirs()
    np.testing.assert_allclose(theirs.numpy(), ours, rtol=1e-10, atol=1e-14)
    again: Any = case.theirs()  # gradients are cleared between calls, not accumulated
    np.testing.assert_allclose(again.numpy(), ours, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(np.asarray(case.ours()), ours, rtol=1e-12)


@pytest.mark.parametrize("key", BUILDERS)
def test_without_torch_there_is_no_twin(key: str) -> None:
    case = BUILDERS[key](None)
    assert case.theirs is None
    assert np.all(np.isfinite(np.asarray(case.ours())))


def test_default_titles_are_those_of_the_documented_workloads() -> None:
    titles = [bench.mlp(None).title, bench.conv2d(None).title, bench.rnn(None).title]
    assert titles == [
        "MLP 784-256-128-10, batch 256",
        "Conv2D 3×3, padding 1, (32, 16, 32, 32) → 32 filters",
        "RNN T=50, batch 32, 16 → 128, full BPTT",
    ]


def test_work_is_twice_the_multiply_adds_of_the_products() -> None:
    # counted again here from the arrays the layers multiply
    net = bp.Sequential(bp.Dense(8, 6, rng=0), bp.ReLU(), bp.Dense(6, 3, rng=1))
    macs = sum(layer.params["W"].size for layer in net.layers if layer.params) * 5  # batch 5
    assert bench.mlp_flop((8, 6, 3), 5) == 2 * 3 * macs  # forward, dL/dW, dL/dx
    x = np.zeros((2, 3, 6, 6))
    X = im2col(x, 3, 3, padding=1)  # (C·9, N·Ho·Wo)
    assert bench.conv2d_flop(x.shape, 4, 3, padding=1) == 2 * 3 * (4 * X.shape[0] * X.shape[1])
    assert bench.conv2d_flop(x.shape, 4, 3) == 2 * 3 * (4 * 27 * 2 * 4 * 4)  # no padding: 4×4 outputs
    batch, steps, n_in, hidden = 2, 4, 3, 5
    per_step = batch * n_in * hidden + batch * hidden * hidden  # x_t W_x and h_{t-1} W_h
    assert bench.rnn_flop((batch, steps, n_in, hidden)) == 2 * 3 * steps * per_step
    assert bench.gemm(None, 8).flop == 2 * 8**3
    for case in (bench.mlp(None, (8, 6, 3), 5), bench.conv2d(None, x.shape, 4), bench.rnn(None, (2, 4, 3, 5))):
        assert case.flop > 0


def test_training_work_counts_the_convolution_without_its_input_gradient() -> None:
    conv, dense = 32 * 9 * 64, 512 * 128 + 128 * 10  # multiply-adds per image
    assert bench.training_flop(1, 10, 4) == 2 * (10 * (2 * conv + 3 * dense) + 4 * (conv + dense))
    assert bench.training_flop(3, 10, 4) == 3 * bench.training_flop(1, 10, 4)


def test_gemm_twin_computes_the_same_product() -> None:
    torch = require("torch")
    case = bench.gemm(torch, 32)
    assert case.theirs is not None
    theirs: Any = case.theirs()
    np.testing.assert_allclose(theirs.numpy(), np.asarray(case.ours()), rtol=1e-12)


def test_loop_reference_and_vectorized_conv_agree() -> None:
    case = bench.conv_loops(TINY.conv_input, TINY.conv_filters)
    assert case.theirs is not None
    loops, vectorized = np.asarray(case.ours()), np.asarray(case.theirs())
    assert loops.shape == TINY.conv_input
    np.testing.assert_allclose(loops, vectorized, rtol=1e-10, atol=1e-14)


@contextlib.contextmanager
def one_thread_each(torch: ModuleType) -> Iterator[None]:
    """Both libraries on one thread: two thread pools on a busy machine wait on each other.

    The results do not depend on it; the time of a training run does, by an order of
    magnitude when the cores are shared with other work.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        threadpoolctl: Any = importlib.import_module("threadpoolctl")  # optional: limits NumPy's BLAS
        limits: contextlib.AbstractContextManager[object] = threadpoolctl.threadpool_limits(1)
    except ImportError:
        limits = contextlib.nullcontext()
    try:
        with limits:
            yield
    finally:
        torch.set_num_threads(threads)


def test_digits_training_twin_reaches_the_same_loss_and_accuracy() -> None:
    torch = require("torch")
    lines: list[str] = []
    with one_thread_each(torch):
        train = bench.time_training(torch, epochs=1, repeats=1, pause_s=0.0, log=lines.append)
    assert train["torch_loss"] == pytest.approx(train["backprop_loss"], rel=1e-9)  # same weights and batches
    assert train["torch_accuracy"] == train["backprop_accuracy"]
    assert train["ratio"] == pytest.approx(train["backprop_s"] / train["torch_s"])
    assert train["title"] == "digits CNN: 1 epoch of Adam, batch 32"
    heads = [line.split(":")[0] for line in lines]
    assert heads == ["digits CNN with backprop", "digits CNN with PyTorch", "digits CNN"]
    assert train["gflop"] == bench.training_flop(1, 1437, 360) / 1e9
    assert train["backprop_gflops"] == pytest.approx(train["gflop"] / train["backprop_s"])
