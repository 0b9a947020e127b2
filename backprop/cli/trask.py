"""``python -m backprop trask``: the classic "11 lines" nets, reproduced digit for digit."""

from __future__ import annotations

import argparse

import numpy as np

from backprop._check import positive_int
from backprop.cli._common import CommandError, add_plot_option, check_plot_option, save_plot
from backprop.examples.trask import bilayer, trilayer

__all__ = ["HELP", "add_arguments", "run"]

HELP = 'the classic "11 lines" bilayer and trilayer sigmoid nets, reproduced digit for digit'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--iterations`` and ``--report-every`` of the trilayer net, ``--plot``.

    No ``--seed``: both nets start from the legacy ``np.random.seed(1)``, which their
    published output needs. Given anyway, it is rejected with that reason.
    """
    parser.epilog = (
        "There is no --seed: both nets start from the legacy np.random.seed(1), which their published output needs."
    )
    parser.add_argument(
        "--iterations", type=int, default=60_000, metavar="N",
        help="training iterations of the trilayer net (default: 60000, the published run;"
        " the bilayer net always runs its published 10000)",
    )
    parser.add_argument(
        "--report-every", type=int, default=10_000, metavar="N",
        help="print the trilayer net's mean |error| every N iterations (default: 10000)",
    )
    parser.add_argument("--seed", type=int, default=None, help=argparse.SUPPRESS)
    add_plot_option(parser, "the trilayer net's printed mean |error| against the iteration")


def run(args: argparse.Namespace) -> int:
    """Train both nets and print their outputs as the originals do; draw the trilayer errors printed."""
    if args.seed is not None:
        raise CommandError("--seed does nothing here: both nets start from the legacy np.random.seed(1),"
                           " which their published output needs")
    iterations = positive_int(args.iterations, "iterations")
    report_every = positive_int(args.report_every, "report_every")
    plot = check_plot_option(args.plot)
    with np.printoptions(precision=8):
        print("Bilayer (no hidden layer), output after 10,000 iterations:")
        print(bilayer())
        result = trilayer(iterations, report_every)
        print(f"\nTrilayer (one hidden layer of 4), mean |error| every {report_every:,} iterations:")
        for e in result.errors:
            print(f"Error: {e}")
        print(f"Output after {iterations:,} iterations:")
        print(result.output)
    if plot is not None:
        from backprop.plots.ann import classic_errors

        save_plot(classic_errors(result), plot)
    return 0
