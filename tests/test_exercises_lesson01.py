"""Checkers of lesson 01: a right answer and wrong answers with their specific reasons (the untouched starter of
every exercise is tested in test_exercises_all.py)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from helpers.exercises.lesson01 import ____, q1, q2, q3, q4


def _run_solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)
    return namespace[name]


def test_q1_right():
    assert q1.evaluate(0.9**50).correct
    assert q1.evaluate(0.00515).correct
    assert q1.evaluate(_run_solution(q1, "norm_after_50")).correct


@pytest.mark.parametrize(
    "answer, reason",
    [
        (2.0, "below 1"),
        (0.9 * 50, "compounds"),
        (1 - 0.1 * 50, "compounds"),
        (-0.5, "never negative"),
        (0.9**49, "off by one"),
        (0.9**51, "off by one"),
        (math.exp(-50 * 0.1), "approximation"),
        (0.3, "rho\\*\\*k"),
        ("a lot", "single number"),
        (float("nan"), "finite"),
    ],
)
def test_q1_wrong(answer, reason):
    result = q1.evaluate(answer)
    assert result.status == "incorrect"
    assert re.search(reason, result.message), result.message


def test_q2_right():
    assert q2.evaluate(135).correct
    assert q2.evaluate(135.0).correct
    assert q2.evaluate(_run_solution(q2, "steps")).correct


@pytest.mark.parametrize(
    "answer, reason",
    [(134, "one step short"), (20, "time constant"), (19, "time constant"), (134.67, "whole steps"), (500, "far below"),
     (50, "above"), (-3, "positive"), (None, "single number")],
)
def test_q2_wrong(answer, reason):
    result = q2.evaluate(answer)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q3_right():
    assert q3.evaluate([0.6, 0.8]).correct
    assert q3.evaluate(np.array([0.6, 0.8])).correct
    assert q3.evaluate(_run_solution(q3, "clipped")).correct


@pytest.mark.parametrize(
    "answer, reason",
    [([1.0, 1.0], "clipvalue"), ([3.0, 4.0], "must shrink"), ([3 / 7, 4 / 7], "Euclidean"), ([0.8, 0.6], "direction"),
     ([0.3, 0.4], "norm 0.5"), ([1.0, 2.0, 3.0], "as many entries"), ("x", "two numbers")],
)
def test_q3_wrong(answer, reason):
    result = q3.evaluate(answer)
    assert result.status == "incorrect" and reason in result.message, result.message



# --- q4: predict, then measure --------------------------------------------------------------------------------------


def zero_forget_bias(layer):
    units = layer.cell.units
    bias = layer.cell.bias.numpy()
    bias[units : 2 * units] = 0.0
    layer.cell.bias.assign(bias)


def zero_input_bias(layer):
    units = layer.cell.units
    bias = layer.cell.bias.numpy()
    bias[:units] = 0.0
    layer.cell.bias.assign(bias)


def zero_all(layer):
    layer.cell.bias.assign(np.zeros(layer.cell.bias.shape, "float32"))


def forgets_to_assign(layer):
    bias = layer.cell.bias.numpy()
    bias[layer.cell.units : 2 * layer.cell.units] = 0.0


def not_written(layer):
    raise NotImplementedError("replace this line with your code")


def crashes(layer):
    return layer.cell.no_such_thing


@pytest.mark.parametrize(
    "prediction, accuracy, verdict, says",
    [
        ("chance", 0.48, "chance", "Your prediction held"),
        ("solves", 0.48, "chance", "did not hold"),
        ("Solves ", 0.97, "solves", "run it again with another seed"),
        ("chance", 0.75, "in between", "did not hold"),
    ],
)
def test_q4_right(prediction, accuracy, verdict, says):
    result = q4.evaluate(prediction, zero_forget_bias, accuracy, verdict)
    assert result.correct and says in result.message, result.message


@pytest.mark.parametrize(
    "prediction, function, accuracy, verdict, reason",
    [
        ("maybe", zero_forget_bias, 0.5, "chance", "write your prediction"),
        ("chance", zero_input_bias, 0.5, "chance", "input gate's block"),
        ("chance", zero_all, 0.5, "chance", "other gates"),
        ("chance", forgets_to_assign, 0.5, "chance", "assign"),
        ("chance", crashes, 0.5, "chance", "raised AttributeError"),
        ("chance", "zero", 0.5, "chance", "should be a function"),
        ("chance", zero_forget_bias, 48.0, "chance", "between 0 and 1"),
        ("chance", zero_forget_bias, 0.48, "solves", 'means "chance"'),
        ("chance", zero_forget_bias, 0.95, "chance", 'means "solves"'),
        ("chance", zero_forget_bias, 0.5, "bad", "the verdict is one of"),
    ],
)
def test_q4_wrong(prediction, function, accuracy, verdict, reason):
    result = q4.evaluate(prediction, function, accuracy, verdict)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q4_starter_is_not_attempted():
    assert q4.evaluate(____, not_written, ____, ____).status == "not attempted"
    assert q4.evaluate("chance", not_written, 0.5, "chance").status == "not attempted"


def test_q4_solution_runs_on_a_tiny_task():
    """The reference solution, run with tiny stand-ins for the notebook's recall task and model builder."""
    import keras

    def recall_task(num, lag, rng):
        y = rng.integers(0, 2, num)
        x = rng.normal(size=(num, lag, 2)).astype("float32")
        return x, y.astype("float32")

    def build_model(kind, lag, seed):
        assert kind == "LSTM, default start"
        keras.utils.set_random_seed(seed)
        head = keras.layers.Dense(1, activation="sigmoid")
        model = keras.Sequential([keras.Input((lag, 2)), keras.layers.LSTM(4), head])
        model.compile("adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    namespace = {"np": np, "recall_task": recall_task, "build_model": build_model, "NUM_TRAIN": 32, "NUM_TEST": 32,
                 "NUM_EPOCHS": 1}
    exec(q4.solution_code, namespace)
    assert q4.evaluate(namespace["prediction"], namespace["zero_forget_bias"], namespace["accuracy_b0"],
                       namespace["verdict"]).correct
