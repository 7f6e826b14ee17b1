"""The checkers of lesson 06 (sensor assignment): for each step the reference solution, wrong answers and the
untouched starter; and the notebook's six steps run with the solutions filled in.

The namespace the solutions run in is prepared like the notebook's (same imports and names), on the real offline
glucose snapshot, with two training epochs on a thinned set of windows.
"""

from __future__ import annotations

from pathlib import Path

import maintainer_tools
import numpy as np
import pandas as pd
import pytest

from helpers.exercises.lesson06 import ____, q1, q2, q3, q4, q5, q6, q7

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "06_assignment_sensors.ipynb"

SETUP = """
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import keras
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.preprocessing import MinMaxScaler

from helpers import baselines, evaluation, load_sensor, metrics, models, plots, preprocessing, sensors

SENSOR_LIMITS = (40.0, 400.0)
LOOKBACK = 24
HORIZON = 6
learning_rate = 2e-3
num_epochs = 2
patience = 1
TRAIN_EVERY = 32
"""
AFTER_Q1 = """
minutes = glucose.index.hour * 60 + glucose.index.minute
frame = glucose.assign(change=glucose["glucose"].diff().clip(-15, 15), tod_sin=np.sin(2 * np.pi * minutes / 1440),
                       tod_cos=np.cos(2 * np.pi * minutes / 1440))
values = glucose["glucose"]
"""
AFTER_Q2 = """
train_c, val_c = sensors.change_windows(train_w).every(TRAIN_EVERY), sensors.change_windows(val_w)
test_c = sensors.change_windows(test_w)
keras.utils.set_random_seed(42)
"""
BEFORE_Q5 = """
ridge = baselines.LinearBaseline().fit(train_w)
actual = values.reindex(test_w.dates)
y_true = actual.to_numpy()
y_persistence = values.reindex(test_w.origins).to_numpy()
y_ridge = preprocessing.inverse_scale(scaler, ridge.predict(test_w), "glucose")
"""
BEFORE_Q6 = """
test_forecasts = {"LSTM": pd.Series(y_pred, index=test_w.dates),
                  "persistence": pd.Series(y_persistence, index=test_w.dates),
                  "ridge": pd.Series(y_ridge, index=test_w.dates)}
DAY = "2010-10-09"
"""


def _run(code: str, namespace: dict) -> dict:
    exec(code, namespace)
    return namespace


@pytest.fixture(scope="module")
def ns():
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    for code in (SETUP, q1.solution_code, AFTER_Q1, q2.solution_code, AFTER_Q2, q3.solution_code, q4.solution_code,
                 BEFORE_Q5, q5.solution_code, BEFORE_Q6, q6.solution_code):
        _run(code, namespace)
    yield namespace
    import matplotlib.pyplot as plt

    plt.close("all")


# --- Step 1 -----------------------------------------------------------------------------------------------------------


def test_q1_right(ns):
    result = q1.evaluate(ns["glucose"], ns["n_missing"], ns["n_at_limits"])
    assert result.correct, result
    assert "5687 empty marks, 23 readings at a sensor limit" in result.message


def test_q1_wrong(ns):
    g, n_missing, n_limits = ns["glucose"], ns["n_missing"], ns["n_at_limits"]
    filled = g.interpolate()
    assert "no gap left" in q1.evaluate(filled, 0, n_limits).message
    raw_times = g.dropna().copy()
    raw_times.index = raw_times.index + pd.to_timedelta(np.arange(len(raw_times)) % 2, unit="min")
    assert "regular 5-minute grid" in q1.evaluate(raw_times, n_missing, n_limits).message
    assert "n_missing" in q1.evaluate(g, n_missing - 1, n_limits).message
    assert "n_at_limits" in q1.evaluate(g, n_missing, 22).message  # only the lower limit counted
    assert "n_missing" in q1.evaluate(g, float(n_missing), n_limits).message
    assert "lacks the column" in q1.evaluate(g.rename(columns={"glucose": "bg"}), n_missing, n_limits).message
    # Short gaps interpolated, long ones kept: some NaN are left, but readings were invented.
    short = g.interpolate(limit=3, limit_area="inside")
    left = int(short["glucose"].isna().sum())
    result = q1.evaluate(short, left, n_limits)
    assert result.status == "incorrect" and "interpolated or filled" in result.message, result.message
    assert f"{n_missing - left} marks" in result.message


def test_q1_starter_is_not_attempted():
    assert q1.evaluate(____, ____, ____).status == "not attempted"


# --- Step 2 -----------------------------------------------------------------------------------------------------------


def _step2(ns):
    return [ns[k] for k in ("frame", "train", "val", "test", "scaler", "train_w", "val_w", "test_w")]


def test_q2_right(ns):
    result = q2.evaluate(*_step2(ns))
    assert result.correct, result
    assert "left out because they touched a gap" in result.message


def test_q2_scaler_fitted_on_everything(ns):
    from sklearn.preprocessing import MinMaxScaler

    args = _step2(ns)
    args[4] = MinMaxScaler().fit(ns["frame"])
    result = q2.evaluate(*args)
    assert result.status == "incorrect" and "look-ahead" in result.message


def test_q2_windows_that_cross_a_gap(ns):
    from helpers import preprocessing

    args = _step2(ns)
    filled = ns["scaler"].transform(ns["train"]).interpolate(limit_direction="both")
    args[5] = preprocessing.make_windows(filled, "glucose", lookback=24, horizon=6)  # gaps filled, then windowed
    result = q2.evaluate(*args)
    assert result.status == "incorrect" and "cross a gap" in result.message


def test_q2_windows_with_nan_unscaled_or_wrong_size(ns):
    from helpers import preprocessing

    args = _step2(ns)
    w = ns["train_w"]
    args[5] = preprocessing.Windows(np.where(np.arange(w.X.size).reshape(w.X.shape) == 5, np.nan, w.X), w.y,
                                    w.origins, w.dates, w.features, w.target, w.lookback, w.horizon)
    assert "drop_gaps=True" in q2.evaluate(*args).message
    args[5] = preprocessing.make_windows(ns["train"], "glucose", lookback=24, horizon=6, drop_gaps=True)
    assert "scaled" in q2.evaluate(*args).message
    args[5] = preprocessing.make_windows(ns["scaler"].transform(ns["train"]), "glucose", lookback=12, horizon=6,
                                         drop_gaps=True)
    assert "lookback=LOOKBACK" in q2.evaluate(*args).message
    args = _step2(ns)
    args[6] = ns["test_w"]  # the test windows passed as validation windows
    assert "outside its part" in q2.evaluate(*args).message


def test_q2_starter_is_not_attempted(ns):
    assert q2.evaluate(ns["frame"], ____, ____, ____, ____, ____, ____, ____).status == "not attempted"


# --- Steps 3 and 4 ----------------------------------------------------------------------------------------------------


def test_q3_right_and_wrong(ns):
    import keras

    result = q3.evaluate(ns["model"], ns["train_w"])
    assert result.correct, result
    wrong = keras.Sequential([keras.Input((24, 4)), keras.layers.LSTM(4), keras.layers.Dense(6)])
    wrong.compile(optimizer="adam", loss="mse")
    assert "6 unit(s)" in q3.evaluate(wrong, ns["train_w"]).message
    assert "training windows" in q3.evaluate(ns["model"], "train_w").message
    assert q3.evaluate(____, ns["train_w"]).status == "not attempted"


def test_q4_right_and_wrong(ns):
    import keras

    fit = (ns["model"], ns["val_c"], ns["test_c"])  # the windows the model was trained for: the change as target
    assert q4.evaluate(ns["history"], ns["early_stopping"], *fit).correct
    watching_loss = keras.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True)
    assert "'val_loss'" in q4.evaluate(ns["history"], watching_loss, *fit).message
    assert q4.evaluate(____, ____, *fit).status == "not attempted"


# --- Step 5 -----------------------------------------------------------------------------------------------------------


def _step5(ns):
    return ns["y_true"], ns["y_pred"], ns["y_persistence"], ns["y_ridge"], *_model(ns)


def _model(ns):
    return ns["model"], ns["scaler"], ns["val_w"], ns["test_w"]


def test_q5_right(ns):
    result = q5.evaluate(ns["results"], *_step5(ns))
    assert result.correct, result
    assert "Zones A+B" in result.message and "DM p-value" in result.message


def test_q5_wrong(ns):
    from helpers import evaluation

    y_true, y_pred, y_persistence, y_ridge = _step5(ns)[:4]
    results = ns["results"]
    assert "zones A and B" in q5.evaluate(dict(results, clarke_ab=0.5), *_step5(ns)).message
    p1 = evaluation.diebold_mariano(y_true - y_pred, y_true - y_ridge, horizon=1)[1]
    assert "horizon=HORIZON" in q5.evaluate(dict(results, dm_p=p1), *_step5(ns)).message
    no_dm = {k: v for k, v in results.items() if k != "dm_p"}
    assert "lacks 'dm_p'" in q5.evaluate(no_dm, *_step5(ns)).message
    scaled = ns["model"].predict(ns["test_w"].X, verbose=0)[:, 0]
    assert "looks scaled" in q5.evaluate(results, y_true, scaled, y_persistence, y_ridge, *_model(ns)).message
    change_in_mgdl = ns["preprocessing"].inverse_scale(ns["scaler"], scaled, "glucose")  # the last reading not added
    assert "add it to each window's last reading" in q5.evaluate(results, y_true, change_in_mgdl, y_persistence,
                                                                 y_ridge, *_model(ns)).message
    # A leak (the actual readings plus noise) and ridge's forecasts passed as the LSTM's are named.
    leak = y_true + np.random.default_rng(0).normal(0, 3.0, len(y_true))
    assert "leak" in q5.evaluate(results, y_true, leak, y_persistence, y_ridge, *_model(ns)).message
    assert "ridge" in q5.evaluate(results, y_true, y_ridge, y_persistence, y_ridge, *_model(ns)).message
    assert "square root" in q5.evaluate(dict(results, rmse=results["mse"]), *_step5(ns)).message


def test_q5_starter_is_not_attempted(ns):
    starter = {k: ____ for k in ("mse", "rmse", "mae", "r2", "skill", "clarke_ab", "dm_p")}
    y_true, _, y_persistence, y_ridge = _step5(ns)[:4]
    assert q5.evaluate(starter, y_true, ____, y_persistence, y_ridge, *_model(ns)).status == "not attempted"


# --- Step 6 -----------------------------------------------------------------------------------------------------------


def test_q6_right_and_wrong(ns):
    import matplotlib.pyplot as plt

    assert q6.evaluate(ns["ax"]).correct
    day = ns["actual"].loc[ns["DAY"]]
    fig, ax = plt.subplots()
    ax.plot(day.index, day, label="actual")
    ax.plot(day.index, ns["test_forecasts"]["LSTM"].reindex(day.index), label="LSTM")
    ax.set(title="t", xlabel="time", ylabel="mg/dL")
    ax.legend()
    assert "at least one baseline" in q6.evaluate(ax).message
    plt.close(fig)
    assert q6.evaluate(____).status == "not attempted"


# --- Q7: two questions, two kinds of evidence ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "seeds, ensemble, baseline, p, supported",
    [
        ([0.21, 0.22, 0.20], 0.225, 0.195, 0.30, {"b", "c", "d"}),  # every seed ahead, yet no evidence on these weeks
        ([0.21, 0.23, 0.19], 0.222, 0.195, 0.01, {"a", "c"}),  # significant, one seed behind, a member beats it
        ([0.15, 0.16, 0.14], 0.155, 0.157, 0.70, {"c"}),
    ],
)
def test_q7_right(seeds, ensemble, baseline, p, supported):
    assert q7.supported(seeds, ensemble, baseline, p) == supported
    assert q7.evaluate(supported, seeds, ensemble, baseline, p).correct
    namespace = {"seed_skills": seeds, "ensemble_skill": ensemble, "baseline_skill": baseline, "ensemble_p": p}
    exec(q7.solution_code, namespace)  # the reference solution reads the same numbers to the same verdict
    assert namespace["supported"] == supported


@pytest.mark.parametrize(
    "answer, reason",
    [
        ({"a", "b", "c", "d"}, "appears by chance"),  # a lead read as real although p = 0.30
        ({"b", "c", "d", "e"}, "not evidence of equality"),  # no significance read as equality
        ({"b", "c", "d", "f"}, "seeds (and folds)"),  # the DM test read as a verdict on the recipe
        ({"b", "d"}, "convex"),  # the ensemble's guarantee missed
        ({"c", "d"}, "lucky seed"),
        ("b c d x", "not one of the claims"),
        (0.3, "as a set"),
    ],
)
def test_q7_wrong(answer, reason):
    result = q7.evaluate(answer, [0.21, 0.22, 0.20], 0.225, 0.195, 0.30)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q7_member_beats_the_ensemble_and_untouched():
    result = q7.evaluate({"a", "c", "d"}, [0.21, 0.23, 0.19], 0.222, 0.195, 0.01)
    assert result.status == "incorrect" and "not better than each member" in result.message
    assert q7.evaluate(____, [0.2, 0.2, 0.2], 0.2, 0.1, 0.5).status == "not attempted"
    assert "seed_skills" in q7.evaluate({"c"}, "seeds", 0.2, 0.1, 0.5).message


# --- The notebook with the solutions filled in ------------------------------------------------------------------------


def test_notebook_steps_pass_with_the_solutions_filled_in(monkeypatch):
    """Every starter cell replaced by its reference solution, the notebook run up to step 6 in smoke mode."""
    maintainer_tools.assert_solved_assignment_passes(NOTEBOOK, monkeypatch)
