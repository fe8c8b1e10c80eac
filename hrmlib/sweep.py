"""A grid of trials, one result file each, that resumes where it stopped.

Every finished trial is written at once to `results_dir/<name>.json`, the name
carrying the settings that vary and a hash of all of them (`Config.key`). A
trial whose file is already there with the same settings is not run again, so
a sweep that was interrupted, or that is run again with a larger grid, only
trains what is missing.
"""

from __future__ import annotations

import itertools
import json
import os
import warnings
from pathlib import Path

import pandas as pd

from hrmlib.config import METRICS, Config
from hrmlib.data import SeqData, prepare
from hrmlib.train import fit

# The settings that decide the prepared data: trials that agree on them share it.
DATA_FIELDS = ("dataset", "min_rating", "k_core", "max_history", "tie_order", "tie_seed")

PUBLISHED_GRID = {"high_order": [1, 2, 3], "learning_rate": [0.0005, 0.001, 0.003]}


def grid_configs(base: Config, grid: dict[str, list]) -> list[Config]:
    """Every combination of the values in `grid`, applied to `base`, in grid order."""
    names = list(grid)
    return [
        base.replace(**dict(zip(names, values, strict=True))) for values in itertools.product(*(grid[n] for n in names))
    ]


def trial_path(results_dir: str | os.PathLike, config: Config) -> Path:
    """Where the result of `config` lives, e.g. `ml-1m_ho3_lr0.0005_seed2020_file_1a2b3c4d.json`."""
    tie = config.tie_order if config.tie_order != "random" else f"random{config.tie_seed}"
    name = f"{config.dataset}_ho{config.high_order}_lr{config.learning_rate:g}_seed{config.seed}_{tie}_{config.key()}"
    return Path(results_dir) / f"{name}.json"


def save_result(result: dict, path: str | os.PathLike) -> None:
    """Write a result as JSON; the file appears whole or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.part")
    partial.write_text(json.dumps(result, indent=1) + "\n")
    partial.replace(path)


def load_results(results_dir: str | os.PathLike) -> list[dict]:
    """Every readable result file in `results_dir`, sorted by file name; unreadable ones are skipped with a warning."""
    results = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            result = json.loads(path.read_text())
            Config.from_dict(result["config"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            warnings.warn(f"skipping {path}: not a readable hrmlib result ({err})", stacklevel=2)
            continue
        results.append(result)
    return results


def is_done(path: Path, config: Config) -> bool:
    """True when `path` holds a finished result of exactly `config` (the device aside)."""
    if not path.is_file():
        return False
    try:
        stored = Config.from_dict(json.loads(path.read_text())["config"])
    except (OSError, ValueError, KeyError, TypeError):
        return False  # a damaged file: the trial runs again and replaces it
    return stored.key() == config.key()


def run_sweep(
    base: Config,
    grid: dict[str, list],
    results_dir: str | os.PathLike,
    root: str | os.PathLike | None = None,
    progress: bool = True,
) -> list[dict]:
    """Run every trial of the grid that has no result yet; return the grid's results in grid order."""
    data_cache: dict[tuple, SeqData] = {}
    results = []
    for config in grid_configs(base, grid):
        path = trial_path(results_dir, config)
        if is_done(path, config):
            if progress:
                print(f"done already: {path.name}")
            results.append(json.loads(path.read_text()))
            continue
        data_key = tuple(getattr(config, f) for f in DATA_FIELDS)
        if data_key not in data_cache:
            data_cache[data_key] = prepare(config, root)
        result, _ = fit(config, data_cache[data_key], progress=progress)
        save_result(result, path)
        results.append(result)
    return results


def results_table(results: list[dict], split: str = "test", topk: int = 10) -> pd.DataFrame:
    """One row per trial: its settings, epochs, seconds and the metrics of `split` ("valid" or "test")."""
    rows = []
    for r in results:
        c = r["config"]
        row = {
            "high_order": c["high_order"],
            "learning_rate": c["learning_rate"],
            "seed": c["seed"],
            "tie_order": c["tie_order"] if c["tie_order"] != "random" else f"random{c['tie_seed']}",
            "epochs_run": r["epochs_run"],
            "best_epoch": r["best_epoch"],
            "seconds": round(r["seconds"], 1),
        }
        row.update({f"{m}@{topk}": r[split][f"{m}@{topk}"] for m in METRICS})
        rows.append(row)
    return pd.DataFrame(rows)


def hyper_result(results: list[dict], topk: int = 10) -> str:
    """The results in the layout of RecBole's `hyper.result`, then the best trial by the validation metric."""
    protocol = Config()  # seed and tie order are named only where they differ from the protocol
    lines = []
    for r in results:
        c = r["config"]
        fields = [f"high_order:{c['high_order']}", f"learning_rate:{c['learning_rate']}"]
        fields += [f"{name}:{c[name]}" for name in ("seed", "tie_order") if c[name] != getattr(protocol, name)]
        if c["tie_order"] == "random":
            fields.append(f"tie_seed:{c['tie_seed']}")
        lines.append(", ".join(fields))
        for name, split in (("Valid", "valid"), ("Test", "test")):
            values = "    ".join(f"{m}@{topk} : {round(r[split][f'{m}@{topk}'], 4)}" for m in METRICS)
            lines.append(f"{name} result:\n{values}")
        lines.append("")
    if results:
        best = best_trial(results)
        c = best["config"]
        lines.append(
            f"best params: high_order {c['high_order']}, learning_rate {c['learning_rate']} "
            f"(valid {c['valid_metric']} {round(best['valid'][c['valid_metric']], 4)})"
        )
    return "\n".join(lines)


def best_trial(results: list[dict]) -> dict:
    """The trial with the highest validation metric (RecBole's choice of the best parameters)."""
    return max(results, key=lambda r: r["valid"][r["config"]["valid_metric"]])
