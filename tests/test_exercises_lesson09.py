"""The checkers of lesson 09: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import metrics
from helpers.exercises import lesson09
from helpers.exercises.lesson09 import ____, q1


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
