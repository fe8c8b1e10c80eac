"""Shared fixtures: small handmade ratings, and the real ML-1M copy when there is one."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from hrmlib.data import SOURCES


def real_data_dir(dataset: str = "ml-1m") -> Path:
    """The data directory from $HRMLIB_DATA_DIR if it holds `dataset`, else skip the test."""
    root = os.environ.get("HRMLIB_DATA_DIR")
    if not root:
        pytest.skip("HRMLIB_DATA_DIR is not set: tests on the real MovieLens copy need it")
    folder = SOURCES[dataset].folder
    path = Path(root)
    if not ((path / folder).is_dir() or (path / f"{folder}.zip").is_file()):
        pytest.skip(f"{path} holds no {folder}/ or {folder}.zip")
    return path


@pytest.fixture
def ml1m_dir() -> Path:
    return real_data_dir("ml-1m")


def ratings_frame(rows: list[tuple[int, int, int, int]]) -> pd.DataFrame:
    """A ratings table in file order from (user, item, rating, timestamp) rows."""
    return pd.DataFrame(rows, columns=["user", "item", "rating", "timestamp"])


def write_ml1m(folder: Path, rows: list[tuple[int, int, int, int]]) -> None:
    """Write rows as an ML-1M style `ratings.dat` (plus small movies.dat, users.dat) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.dat").write_text("".join(f"{u}::{i}::{r}::{t}\n" for u, i, r, t in rows))
    items = sorted({i for _, i, _, _ in rows})
    (folder / "movies.dat").write_bytes(
        "".join(f"{i}::Movie {i} (2000)::Drama|Comedy\n" for i in items).encode("latin-1")
    )
    users = sorted({u for u, _, _, _ in rows})
    (folder / "users.dat").write_text("".join(f"{u}::F::25::4::12345\n" for u in users))
