"""Our trials beside RecBole's numbers: the tables that 04_results.ipynb shows and writes into the README."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from hrmlib.config import METRICS
from hrmlib.data import REPO_ROOT

REFERENCE_DIR = REPO_ROOT / "results" / "reference"
GRID_KEYS = ["high_order", "learning_rate"]


def published() -> pd.DataFrame:
    """RecBole's published hyper.result for HRM on ML-1M: one row per (high_order, learning_rate, split)."""
    return pd.read_csv(REFERENCE_DIR / "recbole_published.csv", comment="#")


def recbole_on_copy() -> pd.DataFrame:
    """RecBole 1.2.1 run on this project's ML-1M copy (the configurations measured so far)."""
    return pd.read_csv(REFERENCE_DIR / "recbole_on_shared_copy.csv", comment="#")


def trials(results: list[dict], **settings) -> pd.DataFrame:
    """One row per result whose config matches `settings`: its settings, epochs, seconds, machine and metrics."""
    settings_columns = [*GRID_KEYS, "seed", "tie_order", "tie_seed", "epochs_run", "best_epoch", "seconds", "machine"]
    metric_columns = [f"{split}_{m}@10" for split in ("valid", "test") for m in METRICS]
    rows = []
    for r in results:
        c = r["config"]
        if any(c[name] != value for name, value in settings.items()):
            continue
        row = [c[name] for name in settings_columns[:5]] + [r["epochs_run"], r["best_epoch"], r["seconds"]]
        threads = r["machine"]["threads"]
        row.append(f"{r['machine']['device_name']}, {threads} thread{'s' if threads > 1 else ''}")
        rows.append(row + [r[split][f"{m}@10"] for split in ("valid", "test") for m in METRICS])
    return pd.DataFrame(rows, columns=settings_columns + metric_columns)


def against_published(ours: pd.DataFrame) -> pd.DataFrame:
    """For each published configuration and split: our metric, the published one, and ours - published."""
    reference = published().set_index([*GRID_KEYS, "split"])
    rows = []
    for (high_order, learning_rate, split), values in reference.iterrows():
        mine = ours[(ours.high_order == high_order) & (ours.learning_rate == learning_rate)]
        row = {"high_order": high_order, "learning_rate": learning_rate, "split": split}
        for m in METRICS:
            value = mine[f"{split}_{m}@10"].mean() if len(mine) else float("nan")
            row.update(
                {f"{m}@10": value, f"published {m}@10": values[f"{m}@10"], f"diff {m}@10": value - values[f"{m}@10"]}
            )
        rows.append(row)
    return pd.DataFrame(rows).sort_values([*GRID_KEYS, "split"], ascending=[True, True, False], ignore_index=True)


def markdown(table: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as a GitHub markdown table, numbers rounded, missing values as '-'."""

    def cell(value) -> str:
        if isinstance(value, float):
            return "-" if pd.isna(value) else f"{value:.{digits}f}"
        return str(value)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def replace_section(path: str | os.PathLike, name: str, content: str) -> None:
    """Replace what stands between `<!-- name:start -->` and `<!-- name:end -->` in a text file."""
    path = Path(path)
    text = path.read_text()
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{path} has no '<!-- {name}:start -->' ... '<!-- {name}:end -->' markers")
    path.write_text(pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text))
