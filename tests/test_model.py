import pytest
import torch
import torch.nn.functional as F

from hrmlib import HRM, Config, linear_cross_entropy
from hrmlib.model import sample_negatives


def _model(**changes):
    torch.manual_seed(0)
    return HRM(n_users=5, n_items=7, config=Config(embedding_size=4, dropout=0.0, **changes))


def test_shapes():
    model = _model(high_order=3)
    users, history = torch.tensor([1, 2]), torch.tensor([[0, 3, 4], [5, 6, 7]])
    h = model(users, history)
    assert h.shape == (2, 4)
    assert model.scores(h).shape == (2, 8)  # padding row included
    assert model.loss(users, history, torch.tensor([1, 2])).shape == ()


def test_padding_row_starts_nonzero_like_recbole():
    assert _model().item_embedding.weight[0].norm() > 0


def test_max_pooling_lets_padding_take_part():
    model = _model(high_order=3)
    e, u = model.item_embedding.weight.detach(), model.user_embedding.weight.detach()
    h = model(torch.tensor([1]), torch.tensor([[0, 0, 3]]))
    layer_1 = torch.maximum(e[0], e[3])
    assert torch.allclose(h[0], torch.maximum(u[1], layer_1))


def test_average_pooling_averages_real_items_only():
    model = _model(high_order=3, pooling_layer_1="average", pooling_layer_2="average")
    e, u = model.item_embedding.weight.detach(), model.user_embedding.weight.detach()
    h = model(torch.tensor([2, 2]), torch.tensor([[0, 0, 3], [4, 5, 6]]))
    assert torch.allclose(h[0], (u[2] + e[3]) / 2)
    assert torch.allclose(h[1], (u[2] + (e[4] + e[5] + e[6]) / 3) / 2)


def test_no_gradient_into_padding_through_the_history():
    model = HRM(5, 7, Config(embedding_size=32, dropout=0.0, high_order=3))
    h = model(torch.tensor([1, 2]), torch.tensor([[0, 0, 3], [0, 5, 6]]))
    h.sum().backward()
    grad = model.item_embedding.weight.grad
    assert torch.all(grad[0] == 0)  # padding won some max positions, yet gets nothing
    assert grad[[3, 5, 6]].abs().sum() > 0


def test_dropout_only_in_training():
    model = HRM(5, 7, Config(embedding_size=16, dropout=0.5))
    users, history = torch.tensor([1, 1]), torch.tensor([[1, 2, 3], [1, 2, 3]])
    model.eval()
    assert torch.equal(model(users, history)[0], model(users, history)[1])
    model.train()
    assert not torch.equal(model(users, history)[0], model(users, history)[1])


@pytest.mark.parametrize("chunk", [1, 3, 64, 1000])
def test_fused_cross_entropy_equals_autograd(chunk):
    torch.manual_seed(1)
    h = torch.randn(50, 8, dtype=torch.float64, requires_grad=True)
    w = torch.randn(11, 8, dtype=torch.float64, requires_grad=True)
    targets = torch.randint(0, 11, (50,))
    fused = linear_cross_entropy(h, w, targets, chunk=chunk)
    (3 * fused).backward()
    fused_grads = h.grad.clone(), w.grad.clone()
    h.grad = w.grad = None
    plain = F.cross_entropy(h @ w.T, targets)
    (3 * plain).backward()
    assert fused.item() == pytest.approx(plain.item(), rel=1e-12)
    assert torch.allclose(fused_grads[0], h.grad) and torch.allclose(fused_grads[1], w.grad)


def test_negatives_are_uniform_and_never_the_target_or_padding():
    torch.manual_seed(0)
    targets = torch.randint(1, 8, (70000,))
    negatives = sample_negatives(targets, 7)
    assert negatives.min() >= 1 and negatives.max() <= 7 and not torch.any(negatives == targets)
    counts = torch.bincount(negatives, minlength=8)[1:].float()
    assert (counts / counts.mean() - 1).abs().max() < 0.05


def test_bpr_loss_trains():
    model = _model(loss="BPR")
    users, history, targets = torch.tensor([1, 2]), torch.tensor([[0, 3, 4], [5, 6, 7]]), torch.tensor([1, 2])
    loss = model.loss(users, history, targets)
    loss.backward()
    assert loss.item() > 0 and model.item_embedding.weight.grad.abs().sum() > 0
