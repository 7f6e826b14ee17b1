"""The progress lines of helpers/progress.py and models.train: what they count, what they print, where, and when not.

The notebook test executes a real notebook with nbclient (as tools/run_notebooks.py does) and checks the claim the
module makes: the kernel sends live updates of one display, and the saved notebook keeps only the summary line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import config, models, progress
from helpers.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def plain(monkeypatch):
    """Full mode, output captured: no live line, only summary lines on standard output."""
    monkeypatch.setenv(config.SMOKE_ENV, "0")
    monkeypatch.setattr(progress.display, "frontend", lambda: "plain")


def test_level_defaults_to_the_line_and_to_silence_in_smoke_mode():
    assert progress.level(None, environ={}) == progress.LINE
    assert progress.level(None, environ={config.SMOKE_ENV: "1"}) == progress.SILENT
    assert [progress.level(v, environ={config.SMOKE_ENV: "1"}) for v in (0, 1, 2)] == [0, 1, 2]
    for bad in (3, -1, True, "1"):
        with pytest.raises(CourseError, match="Fix: pass 0"):
            progress.level(bad)


def test_summary_lines_say_what_ran_and_where_it_stopped(plain, capsys):
    assert progress.training_summary("gru", 17, 50, 9, 0.014123, "val_loss", 11.64) == (
        "gru: stopped at epoch 17 of ≤50, best epoch 9 (val_loss 0.01412), 11.6 s"
    )
    assert progress.training_summary("lstm", 50, 50, 50, 0.5, "val_loss", 3.0) == (
        "lstm: ran all 50 epochs, best epoch 50 (val_loss 0.5), 3.0 s; still improving at the cap: allow more epochs"
    )
    for _ in progress.track(range(4), "backtest", unit="fold"):
        pass
    for fold in progress.track([1, 2, 3, 4], "folds", unit="fold"):
        if fold == 3:
            break
    with pytest.raises(ValueError), progress.task("tuner", total=5, unit="trial") as line:
        line.update(2)
        raise ValueError("a trial failed")
    with progress.task("grading", unit="submission") as line:
        line.update(1, passed=6)
        line.summary = "grading: 1 submission, 6 checks passed"
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" in ")[0] for line in lines[:2]] == ["backtest: 4 folds", "folds: 2 of 4 folds"]
    assert lines[2].startswith("tuner: stopped after 2 of 5 trials, ") and lines[2].endswith(" s (ValueError)")
    assert lines[3] == "grading: 1 submission, 6 checks passed"
    assert len(lines) == 4


def test_units_read_as_english(plain, capsys):
    pairs = [("fold", "folds"), ("family", "families"), ("day", "days"), ("batch", "batches"), ("epoch", "epochs")]
    for unit, plural in [*pairs, (("series", "series"), "series")]:
        for _ in progress.track(range(2), "loop", unit=unit):
            pass
        assert capsys.readouterr().out.startswith(f"loop: 2 {plural} in ")
    with progress.task("fit", total=5, unit="epoch", upper_bound=True, verbose=0) as line:
        line.update(1)
        assert line._format().startswith("{desc} |{bar:10}| {n_fmt}/≤{total_fmt} epochs{numbers} · {elapsed} ")


def test_silent_levels_print_nothing(monkeypatch, capsys):
    monkeypatch.setenv(config.SMOKE_ENV, "1")
    for _ in progress.track(range(3), "backtest"):
        pass
    with progress.task("tuner", total=2, verbose=0) as line:
        line.update(2)
    assert capsys.readouterr() == ("", "")
    assert line.n == 2 and line.summary_text().startswith("tuner: 2 steps in ")


def test_terminal_draws_tqdm_bar_on_stderr_and_the_summary_on_stdout(monkeypatch, capsys):
    monkeypatch.setattr(progress.display, "frontend", lambda: "terminal")
    with progress.task("fold 2", total=3, unit="epoch", upper_bound=True, verbose=1) as line:
        line.update(1, {"loss": 0.51234, "val_loss": 0.25})
        line.show()  # redraw now: tqdm redraws at most every progress.REDRAW_SECONDS
        line.update(1)
    out, err = capsys.readouterr()
    assert out.startswith("fold 2: 2 of 3 epochs in ") and out.count("\n") == 1
    assert "fold 2 |" in err and "1/≤3 epochs · loss 0.512 · val_loss 0.25 · " in err and "≤" in err


def _data(n=64, lookback=6, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, lookback, 1)).astype("float32")
    return x, x[:, -1, 0]


def test_callback_counts_epochs_and_best_epoch_as_early_stopping_does(plain, capsys):
    import keras

    x, y = _data()
    keras.utils.set_random_seed(0)
    model = models.build_model("dense", 6, 1, units=4, learning_rate=0.02)
    line = progress.keras_callback("tiny", verbose=1)
    # Validating on the negated target: the better the fit, the worse val_loss, so training stops early.
    history = models.train(model, (x, y), (x, -y), epochs=10, patience=2, verbose=0, callbacks=[line])
    val_loss = history.history["val_loss"]
    assert len(val_loss) < 10, "the test needs a run that stops early"
    assert line.epochs_run == len(val_loss)
    assert line.best_epoch == int(np.argmin(val_loss)) + 1
    assert line.best == pytest.approx(min(val_loss))
    assert line.line.total == 10 and line.line.n == len(val_loss)
    assert line.summary.startswith(f"tiny: stopped at epoch {len(val_loss)} of ≤10, best epoch {line.best_epoch} ")
    assert capsys.readouterr().out == line.summary + "\n"


def test_a_copied_callback_shares_its_outer_line(plain, capsys):
    import copy

    import keras

    x, y = _data(n=32)
    with progress.task("tuner", total=2, unit="trial", verbose=1) as trials:
        original = progress.keras_callback("trial", verbose=1, advance=trials)
        for _ in range(2):  # as keras-tuner runs its trials: a deep copy of the callbacks for every fit
            callback = copy.deepcopy(original)
            assert callback.advance is trials
            model = models.build_model("dense", 6, 1, units=2)
            model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0, callbacks=[callback])
    assert trials.n == 2
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["trial", "trial", "tuner"] and keras.__version__


def test_train_shows_one_summary_line_and_trains_exactly_as_without_it(plain, capsys):
    import keras

    x, y = _data()
    weights = {}
    for verbose in (0, 1):
        keras.utils.set_random_seed(1)
        model = models.build_model("dense", 6, 1, units=4)
        history = models.train(model, (x, y), (x, y), epochs=3, patience=5, verbose=verbose, label="tiny model")
        weights[verbose] = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], weights[1], strict=True))
    best = int(np.argmin(history.history["val_loss"])) + 1
    out = capsys.readouterr().out
    assert out.startswith(f"tiny model: ran all 3 epochs, best epoch {best} (val_loss ") and out.count("\n") == 1


def test_an_interrupted_training_ends_its_line_with_where_it_stopped(plain, capsys):
    import keras

    def stop(epoch, logs):
        if epoch == 1:
            raise KeyboardInterrupt  # what the learner's "stop" button raises in the kernel

    x, y = _data(n=32)
    with pytest.raises(KeyboardInterrupt):
        models.train(models.build_model("dense", 6, 1, units=2), (x, y), (x, y), epochs=5, verbose=1, label="tiny",
                     callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=stop)])
    out = capsys.readouterr().out
    assert out.startswith("tiny: stopped after 1 of ≤5 epochs, ") and out.endswith(" s (interrupted)\n")


def test_train_verbose_2_prints_keras_log_and_smoke_mode_prints_nothing(plain, monkeypatch, capsys):
    x, y = _data(n=32)
    models.train(models.build_model("dense", 6, 1, units=2), (x, y), (x, y), epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out and "val_loss" in out
    assert "ran all" not in out
    monkeypatch.setenv(config.SMOKE_ENV, "1")
    models.train(models.build_model("dense", 6, 1, units=2), (x, y), (x, y), epochs=2)
    assert capsys.readouterr() == ("", "")


NOTEBOOK_CELLS = [
    # 1. no TensorFlow: an outer line and a task with numbers
    """
    import time
    from helpers import progress
    print("before")
    for fold in progress.track([1, 2, 3, 4], "backtest", unit="fold", verbose=1):
        time.sleep(0.25)
    with progress.task("tuner", total=2, unit="trial", verbose=1) as line:
        for trial in range(2):
            time.sleep(0.25)
            line.update(1, best_val_loss=0.5 / (trial + 1))
    print("after")
    """,
    # 2. one tiny Keras fit through models.train
    """
    import numpy as np
    from helpers import models
    x = np.random.default_rng(0).normal(size=(64, 6, 1)).astype("float32")
    history = models.train(models.build_model("dense", 6, 1, units=2), (x, x[:, -1, 0]), (x, x[:, -1, 0]), epochs=4,
                           verbose=1, label="tiny model")
    """,
]


def test_a_saved_notebook_keeps_only_the_summary_lines(tmp_path):
    from nbclient import NotebookClient

    class Recorder(NotebookClient):
        """nbclient as tools/run_notebooks.py runs it, also recording the live updates the kernel sent."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.updates: list[str] = []

        def process_message(self, msg, cell, cell_index):
            if msg["msg_type"] == "update_display_data":
                self.updates.append(msg["content"]["data"]["text/plain"])
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(textwrap.dedent(c).strip()) for c in NOTEBOOK_CELLS])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    client = Recorder(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)

    # While it ran: several redraws of the same lines, with the bar, the counts and the numbers.
    live = [u for u in client.updates if "elapsed" in u]
    assert any(u.startswith("backtest |") and "/4 folds" in u for u in live), live
    assert any("tuner |" in u and "best val loss 0.5" in u for u in live), live
    assert any(u.startswith("tiny model |") and "/≤4 epochs · loss " in u and "best epoch" in u for u in live), live

    # What is saved: the prints, and one plain-text summary line per unit of work, nothing else.
    first, second = ([(o.output_type, o.get("text") or o.data["text/plain"]) for o in c.outputs] for c in nb.cells)
    assert [kind for kind, _ in first] == ["stream", "display_data", "display_data", "stream"]
    assert first[1][1].startswith("backtest: 4 folds in ") and first[2][1].startswith("tuner: 2 trials in ")
    summaries = [text for kind, text in second if kind == "display_data"]
    assert len(summaries) == 1 and summaries[0].startswith("tiny model: ran all 4 epochs, best epoch ")
    for cell in nb.cells:
        for output in cell.outputs:
            if output.output_type == "display_data":
                assert set(output.data) == {"text/plain"} and "\n" not in output.data["text/plain"]
                assert len(json.dumps(output, ensure_ascii=False).encode()) < 300  # bytes per unit of work


def test_the_progress_module_loads_without_tensorflow():
    code = "import sys, helpers.progress; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
