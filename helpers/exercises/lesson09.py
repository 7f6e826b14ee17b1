"""Exercises of lesson 09 (uncertainty): ``from helpers.exercises.lesson09 import *``.

- ``q1``: the coverage of prediction intervals, by hand.

Each answer is a function the learner writes, so the checker can try it on several cases: a formula that only fits
the notebook's numbers is caught.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "____"]


# --- Q1: coverage by hand --------------------------------------------------------------------------------------------

def _coverage(actual, lower, upper) -> float:
    actual, lower, upper = np.asarray(actual), np.asarray(lower), np.asarray(upper)
    return float(np.mean((actual >= lower) & (actual <= upper)))


def _q1_cases() -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(9)
    forecast = rng.normal(100, 20, size=500)
    actual = forecast + rng.normal(0, 10, size=500)
    cases = [(actual, forecast - 12.8, forecast + 12.8)]  # about 80 % inside
    # Values exactly on an end count as inside: a closed interval.
    cases.append((np.array([1.0, 2.0, 3.0, 4.0, 5.0]), np.array([1.0, 0.0, 3.5, 4.0, 0.0]),
                  np.array([2.0, 2.0, 4.0, 4.0, 4.0])))
    width = np.abs(rng.normal(8, 3, size=200))  # intervals of varying width
    centre = rng.normal(size=200) * 5
    cases.append((centre + rng.normal(0, 6, size=200), centre - width, centre + width))
    return cases


def _check_q1(coverage) -> str:
    for i, (actual, lower, upper) in enumerate(_q1_cases(), start=1):
        want = _coverage(actual, lower, upper)
        got = call_learner(coverage, actual.copy(), lower.copy(), upper.copy())
        try:
            value = float(np.asarray(got))
        except (TypeError, ValueError):
            raise Incorrect(f"return one number, the share of values inside, got {got!r}.") from None
        if math.isclose(value, want, abs_tol=1e-9):
            continue
        n = len(actual)
        inside = want * n
        strict = float(np.mean((actual > lower) & (actual < upper)))
        if math.isclose(value, inside, abs_tol=1e-6) and n > 1:
            raise Incorrect(f"case {i}: you return {value:g}, the number of values inside; divide by their count, {n}.")
        if math.isclose(value, 100 * want, abs_tol=1e-6):
            raise Incorrect(f"case {i}: you return {value:g}, a percentage; return the share, {want:.3f}.")
        if math.isclose(value, 1 - want, abs_tol=1e-9):
            raise Incorrect(f"case {i}: you return {value:.3f}, the share *outside* the intervals (the miss rate).")
        if math.isclose(value, strict, abs_tol=1e-9) and strict != want:
            raise Incorrect(
                f"case {i}: you return {value:.3f}: a value exactly on an end of its interval counts as inside "
                "(use >= and <=)."
            )
        raise Incorrect(f"case {i}: the share inside is {want:.3f}; your function gives {value:g}.")
    return "coverage = mean((actual >= lower) & (actual <= upper)), the same as helpers.metrics.coverage."


q1 = Exercise(
    "Q1 - coverage by hand",
    _check_q1,
    hints=[
        "Compare element by element: a value is inside when it is at least its lower end and at most its upper end.",
        "A boolean array's mean is the share of True values.",
        "np.mean((actual >= lower) & (actual <= upper))",
    ],
    solution="""
    def coverage(actual, lower, upper):
        actual, lower, upper = np.asarray(actual), np.asarray(lower), np.asarray(upper)
        return np.mean((actual >= lower) & (actual <= upper))
    """,
)
