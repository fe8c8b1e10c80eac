"""From GroupLens's files to HRM's training, validation and test examples.

The pipeline follows RecBole's ML-1M sequential protocol rule by rule
(protocol.md in the reference folder):

    load_ratings -> filter_ratings -> k_core -> sort_interactions -> build

`prepare` runs all of it. The result, `SeqData`, holds one flat array of item
ids in (user, time) order plus, for every example, the position of its
target in that array. A history is the slice just before the target, so no
example stores its own copy of the history: 816,350 examples cost two
integers each, and `SeqData.history` cuts the windows a model needs at once.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from hrmlib.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Source:
    """Where GroupLens publishes a dataset and how its ratings file is laid out."""

    url: str
    md5: str
    folder: str  # the folder inside the archive
    ratings: str
    separator: str


SOURCES = {
    "ml-1m": Source(
        url="https://files.grouplens.org/datasets/movielens/ml-1m.zip",
        md5="c4d9eecfca2ab87c1945afe126590906",
        folder="ml-1m",
        ratings="ratings.dat",
        separator="::",
    ),
    "ml-100k": Source(
        url="https://files.grouplens.org/datasets/movielens/ml-100k.zip",
        md5="0e33842e24a9c977be4e0107933c0723",
        folder="ml-100k",
        ratings="u.data",
        separator="\t",
    ),
}

ML100K_GENRES = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
]


# ---------------------------------------------------------------------------
# Finding and reading the files


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data directory: `path` if given, else $HRMLIB_DATA_DIR, else `data/` in the repository."""
    if path is not None:
        return Path(path).expanduser()
    if os.environ.get("HRMLIB_DATA_DIR"):
        return Path(os.environ["HRMLIB_DATA_DIR"]).expanduser()
    return REPO_ROOT / "data"


def read_file(dataset: str, name: str, root: str | os.PathLike | None = None, download: bool = True) -> bytes:
    """The bytes of one file of a GroupLens dataset (e.g. "ml-1m", "ratings.dat").

    Looks for the extracted folder (`root/ml-1m/ratings.dat`) first, then the
    archive (`root/ml-1m.zip`, read in place). Only when neither is there does
    it download the archive, check its md5 and extract it into `root`, so a
    directory that already holds the data is never written to.
    """
    source = _source(dataset)
    root = data_dir(root)
    extracted = root / source.folder / name
    archive = root / f"{source.folder}.zip"
    if extracted.is_file():
        return extracted.read_bytes()
    if not archive.is_file():
        if extracted.parent.is_dir():  # a folder without this file: never download over it
            raise FileNotFoundError(
                f"{extracted} is missing from the extracted folder; put the whole of GroupLens's "
                f"{dataset} archive ({source.url}) there, or its zip as {archive}"
            )
        if not download:
            raise FileNotFoundError(_missing_message(source, root))
        _download(source, archive)
        _extract(archive, root)
        return extracted.read_bytes()
    try:
        with zipfile.ZipFile(archive) as zf:
            return zf.read(f"{source.folder}/{name}")
    except zipfile.BadZipFile as err:
        raise ValueError(
            f"{archive} is not a readable zip archive ({err}). Delete it and run again to download "
            f"a fresh copy, or replace it with GroupLens's archive from {source.url}"
        ) from err
    except KeyError as err:
        raise ValueError(
            f"{archive} has no member {source.folder}/{name}: is it GroupLens's {dataset} archive? "
            f"Replace it with the one from {source.url}"
        ) from err


def _source(dataset: str) -> Source:
    if dataset not in SOURCES:
        raise ValueError(f"unknown dataset {dataset!r}; hrmlib knows {sorted(SOURCES)} (and 'synthetic')")
    return SOURCES[dataset]


def _missing_message(source: Source, root: Path) -> str:
    return (
        f"{source.folder} is not in {root}. Put GroupLens's archive there as {root / (source.folder + '.zip')} "
        f"(from {source.url}) or its extracted folder as {root / source.folder}/, or point "
        "HRMLIB_DATA_DIR (or --data-dir) at a directory that holds it."
    )


def _download(source: Source, archive: Path) -> None:
    from tqdm.auto import tqdm

    try:
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_suffix(".zip.part")
        with urllib.request.urlopen(source.url, timeout=60) as response, open(partial, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            digest = hashlib.md5()
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"downloading {archive.name}") as bar:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise FileNotFoundError(
            f"could not download {source.url} ({err}). " + _missing_message(source, archive.parent)
        ) from err
    if digest.hexdigest() != source.md5:
        partial.unlink()
        raise ValueError(
            f"the download of {source.url} has md5 {digest.hexdigest()}, expected {source.md5}; "
            "it was deleted, run again to retry"
        )
    partial.rename(archive)


def _extract(archive: Path, root: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root)


# ---------------------------------------------------------------------------
# Parsing


def load_ratings(dataset: str = "ml-1m", root: str | os.PathLike | None = None) -> pd.DataFrame:
    """All ratings in file order: columns user, item, rating, timestamp (GroupLens's ids)."""
    source = _source(dataset)
    text = read_file(dataset, source.ratings, root).decode("latin-1")
    return parse_table(text, source.separator, ["user", "item", "rating", "timestamp"], source.ratings)


def load_movies(dataset: str = "ml-1m", root: str | os.PathLike | None = None) -> pd.DataFrame:
    """Movie titles and genres, indexed by GroupLens's movie id (genres joined by '|')."""
    if dataset == "ml-1m":
        text = read_file(dataset, "movies.dat", root).decode("latin-1")
        rows = [line.split("::") for line in text.splitlines() if line]
        movies = pd.DataFrame(rows, columns=["item", "title", "genres"])
    elif dataset == "ml-100k":
        text = read_file(dataset, "u.item", root).decode("latin-1")
        rows = [line.split("|") for line in text.splitlines() if line]
        genres = ["|".join(g for g, flag in zip(ML100K_GENRES, row[5:], strict=True) if flag == "1") for row in rows]
        movies = pd.DataFrame({"item": [r[0] for r in rows], "title": [r[1] for r in rows], "genres": genres})
    else:
        raise ValueError(f"{dataset!r} has no movie titles; use 'ml-1m' or 'ml-100k'")
    return movies.astype({"item": np.int64}).set_index("item")


def load_users(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """ML-1M's users.dat: gender, age group, occupation and zip code, indexed by user id."""
    text = read_file("ml-1m", "users.dat", root).decode("latin-1")
    rows = [line.split("::") for line in text.splitlines() if line]
    users = pd.DataFrame(rows, columns=["user", "gender", "age", "occupation", "zip"])
    return users.astype({"user": np.int64, "age": np.int64, "occupation": np.int64}).set_index("user")


def parse_table(text: str, separator: str, columns: list[str], name: str) -> pd.DataFrame:
    """Parse an all-integer table; a malformed line raises a ValueError naming it."""
    # pandas' fast C parser takes one-character separators only; "::" becomes a tab.
    tabbed = text if separator == "\t" else text.replace(separator, "\t")
    try:
        table = pd.read_csv(io.StringIO(tabbed), sep="\t", header=None, names=columns, dtype=np.int64)
    except (ValueError, pd.errors.ParserError) as err:
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split(separator)
            if line and (len(fields) != len(columns) or not all(f.strip().lstrip("-").isdigit() for f in fields)):
                raise ValueError(
                    f"{name}, line {number}: expected {len(columns)} integers "
                    f"({', '.join(columns)}) separated by {separator!r}, got {line!r}. "
                    "The file is damaged: replace it with GroupLens's original."
                ) from err
        raise ValueError(f"{name} could not be parsed: {err}") from err
    if table.empty:
        raise ValueError(f"{name} holds no ratings; replace it with GroupLens's original")
    return table


# ---------------------------------------------------------------------------
# The protocol, one rule per function


def filter_ratings(ratings: pd.DataFrame, min_rating: int = 3) -> pd.DataFrame:
    """Keep ratings >= min_rating, then drop the rating: the data becomes implicit feedback.

    The file position of each row is kept in column `row`, because the order of
    ratings with equal timestamps is decided by it.
    """
    kept = ratings[ratings["rating"] >= min_rating]
    return pd.DataFrame(
        {
            "user": kept["user"].to_numpy(),
            "item": kept["item"].to_numpy(),
            "timestamp": kept["timestamp"].to_numpy(),
            "row": np.flatnonzero(ratings["rating"].to_numpy() >= min_rating),
        }
    )


def k_core(interactions: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Drop users and items with fewer than k interactions, again and again until none is left.

    Dropping an item can push a user below k (and the other way round), so one
    pass is not enough. The result is the largest subset in which every user and
    every item has >= k interactions, whatever order the passes take.
    """
    users = interactions["user"].to_numpy()
    items = interactions["item"].to_numpy()
    keep = np.ones(len(users), dtype=bool)
    while True:
        user_count = np.bincount(users[keep], minlength=users.max() + 1)
        item_count = np.bincount(items[keep], minlength=items.max() + 1)
        new_keep = keep & (user_count[users] >= k) & (item_count[items] >= k)
        if new_keep.sum() == keep.sum():
            return interactions[keep].reset_index(drop=True)
        keep = new_keep


def sort_interactions(interactions: pd.DataFrame, tie_order: str = "file", tie_seed: int = 0) -> pd.DataFrame:
    """Sort by (user, timestamp) as RecBole does; `tie_order` decides ratings that tie.

    RecBole stores timestamps as 32-bit floats, which near 10^9 seconds step
    by 64 s, and sorts them with a stable sort. So ratings of a user within the
    same 64-second step tie, and keep the order of the ratings file. We sort on
    the same float32 keys. `tie_order` "file" keeps the file's order (RecBole),
    "reversed" turns it round, "random" shuffles it with `tie_seed`.
    """
    if tie_order == "file":
        tie = interactions["row"].to_numpy()
    elif tie_order == "reversed":
        tie = -interactions["row"].to_numpy()
    elif tie_order == "random":
        tie = np.random.default_rng(tie_seed).permutation(len(interactions))
    else:
        raise ValueError(f"tie_order must be 'file', 'reversed' or 'random', got {tie_order!r}")
    time = interactions["timestamp"].to_numpy().astype(np.float32)  # RecBole's precision
    order = np.lexsort((tie, time, interactions["user"].to_numpy()))
    return interactions.iloc[order].reset_index(drop=True)


@dataclass
class Split:
    """A set of examples: example j asks for item `SeqData.items[positions[j]]` of user `users[j]`."""

    users: torch.Tensor  # (n,) int64
    positions: torch.Tensor  # (n,) int64, index of the target in SeqData.items

    def __len__(self) -> int:
        return len(self.positions)


@dataclass
class SeqData:
    """A prepared dataset: every user's items in time order, and the three splits.

    Item ids run 1..n_items and user ids 1..n_users; 0 is padding for both.
    User u's interactions are `items[offsets[u]:offsets[u + 1]]`.
    """

    name: str
    items: torch.Tensor  # (n_interactions,) int64, item ids in (user, time) order
    offsets: torch.Tensor  # (n_users + 2,) int64
    timestamps: np.ndarray  # (n_interactions,) seconds, aligned with items
    item_ids: np.ndarray  # (n_items + 1,) GroupLens's id of each item id (0 for padding)
    user_ids: np.ndarray  # (n_users + 1,) GroupLens's id of each user id (0 for padding)
    train: Split
    valid: Split
    test: Split
    max_history: int = 50

    @property
    def n_users(self) -> int:
        return len(self.user_ids) - 1

    @property
    def n_items(self) -> int:
        return len(self.item_ids) - 1

    @property
    def n_interactions(self) -> int:
        return len(self.items)

    def stats(self) -> dict[str, int]:
        """The numbers the protocol fixes (6,033 users, 3,123 items, ... on ML-1M)."""
        return {
            "n_users": self.n_users,
            "n_items": self.n_items,
            "n_interactions": self.n_interactions,
            "n_train": len(self.train),
            "n_valid": len(self.valid),
            "n_test": len(self.test),
        }

    def targets(self, split: Split) -> torch.Tensor:
        """The item each example asks for: (n,)."""
        return self.items[split.positions]

    def lengths(self, split: Split) -> torch.Tensor:
        """History length of each example, capped at max_history (RecBole's item_seq_len): (n,)."""
        return (split.positions - self.offsets[split.users]).clamp(max=self.max_history)

    def history(self, split: Split, length: int) -> torch.Tensor:
        """The last `length` items before each target, left-padded with 0: (n, length).

        Column -1 is the most recent item. Items before the user's first
        interaction, or older than max_history, are padding.
        """
        if not 1 <= length <= self.max_history:
            raise ValueError(f"length must be in 1..{self.max_history}, got {length}")
        index = split.positions[:, None] - length + torch.arange(length, device=self.items.device)
        oldest = torch.maximum(self.offsets[split.users], split.positions - self.max_history)
        real = index >= oldest[:, None]
        return torch.where(real, self.items[index.clamp(min=0)], 0)

    def to(self, device: torch.device | str) -> SeqData:
        """The same data with its tensors on `device`."""
        moved = {
            "items": self.items.to(device),
            "offsets": self.offsets.to(device),
            **{
                s: Split(getattr(self, s).users.to(device), getattr(self, s).positions.to(device))
                for s in ("train", "valid", "test")
            },
        }
        return SeqData(**{**self.__dict__, **moved})


def build(interactions: pd.DataFrame, name: str, max_history: int = 50) -> SeqData:
    """Number users and items from 1 and cut the leave-one-out split.

    `interactions` must already be sorted by (user, time). For a user with items
    s1..sn every prefix is an example: the one with target sn is the test
    example, s(n-1) the validation example, and s2..s(n-2) the training ones.
    """
    user_ids, users = np.unique(interactions["user"].to_numpy(), return_inverse=True)
    item_ids, items = np.unique(interactions["item"].to_numpy(), return_inverse=True)
    users, items = users + 1, items + 1  # 0 is padding
    counts = np.bincount(users, minlength=len(user_ids) + 1)
    if counts[1:].min() < 3:
        raise ValueError("every user needs >= 3 interactions for a train/valid/test split; use k_core >= 3")
    offsets = np.concatenate([[0], np.cumsum(counts)])  # offsets[u] = first index of user u
    position = np.arange(len(users))
    start, end = offsets[users], offsets[users + 1]
    train = (position > start) & (position < end - 2)
    last = offsets[2:]  # one past each user's last interaction
    tensor = torch.from_numpy
    return SeqData(
        name=name,
        items=tensor(items.astype(np.int64)),
        offsets=tensor(offsets.astype(np.int64)),
        timestamps=interactions["timestamp"].to_numpy(),
        item_ids=np.concatenate([[0], item_ids]),
        user_ids=np.concatenate([[0], user_ids]),
        train=Split(tensor(users[train].astype(np.int64)), tensor(position[train].astype(np.int64))),
        valid=Split(torch.arange(1, len(user_ids) + 1), tensor(last - 2)),
        test=Split(torch.arange(1, len(user_ids) + 1), tensor(last - 1)),
        max_history=max_history,
    )


def prepare(
    config: Config | None = None, root: str | os.PathLike | None = None, ratings: pd.DataFrame | None = None
) -> SeqData:
    """Run the whole protocol for `config.dataset` (or on `ratings`, if given)."""
    config = config or Config()
    if ratings is None:
        ratings = synthetic_ratings() if config.dataset == "synthetic" else load_ratings(config.dataset, root)
    interactions = filter_ratings(ratings, config.min_rating)
    interactions = k_core(interactions, config.k_core)
    if interactions.empty:
        raise ValueError(f"no interactions are left after rating >= {config.min_rating} and {config.k_core}-core")
    interactions = sort_interactions(interactions, config.tie_order, config.tie_seed)
    return build(interactions, config.dataset, config.max_history)


# ---------------------------------------------------------------------------
# Synthetic data


def synthetic_ratings(
    n_users: int = 400, n_items: int = 120, length: tuple[int, int] = (12, 40), follow: float = 0.8, seed: int = 0
) -> pd.DataFrame:
    """Ratings with real sequential structure, in GroupLens's layout, for tests and offline demos.

    Every item has one favourite successor. A user starts at a random item and
    then, with probability `follow`, watches the successor of the last item,
    else a random item drawn with a long-tailed popularity. A model that reads
    the last item predicts the next one far better than popularity does.
    """
    rng = np.random.default_rng(seed)
    successor = rng.permutation(n_items)
    popularity = 1.0 / np.arange(1, n_items + 1)
    popularity /= popularity.sum()
    rows = []
    for user in range(1, n_users + 1):
        n = rng.integers(length[0], length[1] + 1)
        item = rng.integers(n_items)
        for step in range(n):
            rows.append((user, item + 1, 5, 1_000_000 + 60 * step))
            item = successor[item] if rng.random() < follow else rng.choice(n_items, p=popularity)
    return pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])


def timestamp_ties(data: SeqData) -> dict[str, float]:
    """How often tied timestamps leave a user's order to the tie rule.

    Ties are counted at RecBole's float32 precision (64-second steps), the one
    the sort uses, and, for comparison, at the exact second. `consecutive`:
    share of consecutive pairs in a user's sequence that tie. `test_target`:
    share of users whose test item ties with the item before it (the
    validation item), so the tie rule picks the test target.
    """
    within_user = np.ones(data.n_interactions - 1, dtype=bool)
    within_user[data.offsets[2:-1].numpy() - 1] = False  # a pair across two users is no pair
    last = data.offsets[2:].numpy() - 1
    result = {}
    for name, t in (("", data.timestamps.astype(np.float32)), ("exact_", data.timestamps)):
        result[f"{name}consecutive"] = float((t[1:] == t[:-1])[within_user].mean())
        result[f"{name}test_target"] = float((t[last] == t[last - 1]).mean())
    return result
