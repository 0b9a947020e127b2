"""``python -m backprop xor``: a two-layer network class learns XOR; tiny initial weights stall."""

from __future__ import annotations

import argparse

from backprop._check import positive_float, positive_int
from backprop.cli._common import add_plot_option, add_seed_option, check_plot_option, save_plot
from backprop.examples.xor import XOR_X, XOR_Y, train_xor

__all__ = ["HELP", "TINY", "add_arguments", "run"]

HELP = "a two-layer network class learns XOR; tiny initial weights stall on the 0.25 plateau"

TINY = (0.01, 0.1)
"""The initial weight scale and learning rate of the contrast run: stuck on the 0.25 plateau."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: the initial weight scale, learning rate, epochs, hidden width, ``--seed`` and ``--plot``."""
    parser.add_argument("--init-scale", type=float, default=1.0, help="initial weight scale (default: 1.0)")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate (default: 1.0)")
    parser.add_argument("--epochs", type=int, default=1000, help="training epochs (default: 1000)")
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default: 4)")
    add_seed_option(parser, 0, "the initial weights (of both runs)")
    add_plot_option(parser, "the MSE of every epoch of the run and of its tiny-weight contrast run")


def run(args: argparse.Namespace) -> int:
    """Train, print the loss every 100 epochs and the predictions, then contrast the tiny-init setting; draw both."""
    init_scale = positive_float(args.init_scale, "init_scale")
    lr = positive_float(args.lr, "lr")
    epochs = positive_int(args.epochs, "epochs")
    hidden = positive_int(args.hidden, "hidden")
    plot = check_plot_option(args.plot)
    result = train_xor(init_scale=init_scale, lr=lr, epochs=epochs, hidden=hidden, rng=args.seed)
    print(f"XOR, 2-{hidden}-1 sigmoid net, init ×{init_scale}, lr {lr}, binary cross-entropy")
    for e in result.log:
        print(f"Epoch {e.epoch:>5}  BCE {e.loss:.4f}  MSE {e.mse:.4f}")
    print("Predictions:")
    for xi, p, yi in zip(XOR_X, result.predictions, XOR_Y[:, 0], strict=True):
        print(f"  input {xi.astype(int).tolist()} -> {p:.4f}  (target {int(yi)})")
    print(f"Final MSE {result.final_mse:.4f} after {epochs} epochs")
    runs = [result]
    if (init_scale, lr) != TINY:
        tiny = train_xor(init_scale=TINY[0], lr=TINY[1], epochs=epochs, hidden=hidden, rng=args.seed)
        print(f"With init ×{TINY[0]} and lr {TINY[1]} instead: MSE {tiny.mse[0]:.4f} → {tiny.final_mse:.4f}"
              f" after {epochs} epochs (stuck at the 0.25 saddle: every output ≈ 0.5)")
        runs.append(tiny)
    if plot is not None:
        from backprop.plots.xor import xor_loss_curves

        save_plot(xor_loss_curves(runs), plot)
    return 0
