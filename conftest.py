"""pytest at the repository root: unit tests in tests/, and the notebooks through nbval.

Notebooks run in fast mode (HRMLIB_FAST=1: a few epochs, results into a temporary
folder) unless HRMLIB_FAST is set otherwise, and skip when the ML-1M data is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HRMLIB_FAST", "1")  # inherited by the notebook kernels nbval starts


def _ml1m_present() -> bool:
    root = os.environ.get("HRMLIB_DATA_DIR")
    return bool(root) and ((Path(root) / "ml-1m").is_dir() or (Path(root) / "ml-1m.zip").is_file())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _ml1m_present():
        return
    skip = pytest.mark.skip(
        reason="the notebooks need ML-1M: set HRMLIB_DATA_DIR to a folder holding ml-1m/ or ml-1m.zip"
    )
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(skip)
