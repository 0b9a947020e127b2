"""``python -m backprop cnn``: the 3.66 edge example, or the digits CNN (``--train``, ``--load``).

Everything a run needs is checked before it starts: the options that the chosen mode would
ignore, the folder of ``--save``, the file of ``--load``, the path of ``--plot`` and
matplotlib for it. A 15-epoch training never ends in a failed save.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backprop.cli._common import (
    CommandError,
    add_plot_option,
    add_seed_option,
    check_input_file,
    check_output_file,
    check_plot_option,
    reject_unused,
    save_plot,
)
from backprop.examples.digits import DigitsResult, build_cnn, evaluate_digits, train_digits
from backprop.examples.edge import edge_report, edge_step, edge_trace
from backprop.io import load_params, save_params

__all__ = ["HELP", "add_arguments", "progress_bar", "run"]

HELP = "a 3×3 edge kernel gives 3.66 and one correct gradient step; --train fits a small CNN to 8×8 digits"

DEFAULTS: dict[str, object] = {"trace": False, "epochs": 15, "lr": 0.01, "seed": 0}
"""The options' defaults: a mode rejects an option that differs from its default and that it would ignore."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--trace``, ``--train``, ``--epochs``, ``--lr``, ``--seed``, ``--save``, ``--load``, ``--plot``."""
    parser.add_argument(
        "--trace", action="store_true", help="show the chain rule through the convolution (edge example only)"
    )
    parser.add_argument("--train", action="store_true", help="train the digits CNN and print its test accuracy")
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help="digits training epochs (default: 15)")
    parser.add_argument(
        "--lr", type=float, default=DEFAULTS["lr"], help="digits learning rate for Adam (default: 0.01)"
    )
    add_seed_option(parser, 0, "the digits CNN's initial weights and batch order (with --train)")
    parser.add_argument("--save", metavar="FILE.npz", help="save the trained parameters (implies --train)")
    parser.add_argument("--load", metavar="FILE.npz", help="evaluate saved parameters instead of training")
    add_plot_option(parser, "the edge gradients (with --train or --load: saliency maps of test digits)")


def progress_bar(epoch: int, epochs: int, loss: float, width: int = 20) -> str:
    """One line of the training progress display.

    Examples:
        >>> from backprop.cli.cnn import progress_bar
        >>> progress_bar(3, 10, 0.12345, width=10)
        'epoch  3/10 [###.......] loss 0.1235'
    """
    done = round(width * epoch / epochs)
    digits = len(str(epochs))
    return f"epoch {epoch:>{digits}}/{epochs} [{'#' * done}{'.' * (width - done)}] loss {loss:.4f}"


def _stderr_progress(epoch: int, epochs: int, loss: float) -> None:
    print(progress_bar(epoch, epochs, loss), file=sys.stderr, flush=True)


def _check(args: argparse.Namespace) -> None:
    """Every check that needs no computation: ignored options, paths, the plotting extra."""
    digits = bool(args.train or args.save or args.load)
    if args.load and args.train:
        raise CommandError("--load evaluates saved parameters; use it without --train")
    if not digits:
        reject_unused(args, DEFAULTS, ["epochs", "lr", "seed"], "without --train")
    elif args.load:
        reject_unused(args, DEFAULTS, ["trace", "epochs", "lr", "seed"], "with --load")
    else:
        reject_unused(args, DEFAULTS, ["trace"], "with --train")
    check_output_file(args.save, "--save", (".npz",))
    check_input_file(args.load, "--load")
    check_plot_option(args.plot)


def _accuracy_line(result: DigitsResult, source: str) -> str:
    acc, n = result.test_accuracy, len(result.data.y_test)
    line = f"digits CNN{source}: test accuracy {acc:.4f} ({round(acc * n)}/{n})"
    if result.losses:
        line += f" after {len(result.losses)} epochs in {result.seconds:.1f} s"
    return line


def run(args: argparse.Namespace) -> int:
    """Print the worked example, or train/evaluate the digits CNN; ``--plot`` draws what was printed."""
    _check(args)
    if not (args.train or args.save or args.load):
        step = edge_step()
        lines = edge_report(step, chain_rule=args.trace)
        for line in lines:
            print(line)
        if args.trace:
            print(edge_trace().to_text())
        if args.plot:
            from backprop.plots.cnn import edge_gradients

            save_plot(edge_gradients(step, title=lines[0]), args.plot)
        return 0

    if args.load:
        model = build_cnn(0)  # its initial weights are all overwritten by the file's
        load_params(model, Path(args.load))
        result = evaluate_digits(model)
        line = _accuracy_line(result, f" ({args.load})")
    else:
        result = train_digits(epochs=args.epochs, lr=args.lr, rng=args.seed, progress=_stderr_progress)
        line = _accuracy_line(result, "")
    print(line)
    if args.save:
        path = save_params(result.model, Path(args.save))
        print(f"saved parameters to {path}")
    if args.plot:
        from backprop.plots.cnn import digit_saliency

        save_plot(digit_saliency(result, title=line), args.plot)
    return 0
