"""``python -m backprop bench``: time backprop beside PyTorch on this machine, print a table.

``--json FILE`` writes the results with the machine, the library versions and the BLAS in
use (the documentation's performance page is built from such a file); ``--plot FILE``
draws them. Both paths, and matplotlib for ``--plot``, are checked before any timing.
"""

from __future__ import annotations

import argparse
import os

from backprop.bench import results_table, run_benchmark, save_results
from backprop.cli._common import CommandError, add_plot_option, check_output_file, check_plot_option, save_plot

__all__ = ["HELP", "add_arguments", "run"]

HELP = "time forward+backward passes (MLP, Conv2D, RNN) and the digits CNN's training against PyTorch, if installed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m backprop bench``.

    Examples:
        >>> import argparse
        >>> from backprop.cli.bench import add_arguments
        >>> parser = argparse.ArgumentParser()
        >>> add_arguments(parser)
        >>> args = parser.parse_args(["--quick", "--json", "out.json"])
        >>> args.quick, args.rounds, args.json, args.no_train, args.no_torch, args.plot
        (True, None, 'out.json', False, False, None)
    """
    parser.add_argument("--rounds", type=int, default=None, help="rounds per workload (default: 15, --quick: 3)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run, not a measurement: short blocks and pauses, 3 rounds, one training run",
    )
    parser.add_argument("--no-train", action="store_true", help="skip timing the digits CNN training")
    parser.add_argument("--no-torch", action="store_true", help="time backprop alone even if PyTorch is installed")
    parser.add_argument("--json", metavar="FILE", help="write the results, with machine and versions, to FILE")
    add_plot_option(parser, "the benchmark figure (times, and ratios to PyTorch)")


def run(args: argparse.Namespace) -> int:
    """Check the options and paths, run the benchmark, print a table, then write ``--json`` and ``--plot``."""
    if args.rounds is not None and args.rounds < 1:
        raise CommandError(f"--rounds must be at least 1, got {args.rounds}")
    json_path = check_output_file(args.json, "--json")
    plot_path = check_plot_option(args.plot)
    rounds = args.rounds if args.rounds is not None else (3 if args.quick else 15)
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(
            f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set and may pick a slower BLAS kernel; "
            "unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command to measure the default one."
        )
    results = run_benchmark(rounds=rounds, quick=args.quick, train=not args.no_train, use_torch=not args.no_torch)
    print()
    print(results_table(results))
    if json_path is not None:
        print(f"\nwrote {save_results(results, json_path)}")
    if plot_path is not None:  # matplotlib is an optional extra: imported only to draw
        from backprop.plots.perf import perf_figure

        print(f"wrote {save_plot(perf_figure(results), plot_path)}")
    return 0
