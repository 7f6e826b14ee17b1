"""Checkers of lesson 01: a right answer and wrong answers with their specific reasons (the untouched starter of
every exercise is tested in test_exercises_all.py)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from helpers.exercises import lesson01
from helpers.exercises.lesson01 import q1, q2, q3


def _run_solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)
    return namespace[name]


def test_all_binds_the_questions_and_the_blank():
    assert set(lesson01.__all__) == {"q1", "q2", "q3", "____"}




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
