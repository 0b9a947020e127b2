"""backprop: backpropagation from scratch in NumPy, one readable layer at a time.

Example:
    >>> import numpy as np
    >>> import backprop as bp
    >>> net = bp.Sequential(bp.Dense(2, 4, rng=0), bp.Tanh(), bp.Dense(4, 1, rng=1), bp.Sigmoid())
    >>> x, y = np.array([[0.0, 1.0]]), np.array([[1.0]])
    >>> opt = bp.SGD(lr=0.5)
    >>> for _ in range(200):
    ...     loss, dloss = bp.mse(net.forward(x), y)
    ...     _ = net.backward(dloss)
    ...     opt.step(net)
    >>> print(f"{net.forward(x)[0, 0]:.2f}")
    0.98
"""

from backprop._types import Array
from backprop.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, sigmoid, softmax
from backprop.conv import Conv2D, Flatten, MaxPool2D
from backprop.dropout import Dropout
from backprop.gated import GRU, LSTM
from backprop.gradcheck import check_layer, check_loss, check_model, numerical_gradient, relative_error
from backprop.io import load_params, save_params
from backprop.layers import Dense, Layer, Sequential
from backprop.losses import binary_cross_entropy, mse, softmax_cross_entropy
from backprop.normalization import BatchNorm, LayerNorm
from backprop.optim import SGD, Adam, AdamW, DivergenceError
from backprop.rnn import RNN, clip_grad_norm
from backprop.trace import Trace, trace
from backprop.value import Value

__version__ = "0.1.0"

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "SGD",
    "Adam",
    "AdamW",
    "Array",
    "BatchNorm",
    "Conv2D",
    "Dense",
    "DivergenceError",
    "Dropout",
    "Flatten",
    "Layer",
    "LayerNorm",
    "LeakyReLU",
    "MaxPool2D",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "Trace",
    "Value",
    "binary_cross_entropy",
    "check_layer",
    "check_loss",
    "check_model",
    "clip_grad_norm",
    "load_params",
    "mse",
    "numerical_gradient",
    "relative_error",
    "save_params",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "trace",
]
