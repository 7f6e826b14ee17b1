"""The checkers of lesson 09: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import metrics
from helpers.exercises import lesson09
from helpers.exercises.lesson09 import ____, q1, q2, q3


def _solution(exercise, name):
    namespace: dict = {"np": np, "math": math}
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

def test_q2_right_and_agrees_with_the_helpers():
    assert q2.evaluate(_solution(q2, "conformal_q")).correct
    from helpers import evaluation

    assert q2.evaluate(lambda scores, coverage: evaluation.conformal_quantile(scores, coverage)).correct


def _sorted_at(position):
    return lambda scores, coverage: float(np.sort(scores)[min(position(len(scores), coverage), len(scores) - 1)])


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda scores, coverage: float(np.quantile(scores, coverage)), "plain 80% quantile"),
        (_sorted_at(lambda n, c: math.ceil(n * c) - 1), "plain 80% quantile"),
        (_sorted_at(lambda n, c: math.ceil((n + 1) * c)), "NumPy counts from 0"),
        (lambda scores, coverage: float(np.sort(scores)[min(math.ceil((len(scores) + 1) * coverage),
                                                            len(scores)) - 1]), "float('inf')"),
        (lambda scores, coverage: "q", "one number"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect", result
    assert reason in result.message


def test_q2_and_q3_untouched_are_not_attempted():
    def conformal_q(scores, coverage):
        return ____

    def aci_update(alpha_t, alpha, gamma, missed):
        return ____

    assert q2.evaluate(conformal_q).status == "not attempted"
    assert q3.evaluate(aci_update).status == "not attempted"


# --- Q3 ---------------------------------------------------------------------------------------------------------------

def test_q3_right():
    assert q3.evaluate(_solution(q3, "aci_update")).correct


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda a_t, a, g, missed: a_t - g * (a - float(missed)), "wrong way"),
        (lambda a_t, a, g, missed: a_t + g * (a - float(not missed)), "used a hit"),
        (lambda a_t, a, g, missed: a_t + g * ((1 - a) - float(missed)), "not the coverage"),
        (lambda a_t, a, g, missed: a, "the next level is"),
        (lambda a_t, a, g, missed: None, "not attempted"),
    ],
)
def test_q3_wrong(wrong, reason):
    result = q3.evaluate(wrong)
    if reason == "not attempted":
        assert result.status == "not attempted"
        return
    assert result.status == "incorrect", result
    assert reason in result.message
