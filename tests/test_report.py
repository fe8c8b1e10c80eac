import pandas as pd
import pytest

from hrmlib import Config, report


def _result(high_order, learning_rate, value, seed=2020, tie_order="file"):
    config = Config(high_order=high_order, learning_rate=learning_rate, seed=seed, tie_order=tie_order)
    metrics = {f"{m}@10": value for m in ("recall", "mrr", "ndcg", "hit", "precision")}
    return {
        "config": config.to_dict(),
        "epochs_run": 18,
        "best_epoch": 6,
        "seconds": 60.0,
        "valid": metrics,
        "test": metrics,
        "machine": {"device": "cpu", "device_name": "test CPU", "threads": 2, "torch": "2.13.0"},
    }


def test_published_table_is_complete():
    table = report.published()
    assert len(table) == 18
    best = table[table.split == "valid"].sort_values("ndcg@10").iloc[-1]
    assert (best.high_order, best.learning_rate) == (3, 0.0005)  # the published choice
    assert set(report.recbole_on_copy().high_order) == {1, 2, 3}


def test_trials_filter_and_against_published():
    results = [_result(3, 0.003, 0.15), _result(3, 0.003, 0.17, seed=1), _result(1, 0.001, 0.1, tie_order="reversed")]
    ours = report.trials(results, seed=2020, tie_order="file")
    assert len(ours) == 1 and ours.iloc[0]["test_recall@10"] == 0.15
    assert ours.iloc[0]["machine"] == "test CPU, 2 threads"
    table = report.against_published(ours).set_index(["high_order", "learning_rate", "split"])
    row = table.loc[(3, 0.003, "test")]
    assert row["published recall@10"] == 0.1545
    assert row["diff recall@10"] == pytest.approx(0.15 - 0.1545)
    assert pd.isna(table.loc[(1, 0.0005, "test"), "recall@10"])  # not run: missing, not zero


def test_markdown_and_readme_section(tmp_path):
    table = pd.DataFrame({"a": [1, 2], "b": [0.12345, float("nan")]})
    text = report.markdown(table)
    assert text.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 0.1235 |", "| 2 | - |"]
    readme = tmp_path / "README.md"
    readme.write_text("top\n<!-- results:start -->\nold\n<!-- results:end -->\nbottom\n")
    report.replace_section(readme, "results", text)
    assert readme.read_text() == f"top\n<!-- results:start -->\n{text}\n<!-- results:end -->\nbottom\n"
    with pytest.raises(ValueError, match="has no '<!-- speed:start -->'"):
        report.replace_section(readme, "speed", text)
