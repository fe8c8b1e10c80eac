import re

import pytest

from hrmlib import Config


def test_defaults_are_the_protocol():
    c = Config()
    assert (c.dataset, c.min_rating, c.k_core, c.max_history, c.tie_order) == ("ml-1m", 3, 10, 50, "file")
    assert (c.embedding_size, c.dropout, c.pooling_layer_1, c.pooling_layer_2, c.loss) == (64, 0.2, "max", "max", "CE")
    assert (c.batch_size, c.epochs, c.stopping_step, c.seed, c.valid_metric) == (4096, 500, 10, 2020, "ndcg@10")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("high_order", 0, "high_order must be an integer in 1..50"),
        ("high_order", 51, "high_order must be an integer in 1..50"),
        ("high_order", 2.5, "high_order must be an integer"),
        ("learning_rate", 0.0, "learning_rate must be > 0"),
        ("learning_rate", -1e-3, "learning_rate must be > 0"),
        ("pooling_layer_1", "mean", "pooling_layer_1 must be one of ['max', 'average']"),
        ("pooling_layer_2", "min", "pooling_layer_2 must be one of"),
        ("loss", "MSE", "loss must be one of ['CE', 'BPR']"),
        ("dataset", "ml-20m", "dataset must be one of"),
        ("dropout", 1.0, "dropout must be in [0, 1)"),
        ("batch_size", 0, "batch_size must be an integer"),
        ("tie_order", "sorted", "tie_order must be one of"),
        ("valid_metric", "auc@10", "valid_metric must be one of"),
        ("valid_metric", "ndcg@20", "valid_metric must be one of"),
        ("topk", (), "topk must be a non-empty list"),
        ("device", "tpu", "device must be one of"),
    ],
)
def test_bad_values_name_the_field_and_range(field, value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Config(**{field: value})


def test_high_order_is_bounded_by_max_history():
    assert Config(high_order=5, max_history=5).high_order == 5
    with pytest.raises(ValueError, match="high_order must be an integer in 1..4"):
        Config(high_order=5, max_history=4)


def test_round_trip_and_key():
    c = Config(high_order=2, learning_rate=0.003, topk=[5, 10])
    assert c.topk == (5, 10)
    assert Config.from_dict(c.to_dict()) == c
    assert c.key() == Config.from_dict(c.to_dict()).key()
    assert c.key() != c.replace(seed=1).key()
    assert c.key() == c.replace(device="cpu").key()  # the device does not change what a trial is


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match=r"unknown settings \['hihg_order'\]"):
        Config.from_dict({"hihg_order": 3})


def test_tie_seed_only_counts_for_random_order():
    assert Config(tie_order="reversed", tie_seed=3) == Config(tie_order="reversed")
    assert Config(tie_order="random", tie_seed=3).key() != Config(tie_order="random").key()
