"""The coverage histogram without its spike at 0: every covering sample is at distance 0 from itself, and for
small inputs those samples alone can fill the first bin many times over the rest (the y-axis then shows nothing
else). Both documents draw the histogram of the other input samples and say so."""

from __future__ import annotations

from embedscope.report.model import EmbeddingInformation, NumericDistributionPerSet

COVERING_SETS = ("selected", "random")  # sets whose members are input samples, so each covers itself at 0


def covering_counts(info: EmbeddingInformation) -> dict[str, int]:
    """Set name → how many input samples cover themselves (distance 0): the selection's size for the selected
    set and for the random subset (which has the selection's size)."""
    n_selected = len(info.scatter_plot_data.pca_embedding_data.selected_excluding_datapool2d_embeddings)
    cover = info.distance_to_cover_input
    return {name: n_selected for name in COVERING_SETS if getattr(cover, name) is not None and n_selected}


def without_covering_samples(distribution: NumericDistributionPerSet, counts: dict[str, int]
                             ) -> NumericDistributionPerSet:
    """A copy whose first bin no longer counts the covering samples (the per-set statistics are unchanged).

    The first bin starts at the smallest distance, 0, so it holds every covering sample; a count larger than
    the bin (which cannot happen for exact distances) is clipped at 0.
    """
    update = {}
    for name, n in counts.items():
        dist = getattr(distribution, name)
        if dist is None or not dist.counts:
            continue
        first = max(int(dist.counts[0]) - n, 0)
        update[name] = dist.model_copy(update={"counts": [first, *dist.counts[1:]]})
    return distribution.model_copy(update=update)
