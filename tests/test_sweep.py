import json
import warnings

from hrmlib import Config, hyper_result, load_results, results_table, run_sweep
from hrmlib.sweep import best_trial, grid_configs, trial_path

BASE = Config(dataset="synthetic", batch_size=512, epochs=2, device="cpu")
GRID = {"high_order": [1, 2], "learning_rate": [0.01]}


def test_grid_order():
    configs = grid_configs(BASE, {"high_order": [1, 2], "learning_rate": [0.1, 0.2]})
    assert [(c.high_order, c.learning_rate) for c in configs] == [(1, 0.1), (1, 0.2), (2, 0.1), (2, 0.2)]


def test_each_trial_gets_its_file_and_a_rerun_trains_nothing(tmp_path, monkeypatch):
    results = run_sweep(BASE, GRID, tmp_path, progress=False)
    files = sorted(p.name for p in tmp_path.glob("*.json"))
    assert len(files) == 2 and files[0].startswith("synthetic_ho1_lr0.01_seed2020_file_")
    assert [r["config"]["high_order"] for r in results] == [1, 2]

    import hrmlib.sweep as sweep

    def no_training(*args, **kwargs):
        raise AssertionError("a finished trial was trained again")

    monkeypatch.setattr(sweep, "fit", no_training)
    again = run_sweep(BASE, GRID, tmp_path, progress=False)
    assert [r["test"] for r in again] == [r["test"] for r in results]


def test_resume_after_interruption_and_changed_config(tmp_path):
    run_sweep(BASE, {"high_order": [1]}, tmp_path, progress=False)
    trained = []
    import hrmlib.sweep as sweep

    real_fit = sweep.fit

    def counting_fit(config, *args, **kwargs):
        trained.append((config.high_order, config.epochs))
        return real_fit(config, *args, **kwargs)

    sweep.fit = counting_fit
    try:
        run_sweep(BASE, {"high_order": [1, 2]}, tmp_path, progress=False)  # only ho=2 is missing
        run_sweep(BASE.replace(epochs=1), {"high_order": [1]}, tmp_path, progress=False)  # another config
    finally:
        sweep.fit = real_fit
    assert trained == [(2, 2), (1, 1)]
    assert len(list(tmp_path.glob("*.json"))) == 3  # the 2-epoch result was not overwritten


def test_damaged_file_is_rerun_and_skipped_when_loading(tmp_path):
    path = trial_path(tmp_path, BASE.replace(high_order=1))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ half a file")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert load_results(tmp_path) == []
    assert "not a readable hrmlib result" in str(caught[0].message)
    run_sweep(BASE, {"high_order": [1]}, tmp_path, progress=False)
    assert json.loads(path.read_text())["config"]["high_order"] == 1


def test_table_and_hyper_result(tmp_path):
    results = run_sweep(BASE, GRID, tmp_path, progress=False)
    table = results_table(results)
    assert list(table["high_order"]) == [1, 2]
    assert {"recall@10", "ndcg@10", "epochs_run", "seconds"} <= set(table.columns)
    text = hyper_result(results)
    assert text.count("Valid result:") == 2 and "high_order:2, learning_rate:0.01" in text
    best = best_trial(results)
    assert f"best params: high_order {best['config']['high_order']}" in text
