"""``python -m backprop ann``: the 2-4-1 network trained to 0.98."""

from __future__ import annotations

import argparse

from backprop._check import positive_float, positive_int
from backprop.cli._common import add_plot_option, check_plot_option, save_plot, seed_value
from backprop.examples.ann import first_pass, train_ann

__all__ = ["HELP", "add_arguments", "run"]

HELP = "a 2-4-1 network (tanh, sigmoid) trained on one example until it predicts 0.98"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--seed``, ``--trace``, ``--epochs``, ``--lr``, ``--plot``."""
    parser.add_argument(
        "--seed", type=seed_value, default=None,
        help="draw the initial weights as N(0, 1) × 0.1 from this seed (default: the hand-written weights)",
    )
    parser.add_argument("--trace", action="store_true", help="print the chain-rule table of the first pass")
    parser.add_argument("--epochs", type=int, default=1000, help="gradient-descent steps (default: 1000)")
    parser.add_argument("--lr", type=float, default=0.25, help="learning rate (default: 0.25)")
    add_plot_option(parser, "the first step's ∂L/∂W and the gradient norms over training")


def run(args: argparse.Namespace) -> int:
    """Print the final prediction (after the first pass's chain rule with ``--trace``); draw that run."""
    epochs = positive_int(args.epochs, "epochs")
    lr = positive_float(args.lr, "lr")
    plot = check_plot_option(args.plot)
    if args.trace:
        print(first_pass(args.seed).to_text())
        print()
    result = train_ann(rng=args.seed, epochs=epochs, lr=lr)
    print(f"ANN → Final Prediction: {result.prediction:.2f}")
    if plot is not None:
        from backprop.plots.ann import ann_gradients

        save_plot(ann_gradients(result), plot)
    return 0
