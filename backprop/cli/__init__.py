"""Command line: ``python -m backprop <command>`` runs one of the worked examples.

`COMMANDS` lists the commands; ``backprop <command> --help`` lists a command's own options
(``--seed`` only where the run draws random numbers, ``--plot FILE`` to save a figure of
the run just printed). A command checks all its options, its files and the extras it needs
before it computes anything; any failure is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from backprop._check import DivergenceError
from backprop.cli import ann, bench, cnn, dnn, memory, overfit, rnn, trask, xor
from backprop.cli._common import Command, CommandError, diverged

__all__ = ["COMMANDS", "main"]

COMMANDS: dict[str, Command] = {
    "trask": trask,
    "xor": xor,
    "ann": ann,
    "dnn": dnn,
    "overfit": overfit,
    "rnn": rnn,
    "memory": memory,
    "cnn": cnn,
    "bench": bench,
}
"""Command name → the module of ``backprop.cli`` implementing it."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are a single line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser, with one sub-command per entry of `COMMANDS`.

    Each command's module provides ``HELP`` (one line), ``add_arguments(parser)`` (all
    of its options) and ``run(args) -> int``.

    Examples:
        >>> from backprop.cli import build_parser
        >>> parser = build_parser()
        >>> parser.parse_args(["ann", "--seed", "3"]).seed
        3
    """
    parser = _Parser(prog="backprop", description="Backpropagation from scratch: run a worked example.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return its exit status.

    A bad argument or a bad value prints one line on stderr and returns 2: argparse's own
    errors as ``backprop <command>: error: ...`` (and exit), a `CommandError`, ValueError,
    TypeError or OSError of the command in the same form. A training run whose optimizer
    refused a step (`backprop.optim.DivergenceError`) is reported as one line too, by `diverged`.

    Examples:
        >>> from backprop.cli import main
        >>> main(["ann"])
        ANN → Final Prediction: 0.98
        0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args._module.run(args)
    except DivergenceError as exc:
        print(f"backprop {args.command}: error: {diverged(exc)}", file=sys.stderr)
        return 2
    except (CommandError, ValueError, TypeError, OSError) as exc:
        print(f"backprop {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
