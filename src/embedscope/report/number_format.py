"""How every document writes a distance or score, and a mean ± sd."""

from __future__ import annotations

from embedscope.report.model import MeanSd


def fmt(value: float | None) -> str:
    """A distance or score with four decimals (one column never mixes 3 and 4 decimals), thousands separated
    from 1,000 on, scientific below 0.0001; "n/a" for None."""
    if value is None:
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1e-4 or magnitude == 0:
        return f"{value:.4f}"
    return f"{value:.2e}"


def fmt_mean_sd(stat: MeanSd | None) -> str:
    """``mean ± sd`` with the same four decimals on both sides, or "n/a"."""
    if stat is None:
        return "n/a"
    sd = f"{stat.sd:,.0f}" if abs(stat.mean) >= 1000 else f"{stat.sd:.4f}"
    return f"{fmt(stat.mean)} ± {sd}"
