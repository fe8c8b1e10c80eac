"""Full-ranking top-K metrics, as RecBole defines them for leave-one-out evaluation.

Every item is scored for every example, the padding item 0 is set to -inf,
items the user has already seen stay in (RecBole does not mask them), and the
rank r of the one target item decides everything (1 = best):

    Hit@K = Recall@K = [r <= K]      Precision@K = [r <= K] / K
    MRR@K = 1/r if r <= K else 0      NDCG@K = 1/log2(r + 1) if r <= K else 0

Each is averaged over examples.
"""

from __future__ import annotations

import torch

from hrmlib.config import METRICS


def target_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Rank of each target among items 1..n: (batch,) int64, 1 = best.

    scores: (batch, n_items + 1), column 0 the padding item, which never
    counts. Ties count against the target: an item that scores exactly as
    high as the target is ranked above it, so a model that scores everything
    the same gets the worst rank, not the best.
    """
    target_scores = scores.gather(1, targets[:, None])  # (batch, 1)
    return (scores[:, 1:] >= target_scores).sum(dim=1)  # the target counts itself: r >= 1


def metrics_from_ranks(ranks: torch.Tensor, topk: tuple[int, ...] = (10,)) -> dict[str, float]:
    """Mean Recall, MRR, NDCG, Hit and Precision at each K, keyed like 'recall@10'."""
    ranks = ranks.double()
    per_example = {
        "recall": lambda hit, k: hit,
        "mrr": lambda hit, k: hit / ranks,
        "ndcg": lambda hit, k: hit / torch.log2(ranks + 1),
        "hit": lambda hit, k: hit,
        "precision": lambda hit, k: hit / k,
    }
    return {f"{name}@{k}": per_example[name]((ranks <= k).double(), k).mean().item() for name in METRICS for k in topk}
