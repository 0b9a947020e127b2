"""``python -m backprop dnn``: an L-layer network learns a generated spiral."""

from __future__ import annotations

import argparse

from backprop._check import positive_float, positive_int
from backprop.cli._common import add_plot_option, add_seed_option, check_plot_option, save_plot
from backprop.examples.dnn import train_spiral

__all__ = ["HELP", "add_arguments", "run"]

HELP = "an L-layer network learns a generated spiral data set (mini-batches, Adam)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: activations, layer sizes, epochs, batch size, learning rate, ``--seed`` and ``--plot``."""
    parser.add_argument("--hidden", choices=["relu", "tanh", "sigmoid"], default="relu", help="hidden activation")
    parser.add_argument("--output", choices=["softmax", "sigmoid"], default="softmax",
                        help="softmax: 3 classes, categorical cross-entropy; sigmoid: 2 classes, binary cross-entropy")
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 64], metavar="N", help="hidden layer widths")
    parser.add_argument("--epochs", type=int, default=300, help="passes over the data (default: 300)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: 32)")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default: 0.01)")
    add_seed_option(parser, 0, "the data, its train/test split, the initial weights and the batch order")
    add_plot_option(parser, "the training loss and the decision regions")


def run(args: argparse.Namespace) -> int:
    """Train and print the loss every tenth of training and the accuracies; draw that run."""
    epochs = positive_int(args.epochs, "epochs")
    batch_size = positive_int(args.batch_size, "batch_size")
    sizes = tuple(positive_int(n, "each of --sizes") for n in args.sizes)
    lr = positive_float(args.lr, "lr")
    plot = check_plot_option(args.plot)
    result = train_spiral(
        hidden=args.hidden, output=args.output, sizes=sizes, epochs=epochs, batch_size=batch_size, lr=lr,
        rng=args.seed,
    )
    losses = result.losses
    print(f"{result.net} on a spiral ({'3 classes' if args.output == 'softmax' else '2 classes'}), {epochs} epochs")
    step = max(1, len(losses) // 10)
    for epoch in [*range(0, len(losses), step), len(losses) - 1][:11]:
        print(f"epoch {epoch + 1:>4}  loss {losses[epoch]:.4f}")
    print(f"train accuracy {result.train_accuracy:.1%}   test accuracy {result.test_accuracy:.1%}")
    if plot is not None:
        from backprop.plots.dnn import dnn_decision

        save_plot(dnn_decision(result), plot)
    return 0
