"""How many samples a run selects, from ``--n-samples`` or ``--proportion``."""

from __future__ import annotations

from embedscope.errors import ConfigError


def resolve_n_samples(n_input: int, *, n_samples: int | None, proportion: float | None) -> int:
    """The number of samples to select.

    Raises:
        ConfigError: both or neither given, n_samples ≤ 0 or > n_input, proportion outside (0, 1].
    """
    if n_samples is not None and proportion is not None:
        raise ConfigError("give only one of --n-samples and --proportion, not both")
    if n_samples is not None:
        if n_samples <= 0:
            raise ConfigError(f"--n-samples must be at least 1, got {n_samples}")
        if n_samples > n_input:
            raise ConfigError(f"--n-samples {n_samples} is more than the {n_input} input samples")
        return n_samples
    if proportion is None:
        raise ConfigError("give one of --n-samples and --proportion")
    if not 0.0 < proportion <= 1.0:
        raise ConfigError(f"--proportion must be in (0, 1], got {proportion}")
    return max(1, round(proportion * n_input))
