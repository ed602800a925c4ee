"""NT-Xent against equation (1) of Chen et al. 2020 (SimCLR), written out in float64 numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embedscope.train.nt_xent import nt_xent_loss


def _paper_loss(z_a: np.ndarray, z_b: np.ndarray, tau: float) -> float:
    """L = 1/(2N) Σ_k [ℓ(2k-1, 2k) + ℓ(2k, 2k-1)], ℓ(i, j) = -log exp(s_ij/τ) / Σ_{k≠i} exp(s_ik/τ), s cosine."""
    n = len(z_a)
    z = np.empty((2 * n, z_a.shape[1]))
    z[0::2], z[1::2] = z_a, z_b  # the paper's order: views 2k-1 and 2k of example k side by side
    total = 0.0
    for i in range(2 * n):
        j = i + 1 if i % 2 == 0 else i - 1
        sims = [z[i] @ z[k] / (np.linalg.norm(z[i]) * np.linalg.norm(z[k])) / tau for k in range(2 * n)]
        denominator = sum(np.exp(sims[k]) for k in range(2 * n) if k != i)
        total += -np.log(np.exp(sims[j]) / denominator)
    return total / (2 * n)


@pytest.mark.parametrize(("n", "dim", "tau"), [(2, 3, 0.5), (5, 8, 0.1), (16, 4, 1.0)])
def test_matches_the_papers_formula(n: int, dim: int, tau: float) -> None:
    rng = np.random.default_rng(n * 100 + dim)
    z_a, z_b = rng.normal(size=(n, dim)), rng.normal(size=(n, dim)) * 3.0
    got = nt_xent_loss(torch.from_numpy(z_a), torch.from_numpy(z_b), temperature=tau)
    assert float(got) == pytest.approx(_paper_loss(z_a, z_b, tau), rel=1e-12)


def test_identical_views_far_from_the_rest_give_a_small_loss() -> None:
    z = torch.eye(4, dtype=torch.float64)  # orthogonal examples, both views equal
    loss = float(nt_xent_loss(z, z, temperature=0.1))
    # each row: exp(10) / (exp(10) + 6 exp(0))
    assert loss == pytest.approx(-np.log(np.exp(10.0) / (np.exp(10.0) + 6.0)), rel=1e-12)


def test_gradient_flows_and_bad_shapes_are_refused() -> None:
    z_a = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    nt_xent_loss(z_a, torch.randn(3, 4, dtype=torch.float64)).backward()
    assert z_a.grad is not None and torch.isfinite(z_a.grad).all()
    with pytest.raises(ValueError, match="expected two"):
        nt_xent_loss(torch.zeros(1, 4), torch.zeros(1, 4))
    with pytest.raises(ValueError, match="temperature must be positive"):
        nt_xent_loss(torch.ones(2, 4), torch.ones(2, 4), temperature=0.0)
