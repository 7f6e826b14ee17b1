"""The checkers of lesson 09: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import metrics
from helpers.exercises import lesson09
from helpers.exercises.lesson09 import ____, q1, q2


def _solution(exercise, name):
    namespace: dict = {"np": np}
    exec(exercise.solution_code, namespace)
    return namespace[name]


# --- Q1 ---------------------------------------------------------------------------------------------------------------

def test_q1_right_and_agrees_with_metrics_coverage():
    assert q1.evaluate(_solution(q1, "coverage")).correct
    assert q1.evaluate(lambda a, lo, hi: metrics.coverage(a, lo, hi)).correct
    for actual, lower, upper in lesson09._q1_cases():
        assert lesson09._coverage(actual, lower, upper) == metrics.coverage(actual, lower, upper)


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda a, lo, hi: np.mean((a > lo) & (a < hi)), "on an end"),
        (lambda a, lo, hi: np.sum((a >= lo) & (a <= hi)), "number of values inside"),
        (lambda a, lo, hi: 100 * np.mean((a >= lo) & (a <= hi)), "percentage"),
        (lambda a, lo, hi: np.mean((a < lo) | (a > hi)), "miss rate"),
        (lambda a, lo, hi: 0.8, "share inside is"),
        (lambda a, lo, hi: "80 %", "one number"),
        (lambda a, lo, hi: 1 / 0, "ZeroDivisionError"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q1_starter_is_not_attempted(capsys):
    def coverage(actual, lower, upper):
        actual, lower, upper = np.asarray(actual), np.asarray(lower), np.asarray(upper)
        return ____

    assert q1.evaluate(coverage).status == "not attempted"
    q1.check(coverage)  # never raises
    assert "Not attempted" in capsys.readouterr().out


# --- Q2 ---------------------------------------------------------------------------------------------------------------

def test_q2_right():
    assert q2.evaluate(_solution(q2, "steps_per_epoch")).correct
    assert q2.evaluate(lambda n, b, r: -(-n // (b * r))).correct  # ceiling division without math


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda n, b, r: n // (b * r), "round up"),
        (lambda n, b, r: n / (b * r), "whole number"),
        (lambda n, b, r: math.ceil(n / b), "per-replica batch only"),
        (lambda n, b, r: math.ceil(n * r / b), "fewer steps, not more"),
        (lambda n, b, r: 17, "an epoch has"),
        (lambda n, b, r: "17", "an epoch has"),
        (lambda n, b, r: [17], "whole number of steps"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q2_matches_keras_steps_under_a_strategy():
    """The formula is what a strategy's fit does: one global batch of per_replica * replicas windows per step."""
    import tensorflow as tf

    n, per_replica, replicas = 1000, 64, 2
    ds = tf.data.Dataset.range(n).batch(per_replica * replicas)
    assert int(ds.cardinality()) == lesson09._steps(n, per_replica, replicas) == 8


def test_q2_starter_is_not_attempted(capsys):
    def steps_per_epoch(n_windows, per_replica_batch, replicas):
        return ____

    assert q2.evaluate(steps_per_epoch).status == "not attempted"
    q2.check(steps_per_epoch)
    assert "Not attempted" in capsys.readouterr().out
