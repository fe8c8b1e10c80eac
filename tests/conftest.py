"""Shared fixtures: small handmade ratings, and the real ML-1M copy when there is one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hrmlib.data import SOURCES, data_dir


def real_data_dir(dataset: str = "ml-1m") -> Path:
    """The data directory ($HRMLIB_DATA_DIR, else data/) if it holds `dataset`, else skip the test."""
    path = data_dir()
    folder = SOURCES[dataset].folder
    if not ((path / folder).is_dir() or (path / f"{folder}.zip").is_file()):
        pytest.skip(f"the real MovieLens copy is needed: {path} has no {folder}/ or {folder}.zip (set HRMLIB_DATA_DIR)")
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
