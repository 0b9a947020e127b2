"""``python -m backprop overfit``: a network learns wrong labels by heart; weight decay and dropout stop it."""

from __future__ import annotations

import argparse

from backprop._check import positive_int
from backprop.cli._common import add_plot_option, check_plot_option, save_plot
from backprop.examples.regularization import REGULARISERS, overfit_table

__all__ = ["HELP", "add_arguments", "run"]

HELP = "a network overfits a spiral with a fifth of its labels wrong; weight decay (AdamW) and dropout prevent it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--steps``, ``--runs`` and ``--plot``."""
    parser.add_argument("--steps", type=int, default=200, help="full-batch Adam steps (default: 200)")
    parser.add_argument("--runs", type=int, default=5,
                        help="runs of each setting, with seeds 0 to RUNS - 1 (default: 5)")
    add_plot_option(parser, "the accuracy curves and decision regions of the first run of each setting")


def run(args: argparse.Namespace) -> int:
    """Train every setting ``--runs`` times; print each run's test accuracy and the means; draw the first runs."""
    steps = positive_int(args.steps, "steps")
    runs = positive_int(args.runs, "runs")
    plot = check_plot_option(args.plot)
    table = overfit_table(seeds=range(runs), steps=steps)
    print(f"2-32-32-3 ReLU network, 150 spiral points with 20% wrong labels, {steps} full-batch Adam steps (lr 0.03)")
    print("weight decay: AdamW with lambda 1.0; dropout: p = 0.5 after each hidden layer; test labels are true")
    print(table.to_text())
    if plot is not None:
        from backprop.plots.regularization import overfit_figure

        save_plot(overfit_figure([table.runs[name][0] for name in REGULARISERS]), plot)
    return 0
