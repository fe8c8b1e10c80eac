import hashlib
import os
import stat
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import ratings_frame, write_ml1m
from hrmlib import Config, prepare, synthetic_ratings
from hrmlib import data as hd

# --- the protocol, rule by rule ------------------------------------------------


def test_filter_keeps_ratings_from_3_and_drops_the_rating():
    ratings = ratings_frame([(1, 10, 5, 100), (1, 11, 2, 101), (2, 10, 3, 102), (2, 12, 1, 103)])
    kept = hd.filter_ratings(ratings, min_rating=3)
    assert kept[["user", "item"]].values.tolist() == [[1, 10], [2, 10]]
    assert "rating" not in kept
    assert kept["row"].tolist() == [0, 2]  # file positions survive for tie ordering


def test_k_core_iterates_to_a_fixed_point():
    # A path user1-item1-user2-item2-user3: each pass of a 2-core removes the ends, which makes
    # new ends, so iterating empties it; a single pass would keep user 2.
    chain = pd.DataFrame([(1, 1), (2, 1), (2, 2), (3, 2)], columns=["user", "item"])
    assert hd.k_core(chain, k=2).empty
    square = pd.DataFrame([(1, 1), (1, 2), (2, 1), (2, 2)], columns=["user", "item"])
    assert len(hd.k_core(square, k=2)) == 4


def test_k_core_one_pass_is_not_enough():
    # user 1: items a, b, c ; user 2: a, b ; user 3: c only with k=2.
    frame = pd.DataFrame([(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (3, 3), (3, 4), (4, 4)], columns=["user", "item"])
    # pass 1 drops user 4 (1 interaction): item 4 falls to 1 -> pass 2 drops it -> user 3 falls
    # to 1 -> pass 3 drops user 3 -> item 3 falls to 1 -> pass 4 drops it.
    core = hd.k_core(frame, k=2)
    assert sorted(map(tuple, core[["user", "item"]].values.tolist())) == [(1, 1), (1, 2), (2, 1), (2, 2)]


def test_sort_is_stable_on_equal_timestamps():
    interactions = pd.DataFrame(
        {"user": [2, 1, 1, 1, 1], "item": [9, 5, 6, 7, 8], "timestamp": [1, 50, 10, 10, 10], "row": [0, 1, 2, 3, 4]}
    )
    file_order = hd.sort_interactions(interactions, "file")
    assert file_order["item"].tolist() == [6, 7, 8, 5, 9]  # user 1: ties keep file order
    reversed_order = hd.sort_interactions(interactions, "reversed")
    assert reversed_order["item"].tolist() == [8, 7, 6, 5, 9]
    shuffled = [tuple(hd.sort_interactions(interactions, "random", seed)["item"][:3]) for seed in range(20)]
    assert all(sorted(s) == [6, 7, 8] for s in shuffled)  # only the tied items move
    assert len(set(shuffled)) > 1
    assert shuffled[3] == tuple(hd.sort_interactions(interactions, "random", 3)["item"][:3])  # seeded


def test_timestamps_tie_at_recbole_float32_precision():
    # 978300019 and 978300055 are 36 s apart but the same float32 (RecBole stores timestamps so):
    # the tie keeps file order, which here puts the later rating first.
    interactions = pd.DataFrame(
        {"user": [1, 1, 1], "item": [7, 8, 9], "timestamp": [978300055, 978300019, 978300103], "row": [0, 1, 2]}
    )
    assert hd.sort_interactions(interactions, "file")["item"].tolist() == [7, 8, 9]
    assert hd.sort_interactions(interactions, "reversed")["item"].tolist() == [8, 7, 9]


def _sequence_data(lengths, max_history=50):
    rows, item = [], 1
    for user, n in enumerate(lengths, start=1):
        for t in range(n):
            rows.append((user, item, 5, t))
            item += 1
    config = Config(dataset="synthetic", k_core=1, max_history=max_history, high_order=1)
    return prepare(config, ratings=ratings_frame(rows)), rows


def test_every_prefix_is_an_example_and_leave_one_out_split():
    data, rows = _sequence_data([5, 3])
    # user 1 has items 1..5: train targets 2, 3; valid 4; test 5. user 2 (items 6..8): valid 7, test 8.
    assert data.targets(data.train).tolist() == [2, 3]
    assert data.targets(data.valid).tolist() == [4, 7]
    assert data.targets(data.test).tolist() == [5, 8]
    assert data.stats() == {"n_users": 2, "n_items": 8, "n_interactions": 8, "n_train": 2, "n_valid": 2, "n_test": 2}
    # the test history holds the validation item; histories are left-padded with 0
    assert data.history(data.test, 5).tolist() == [[0, 1, 2, 3, 4], [0, 0, 0, 6, 7]]
    assert data.history(data.train, 2).tolist() == [[0, 1], [1, 2]]
    assert data.lengths(data.test).tolist() == [4, 2]


def test_history_is_capped_at_max_history():
    data, _ = _sequence_data([60], max_history=50)
    test_history = data.history(data.test, 50)
    assert test_history[0].tolist() == list(range(10, 60))  # items 10..59: the last 50 before item 60
    assert data.lengths(data.test).tolist() == [50]
    assert data.lengths(data.train).tolist()[:3] == [1, 2, 3]
    with pytest.raises(ValueError, match="length must be in 1..50"):
        data.history(data.test, 51)
    short, _ = _sequence_data([20], max_history=5)
    assert short.history(short.test, 5).tolist() == [[15, 16, 17, 18, 19]]
    assert short.history(short.train, 5)[-1].tolist() == [13, 14, 15, 16, 17]


def test_ids_start_at_one_with_zero_as_padding():
    ratings = ratings_frame([(7, 300, 4, t) for t in range(3)] + [(5, 100, 4, 0), (5, 200, 4, 1), (5, 300, 4, 2)])
    data = prepare(Config(dataset="synthetic", k_core=1, high_order=1), ratings=ratings)
    assert data.user_ids.tolist() == [0, 5, 7]
    assert data.item_ids.tolist() == [0, 100, 200, 300]
    assert data.items.min().item() == 1


def test_a_user_needs_three_interactions():
    with pytest.raises(ValueError, match="k_core >= 3"):
        prepare(
            Config(dataset="synthetic", k_core=1, high_order=1), ratings=ratings_frame([(1, 1, 5, 0), (1, 2, 5, 1)])
        )


def test_synthetic_data_is_seeded_and_passes_the_protocol():
    a, b = synthetic_ratings(seed=1), synthetic_ratings(seed=1)
    pd.testing.assert_frame_equal(a, b)
    data = prepare(Config(dataset="synthetic"))
    assert data.n_users > 300 and data.n_items > 100
    assert len(data.valid) == len(data.test) == data.n_users


# --- files: folder, archive, download, bad input ---------------------------------

ROWS = [(u, i, 3 + (u + i) % 3, 1000 + 10 * i) for u in range(1, 13) for i in range(1, 13)]


def test_reads_the_extracted_folder_and_parses_latin1(tmp_path):
    write_ml1m(tmp_path / "ml-1m", ROWS)
    (tmp_path / "ml-1m" / "movies.dat").write_bytes("1::Café (1999)::Drama\n".encode("latin-1"))
    ratings = hd.load_ratings("ml-1m", tmp_path)
    assert ratings.shape == (144, 4) and ratings.iloc[0].tolist() == [1, 1, 5, 1010]
    assert hd.load_movies("ml-1m", tmp_path).loc[1, "title"] == "Café (1999)"
    assert hd.load_users(tmp_path).loc[1, "gender"] == "F"


def test_reads_the_archive_in_place_without_writing(tmp_path):
    write_ml1m(tmp_path / "src" / "ml-1m", ROWS)
    root = tmp_path / "data"
    root.mkdir()
    with zipfile.ZipFile(root / "ml-1m.zip", "w") as zf:
        for name in ("ratings.dat", "movies.dat", "users.dat"):
            zf.write(tmp_path / "src" / "ml-1m" / name, f"ml-1m/{name}")
    before = sorted(os.listdir(root))
    assert len(hd.load_ratings("ml-1m", root)) == 144
    assert sorted(os.listdir(root)) == before


def test_read_only_folder_with_extracted_files_is_never_written(tmp_path):
    write_ml1m(tmp_path / "ml-1m", ROWS)
    for path in (tmp_path / "ml-1m", tmp_path):
        path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        data = prepare(Config(k_core=2), root=tmp_path)
        assert data.stats()["n_interactions"] == 144
    finally:
        for path in (tmp_path, tmp_path / "ml-1m"):
            path.chmod(stat.S_IRWXU)


def test_data_dir_order_argument_then_environment_then_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("HRMLIB_DATA_DIR", str(tmp_path))
    assert hd.data_dir("elsewhere").name == "elsewhere"
    assert hd.data_dir() == tmp_path
    monkeypatch.delenv("HRMLIB_DATA_DIR")
    assert hd.data_dir() == hd.REPO_ROOT / "data"


def _fake_grouplens(monkeypatch, tmp_path, md5=None):
    write_ml1m(tmp_path / "server" / "ml-1m", ROWS)
    archive = tmp_path / "server" / "ml-1m.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("ratings.dat", "movies.dat", "users.dat"):
            zf.write(tmp_path / "server" / "ml-1m" / name, f"ml-1m/{name}")
    digest = md5 or hashlib.md5(archive.read_bytes()).hexdigest()
    source = hd.Source(archive.as_uri(), digest, "ml-1m", "ratings.dat", "::")
    monkeypatch.setitem(hd.SOURCES, "ml-1m", source)


def test_download_checks_md5_and_extracts(monkeypatch, tmp_path):
    _fake_grouplens(monkeypatch, tmp_path)
    root = tmp_path / "fresh"
    assert len(hd.load_ratings("ml-1m", root)) == 144
    assert (root / "ml-1m.zip").is_file() and (root / "ml-1m" / "ratings.dat").is_file()


def test_download_with_wrong_md5_is_deleted(monkeypatch, tmp_path):
    _fake_grouplens(monkeypatch, tmp_path, md5="0" * 32)
    root = tmp_path / "fresh"
    with pytest.raises(ValueError, match="expected 0000"):
        hd.load_ratings("ml-1m", root)
    assert not any(root.iterdir())


def test_offline_without_files_says_where_to_put_the_archive(monkeypatch, tmp_path):
    source = hd.Source("http://127.0.0.1:9/ml-1m.zip", "0" * 32, "ml-1m", "ratings.dat", "::")
    monkeypatch.setitem(hd.SOURCES, "ml-1m", source)
    with pytest.raises(FileNotFoundError, match=r"could not download .*Put GroupLens's archive there as .*ml-1m\.zip"):
        hd.load_ratings("ml-1m", tmp_path)
    with pytest.raises(FileNotFoundError, match="HRMLIB_DATA_DIR"):
        hd.read_file("ml-1m", "ratings.dat", tmp_path, download=False)


def test_incomplete_folder_is_named_and_nothing_is_downloaded(tmp_path):
    (tmp_path / "ml-100k").mkdir()
    (tmp_path / "ml-100k" / "u.data").write_text("1\t2\t3\t4\n")
    with pytest.raises(FileNotFoundError, match=r"u\.item is missing from the extracted folder"):
        hd.load_movies("ml-100k", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ml-100k"]


def test_corrupt_archive_is_named(tmp_path):
    (tmp_path / "ml-1m.zip").write_bytes(b"this is not a zip file")
    with pytest.raises(ValueError, match=r"ml-1m\.zip is not a readable zip archive.*Delete it"):
        hd.load_ratings("ml-1m", tmp_path)


def test_archive_without_the_file_is_named(tmp_path):
    with zipfile.ZipFile(tmp_path / "ml-1m.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="has no member ml-1m/ratings.dat"):
        hd.load_ratings("ml-1m", tmp_path)


@pytest.mark.parametrize("bad_line", ["3::4::5", "3::4::5::6::7", "3::x::5::6", "3;4;5;6", ""])
def test_malformed_line_is_named(tmp_path, bad_line):
    write_ml1m(tmp_path / "ml-1m", ROWS[:5])
    path = tmp_path / "ml-1m" / "ratings.dat"
    lines = path.read_text().splitlines()
    lines.insert(2, bad_line)
    path.write_text("\n".join(lines) + "\n")
    if bad_line == "":
        assert len(hd.load_ratings("ml-1m", tmp_path)) == 5  # a blank line is harmless
        return
    with pytest.raises(ValueError, match=f"ratings.dat, line 3: expected 4 integers .*{bad_line!r}"):
        hd.load_ratings("ml-1m", tmp_path)


def test_empty_ratings_file(tmp_path):
    write_ml1m(tmp_path / "ml-1m", ROWS[:1])
    (tmp_path / "ml-1m" / "ratings.dat").write_text("")
    with pytest.raises(ValueError):
        hd.load_ratings("ml-1m", tmp_path)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown dataset 'ml-20m'"):
        hd.load_ratings("ml-20m")


def test_ml100k_layout(tmp_path):
    folder = tmp_path / "ml-100k"
    folder.mkdir()
    (folder / "u.data").write_text("".join(f"{u}\t{i}\t{r}\t{t}\n" for u, i, r, t in ROWS))
    ratings = hd.load_ratings("ml-100k", tmp_path)
    assert ratings.shape == (144, 4)
    assert np.array_equal(ratings["user"].to_numpy(), [r[0] for r in ROWS])


def test_to_device_keeps_everything():
    data = prepare(Config(dataset="synthetic"))
    moved = data.to("cpu")
    assert moved.stats() == data.stats()
    assert torch.equal(moved.history(moved.test, 3), data.history(data.test, 3))


def test_timestamp_ties_by_hand():
    # user 1: t = 5, 5, 6, 6 (pairs: tie, no, tie; test item 4 ties with item 3)
    # user 2: t = 1, 2, 3 (no ties); the pair across users (6 then 1) is not counted
    rows = [(1, 1, 5, 5), (1, 2, 5, 5), (1, 3, 5, 6), (1, 4, 5, 6), (2, 1, 5, 1), (2, 2, 5, 2), (2, 3, 5, 3)]
    data = prepare(Config(dataset="synthetic", k_core=1, high_order=1), ratings=ratings_frame(rows))
    ties = hd.timestamp_ties(data)
    assert ties == {"consecutive": 2 / 5, "test_target": 1 / 2, "exact_consecutive": 2 / 5, "exact_test_target": 1 / 2}
