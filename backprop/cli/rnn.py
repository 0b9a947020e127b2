"""``python -m backprop rnn``: the three-step sequence to 0.92 by BPTT (``--text``: the sonnet too).

Options are checked before anything runs: ``--seed`` only seeds the sonnet model, so it
is rejected without ``--text``; ``--plot``'s path and matplotlib are checked first.
"""

from __future__ import annotations

import argparse

from backprop.cli._common import (
    add_plot_option,
    add_seed_option,
    check_plot_option,
    reject_unused,
    save_plot,
)
from backprop.examples.rnn import build_rnn, first_pass, train_rnn
from backprop.examples.text import complete, train_text

__all__ = ["HELP", "add_arguments", "run"]

HELP = "an RNN reads [1,0],[0,1],[1,1] and learns to predict 1 by BPTT (--text: a sonnet, character by character)"

DEFAULTS: dict[str, object] = {"seed": 0}
"""The defaults of the options a mode can reject."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options: ``--trace``, ``--epochs``, ``--lr``, ``--bptt-steps``, ``--text``, ``--seed``, ``--plot FILE``."""
    parser.add_argument(
        "--trace", action="store_true", help="print h_t, ∂L/∂h_t, δ_t and the gradients of the first pass"
    )
    parser.add_argument("--epochs", type=int, default=200, help="gradient-descent steps (default: 200)")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default: 0.1)")
    parser.add_argument("--bptt-steps", type=int, default=None, help="truncate BPTT to this many steps (default: full)")
    parser.add_argument("--text", action="store_true", help="also train a next-character model on Sonnet 18")
    add_seed_option(parser, 0, "the sonnet model's weights and windows (with --text)")
    add_plot_option(parser, "the loss and prediction per epoch (with --text: and the sonnet's learning curve)")


def _check(args: argparse.Namespace) -> None:
    if not args.text:
        reject_unused(args, DEFAULTS, ["seed"], "without --text")
    check_plot_option(args.plot)


def run(args: argparse.Namespace) -> int:
    """Print the final prediction (the first pass's BPTT table with ``--trace``; the sonnet with ``--text``)."""
    _check(args)
    if args.trace:
        print(first_pass(build_rnn(bptt_steps=args.bptt_steps)).to_text())
        print()
    result = train_rnn(epochs=args.epochs, lr=args.lr, bptt_steps=args.bptt_steps)
    lines = [f"RNN → Final Prediction: {result.prediction:.2f}"]
    text = None
    if args.text:
        text = train_text(rng=args.seed)
        lines.append(
            f"Sonnet 18, next character: cross-entropy {text.eval_losses[0]:.2f} → {text.eval_losses[-1]:.2f}"
            f" nats per character after {text.eval_steps[-1]} Adam steps, gradients clipped at norm 1"
        )
        lines.append(f"Greedy completion: {complete(text, 'Shall I', 40)!r}")
    for line in lines:
        print(line)
    if args.plot:
        from backprop.plots.rnn import rnn_training

        title = lines[0] if text is None else f"{lines[0]}; sonnet cross-entropy {text.eval_losses[-1]:.2f}"
        save_plot(rnn_training(result, text, title=title), args.plot)
    return 0
