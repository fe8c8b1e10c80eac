"""The sweep notebook, driven by papermill as a user would, on the synthetic data."""

import json

import papermill as pm

from hrmlib.data import REPO_ROOT


def _run(out_dir, results, figures):
    pm.execute_notebook(
        str(REPO_ROOT / "notebooks" / "sweep.ipynb"),
        str(out_dir / "out.ipynb"),
        parameters={
            "dataset": "synthetic",
            "high_order": [1, 2],
            "learning_rate": 0.01,
            "epochs": 2,
            "results_dir": str(results),
            "figures_dir": str(figures),
        },
        cwd=str(REPO_ROOT),
        progress_bar=False,
    )


def test_sweep_notebook_writes_one_file_per_trial_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setenv("HRMLIB_FAST", "0")  # the real code path, on tiny data
    results, figures = tmp_path / "results", tmp_path / "figures"
    _run(tmp_path, results, figures)
    files = sorted(results.glob("*.json"))
    assert len(files) == 2
    assert [json.loads(f.read_text())["config"]["high_order"] for f in files] == [1, 2]
    assert (figures / "sweep_heatmap.png").is_file()

    written = {f: f.stat().st_mtime_ns for f in files}
    _run(tmp_path, results, figures)
    assert {f: f.stat().st_mtime_ns for f in results.glob("*.json")} == written  # nothing trained again
