"""The checkers of lesson 08: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import pytest

from helpers.exercises.lesson08 import NO_EVIDENCE, ____, q1, q2, q3
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

    def functional(lookback, n_features, units, learning_rate):
        inputs = keras.Input((lookback, n_features))
        model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(units)(inputs)))
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mean_squared_error")
        return model

    assert q1.evaluate(functional).correct


def _gru(*, layer=None, dense=1, compile_it=True, loss="mse", optimizer=None, extra=(), input_shape=None):
    def build_gru(lookback, n_features, units, learning_rate):
        recurrent = layer(units) if layer else keras.layers.GRU(units)
        model = keras.Sequential(
            [keras.Input(input_shape or (lookback, n_features)), recurrent, *[f() for f in extra],
             keras.layers.Dense(dense)]
        )
        if compile_it:
            model.compile(optimizer=optimizer or keras.optimizers.Adam(learning_rate), loss=loss)
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
        (_gru(optimizer="adam"), "Keras' default 1e-3"),
        (_gru(optimizer=keras.optimizers.Adam(1e-6)), "learning rate 1e-06"),
        (_gru(optimizer=keras.optimizers.Adam(3e-3)), "pass the `learning_rate` argument"),
        (lambda lookback, n_features, units, learning_rate: "a GRU", "Keras model"),
        (lambda lookback, n_features, units, learning_rate: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q1_starter_is_not_attempted(capsys):
    def build_gru(lookback, n_features, units, learning_rate):
        model = ____
        return model

    assert q1.evaluate(build_gru).status == "not attempted"
    q1.check(build_gru)  # never raises
    assert "Not attempted" in capsys.readouterr().out


def test_q1_continues_with_the_reference_when_not_attempted(capsys):
    def build_gru(lookback, n_features, units, learning_rate):
        return ____

    namespace = {"keras": keras, "LEARNING_RATE": LEARNING_RATE, "build_gru": build_gru}
    builder = q1.answer_or_reference(build_gru, namespace=namespace, returns="build_gru")
    assert builder is not build_gru and "REFERENCE" in capsys.readouterr().out
    assert isinstance(builder(24, 2, 8, 2e-3).layers[0], keras.layers.GRU)


# --- Q2 ---------------------------------------------------------------------------------------------------------------

def test_q2_right():
    assert q2.evaluate(_solution(q2, "verdict")).correct

    def verdict(results, p_value):
        lead = results["test skill"]["winner"] - results["test skill"]["ridge"]
        return NO_EVIDENCE if p_value > 0.05 else ("better" if lead > 0 else "worse")

    assert q2.evaluate(verdict).correct


def _by_validation(results, p_value):
    lead = results.loc["winner", "validation skill"] - results.loc["ridge", "validation skill"]
    return NO_EVIDENCE if p_value >= 0.05 else "better" if lead > 0 else "worse"


def _ignoring_p(results, p_value):
    lead = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
    return "better" if lead > 0 else "worse"


def _same_when_not_significant(results, p_value):
    lead = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
    return "same" if p_value >= 0.05 else "better" if lead > 0 else "worse"


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (_by_validation, "validation column"),
        (_ignoring_p, "appears by chance often"),
        (_same_when_not_significant, "not evidence that the two are the same"),
        (lambda results, p_value: True, "return one of"),
        (lambda results, p_value: "worse", "the answer is 'better'"),
        (lambda results, p_value: results.loc["lstm"], "KeyError"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q2_starter_is_not_attempted():
    def verdict(results, p_value):
        difference = ____  # noqa: F841
        return ____

    assert q2.evaluate(verdict).status == "not attempted"


# --- Q3 ---------------------------------------------------------------------------------------------------------------

def test_q3_right():
    assert q3.evaluate(_solution(q3, "leaky")).correct
    assert q3.evaluate(["e", "b", "d"]).correct


@pytest.mark.parametrize(
    "wrong, reason",
    [
        ({"A", "B", "D", "E"}, "A does not leak"),
        ({"D", "E"}, "B leaks: with return_sequences=True"),
        ({"B", "C", "D", "E"}, "C does not leak"),
        ({"B", "E"}, "D leaks"),
        ({"B", "D"}, "E leaks"),
        ({"B", "D", "E", "F"}, "F does not leak"),
        ({"B", "D", "E", "G"}, "not among the set-ups"),
        (set(), "B leaks"),
    ],
)
def test_q3_wrong(wrong, reason):
    result = q3.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q3_untouched_is_not_attempted():
    assert q3.evaluate(____).status == "not attempted"
    assert q3.evaluate({____}).status == "not attempted"
