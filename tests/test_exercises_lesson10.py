"""The checkers of lesson 10: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import math
import re

import pytest

from helpers.exercises import lesson10
from helpers.exercises.lesson10 import ____, q1, q2


def _solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)
    return namespace[name]


# --- Q1 ---------------------------------------------------------------------------------------------------------------

def test_q1_right():
    assert q1.evaluate(_solution(q1, "steps_per_epoch")).correct
    assert q1.evaluate(lambda n, b, r: -(-n // (b * r))).correct  # ceiling division without math


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda n, b, r: n // (b * r), "round up"),
        (lambda n, b, r: n // (b * r) + 1, "divide evenly"),
        (lambda n, b, r: n / (b * r), "whole number"),
        (lambda n, b, r: math.ceil(n / b), "per-replica batch only"),
        (lambda n, b, r: math.ceil(n * r / b), "fewer steps, not more"),
        (lambda n, b, r: 17, "an epoch has"),
        (lambda n, b, r: "17", "an epoch has"),
        (lambda n, b, r: [17], "whole number of steps"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q1_matches_keras_steps_under_a_strategy():
    """The formula is what a strategy's fit does: one global batch of per_replica * replicas windows per step."""
    import tensorflow as tf

    n, per_replica, replicas = 1000, 64, 2
    ds = tf.data.Dataset.range(n).batch(per_replica * replicas)
    assert int(ds.cardinality()) == lesson10._steps(n, per_replica, replicas) == 8


def test_q1_starter_is_not_attempted(capsys):
    def steps_per_epoch(n_windows, per_replica_batch, replicas):
        return ____

    assert q1.evaluate(steps_per_epoch).status == "not attempted"
    q1.check(steps_per_epoch)
    assert "Not attempted" in capsys.readouterr().out


# --- Q2 ---------------------------------------------------------------------------------------------------------------

def test_q2_right():
    assert q2.evaluate(_solution(q2, "scaled_learning_rate")).correct


def _k(b0, r0, b1, r1):
    return (b1 * r1) / (b0 * r0)


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda lr, b0, r0, b1, r1, opt: lr * _k(b0, r0, b1, r1), "linear rule .* derived for SGD"),
        (lambda lr, b0, r0, b1, r1, opt: lr * math.sqrt(_k(b0, r0, b1, r1)), "square-root rule; for SGD"),
        (lambda lr, b0, r0, b1, r1, opt: lr * (r1 / r0 if opt == "sgd" else math.sqrt(r1 / r0)), "number of replicas"),
        (lambda lr, b0, r0, b1, r1, opt: lr, "you keep the rate"),
        (lambda lr, b0, r0, b1, r1, opt: lr / (_k(b0, r0, b1, r1) if opt == "sgd" else math.sqrt(_k(b0, r0, b1, r1))),
         "divide where you should multiply"),
        (lambda lr, b0, r0, b1, r1, opt: 0.123, "the rate to start from"),
        (lambda lr, b0, r0, b1, r1, opt: [2e-3], "as a number"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect", result
    assert re.search(reason, result.message), result.message


def test_q2_starter_is_not_attempted(capsys):
    def scaled_learning_rate(learning_rate, old_per_replica, old_replicas, new_per_replica, new_replicas, optimizer):
        return ____

    assert q2.evaluate(scaled_learning_rate).status == "not attempted"
    q2.check(scaled_learning_rate)
    assert "Not attempted" in capsys.readouterr().out
