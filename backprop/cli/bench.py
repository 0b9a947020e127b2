"""``python -m backprop bench``: time backprop beside PyTorch and against the machine's peak, print two tables.

The first table holds the times and the ratios to PyTorch, the second the work of each
workload in FLOPs, the GFLOP/s each library reaches and their fraction of the float64 matrix
product peak measured in the same run. Both libraries run on the same number of threads
(``--threads N`` sets it). ``--json FILE`` writes the results with the machine, the library
versions and the BLAS in use (the documentation's performance page is built from such a
file); ``--plot FILE`` draws them. Both paths, and matplotlib for ``--plot``, are checked
before any timing.
"""

from __future__ import annotations

import argparse
import os

from backprop.bench import rates_table, results_table, run_benchmark, save_results
from backprop.bench.threads import ENV_VARS, set_blas_threads
from backprop.cli._common import CommandError, add_plot_option, check_output_file, check_plot_option, save_plot

__all__ = ["HELP", "add_arguments", "run"]

HELP = (
    "time forward+backward passes (MLP, Conv2D, RNN) and the digits CNN's training against PyTorch, if installed, "
    "and their GFLOP/s against the machine's peak"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m backprop bench``.

    Examples:
        >>> import argparse
        >>> from backprop.cli.bench import add_arguments
        >>> parser = argparse.ArgumentParser()
        >>> add_arguments(parser)
        >>> args = parser.parse_args(["--quick", "--json", "out.json"])
        >>> args.quick, args.rounds, args.json, args.no_train, args.no_torch, args.plot, args.threads
        (True, None, 'out.json', False, False, None, None)
    """
    parser.add_argument(
        "--rounds", type=int, default=None, help="rounds per workload, in two passes (default: 16, --quick: 4)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run, not a measurement: short blocks and pauses, 3 rounds, one training run",
    )
    parser.add_argument("--no-train", action="store_true", help="skip timing the digits CNN training")
    parser.add_argument("--no-torch", action="store_true", help="time backprop alone even if PyTorch is installed")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads for NumPy's BLAS and for PyTorch (default: PyTorch gets as many as NumPy's BLAS has)",
    )
    parser.add_argument("--json", metavar="FILE", help="write the results, with machine and versions, to FILE")
    add_plot_option(parser, "the benchmark figure (GFLOP/s against the peak, and ratios to PyTorch)")


def run(args: argparse.Namespace) -> int:
    """Check the options and paths, run the benchmark, print two tables, then write ``--json`` and ``--plot``."""
    if args.rounds is not None and args.rounds < 1:
        raise CommandError(f"--rounds must be at least 1, got {args.rounds}")
    if args.threads is not None and args.threads < 1:
        raise CommandError(f"--threads must be at least 1, got {args.threads}")
    json_path = check_output_file(args.json, "--json")
    plot_path = check_plot_option(args.plot)
    if args.threads is not None and not set_blas_threads(args.threads):
        raise CommandError(
            f"--threads {args.threads}: NumPy's BLAS cannot be set from here; "
            f"set {' and '.join(ENV_VARS)} to {args.threads} for the command instead"
        )
    rounds = args.rounds if args.rounds is not None else (4 if args.quick else 16)
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(
            f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set and may pick a slower BLAS kernel; "
            "unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for this command to measure the default one."
        )
    results = run_benchmark(
        rounds=rounds, quick=args.quick, train=not args.no_train, use_torch=not args.no_torch, threads=args.threads
    )
    print()
    print(results_table(results))
    print()
    print(rates_table(results))
    if json_path is not None:
        print(f"\nwrote {save_results(results, json_path)}")
    if plot_path is not None:  # matplotlib is an optional extra: imported only to draw
        from backprop.plots.perf import perf_figure

        print(f"wrote {save_plot(perf_figure(results), plot_path)}")
    return 0
