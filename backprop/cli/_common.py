"""What every command shares: one-line errors, and checks made before any work starts.

A command checks its options, its output and input paths and the extras it will need
*before* it computes anything, so a typo costs a second, not a training run. Every failure
is a `CommandError`: `backprop.cli.main` prints it as one line on stderr and exits with 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from backprop._check import MAX_MAGNITUDE, DivergenceError
from backprop._extras import EXTRAS, install_hint

if TYPE_CHECKING:  # backprop.plots imports matplotlib: only when a figure is saved
    from matplotlib.figure import Figure

__all__ = [
    "Command",
    "CommandError",
    "add_plot_option",
    "add_seed_option",
    "check_input_file",
    "check_output_file",
    "check_plot_option",
    "diverged",
    "reject_unused",
    "require_extra",
    "save_plot",
]

PLOT_SUFFIXES = (".svg", ".png")
"""What ``--plot FILE`` can write."""


class CommandError(Exception):
    """A bad option or an impossible request: printed as one line, exit status 2.

    Examples:
        >>> from backprop.cli._common import CommandError, check_input_file
        >>> try:
        ...     check_input_file("/no/such/file.npz", "--load")
        ... except CommandError as exc:
        ...     print(f"error: {exc}")
        error: --load /no/such/file.npz: no such file
        >>> from backprop.cli import main
        >>> main(["trask", "--seed", "1"])        # the one line goes to stderr
        2
    """


class Command(Protocol):
    """A module of ``backprop.cli``: a one-line ``HELP``, its options, and ``run``.

    Examples:
        >>> import argparse
        >>> from backprop.cli import COMMANDS
        >>> command = COMMANDS["trask"]
        >>> print(command.HELP)
        the classic "11 lines" bilayer and trilayer sigmoid nets, reproduced digit for digit
        >>> parser = argparse.ArgumentParser()
        >>> command.add_arguments(parser)
        >>> args = parser.parse_args(["--iterations", "100", "--report-every", "50"])
        >>> args.iterations, args.report_every, args.plot
        (100, 50, None)
    """

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


def seed_value(text: str) -> int:
    """``--seed``'s value: an int ≥ 0 (NumPy's generators take no negative seed).

    Examples:
        >>> from backprop.cli._common import seed_value
        >>> seed_value("3")
        3
        >>> seed_value("-1")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: must be a non-negative integer, got '-1'
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def add_seed_option(parser: argparse.ArgumentParser, default: int, what: str) -> None:
    """``--seed N``, for a command whose run draws random numbers (``what`` says which).

    Examples:
        >>> import argparse
        >>> from backprop.cli._common import add_seed_option
        >>> parser = argparse.ArgumentParser()
        >>> add_seed_option(parser, 0, "the initial weights")
        >>> parser.parse_args([]).seed, parser.parse_args(["--seed", "3"]).seed
        (0, 3)
    """
    parser.add_argument("--seed", type=seed_value, default=default, help=f"seed for {what} (default: {default})")


def add_plot_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--plot FILE``: draw ``what`` from the run just printed (.svg or .png).

    Examples:
        >>> import argparse
        >>> from backprop.cli._common import add_plot_option
        >>> parser = argparse.ArgumentParser()
        >>> add_plot_option(parser, "the loss curve")
        >>> parser.parse_args([]).plot, parser.parse_args(["--plot", "loss.svg"]).plot
        (None, 'loss.svg')
    """
    parser.add_argument("--plot", metavar="FILE", help=f"save {what}, drawn from this run (.svg or .png)")


def require_extra(module: str, option: str) -> None:
    """Fail now, in one line, if ``option`` needs the optional ``module`` and it is missing.

    Examples:
        >>> from backprop.cli._common import require_extra
        >>> require_extra("numpy", "--plot")
        >>> require_extra("matplotlib_is_not_a_module", "--plot")
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --plot needs matplotlib_is_not_a_module, which is not installed
    """
    if importlib.util.find_spec(module) is None:
        extra = EXTRAS.get(module)
        hint = f": {install_hint(extra)}" if extra else ""
        raise CommandError(f"{option} needs {module}, which is not installed{hint}")


def check_output_file(path: str | None, option: str, suffixes: tuple[str, ...] | None = None) -> Path | None:
    """Check that ``option``'s file can be written (suffix, folder, permission), before any work.

    Examples:
        >>> from backprop.cli._common import check_output_file
        >>> check_output_file(None, "--plot") is None
        True
        >>> check_output_file("/no/such/folder/f.svg", "--plot")
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --plot /no/such/folder/f.svg: the folder /no/such/folder does not exist
        >>> check_output_file("f.pdf", "--plot", (".svg", ".png"))
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --plot f.pdf: the file name must end in .svg or .png
    """
    if path is None:
        return None
    p = Path(path)
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise CommandError(f"{option} {path}: the file name must end in {' or '.join(suffixes)}")
    folder = p.parent
    if not folder.is_dir():
        raise CommandError(f"{option} {path}: the folder {folder} does not exist")
    if p.is_dir():
        raise CommandError(f"{option} {path}: is a folder, not a file")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise CommandError(f"{option} {path}: cannot write there (permission denied)")
    return p


def check_input_file(path: str | None, option: str) -> Path | None:
    """Check that ``option``'s file exists and can be read, before any work.

    Examples:
        >>> from backprop.cli._common import check_input_file
        >>> check_input_file("/no/such/file.npz", "--load")
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --load /no/such/file.npz: no such file
    """
    if path is None:
        return None
    p = Path(path)
    if not p.is_file():
        raise CommandError(f"{option} {path}: no such file")
    if not os.access(p, os.R_OK):
        raise CommandError(f"{option} {path}: cannot read it (permission denied)")
    return p


def reject_unused(args: argparse.Namespace, parser_defaults: dict[str, object], unused: list[str], why: str) -> None:
    """Fail if any option in ``unused`` was given a non-default value: it would be ignored (``why``).

    Examples:
        >>> import argparse
        >>> from backprop.cli._common import reject_unused
        >>> args = argparse.Namespace(trace=True, epochs=15)
        >>> reject_unused(args, {"trace": False, "epochs": 15}, ["trace"], "with --train")
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --trace does nothing with --train
    """
    for name in unused:
        if getattr(args, name) != parser_defaults[name]:
            raise CommandError(f"--{name.replace('_', '-')} does nothing {why}")


def diverged(exc: DivergenceError) -> str:
    """The one-line report of a training run that diverged.

    Examples:
        >>> from backprop import DivergenceError
        >>> from backprop.cli._common import diverged
        >>> exc = DivergenceError.refused_step(7, "0.W", 10.0, float("inf"))
        >>> exc.during(3, 812.5)
        >>> print(diverged(exc))
        training diverged at epoch 3 (loss 812.5; step 7 would make parameter '0.W' non-finite (inf)); try ...
    """
    detail = exc.reason.replace(f", beyond ±{MAX_MAGNITUDE:.0e},", "")
    if exc.loss is not None:
        detail = f"loss {exc.loss:.4g}; {detail}"
    where = f" at epoch {exc.epoch}" if exc.epoch is not None else ""
    return f"training diverged{where} ({detail}); try a smaller --lr"


def check_plot_option(path: str | None) -> Path | None:
    """``--plot FILE``: check the file can be written and that matplotlib is installed, before any work.

    Examples:
        >>> from backprop.cli._common import check_plot_option
        >>> check_plot_option(None) is None
        True
        >>> check_plot_option("loss.pdf")
        Traceback (most recent call last):
        ...
        backprop.cli._common.CommandError: --plot loss.pdf: the file name must end in .svg or .png
    """
    target = check_output_file(path, "--plot", PLOT_SUFFIXES)
    if target is not None:
        require_extra("matplotlib", "--plot")
    return target


def save_plot(fig: Figure, path: str | Path) -> Path:
    """Save a figure that `check_plot_option` has cleared the way for (the suffix picks SVG or PNG).

    Each command's ``--plot`` test in ``tests/cli`` calls it; it has no example here, since
    drawing a figure needs matplotlib and this module must import and run its examples without.
    """
    from backprop.plots import save  # matplotlib, loaded only now that a figure is to be saved

    return save(fig, path)
