"""The checkers of lesson 04 (the stock assignment): for each step a right answer (the reference solution, run in a
namespace prepared like the notebook's), wrong answers with their specific messages, and the untouched starter.
The notebook with every blank replaced by the reference solution runs in tests/test_grade.py, where the grader grades
it (smoke mode, up to step 6) and every step must check correct: one kernel proves both."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

from helpers.exercises.lesson04 import ____, q1, q2, q3, q4, q5, q6

LOOKBACK = 20


def run_solution(exercise, namespace: dict) -> dict:
    """Execute the reference solution in a copy of ``namespace`` and return the resulting namespace."""
    scope = dict(namespace)
    exec(exercise.solution_code, scope)  # our own reference solution
    return scope


@pytest.fixture(scope="module")
def keras():
    from helpers.notebook import quiet

    quiet()
    import keras

    keras.utils.set_random_seed(0)
    return keras


@pytest.fixture(scope="module")
def prices():
    from helpers import load_stock

    return load_stock("MSFT", source="offline")


@pytest.fixture(scope="module")
def notebook_ns(keras, prices):
    """What the notebook has defined by step 3, on the returns of the last 800 days of MSFT (small, so training is
    quick)."""
    from helpers import load_stock, preprocessing

    returns = prices[["Close"]].iloc[-800:].pct_change().dropna().rename(columns={"Close": "return"})
    ns = {"np": np, "pd": pd, "plt": plt, "keras": keras, "MinMaxScaler": MinMaxScaler, "load_stock": load_stock,
          "TICKER": "MSFT", "LOOKBACK": LOOKBACK, "num_epochs": 3, "patience": 2, "daily_returns": returns}
    ns = run_solution(q2, ns)
    scaled = [pd.DataFrame(ns["scaler"].transform(p), index=p.index, columns=p.columns)
              for p in (ns["train"], ns["val"], ns["test"])]
    windows = [preprocessing.make_windows(p, "return", lookback=LOOKBACK) for p in scaled]
    ns.update(X_train=windows[0].X, y_train=windows[0].y, X_val=windows[1].X, y_val=windows[1].y, train_w=windows[0],
              val_w=windows[1], test_w=windows[2])
    return ns


@pytest.fixture(scope="module")
def dollars(keras, notebook_ns, prices):
    """y_true, y_persistence and return_pred as the notebook lines them up, from a tiny LSTM trained for one epoch."""
    from helpers import models, preprocessing

    model = keras.Sequential([keras.Input((LOOKBACK, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(notebook_ns["X_train"], notebook_ns["y_train"], epochs=1, verbose=0)
    test_w, scaler = notebook_ns["test_w"], notebook_ns["scaler"]
    dates = test_w.dates
    close = prices["Close"]
    return_pred = pd.Series(preprocessing.inverse_scale(scaler, models.predict(model, test_w), "return"), index=dates,
                            name="return_pred")
    return {"np": np, "y_true": close.loc[dates], "y_persistence": close.shift(1).loc[dates],
            "return_pred": return_pred, "model": model, "scaler": scaler, "val_w": notebook_ns["val_w"],
            "test_w": test_w}


def test_every_step_has_hints_and_a_solution():
    for exercise in (q1, q2, q3, q4, q5, q6):
        assert exercise._hints and exercise.solution_code


# --- Step 1: data -----------------------------------------------------------------------------------------------------

def test_q1_right(prices):
    from helpers import load_stock

    scope = run_solution(q1, {"load_stock": load_stock, "TICKER": "MSFT"})
    assert q1.evaluate(scope["prices"]).correct
    assert q1.evaluate(prices).correct


@pytest.mark.parametrize(
    "mangle, reason",
    [
        (lambda p: p.drop(columns="Close"), "lacks the column"),
        (lambda p: p.iloc[:100], "at least 750"),
        (lambda p: p.iloc[::-1], "increasing order"),
        (lambda p: p.reset_index(drop=True), "indexed by date"),
        (lambda p: p.assign(Close=p["Close"].where(p.index.year != 2005)), "missing value"),
        (lambda p: p.assign(Close=p["Close"] - 100), "negative"),
    ],
)
def test_q1_wrong(prices, mangle, reason):
    result = q1.evaluate(mangle(prices))
    assert result.status == "incorrect"
    assert reason in result.message


def test_q1_starter_is_not_attempted():
    assert q1.evaluate(____).status == "not attempted"


# --- Step 2: preprocessing --------------------------------------------------------------------------------------------

def test_q2_right(notebook_ns):
    ns = notebook_ns
    assert q2.evaluate(ns["daily_returns"], ns["train"], ns["val"], ns["test"], ns["scaler"]).correct


def test_q2_scaler_fitted_on_everything_is_leakage(notebook_ns):
    ns = notebook_ns
    leaky = MinMaxScaler().fit(ns["daily_returns"])
    result = q2.evaluate(ns["daily_returns"], ns["train"], ns["val"], ns["test"], leaky)
    assert result.status == "incorrect"
    assert "look-ahead" in result.message


def test_q2_shuffled_split(notebook_ns):
    returns = notebook_ns["daily_returns"]
    shuffled = returns.sample(frac=1.0, random_state=0)
    n = len(returns)
    a, b = int(0.7 * n), int(0.85 * n)
    train, val, test = shuffled.iloc[:a], shuffled.iloc[a:b], shuffled.iloc[b:]
    result = q2.evaluate(returns, train, val, test, MinMaxScaler().fit(train))
    assert result.status == "incorrect"
    assert "shuffled" in result.message


def test_q2_overlapping_parts(notebook_ns):
    ns = notebook_ns
    returns = ns["daily_returns"]
    result = q2.evaluate(returns, returns.iloc[:600], returns.iloc[500:700], returns.iloc[700:], ns["scaler"])
    assert result.status == "incorrect"
    assert "overlap" in result.message


def test_q2_scaler_fitted_on_the_prices_is_not_the_returns_scaler(notebook_ns, prices):
    ns = notebook_ns
    price_scaler = MinMaxScaler().fit(prices[["Close"]].loc[ns["train"].index])
    result = q2.evaluate(ns["daily_returns"], ns["train"], ns["val"], ns["test"], price_scaler)
    assert result.status == "incorrect"
    assert "training columns" in result.message


def test_q2_starter_is_not_attempted(notebook_ns):
    assert q2.evaluate(notebook_ns["daily_returns"], ____, ____, ____, ____).status == "not attempted"


# --- Step 3: model ----------------------------------------------------------------------------------------------------

def test_q3_right(notebook_ns):
    scope = run_solution(q3, notebook_ns)
    result = q3.evaluate(scope["model"], notebook_ns["X_train"])
    assert result.correct, result.message


def _model(keras, layers, compile_=True, lookback=LOOKBACK):
    model = keras.Sequential([keras.Input(shape=(lookback, 1)), *layers])
    if compile_:
        model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda k: _model(k, [k.layers.Flatten(), k.layers.Dense(1)]), "no keras.layers.LSTM"),
        (lambda k: _model(k, [k.layers.LSTM(4), k.layers.Dense(2)]), "forecast 1 value"),
        (lambda k: _model(k, [k.layers.LSTM(4), k.layers.Dense(1)], compile_=False), "compile the model"),
        (lambda k: _model(k, [k.layers.LSTM(4), k.layers.Dense(1)], lookback=10), "input shape"),
        (lambda k: "an LSTM", "expected a Keras model"),
    ],
)
def test_q3_wrong(keras, notebook_ns, make, reason):
    model = make(keras)
    result = q3.evaluate(model, notebook_ns["X_train"])
    assert result.status == "incorrect"
    assert reason in result.message


def test_q3_needs_the_training_windows(keras, notebook_ns):
    model = _model(keras, [keras.layers.LSTM(4), keras.layers.Dense(1)])
    result = q3.evaluate(model, notebook_ns["y_train"])
    assert result.status == "incorrect"
    assert "q3.check(model, X_train)" in result.message


def test_q3_starter_is_not_attempted(notebook_ns):
    assert q3.evaluate(____, notebook_ns["X_train"]).status == "not attempted"


# --- Step 4: training -------------------------------------------------------------------------------------------------

def test_q4_right(notebook_ns):
    scope = run_solution(q3, notebook_ns)  # a fresh model to train
    scope = run_solution(q4, scope)
    result = q4.evaluate(scope["history"], scope["early_stopping"], scope["model"], scope["val_w"], scope["test_w"])
    assert result.correct, result.message


def _history(keras, logs):
    history = keras.callbacks.History()
    history.history = logs
    return history


@pytest.mark.parametrize(
    "logs, callback, reason",
    [
        ({"loss": [1.0, 0.5]}, dict(monitor="val_loss", restore_best_weights=True), "validation_data"),
        ({"loss": [1.0, 0.5], "val_loss": [1.0, 0.9]}, dict(monitor="loss", restore_best_weights=True), "'val_loss'"),
        ({"loss": [1.0, 0.5], "val_loss": [1.0, 0.9]}, dict(monitor="val_loss"), "restore_best_weights"),
        ({"loss": [1.0, 1.5], "val_loss": [1.0, 0.9]}, {"monitor": "val_loss", "restore_best_weights": True},
         "did not go down"),
        ({"loss": [1.0], "val_loss": [1.0]}, {"monitor": "val_loss", "restore_best_weights": True},
         "more than one epoch"),
    ],
)
def test_q4_wrong(keras, logs, callback, reason):
    result = q4.evaluate(_history(keras, logs), keras.callbacks.EarlyStopping(**callback), None, None, None)
    assert result.status == "incorrect"
    assert reason in result.message


def test_q4_callback_must_be_early_stopping(keras):
    logs = {"loss": [1.0, 0.5], "val_loss": [1.0, 0.9]}
    result = q4.evaluate(_history(keras, logs), "early stopping", None, None, None)
    assert result.status == "incorrect"
    assert "EarlyStopping" in result.message


def test_q4_starter_is_not_attempted():
    assert q4.evaluate(____, ____, None, None, None).status == "not attempted"


# --- Step 5: evaluation in dollars ------------------------------------------------------------------------------------

def _model_args(d):
    return d["model"], d["scaler"], d["val_w"], d["test_w"]


def _q5(dollars, price_pred, results, return_pred=None):
    return_pred = dollars["return_pred"] if return_pred is None else return_pred
    return q5.evaluate(price_pred, results, dollars["y_true"], dollars["y_persistence"], return_pred,
                       *_model_args(dollars))


def test_q5_right(dollars):
    scope = run_solution(q5, dollars)
    result = _q5(dollars, scope["price_pred"], scope["results"])
    assert result.correct, result.message
    assert "persistence" in result.message


def test_q5_agrees_with_helpers_metrics(dollars):
    from helpers import metrics

    scope = run_solution(q5, dollars)
    expected = metrics.evaluate(dollars["y_true"], scope["price_pred"], dollars["y_persistence"])
    for name, value in scope["results"].items():
        assert value == pytest.approx(expected[name], rel=1e-9)


@pytest.mark.parametrize(
    "make_pred, reason",
    [
        (lambda d: d["return_pred"], "holds the predicted returns"),
        (lambda d: d["y_true"] * (1 + d["return_pred"]), "not known when the forecast is made"),
        (lambda d: d["y_persistence"] * d["return_pred"], "predicted change in dollars"),
        (lambda d: d["y_persistence"] + d["return_pred"], "a return is a fraction"),
        (lambda d: (d["y_persistence"] * (1 + d["return_pred"])).to_numpy(), "pandas Series on the test dates"),
        (lambda d: (d["y_persistence"] * (1 + d["return_pred"])).iloc[:-1], "forecast each one"),
    ],
)
def test_q5_wrong_dollar_forecast(dollars, make_pred, reason):
    scope = run_solution(q5, dollars)
    result = _q5(dollars, make_pred(dollars), scope["results"])
    assert result.status == "incorrect"
    assert reason in result.message


def test_q5_actual_returns_as_return_pred_is_a_leak(dollars):
    actual = dollars["y_true"] / dollars["y_persistence"] - 1
    scope = run_solution(q5, {**dollars, "return_pred": actual})  # price_pred is then y_true: skill +1
    result = _q5(dollars, scope["price_pred"], scope["results"], return_pred=actual)
    assert result.status == "incorrect" and "leak" in result.message and "return_pred" in result.message


def test_q5_price_pred_from_the_actual_close_is_a_leak(dollars):
    noisy = dollars["y_true"] + np.random.default_rng(0).normal(0, 0.05, len(dollars["y_true"]))
    scope = run_solution(q5, dollars)
    result = _q5(dollars, noisy, scope["results"])
    assert result.status == "incorrect" and "leak" in result.message, result.message


@pytest.mark.parametrize(
    "metric, wrong, reason",
    [
        ("rmse", lambda r: r["mse"], "take its square root"),
        ("skill", lambda r: 1 - r["skill"], "1 - RMSE(model) / RMSE(persistence)"),
        ("mae", lambda r: r["mae"] / 100, "scaled values"),
    ],
)
def test_q5_wrong_metrics(dollars, metric, wrong, reason):
    scope = run_solution(q5, dollars)
    results = dict(scope["results"])
    results[metric] = wrong(results)
    result = _q5(dollars, scope["price_pred"], results)
    assert result.status == "incorrect"
    assert metric in result.message and reason in result.message


def test_q5_starter_is_not_attempted(dollars):
    blank_results = {name: ____ for name in ("mse", "rmse", "mae", "r2", "skill")}
    assert _q5(dollars, ____, blank_results).status == "not attempted"
    scope = run_solution(q5, dollars)
    assert _q5(dollars, scope["price_pred"], blank_results).status == "not attempted"


# --- Step 6: visualization --------------------------------------------------------------------------------------------

def test_q6_right(dollars):
    scope = run_solution(q5, dollars)
    scope = run_solution(q6, {**scope, "plt": plt, "TICKER": "MSFT"})
    result = q6.evaluate(scope["fig"])
    plt.close("all")
    assert result.correct, result.message
    assert "LSTM on returns" in result.message


def test_q6_wrong(dollars):
    y = dollars["y_true"]
    fig, ax = plt.subplots()
    ax.plot(y.index, y, label="actual")
    ax.plot(y.index, dollars["y_persistence"], label="persistence")
    result = q6.evaluate(fig)
    assert result.status == "incorrect" and "at least one baseline" in result.message
    ax.plot(y.index, y * 1.01, label="LSTM")
    result = q6.evaluate(fig)
    assert result.status == "incorrect" and "title" in result.message
    ax.set(title="forecasts")
    result = q6.evaluate(fig)
    assert result.status == "incorrect" and "label both axes" in result.message
    plt.close(fig)


def test_q6_starter_is_not_attempted():
    assert q6.evaluate(____).status == "not attempted"


# --- answer_or_reference ----------------------------------------------------------------------------------------------

def test_answer_or_reference_runs_the_reference_loudly_when_not_attempted(dollars, capsys):
    ns = {**dollars, "price_pred": ____, "results": ____}
    price_pred, results = q5.answer_or_reference(
        ____, ____, dollars["y_true"], dollars["y_persistence"], dollars["return_pred"],
        *_model_args(dollars), namespace=ns,
        returns=("price_pred", "results"),
    )
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "REFERENCE" in out and "q5.solution()" in out
    assert ns["price_pred"] is ____  # the learner's variables are left alone
    assert _q5(dollars, price_pred, results).correct


def test_answer_or_reference_keeps_a_correct_answer(dollars, capsys):
    scope = run_solution(q5, dollars)
    mine = scope["price_pred"].copy()
    ns = {**scope, "price_pred": mine}
    price_pred, _ = q5.answer_or_reference(
        mine, scope["results"], dollars["y_true"], dollars["y_persistence"], dollars["return_pred"],
        *_model_args(dollars), namespace=ns,
        returns=("price_pred", "results"),
    )
    assert price_pred is mine
    assert "continuing with your answer" in capsys.readouterr().out


def test_answer_or_reference_replaces_a_wrong_answer(dollars, capsys):
    scope = run_solution(q5, dollars)
    wrong = dollars["return_pred"]
    ns = {**scope, "price_pred": wrong}
    price_pred, _ = q5.answer_or_reference(
        wrong, scope["results"], dollars["y_true"], dollars["y_persistence"], dollars["return_pred"],
        *_model_args(dollars), namespace=ns,
        returns=("price_pred", "results"),
    )
    out = capsys.readouterr().out
    assert "not correct yet" in out and "REFERENCE" in out
    assert price_pred is not wrong and _q5(dollars, price_pred, scope["results"]).correct

