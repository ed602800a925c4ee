"""Keep umap-learn's compiled kernels on disk between runs.

umap-learn 0.5 decorates its kernels with ``numba.njit()`` without ``cache=True``, so every process compiles
them again before its first fit: 10 s on a quiet 2-core machine, up to a minute under load, more than the fit
itself at 5,000 points. numba's ``Dispatcher.enable_caching()`` is what ``cache=True`` calls; calling it on
umap's module-level dispatchers stores their machine code in numba's cache (next to umap's sources, or
``NUMBA_CACHE_DIR``), keyed and invalidated by numba as for our own kernels.
"""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

UMAP_KERNEL_MODULES = ("umap.umap_", "umap.layouts", "umap.utils", "umap.spectral", "umap.sparse", "umap.distances")
"""umap-learn modules whose module-level numba dispatchers are cached."""

_enabled = False


def enable_umap_kernel_cache() -> int:
    """Enable numba's on-disk cache for umap-learn's module-level kernels (once per process).

    Returns:
        The number of dispatchers whose cache was enabled by this call (0 when already done).
    """
    global _enabled
    if _enabled:
        return 0
    from numba.core.dispatcher import Dispatcher

    enabled = 0
    for name in UMAP_KERNEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, Dispatcher) and value._cache.__class__.__name__ == "NullCache":
                try:
                    value.enable_caching()
                    enabled += 1
                except RuntimeError as error:  # no writable cache location: compile as before
                    logger.debug("numba cache not enabled for %s: %s", value, error)
    _enabled = True
    return enabled
