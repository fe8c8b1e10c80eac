import pytest
import torch

from hrmlib import Config, evaluate_popularity, fit, prepare, recommend
from hrmlib.train import pick_device, popularity

FAST = Config(dataset="synthetic", high_order=1, learning_rate=0.01, batch_size=512, epochs=12, device="cpu")


@pytest.fixture(scope="module")
def synthetic():
    return prepare(FAST)


@pytest.fixture(scope="module")
def trained(synthetic):
    return fit(FAST, synthetic, progress=False)


def test_loss_falls(trained):
    result, _ = trained
    losses = [epoch["loss"] for epoch in result["history"]]
    assert losses[-1] < 0.8 * losses[0]


def test_beats_popularity_on_sequential_data(trained, synthetic):
    result, _ = trained
    baseline = evaluate_popularity(synthetic, synthetic.test)
    assert result["test"]["ndcg@10"] > 1.5 * baseline["ndcg@10"]
    assert result["test"]["recall@10"] > baseline["recall@10"] + 0.2


def test_same_seed_same_result(trained, synthetic):
    again, _ = fit(FAST, synthetic, progress=False)
    first, _ = trained
    assert again["test"] == first["test"]
    assert [e["loss"] for e in again["history"]] == [e["loss"] for e in first["history"]]
    other, _ = fit(FAST.replace(seed=7, epochs=2), synthetic, progress=False)
    assert other["history"][0]["loss"] != first["history"][0]["loss"]


def test_result_layout(trained):
    result, _ = trained
    assert set(result) >= {"config", "best_epoch", "epochs_run", "seconds", "valid", "test", "history", "machine"}
    assert result["valid"] == result["history"][result["best_epoch"]]["valid"]
    assert set(result["test"]) == {"recall@10", "mrr@10", "ndcg@10", "hit@10", "precision@10"}
    assert result["machine"]["device"] == "cpu"
    assert Config.from_dict(result["config"]) == FAST


def test_early_stopping_follows_recbole(synthetic):
    # A learning rate of ~0 never changes the model, so every epoch ties the first: >= counts
    # as an improvement, the best epoch keeps moving and the run goes the full length.
    frozen = FAST.replace(learning_rate=1e-30, epochs=5, dropout=0.0)
    result, _ = fit(frozen, synthetic, progress=False)
    assert result["epochs_run"] == 5 and result["best_epoch"] == 4
    # A learning rate far too large makes validation fall: after the best epoch,
    # stopping_step + 1 epochs without improvement end the run.
    wild = FAST.replace(learning_rate=5.0, epochs=40, stopping_step=2)
    result, _ = fit(wild, synthetic, progress=False)
    scores = [e["valid"]["ndcg@10"] for e in result["history"]]
    best = result["best_epoch"]
    assert result["epochs_run"] == best + 1 + 3 < 40
    assert scores[best] == max(scores) and all(s < scores[best] for s in scores[best + 1 :])


def test_recommend_never_returns_padding(trained, synthetic):
    _, model = trained
    top = recommend(model, synthetic, synthetic.test, k=10)
    assert top.shape == (len(synthetic.test), 10)
    assert top.min() >= 1


def test_popularity_counts_training_part_only(synthetic):
    counts = popularity(synthetic)
    assert counts[0] == 0
    assert counts.sum() == synthetic.n_interactions - 2 * synthetic.n_users


def test_device_choice():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            pick_device("cuda")
