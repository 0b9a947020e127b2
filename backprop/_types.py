"""The array type used throughout the package."""

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
"""A float64 NumPy array. Batches come first: ``x.shape == (batch, features)``."""
