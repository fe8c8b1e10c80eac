"""Checks on the real MovieLens-1M copy; skipped with a reason when HRMLIB_DATA_DIR does not hold it."""

import pytest
import torch

from hrmlib import Config, prepare
from hrmlib.data import filter_ratings, k_core, load_ratings, timestamp_ties


@pytest.fixture(scope="module")
def ml1m():
    from conftest import real_data_dir

    root = real_data_dir("ml-1m")
    return root, load_ratings("ml-1m", root)


def test_raw_file(ml1m):
    _, ratings = ml1m
    assert len(ratings) == 1_000_209
    assert ratings.user.nunique() == 6040 and ratings.item.nunique() == 3706


def test_protocol_gives_the_published_dataset(ml1m):
    root, ratings = ml1m
    core = k_core(filter_ratings(ratings, 3), 10)
    assert len(core) == 834_449
    data = prepare(Config(), root=root, ratings=ratings)
    assert data.stats() == {
        "n_users": 6033,
        "n_items": 3123,
        "n_interactions": 834449,
        "n_train": 816350,
        "n_valid": 6033,
        "n_test": 6033,
    }
    assert data.lengths(data.train).max() == 50


def test_tie_orders_change_targets_not_the_dataset(ml1m):
    root, ratings = ml1m
    file_order = prepare(Config(), root=root, ratings=ratings)
    reversed_order = prepare(Config(tie_order="reversed"), root=root, ratings=ratings)
    assert reversed_order.stats() == file_order.stats()
    changed = (file_order.targets(file_order.test) != reversed_order.targets(reversed_order.test)).float().mean()
    ties = timestamp_ties(file_order)
    assert 0.3 < ties["exact_test_target"] < ties["test_target"] < 0.8
    assert changed > 0.5  # the users whose last two ratings tie at RecBole's float32 precision
    assert torch.equal(torch.sort(file_order.items).values, torch.sort(reversed_order.items).values)
