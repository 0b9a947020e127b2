"""Settings for the test session that must be made before NumPy is imported.

The tests' arrays are small, and the page notebooks run in kernels beside the suite
(``tests/test_notebooks.py``): one BLAS thread keeps NumPy's threads from competing with
them for the cores, and is faster for arrays this size. A value set in the environment is kept.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
