"""``python -m backprop memory``: a tanh RNN, an LSTM and a GRU must name a sequence's first symbol after T steps."""

from __future__ import annotations

import argparse

from backprop._check import positive_int
from backprop.cli._common import add_plot_option, check_plot_option, save_plot
from backprop.examples.memory import GATE_BIAS, HIDDEN, KINDS, memory_table

__all__ = ["HELP", "add_arguments", "run"]

HELP = "tanh RNN, LSTM and GRU learn to name the first symbol of a sequence after T steps of noise"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--lengths``, ``--steps``, ``--runs`` and ``--plot``."""
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 30, 60], metavar="T",
                        help="noise steps after the first symbol (default: 10 30 60)")
    parser.add_argument("--steps", type=int, default=70, help="Adam steps of 32 fresh sequences (default: 70)")
    parser.add_argument("--runs", type=int, default=5,
                        help="runs of each setting, with seeds 0 to RUNS - 1 (default: 5)")
    add_plot_option(parser, "the test accuracy of every run against T")


def run(args: argparse.Namespace) -> int:
    """Train every layer at every length ``--runs`` times; print how many runs solve it; draw each run's accuracy."""
    lengths = [positive_int(T, "each of --lengths") for T in args.lengths]
    steps = positive_int(args.steps, "steps")
    runs = positive_int(args.runs, "runs")
    plot = check_plot_option(args.plot)
    print(f"{HIDDEN} hidden units each, {steps} Adam steps (lr 0.07) of 32 fresh sequences, gate bias {GATE_BIAS:g}")
    table = memory_table(lengths, KINDS, range(runs), steps=steps)
    print(table.to_text())
    if plot is not None:
        from backprop.plots.gated import memory_figure

        save_plot(memory_figure(table), plot)
    return 0
