"""The checkers of lesson 03: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import pytest

from helpers.exercises import lesson03
from helpers.exercises.lesson03 import ____, q1, q2, q3


def _solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)  # our own reference solution
    return namespace[name]


def test_star_import_binds_the_exercises_and_the_blank():
    assert set(lesson03.__all__) == {"q1", "q2", "q3", "____"}


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


# --- Q3 ---------------------------------------------------------------------------------------------------------------

def test_q3_right_and_matches_keras():
    import keras

    count = _solution(q3, "lstm_param_count")
    assert q3.evaluate(count).correct
    layer = keras.layers.LSTM(8)
    layer.build((None, 5, 3))
    assert layer.count_params() == count(8, 3) == lesson03._lstm_params(8, 3)


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda u, f: 4 * u * (u + f), "biases"),
        (lambda u, f: u * (u + f + 1), "4 of them"),
        (lambda u, f: 4 * u * (f + 1), "recurrent weights"),
        (lambda u, f: 4 * u * (u + f + 1) + u + 1, "Dense(1)"),
        (lambda u, f: 4 * u * u, "Keras counts"),
        (lambda u, f: "many", "return a number"),
    ],
)
def test_q3_wrong(wrong, reason):
    result = q3.evaluate(wrong)
    assert result.status == "incorrect"
    assert reason in result.message


def test_q3_formula_fitted_to_one_case_is_caught():
    assert q3.evaluate(lambda u, f: 384).status == "incorrect"


def test_q3_starter_is_not_attempted(capsys):
    def lstm_param_count(units, features):
        return ____

    assert q3.evaluate(lstm_param_count).status == "not attempted"
    q3.check(lstm_param_count)
    assert "Not attempted" in capsys.readouterr().out


def test_hints_and_solutions_print(capsys):
    for exercise in (q1, q2, q3):
        exercise.hint()
        exercise.solution()
    out = capsys.readouterr().out
    assert out.count("hint 1/") == 3 and out.count("solution:") == 3
