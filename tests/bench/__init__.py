"""Tests of ``backprop.bench``: tiny workloads, every check on what is computed, none on speed."""

from backprop.bench import Sizes

TINY = Sizes(
    mlp=(8, 6, 4, 3), mlp_batch=5, conv_input=(2, 3, 6, 6), conv_filters=4, rnn=(2, 4, 3, 5), epochs=1, gemm=16
)
"""Workloads small enough to time in milliseconds, and one epoch of the digits CNN."""
