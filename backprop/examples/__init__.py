"""The seed documents' systems as worked examples, each also a ``python -m backprop`` command."""
