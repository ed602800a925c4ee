"""embedscope: select a small, diverse subset of a dataset and prove it with an embedding analysis report."""

__version__ = "0.1.0"
