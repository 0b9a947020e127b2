"""``python -m backprop xor``."""

from __future__ import annotations

import argparse

from backprop.examples.xor import HELP, run
from backprop.examples.xor import add_arguments as _add_example_arguments

__all__ = ["HELP", "add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: the example's own)")
    parser.add_argument("--plot", metavar="FILE", help="save this model's gradient figure (.svg or .png)")
    _add_example_arguments(parser)
