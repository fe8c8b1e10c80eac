import json
import subprocess
import sys

from hrmlib.__main__ import main


def test_data_prints_the_statistics(capsys):
    assert main(["data", "--dataset", "synthetic"]) == 0
    stats = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(stats) == {"n_users", "n_items", "n_interactions", "n_train", "n_valid", "n_test"}
    assert stats["n_valid"] == stats["n_test"] == stats["n_users"]


def test_train_prints_json_last_and_writes_the_history(tmp_path, capsys):
    out = tmp_path / "trial.json"
    args = ["train", "--dataset", "synthetic", "--high-order", "2", "--learning-rate", "0.01", "--epochs", "2"]
    assert main([*args, "--batch-size", "512", "--quiet", "--out", str(out)]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["config"]["high_order"] == 2 and last["config"]["learning_rate"] == 0.01
    assert {"best_epoch", "epochs_run", "seconds", "valid", "test"} <= set(last)
    assert "recall@10" in last["test"]
    assert len(json.loads(out.read_text())["history"]) == 2


def test_bench_prints_a_table_and_json(capsys):
    assert main(["bench", "--dataset", "synthetic", "--epochs", "1", "--batch-size", "512", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "seconds per training epoch" in out and "epoch / plain multiply" in out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["seconds_per_epoch"] > 0 and report["matmul_seconds_per_epoch"] > 0
    assert report["peak_memory_mib"] > 0


def test_sweep_runs_the_grid_of_its_flags(tmp_path, capsys):
    args = ["sweep", "--dataset", "synthetic", "--high-order", "1", "2", "--learning-rate", "0.01", "--epochs", "1"]
    assert main([*args, "--batch-size", "512", "--results-dir", str(tmp_path), "--quiet"]) == 0
    assert len(list(tmp_path.glob("*.json"))) == 2
    assert "high_order:2, learning_rate:0.01" in capsys.readouterr().out


def test_bad_input_is_one_clear_line(tmp_path):
    run = [sys.executable, "-m", "hrmlib"]
    bad = subprocess.run([*run, "train", "--dataset", "synthetic", "--high-order", "0"], capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: high_order must be an integer in 1..50, got 0"
    missing = subprocess.run(
        [*run, "data", "--dataset", "ml-100k", "--data-dir", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env={"https_proxy": "http://127.0.0.1:9"},  # offline for sure: the download is refused at once
    )
    assert missing.returncode == 2
    assert "Put GroupLens's archive there" in missing.stderr and "Traceback" not in missing.stderr
