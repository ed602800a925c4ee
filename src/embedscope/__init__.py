"""embedscope: select a small, diverse subset of a dataset and prove it with an embedding analysis report."""

import os

# OpenMP threads (faiss, numba, onnxruntime's BLAS) busy-wait after each parallel region by default. Between
# those regions embedscope runs numpy and numba code on the same cores, which the spinning threads then slow
# down: 2.5-6x on a 2-core machine (measured in benchmarks/README.md, "OpenMP wait policy"). A user's own
# setting wins; the variable must be set before the first OpenMP runtime loads, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
