"""Checkers of lesson 02: a right answer, wrong answers with their specific reasons, and the untouched starter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.exercises import lesson02
from helpers.exercises.lesson02 import ____, q1, q2, q3, q4


def _run_solution(exercise, name):
    namespace: dict = {"np": np}
    exec(exercise.solution_code, namespace)
    return namespace[name]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# --- q1: the forget gate ------------------------------------------------------------------------------------------


def starter_raises(x_t, h_prev, kernel, recurrent_kernel, bias):
    raise NotImplementedError("write the forget gate")


def starter_blank(x_t, h_prev, kernel, recurrent_kernel, bias):
    return ____


def right(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    return _sigmoid(x_t @ kernel[:, u : 2 * u] + h_prev @ recurrent_kernel[:, u : 2 * u] + bias[u : 2 * u])


def input_block(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    return _sigmoid((x_t @ kernel + h_prev @ recurrent_kernel + bias)[:, :u])


def no_sigmoid(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    return (x_t @ kernel + h_prev @ recurrent_kernel + bias)[:, u : 2 * u]


def with_tanh(x_t, h_prev, kernel, recurrent_kernel, bias):
    return np.tanh(no_sigmoid(x_t, h_prev, kernel, recurrent_kernel, bias))


def no_recurrent(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    return _sigmoid((x_t @ kernel + bias)[:, u : 2 * u])


def no_bias(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    return _sigmoid((x_t @ kernel + h_prev @ recurrent_kernel)[:, u : 2 * u])


def all_blocks(x_t, h_prev, kernel, recurrent_kernel, bias):
    return _sigmoid(x_t @ kernel + h_prev @ recurrent_kernel + bias)


def crashes(x_t, h_prev, kernel, recurrent_kernel, bias):
    return x_t @ recurrent_kernel


def test_q1_right():
    assert q1.evaluate(right).correct
    assert q1.evaluate(_run_solution(q1, "forget_gate")).correct


@pytest.mark.parametrize("func", [starter_raises, starter_blank])
def test_q1_starter_functions_are_not_attempted(func):
    assert q1.evaluate(func).status == "not attempted"


@pytest.mark.parametrize(
    "func, reason",
    [
        (input_block, "'i' block"),
        (no_sigmoid, "pre-activations"),
        (with_tanh, "not tanh"),
        (no_recurrent, "recurrent term"),
        (no_bias, "bias is missing"),
        (all_blocks, "shape"),
        (crashes, "raised ValueError"),
        (42, "expected a function"),
    ],
)
def test_q1_wrong(func, reason):
    result = q1.evaluate(func)
    assert result.status == "incorrect" and reason in result.message, result.message


# --- q2: one cell-state step ----------------------------------------------------------------------------------------


def test_q2_right():
    assert q2.evaluate(1.3).correct
    assert q2.evaluate(np.float32(0.8 * 2.0 + 0.5 * -0.6)).correct
    assert q2.evaluate(_run_solution(q2, "c_t")).correct


@pytest.mark.parametrize(
    "answer, reason",
    [
        (1.9, "sign"),
        (1.6, "forgot to add"),
        (-0.3, "dropped the old memory"),
        (0.1, "f is what is kept"),
        (1.7, "multiplied by the forget gate"),
        (math.tanh(1.3), "tanh(c_t)"),
        (1.0, "scaled by the input gate"),
        (3.0, "multiply, then add"),
        ("1.6 maybe", "single number"),
    ],
)
def test_q2_wrong(answer, reason):
    result = q2.evaluate(answer)
    assert result.status == "incorrect" and reason in result.message, result.message


# --- q3: parameter count -------------------------------------------------------------------------------------------


def test_q3_right():
    assert q3.evaluate(2976).correct
    assert q3.evaluate(4864).status == "incorrect"   # the count printed in the lesson (32 units, 5 features)
    assert q3.evaluate(_run_solution(q3, "n_params")).correct


def test_q3_matches_keras():
    keras = pytest.importorskip("keras")
    layer = keras.layers.LSTM(lesson02.Q3_UNITS)
    layer.build((None, None, lesson02.Q3_FEATURES))
    assert q3.evaluate(layer.count_params()).correct


@pytest.mark.parametrize(
    "answer, reason",
    [
        (4 * 24 * 30, "left out the biases"),
        (24 * 30 + 24, "multiply by 4"),
        (4 * (24 * 6 + 24), "recurrent kernel is missing"),
        (4 * (24 * 24 + 24), "input kernel is missing"),
        (3 * (24 * 30 + 24), "GRU"),
        (4 * (24 * 30 + 48), "single bias"),
        (24 * 30 + 24 + 4 * 24, "own weights"),
        (1000, "count per block"),
        ([2976], "one whole number"),
    ],
)
def test_q3_wrong(answer, reason):
    result = q3.evaluate(answer)
    assert result.status == "incorrect" and reason in result.message, result.message



# --- q4: runs and a judgement ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "default, zero, verdict, says",
    [
        ([2.70, 2.75, 2.72], [2.71, 2.69, 2.80], "within the seed spread", "overlap"),
        ([2.60, 2.62, 2.61], [2.90, 2.95, 3.00], "real", "forget bias 1 wins"),
        ([2.90, 2.95, 3.00], [2.60, 2.62, 2.61], "Real", "forget bias 0 wins"),
    ],
)
def test_q4_right(default, zero, verdict, says):
    result = q4.evaluate(default, zero, verdict)
    assert result.correct and says in result.message, result.message


@pytest.mark.parametrize(
    "default, zero, verdict, reason",
    [
        ([2.70, 2.75, 2.72], [2.71, 2.69, 2.80], "real", "overlap"),
        ([2.60, 2.62, 2.61], [2.90, 2.95, 3.00], "within the seed spread", "beats every run"),
        ([2.7, 2.7, 2.7], [2.8, 2.9, 3.0], "real", "own seed"),
        ([2.7], [2.8, 2.9], "real", "at least 2"),
        ([27.0, 28.0], [2.8, 2.9], "real", "plausible range"),
        ("2.7, 2.8", [2.8, 2.9], "real", "as a list"),
        ([2.7, 2.8], [2.8, 2.9], "no idea", "verdict is"),
    ],
)
def test_q4_wrong(default, zero, verdict, reason):
    result = q4.evaluate(default, zero, verdict)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q4_starter_is_not_attempted():
    assert q4.evaluate(____, ____, ____).status == "not attempted"
    assert q4.evaluate([2.7, 2.8], [2.6, 2.9], ____).status == "not attempted"


def test_q4_solution_uses_the_notebook_names_and_both_starts():
    import ast

    tree = ast.parse(q4.solution_code)
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert {"LOOKBACK", "UNITS", "NUM_EPOCHS", "train_w", "test_w", "scaler", "actual"} <= names
    assert {"rmse_default", "rmse_zero", "verdict"} <= names
    assert "unit_forget_bias=False" in q4.solution_code and "unit_forget_bias=True" in q4.solution_code
