"""The CNN examples under one name: `backprop.examples.edge` (3.66) and `backprop.examples.digits`.

This module holds no code of its own; it re-exports both, so ``from backprop.examples.cnn
import edge_step, train_digits`` keeps working.

Examples:
    >>> from backprop.examples.cnn import edge_step, train_digits
    >>> from backprop.examples import digits, edge
    >>> edge_step is edge.edge_step and train_digits is digits.train_digits
    True
"""

from __future__ import annotations

from backprop.examples.digits import (
    DIGITS_FILE,
    DIGITS_TEST_SIZE,
    DigitsData,
    DigitsResult,
    accuracy,
    build_cnn,
    evaluate_digits,
    input_gradient,
    kernel_gradients,
    load_digits_split,
    train_digits,
)
from backprop.examples.edge import (
    EDGE_LR,
    EDGE_PATCH,
    EDGE_TARGET,
    SOBEL_X,
    EdgeStep,
    edge_layer,
    edge_report,
    edge_step,
    edge_trace,
)

__all__ = [
    "DIGITS_FILE",
    "DIGITS_TEST_SIZE",
    "EDGE_LR",
    "EDGE_PATCH",
    "EDGE_TARGET",
    "SOBEL_X",
    "DigitsData",
    "DigitsResult",
    "EdgeStep",
    "accuracy",
    "build_cnn",
    "edge_layer",
    "edge_report",
    "edge_step",
    "edge_trace",
    "evaluate_digits",
    "input_gradient",
    "kernel_gradients",
    "load_digits_split",
    "train_digits",
]
