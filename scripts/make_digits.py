"""Rebuild ``backprop/data/digits.npz`` from scikit-learn's bundled copy of the 8×8 digits.

Run it from the repository root with scikit-learn installed (it is not a dependency of the
project; the package reads only the shipped file)::

    python scripts/make_digits.py          # writes backprop/data/digits.npz
    python scripts/make_digits.py --check  # exits 1 if the shipped file holds other arrays
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TARGET = Path(__file__).resolve().parent.parent / "backprop" / "data" / "digits.npz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args()
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.asarray(bunch.images).astype(np.uint8)
    labels = np.asarray(bunch.target).astype(np.uint8)
    if not (np.array_equal(images, bunch.images) and np.array_equal(labels, bunch.target)):
        raise SystemExit("the digits are not small non-negative integers: refusing to narrow them to uint8")
    if args.check:
        with np.load(TARGET, allow_pickle=False) as shipped:
            same = np.array_equal(shipped["images"], images) and np.array_equal(shipped["labels"], labels)
        print("the shipped digits match scikit-learn's" if same else "the shipped digits differ from scikit-learn's")
        return 0 if same else 1
    np.savez_compressed(TARGET, images=images, labels=labels)
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
