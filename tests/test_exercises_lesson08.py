"""The checkers of lesson 08: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import pytest

from helpers.exercises.lesson08 import ____, q1, q2
from helpers.notebook import import_tensorflow

import_tensorflow()
import keras  # noqa: E402

LEARNING_RATE = 3e-3


def _solution(exercise, name):
    namespace: dict = {"keras": keras, "LEARNING_RATE": LEARNING_RATE}
    exec(exercise.solution_code, namespace)
    return namespace[name]


# --- Q1 ---------------------------------------------------------------------------------------------------------------

def test_q1_right():
    assert q1.evaluate(_solution(q1, "build_gru")).correct

    def functional(lookback, n_features, units):
        inputs = keras.Input((lookback, n_features))
        model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(units)(inputs)))
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mean_squared_error")
        return model

    assert q1.evaluate(functional).correct


def _gru(*, layer=None, dense=1, compile_it=True, loss="mse", optimizer=None, extra=(), input_shape=None):
    def build_gru(lookback, n_features, units):
        recurrent = layer(units) if layer else keras.layers.GRU(units)
        model = keras.Sequential(
            [keras.Input(input_shape or (lookback, n_features)), recurrent, *[f() for f in extra],
             keras.layers.Dense(dense)]
        )
        if compile_it:
            model.compile(optimizer=optimizer or keras.optimizers.Adam(1e-3), loss=loss)
        return model

    return build_gru


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (_gru(layer=keras.layers.LSTM), "contains an LSTM"),
        (_gru(layer=lambda u: keras.layers.GRU(u, return_sequences=True), extra=(keras.layers.Flatten,)),
         "returns a sequence"),
        (_gru(layer=lambda u: keras.layers.GRU(u, recurrent_dropout=0.2)), "recurrent_dropout=0.2"),
        (_gru(layer=lambda u: keras.layers.GRU(u, reset_after=False)), "reset_after=False"),
        (_gru(layer=lambda u: keras.layers.GRU(16)), "use the `units` argument"),
        (_gru(dense=6), "outputs shape (None, 6)"),
        (_gru(compile_it=False), "not compiled"),
        (_gru(loss="mae"), "'mse'"),
        (_gru(optimizer=keras.optimizers.SGD()), "SGD"),
        (_gru(extra=(lambda: keras.layers.Dense(8),)), "parameters"),
        (_gru(input_shape=(24, 2)), "expects inputs of shape (None, 24, 2)"),
        (lambda lookback, n_features, units: "a GRU", "Keras model"),
        (lambda lookback, n_features, units: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q1_starter_is_not_attempted(capsys):
    def build_gru(lookback, n_features, units):
        model = ____
        return model

    assert q1.evaluate(build_gru).status == "not attempted"
    q1.check(build_gru)  # never raises
    assert "Not attempted" in capsys.readouterr().out


def test_q1_continues_with_the_reference_when_not_attempted(capsys):
    def build_gru(lookback, n_features, units):
        return ____

    namespace = {"keras": keras, "LEARNING_RATE": LEARNING_RATE, "build_gru": build_gru}
    builder = q1.answer_or_reference(build_gru, namespace=namespace, returns="build_gru")
    assert builder is not build_gru and "REFERENCE" in capsys.readouterr().out
    assert isinstance(builder(24, 2, 8).layers[0], keras.layers.GRU)


# --- Q2 ---------------------------------------------------------------------------------------------------------------

def test_q2_right():
    assert q2.evaluate(_solution(q2, "verdict")).correct

    def verdict(results, spread):
        lead = results["test skill"]["winner"] - results["test skill"]["ridge"]
        return "same" if -spread <= lead <= spread else ("better" if lead > 0 else "worse")

    assert q2.evaluate(verdict).correct


def _by_validation(results, spread):
    lead = results.loc["winner", "validation skill"] - results.loc["ridge", "validation skill"]
    return "same" if abs(lead) <= spread else "better" if lead > 0 else "worse"


def _ignoring_spread(results, spread):
    lead = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
    return "better" if lead > 0 else "worse"


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (_by_validation, "validation column"),
        (_ignoring_spread, "test difference is +0.01, no larger than the spread"),
        (lambda results, spread: True, "return one of"),
        (lambda results, spread: "better", "validation column"),
        (lambda results, spread: "worse", "the answer is 'better'"),
        (lambda results, spread: results.loc["lstm"], "KeyError"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q2_starter_is_not_attempted():
    def verdict(results, spread):
        difference = ____  # noqa: F841
        return ____

    assert q2.evaluate(verdict).status == "not attempted"
