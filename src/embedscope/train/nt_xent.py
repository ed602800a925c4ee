"""The NT-Xent loss of SimCLR (normalised temperature-scaled cross entropy).

Chen, Kornblith, Norouzi, Hinton, "A Simple Framework for Contrastive Learning of Visual Representations",
ICML 2020, https://arxiv.org/abs/2002.05709, equation (1) and Algorithm 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEFAULT_TEMPERATURE = 0.5  # SimCLR's CIFAR-10 setting and LightlySSL's NTXentLoss default


def nt_xent_loss(
    z_a: torch.Tensor, z_b: torch.Tensor, *, temperature: float = DEFAULT_TEMPERATURE
) -> torch.Tensor:
    """NT-Xent over a batch of N positive pairs (row i of ``z_a`` with row i of ``z_b``).

    With the 2N projections z_1..z_2N (``z_a`` then ``z_b``), sim the cosine similarity and τ the
    temperature, the loss of the pair (i, j) is

        ℓ(i, j) = −log( exp(sim(z_i, z_j) / τ) / Σ_{k ≠ i} exp(sim(z_i, z_k) / τ) )

    and the result is the mean of ℓ(i, j) and ℓ(j, i) over the N pairs: the other 2(N − 1) views of the batch
    are the negatives.

    Args:
        z_a, z_b: (N, d) float projections of the two views, N >= 2 (not necessarily normalised).
        temperature: τ > 0.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: shapes that differ or are not (N, d) with N >= 2, or τ <= 0.
    """
    import torch
    from torch.nn import functional

    if z_a.shape != z_b.shape or z_a.ndim != 2 or z_a.shape[0] < 2:
        raise ValueError(
            f"expected two (N, d) batches with N >= 2, got {tuple(z_a.shape)} and {tuple(z_b.shape)}"
        )
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    n_pairs = z_a.shape[0]
    z = functional.normalize(torch.cat([z_a, z_b]), dim=1)
    logits = z @ z.T / temperature
    self_pairs = torch.eye(2 * n_pairs, dtype=torch.bool, device=z.device)
    logits = logits.masked_fill(self_pairs, float("-inf"))
    partners = torch.cat([torch.arange(n_pairs, 2 * n_pairs), torch.arange(n_pairs)]).to(z.device)
    return functional.cross_entropy(logits, partners)
