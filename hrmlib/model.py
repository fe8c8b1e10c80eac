"""HRM, the Hierarchical Representation Model (Wang et al., SIGIR 2015), as RecBole runs it.

A user's next item is scored from two layers of pooling:

    layer 1: the embeddings of the last `high_order` items  --pool-->  one vector
    layer 2: [user embedding, layer-1 vector]               --pool-->  h
    score(item i) = h . e_i

Pooling is max or average. The training loss is softmax cross-entropy over
every item row (CE) or BPR with one sampled negative.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from hrmlib.config import Config


class HRM(nn.Module):
    """HRM over `n_users` users and `n_items` items (ids from 1; 0 is padding).

    Matches RecBole's HRM: both embeddings start Xavier-normal (the padding row
    of the item table too, so it is not zero); a history shorter than
    `high_order` is left-padded with item 0 and, under max pooling, the padding
    row takes part like any item; dropout hits the user vector, then the
    stacked pair again. One deliberate difference: average pooling averages the
    real items of the last `high_order` only. RecBole sums the whole padded
    history of up to 50 items and divides by min(length, high_order), a bug;
    the default, max pooling, does not meet it.
    """

    def __init__(self, n_users: int, n_items: int, config: Config) -> None:
        super().__init__()
        self.config = config
        self.n_items = n_items
        self.item_embedding = nn.Embedding(n_items + 1, config.embedding_size, padding_idx=0)
        self.user_embedding = nn.Embedding(n_users + 1, config.embedding_size)
        self.dropout = nn.Dropout(config.dropout)
        nn.init.xavier_normal_(self.item_embedding.weight)
        nn.init.xavier_normal_(self.user_embedding.weight)

    def forward(self, users: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
        """The user representation h for each example: (batch, dim).

        users: (batch,) user ids; history: (batch, high_order) item ids,
        left-padded with 0, most recent item last (`SeqData.history`).
        """
        items = self.item_embedding(history)  # (batch, high_order, dim)
        if self.config.pooling_layer_1 == "max":
            layer_1 = items.max(dim=1).values  # (batch, dim)
        else:
            real = (history > 0).unsqueeze(-1).to(items.dtype)  # (batch, high_order, 1)
            layer_1 = (items * real).sum(dim=1) / real.sum(dim=1).clamp(min=1)
        user = self.dropout(self.user_embedding(users))  # (batch, dim)
        pair = self.dropout(torch.stack([user, layer_1], dim=1))  # (batch, 2, dim)
        if self.config.pooling_layer_2 == "max":
            return pair.max(dim=1).values
        return pair.mean(dim=1)

    def scores(self, h: torch.Tensor) -> torch.Tensor:
        """Score of every item row, padding included: (batch, n_items + 1)."""
        return h @ self.item_embedding.weight.T

    def loss(self, users: torch.Tensor, history: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Mean training loss of a batch (CE or BPR, as configured)."""
        h = self.forward(users, history)
        if self.config.loss == "CE":
            return linear_cross_entropy(h, self.item_embedding.weight, targets)
        negatives = sample_negatives(targets, self.n_items)
        positive = (h * self.item_embedding(targets)).sum(-1)
        negative = (h * self.item_embedding(negatives)).sum(-1)
        return -F.logsigmoid(positive - negative).mean()


def sample_negatives(targets: torch.Tensor, n_items: int) -> torch.Tensor:
    """One negative per target, uniform over items 1..n_items other than the target."""
    negatives = torch.randint(1, n_items, targets.shape, device=targets.device)  # n_items - 1 choices
    return negatives + (negatives >= targets).long()  # skip over the target


def linear_cross_entropy(
    h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int = 512
) -> torch.Tensor:
    """`F.cross_entropy(h @ weight.T, targets)`, same value and gradients, computed in chunks.

    The full logits of a batch (4,096 x 3,124 floats, 51 MB) do not fit in a
    CPU cache: computing them, the softmax and its gradient as separate steps
    streams them through memory five or six times, which costs as much as the
    matrix multiplies themselves. Here each chunk of rows is multiplied,
    turned into softmax gradients and multiplied back while it is still in
    cache, and the gradients are ready when the forward pass ends.
    """
    return _LinearCrossEntropy.apply(h, weight, targets, chunk)


class _LinearCrossEntropy(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int) -> torch.Tensor:
        grad_h = torch.empty_like(h)
        grad_weight = torch.zeros_like(weight)
        total = h.new_zeros(())
        for start in range(0, len(h), chunk):
            h_c, t_c = h[start : start + chunk], targets[start : start + chunk]
            rows = torch.arange(len(h_c), device=h.device)
            probs = torch.softmax(h_c @ weight.T, dim=1)  # (chunk, n_items + 1)
            # The loss is only reported; its gradient below is exact whatever the clamp does.
            total -= probs[rows, t_c].clamp(min=torch.finfo(probs.dtype).tiny).log().sum()
            probs[rows, t_c] -= 1  # d loss / d logits = softmax - one_hot
            torch.mm(probs, weight, out=grad_h[start : start + chunk])
            grad_weight.addmm_(probs.T, h_c)
        ctx.save_for_backward(grad_h / len(h), grad_weight / len(h))
        return total / len(h)

    @staticmethod
    def backward(ctx, grad_loss: torch.Tensor):
        grad_h, grad_weight = ctx.saved_tensors
        return grad_h * grad_loss, grad_weight * grad_loss, None, None
