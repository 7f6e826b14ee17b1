"""The checkers of lesson 05 (weather assignment): for each step the reference solution, wrong answers and the
untouched starter; the stand-in for unfinished steps; and the notebook's six steps run with the solutions filled in.

The namespace the solutions run in is prepared like the notebook's (same imports and names), on the real offline
snapshot of Seattle-Tacoma, with two training epochs.
"""

from __future__ import annotations

from pathlib import Path

import maintainer_tools
import numpy as np
import pandas as pd
import pytest

from helpers.exercises.lesson05 import ____, q1, q2, q3, q4, q5, q6

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "05_assignment_weather.ipynb"

# The notebook's setup, with the smoke sizes.
SETUP = """
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
import keras
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from sklearn.preprocessing import MinMaxScaler

from helpers import baselines, load_weather, models, plots, preprocessing

STATION = "72793"
COLUMNS = ["tmax", "tmin", "prcp", "wspd"]
LOOKBACK = 14
learning_rate = 3e-3
num_epochs = 2
patience = 1
"""

# The notebook's glue between the steps.
AFTER_Q1 = "frame = preprocessing.add_calendar_features(weather)\nfeatures = list(frame.columns)"
AFTER_Q2 = """
def scale(part):
    return pd.DataFrame(scaler.transform(part), index=part.index, columns=part.columns)

train_s, val_s, test_s = scale(train), scale(val), scale(test)
train_w, val_w, test_w = (
    preprocessing.make_windows(p, "tmax", features, lookback=LOOKBACK) for p in (train_s, val_s, test_s)
)
"""
BEFORE_Q3 = "keras.utils.set_random_seed(42)"
BEFORE_Q5 = """
tmax = weather["tmax"]
actual = tmax.reindex(test_w.dates)
y_true = actual.to_numpy()
y_persistence = baselines.persistence(tmax).reindex(test_w.dates).to_numpy()
linear = baselines.LinearBaseline().fit(train_w)
y_ridge = preprocessing.inverse_scale(scaler, linear.predict(test_w), "tmax")
"""
BEFORE_Q6 = """
test_forecasts = {"LSTM": pd.Series(y_pred, index=test_w.dates),
                  "persistence": baselines.persistence(tmax).reindex(test_w.dates)}
"""


def _run(code: str, namespace: dict) -> dict:
    exec(code, namespace)  # the course's own code
    return namespace


@pytest.fixture(scope="module")
def ns():
    """The notebook's namespace after every step, solved with the reference solutions (two epochs)."""
    import matplotlib

    matplotlib.use("Agg")
    namespace: dict = {}
    _run(SETUP, namespace)
    _run(q1.solution_code, namespace)
    _run(AFTER_Q1, namespace)
    _run(q2.solution_code, namespace)
    _run(AFTER_Q2, namespace)
    _run(BEFORE_Q3, namespace)
    _run(q3.solution_code, namespace)
    _run(q4.solution_code, namespace)
    _run(BEFORE_Q5, namespace)
    _run(q5.solution_code, namespace)
    _run(BEFORE_Q6, namespace)
    _run(q6.solution_code, namespace)
    yield namespace
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize("exercise", [q1, q2, q3, q4, q5, q6])
def test_hints_and_solution_print(exercise, capsys):
    exercise.hint()
    exercise.solution()
    out = capsys.readouterr().out
    assert "hint 1/" in out and "solution:" in out


# --- Step 1 -----------------------------------------------------------------------------------------------------------


def test_q1_right(ns):
    result = q1.evaluate(ns["weather"])
    assert result.correct, result
    assert "1461 rows" in result.message


@pytest.mark.parametrize(
    "spoil, reason",
    [
        (lambda w: w.drop(columns="wspd"), "lacks the column"),
        (lambda w: w.iloc[:300], "at least 730"),
        (lambda w: w.iloc[::-1], "increasing order"),
        (lambda w: w.assign(tmin=w["tmin"].where(~w.index.isin(w.index[100:103]))), "missing values"),
        (lambda w: w.drop(w.index[200:202]), "absent from the index"),
        (lambda w: w.to_numpy(), "DataFrame"),
    ],
)
def test_q1_wrong(ns, spoil, reason):
    result = q1.evaluate(spoil(ns["weather"]))
    assert result.status == "incorrect"
    assert reason in result.message


def test_q1_raw_data_with_gaps_is_caught(ns):
    raw = ns["raw"][ns["COLUMNS"]].copy()
    raw.iloc[50, 0] = np.nan
    result = q1.evaluate(raw)
    assert result.status == "incorrect" and "fill_gaps" in result.message


def test_q1_starter_is_not_attempted():
    assert q1.evaluate(____).status == "not attempted"


# --- Step 2 -----------------------------------------------------------------------------------------------------------


def test_q2_right(ns):
    result = q2.evaluate(ns["frame"], ns["train"], ns["val"], ns["test"], ns["scaler"])
    assert result.correct, result


def test_q2_scaler_fitted_on_everything(ns):
    from sklearn.preprocessing import MinMaxScaler

    leaky = MinMaxScaler().fit(ns["frame"])
    result = q2.evaluate(ns["frame"], ns["train"], ns["val"], ns["test"], leaky)
    assert result.status == "incorrect" and "look-ahead" in result.message


def test_q2_shuffled_split(ns):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    frame = ns["frame"]
    train, rest = train_test_split(frame, train_size=0.7, shuffle=True, random_state=0)
    val, test = train_test_split(rest, train_size=0.5, shuffle=True, random_state=0)
    result = q2.evaluate(frame, train, val, test, MinMaxScaler().fit(train))
    assert result.status == "incorrect" and "shuffled" in result.message


def test_q2_wrong_range_and_unfitted(ns):
    from sklearn.preprocessing import MinMaxScaler

    args = (ns["frame"], ns["train"], ns["val"], ns["test"])
    assert "[0, 1]" in q2.evaluate(*args, MinMaxScaler((-1, 1)).fit(ns["train"])).message
    assert "fitted" in q2.evaluate(*args, MinMaxScaler()).message


def test_q2_starter_is_not_attempted(ns):
    assert q2.evaluate(ns["frame"], ____, ____, ____, ____).status == "not attempted"


# --- Step 3 -----------------------------------------------------------------------------------------------------------


def _model(ns, *, output=1, lookback=None, recurrent="LSTM", compiled=True):
    import keras

    w = ns["train_w"]
    model = keras.Sequential(
        [
            keras.Input(shape=(lookback or w.X.shape[1], w.X.shape[2])),
            getattr(keras.layers, recurrent)(4),
            keras.layers.Dense(output),
        ]
    )
    if compiled:
        model.compile(optimizer="adam", loss="mse")
    return model


def test_q3_right(ns):
    result = q3.evaluate(ns["model"], ns["train_w"])
    assert result.correct, result
    assert "1 LSTM layer" in result.message


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"output": 7}, "7 unit(s)"),
        ({"recurrent": "GRU"}, "no keras.layers.LSTM"),
        ({"lookback": 30}, "input shape"),
        ({"compiled": False}, "compile the model"),
    ],
)
def test_q3_wrong(ns, kwargs, reason):
    result = q3.evaluate(_model(ns, **kwargs), ns["train_w"])
    assert result.status == "incorrect"
    assert reason in result.message


def test_q3_needs_the_windows(ns):
    result = q3.evaluate(ns["model"], "train_w")
    assert result.status == "incorrect" and "training windows" in result.message


def test_q3_starter_is_not_attempted(ns):
    assert q3.evaluate(____, ns["train_w"]).status == "not attempted"


# --- Step 4 -----------------------------------------------------------------------------------------------------------


def _fit_args(ns):
    return ns["model"], ns["val_w"], ns["test_w"]


def _model_args(ns):
    return ns["y_ridge"], ns["model"], ns["scaler"], ns["val_w"], ns["test_w"]


def test_q4_right(ns):
    result = q4.evaluate(ns["history"], ns["early_stopping"], *_fit_args(ns))
    assert result.correct, result


def test_q4_wrong(ns):
    import keras

    watching_loss = keras.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True)
    assert "'val_loss'" in q4.evaluate(ns["history"], watching_loss, *_fit_args(ns)).message
    keeping_last = keras.callbacks.EarlyStopping(monitor="val_loss")
    assert "restore_best_weights" in q4.evaluate(ns["history"], keeping_last, *_fit_args(ns)).message

    class NoValidation:
        history = {"loss": [0.2, 0.1]}

    assert "validation_data" in q4.evaluate(NoValidation(), ns["early_stopping"], *_fit_args(ns)).message


def test_q4_starter_is_not_attempted():
    assert q4.evaluate(____, ____, None, None, None).status == "not attempted"


# --- Step 5 -----------------------------------------------------------------------------------------------------------


def test_q5_right(ns):
    result = q5.evaluate(ns["results"], ns["y_true"], ns["y_pred"], ns["y_persistence"], *_model_args(ns))
    assert result.correct, result
    assert "persistence" in result.message


def test_q5_scaled_forecasts(ns):
    from helpers.metrics import evaluate

    scaled = ns["model"].predict(ns["test_w"].X, verbose=0)[:, 0]
    results = evaluate(ns["y_true"], scaled, ns["y_persistence"])
    result = q5.evaluate(results, ns["y_true"], scaled, ns["y_persistence"], *_model_args(ns))
    assert result.status == "incorrect" and "looks scaled" in result.message


def test_q5_wrong_formulas(ns):
    args = (ns["y_true"], ns["y_pred"], ns["y_persistence"], *_model_args(ns))
    results = dict(ns["results"], rmse=ns["results"]["mse"])
    assert "square root" in q5.evaluate(results, *args).message
    results = dict(ns["results"], skill=ns["results"]["skill"] + 0.2)
    assert "skill is 1 - RMSE" in q5.evaluate(results, *args).message
    assert "lacks" in q5.evaluate({"mse": 1.0}, *args).message
    assert "test targets" in q5.evaluate(ns["results"], ns["y_true"], ns["y_pred"][:-3], ns["y_persistence"],
                                            *_model_args(ns)).message


def test_q5_starter_is_not_attempted(ns):
    starter = {"mse": ____, "rmse": ____, "mae": ____, "r2": ____, "skill": ____}
    assert q5.evaluate(starter, ns["y_true"], ____, ns["y_persistence"], *_model_args(ns)).status == "not attempted"


# --- Step 6 -----------------------------------------------------------------------------------------------------------


def test_q6_right(ns):
    result = q6.evaluate(ns["ax"])
    assert result.correct, result


def test_q6_wrong(ns):
    import matplotlib.pyplot as plt

    actual = ns["actual"]
    fig, ax = plt.subplots()
    ax.plot(actual.index, actual, label="actual")
    ax.plot(actual.index, ns["y_pred"], label="LSTM")
    ax.set(title="t", xlabel="date", ylabel="°C")
    ax.legend()
    assert "at least one baseline" in q6.evaluate(ax).message
    ax.plot(actual.index, ns["y_persistence"], label="persistence")
    ax.set_title("")
    assert "title" in q6.evaluate(ax).message
    plt.close(fig)
    assert q6.evaluate("a figure").status == "incorrect"


def test_q6_starter_is_not_attempted():
    assert q6.evaluate(____).status == "not attempted"


# --- Continuing with the reference ------------------------------------------------------------------------------------


def test_answer_or_reference_keeps_a_correct_answer(ns, capsys):
    weather = q1.answer_or_reference(ns["weather"], namespace=ns, returns="weather")
    assert weather is ns["weather"]
    assert "continuing with your answer" in capsys.readouterr().out


def test_answer_or_reference_runs_the_reference_when_not_attempted(ns, capsys):
    learner = dict(ns, weather=____, raw=____)
    raw, weather = q1.answer_or_reference(____, namespace=learner, returns=("raw", "weather"))
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "REFERENCE" in out and "q1.solution()" in out
    pd.testing.assert_frame_equal(weather, ns["weather"])
    assert learner["weather"] is ____  # the learner's variables are left alone


def test_answer_or_reference_replaces_an_incorrect_answer(ns, capsys):
    wrong = ns["weather"].iloc[:100]
    learner = dict(ns, weather=wrong)
    weather = q1.answer_or_reference(wrong, namespace=learner, returns="weather")
    out = capsys.readouterr().out
    assert "not correct yet" in out and "at least 730" in out
    assert len(weather) == len(ns["weather"])


def test_answer_or_reference_needs_every_returned_name(ns, capsys):
    # A correct check but a blank among the returned variables still falls back to the reference.
    learner = dict(ns, raw=____)
    raw, _ = q1.answer_or_reference(ns["weather"], namespace=learner, returns=("raw", "weather"))
    assert isinstance(raw, pd.DataFrame)
    assert "REFERENCE" in capsys.readouterr().out


# --- The notebook with the solutions filled in ------------------------------------------------------------------------


def test_notebook_steps_pass_with_the_solutions_filled_in(monkeypatch):
    """Every starter cell replaced by its reference solution, the notebook run up to step 6 in smoke mode."""
    maintainer_tools.assert_solved_assignment_passes(NOTEBOOK, monkeypatch)
