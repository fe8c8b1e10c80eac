import math

import pytest
import torch

from hrmlib import metrics_from_ranks, target_ranks


def test_ranks_by_hand():
    # columns: padding, items 1..4
    scores = torch.tensor(
        [
            [9.0, 0.1, 0.4, 0.3, 0.2],  # target 2 is best among items -> rank 1 (padding's 9 ignored)
            [0.0, 0.1, 0.4, 0.3, 0.2],  # target 4 -> rank 3
            [0.0, 0.1, 0.4, 0.3, 0.2],  # target 1 -> rank 4
        ]
    )
    assert target_ranks(scores, torch.tensor([2, 4, 1])).tolist() == [1, 3, 4]


def test_ties_count_against_the_target():
    scores = torch.tensor([[0.0, 0.5, 0.5, 0.5, 0.1], [0.0, 1.0, 1.0, 1.0, 1.0]])
    assert target_ranks(scores, torch.tensor([2, 4])).tolist() == [3, 4]


def test_padding_never_counts_even_with_the_highest_score():
    scores = torch.tensor([[math.inf, 0.3, 0.2]])
    assert target_ranks(scores, torch.tensor([1])).tolist() == [1]


def test_metrics_by_hand():
    ranks = torch.tensor([1, 3, 10, 11])
    m = metrics_from_ranks(ranks, topk=(1, 10))
    assert list(m)[:4] == ["recall@1", "recall@10", "mrr@1", "mrr@10"]
    assert m["recall@10"] == m["hit@10"] == pytest.approx(3 / 4)
    assert m["recall@1"] == pytest.approx(1 / 4)
    assert m["precision@10"] == pytest.approx(3 / 4 / 10)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 3 + 1 / 10) / 4)
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4) + 1 / math.log2(11)) / 4)
    assert m["ndcg@1"] == pytest.approx(1 / 4)


def test_k_larger_than_the_number_of_items():
    scores = torch.tensor([[0.0, 0.3, 0.2, 0.1]])
    ranks = target_ranks(scores, torch.tensor([3]))
    m = metrics_from_ranks(ranks, topk=(50,))
    assert m["recall@50"] == 1.0
    assert m["precision@50"] == pytest.approx(1 / 50)
    assert m["ndcg@50"] == pytest.approx(1 / math.log2(4))
