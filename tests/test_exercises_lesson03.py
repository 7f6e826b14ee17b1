"""The checkers of lesson 03: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import pytest

from helpers.exercises import lesson03
from helpers.exercises.lesson03 import ____, q1, q2, q3


def _solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)  # our own reference solution
    return namespace[name]


# --- Q1 ---------------------------------------------------------------------------------------------------------------

def test_q1_right():
    def window_shape(n_rows, lookback, horizon, n_features):
        return (n_rows - lookback - horizon + 1, lookback, n_features)

    assert q1.evaluate(window_shape).correct
    assert q1.evaluate(_solution(q1, "window_shape")).correct


def test_q1_agrees_with_make_windows():
    import numpy as np
    import pandas as pd

    from helpers.preprocessing import make_windows

    frame = pd.DataFrame(np.zeros((100, 2)), columns=["a", "b"], index=pd.date_range("2020-01-01", periods=100))
    windows = make_windows(frame, "a", lookback=10, horizon=7)
    assert windows.X.shape == lesson03._window_shape(100, 10, 7, 2)


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda n, lb, h, f: (lb, n - lb - h + 1, f), "wrong order"),
        (lambda n, lb, h, f: (n - lb + 1, lb, f), "too many"),
        (lambda n, lb, h, f: (n - lb, lb, f), "only for horizon=1"),
        (lambda n, lb, h, f: (n - lb - h + 1, lb, 1), "number of columns"),
        (lambda n, lb, h, f: (n - lb - h + 1, 30, f), "lookback"),
        (lambda n, lb, h, f: n * lb * f, "tuple of three integers"),
        (lambda n, lb, h, f: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect"
    assert reason in result.message


def test_q1_starter_is_not_attempted(capsys):
    def window_shape(n_rows, lookback, horizon, n_features):
        return (____, ____, ____)

    assert q1.evaluate(window_shape).status == "not attempted"
    assert q1.evaluate(____).status == "not attempted"
    q1.check(window_shape)  # never raises
    assert "Not attempted" in capsys.readouterr().out


# --- Q2 ---------------------------------------------------------------------------------------------------------------

def test_q2_right():
    assert q2.evaluate(_solution(q2, "build_model")).correct


def _builder(*, use_input=True, extra_lstm=False, dense_units=1, loss="mse", optimizer="adam", compile_it=True,
             recurrent_dropout=0.0, fixed_units=None):
    import keras

    def build_model(timesteps, features, units):
        layers = [keras.Input((timesteps, features))] if use_input else []
        size = fixed_units or units
        if extra_lstm:
            layers.append(keras.layers.LSTM(size, return_sequences=True))
        layers += [keras.layers.LSTM(size, recurrent_dropout=recurrent_dropout), keras.layers.Dense(dense_units)]
        model = keras.Sequential(layers)
        if compile_it:
            model.compile(optimizer=optimizer, loss=loss)
        return model

    return build_model


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        (dict(use_input=False), "no input shape"),
        (dict(extra_lstm=True), "2 LSTM layers"),
        (dict(dense_units=3), "Dense(1)"),
        (dict(loss="mae"), "loss='mse'"),
        (dict(optimizer="sgd"), "'adam'"),
        (dict(compile_it=False), "not compiled"),
        (dict(recurrent_dropout=0.2), "cuDNN"),
        (dict(fixed_units=16), "use the `units` argument"),
    ],
)
def test_q2_wrong(kwargs, reason):
    result = q2.evaluate(_builder(**kwargs))
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q2_input_shape_argument_is_caught():
    import keras

    def build_model(timesteps, features, units):
        model = keras.Sequential([keras.layers.LSTM(units, input_shape=(timesteps, features)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        return model

    result = q2.evaluate(build_model)
    assert result.status == "incorrect"
    assert "keras.Input" in result.message


def test_q2_not_a_model():
    result = q2.evaluate(lambda timesteps, features, units: "a model")
    assert result.status == "incorrect"
    assert "Keras model" in result.message


def test_q2_starter_is_not_attempted(capsys):
    def build_model(timesteps, features, units):
        model = ____
        return model

    assert q2.evaluate(build_model).status == "not attempted"
    q2.check(build_model)
    assert "Not attempted" in capsys.readouterr().out


# --- Q3: runs and a judgement ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "runs, ridge, verdict",
    [
        ([2.60, 2.65, 2.62], 2.69, "LSTM better"),
        ([2.75, 2.80, 2.71], 2.69, "ridge better"),
        ([2.60, 2.75, 2.66], 2.69, "undecided"),
        ([2.60, 2.75], 2.69, "  Undecided "),   # case and spaces do not matter; two runs are enough
    ],
)
def test_q3_right(runs, ridge, verdict):
    result = q3.evaluate(runs, ridge, verdict)
    assert result.correct, result.message
    assert "ridge" in result.message and f"{ridge:.2f}" in result.message


@pytest.mark.parametrize(
    "runs, ridge, verdict, reason",
    [
        ([2.60, 2.75, 2.66], 2.69, "LSTM better", 'the rule gives "undecided"'),
        ([2.60, 2.65, 2.62], 2.69, "undecided", 'the rule gives "LSTM better"'),
        ([2.75, 2.80, 2.71], 2.69, "LSTM better", 'the rule gives "ridge better"'),
        ([2.6, 2.6, 2.6], 2.69, "LSTM better", "own seed"),
        ([2.6], 2.69, "LSTM better", "at least 2"),
        ([0.01, 0.02], 2.69, "LSTM better", "plausible range"),
        ([2.6, float("nan")], 2.69, "LSTM better", "finite"),
        (2.6, 2.69, "LSTM better", "as a list"),
        ([2.6, 2.7], "best", "undecided", "one number"),
        ([2.6, 2.7], 250.0, "undecided", "not a plausible RMSE"),
        ([2.6, 2.7], 2.69, "maybe", "one of"),
    ],
)
def test_q3_wrong(runs, ridge, verdict, reason):
    result = q3.evaluate(runs, ridge, verdict)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q3_starter_is_not_attempted(capsys):
    assert q3.evaluate(____, ____, ____).status == "not attempted"
    assert q3.evaluate([2.6, 2.7], ____, "undecided").status == "not attempted"
    q3.check(____, ____, ____)
    assert "Not attempted" in capsys.readouterr().out


def test_q3_solution_trains_with_the_notebook_names():
    """The reference solution refers to names the notebook defines; it must at least compile and name them."""
    import ast

    names = {node.id for node in ast.walk(ast.parse(q3.solution_code)) if isinstance(node, ast.Name)}
    assert {"models", "lookback", "n_features", "train_w", "val_w", "test_w", "scaler", "table"} <= names
    assert {"lstm_rmses", "ridge_rmse", "verdict"} <= names


def test_hints_and_solutions_print(capsys):
    for exercise in (q1, q2, q3):
        exercise.hint()
        exercise.solution()
    out = capsys.readouterr().out
    assert out.count("hint 1/") == 3 and out.count("solution:") == 3
