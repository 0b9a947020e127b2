"""``python -m backprop``: see `backprop.cli`."""

from backprop.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
