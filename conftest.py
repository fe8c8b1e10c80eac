"""pytest at the repository root: unit tests in tests/, and the notebooks through nbval.

Notebooks run in fast mode (HRMLIB_FAST=1: a few epochs, results into a temporary
folder) unless HRMLIB_FAST is set otherwise, and skip when the ML-1M data is absent.
"""

from __future__ import annotations

import os

import pytest

from hrmlib.data import data_dir

os.environ.setdefault("HRMLIB_FAST", "1")  # inherited by the notebook kernels nbval starts


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = data_dir()  # $HRMLIB_DATA_DIR, else data/ in the repository
    if (root / "ml-1m").is_dir() or (root / "ml-1m.zip").is_file():
        return
    skip = pytest.mark.skip(reason=f"the notebooks need ML-1M: {root} has no ml-1m/ or ml-1m.zip (set HRMLIB_DATA_DIR)")
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(skip)
