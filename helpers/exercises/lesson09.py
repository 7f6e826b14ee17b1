"""Exercises of lesson 09 (uncertainty): ``from helpers.exercises.lesson09 import *``.

- ``q1``: the coverage of prediction intervals, by hand.
- ``q2``: the split-conformal quantile, with its finite-sample "+1" (and an infinite interval when the calibration
  block is too small for the level).
- ``q3``: one update of adaptive conformal inference: which way a miss moves the level.

Each answer is a function the learner writes, so the checker can try it on several cases: a formula that only fits
the notebook's numbers is caught.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "q2", "q3", "____"]


# --- Q1: coverage by hand --------------------------------------------------------------------------------------------

def _one_number(got, ask: str) -> float:
    """The learner's answer as a float, or Incorrect with ``ask`` and what came back."""
    try:
        return float(np.asarray(got))
    except (TypeError, ValueError):
        raise Incorrect(f"{ask} {got!r}.") from None


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
        value = _one_number(got, "return one number, the share of values inside, got")
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


# --- Q2: the conformal quantile, with its +1 ----------------------------------------------------------------------

def _conformal_q(scores, coverage: float) -> float:
    values = np.sort(np.asarray(scores, dtype="float64"))
    k = math.ceil((values.size + 1) * coverage)
    return float("inf") if k > values.size else float(values[k - 1])


# (scores, coverage): each case separates the right rule from a plausible wrong one.
_Q2_CASES = (
    (np.arange(1.0, 11.0)[::-1], 0.8),          # n = 10: the 9th smallest; without the +1 it would be the 8th
    (np.array([4.0, 1.0, 3.0, 2.0, 7.0, 5.0, 6.0, 9.0, 8.0, 0.5, 10.0, 12.0, 11.0, 15.0, 14.0, 13.0, 16.0, 17.0,
               19.0]), 0.9),                     # n = 19: the 18th smallest
    (np.array([2.0, 5.0, 1.0]), 0.8),           # n = 3: ceil(4 * 0.8) = 4 > 3, so no finite q: infinity
    (np.array([0.3, 0.1, 0.2, 0.4]), 0.5),      # n = 4: the 3rd smallest
)


def _check_q2(conformal_q) -> str:
    for scores, coverage in _Q2_CASES:
        want = _conformal_q(scores, coverage)
        got = call_learner(conformal_q, scores.copy(), coverage)
        value = _one_number(got, "return one number, the quantile q, got")
        if value == want or math.isclose(value, want):
            continue
        n = scores.size
        ordered = np.sort(scores)
        case = f"for {n} scores at coverage {coverage}"
        if math.isinf(want):
            raise Incorrect(f"{case}: (n + 1) * coverage = {(n + 1) * coverage:g}, so you need the "
                            f"{math.ceil((n + 1) * coverage)}-th smallest of only {n} scores: no finite q "
                            "guarantees the level; return float('inf') (an interval without ends).")
        no_plus_one = ordered[max(math.ceil(n * coverage), 1) - 1]
        if math.isclose(value, no_plus_one) or math.isclose(value, float(np.quantile(scores, coverage))):
            raise Incorrect(f"{case} you return {value:g}, the plain {coverage:.0%} quantile of the scores; the new "
                            f"score is the (n + 1)-th, so take the ceil((n + 1) * coverage)-th smallest: {want:g}.")
        k = math.ceil((n + 1) * coverage)
        if k < n and math.isclose(value, ordered[k]):
            raise Incorrect(f"{case} you return the {k + 1}-th smallest, {value:g}; NumPy counts from 0, so the "
                            f"{k}-th smallest is sorted(scores)[{k - 1}] = {want:g}.")
        raise Incorrect(f"{case} q is {want:g}; your function gives {value:g}.")
    return "q = the ceil((n + 1) * coverage)-th smallest score, infinite when that is more than n."


q2 = Exercise(
    "Q2 - the conformal quantile",
    _check_q2,
    hints=[
        "Sort the scores. Which position k (counting from 1) gives the guarantee for a new, (n + 1)-th score?",
        "k = math.ceil((n + 1) * coverage); NumPy counts from 0, so the k-th smallest is np.sort(scores)[k - 1].",
        "When k > n no score is large enough: return float('inf').",
    ],
    solution="""
    def conformal_q(scores, coverage):
        scores = np.sort(np.asarray(scores))
        k = math.ceil((len(scores) + 1) * coverage)
        return float("inf") if k > len(scores) else scores[k - 1]
    """,
)


# --- Q3: one update of adaptive conformal inference ----------------------------------------------------------------

def _aci_update(alpha_t: float, alpha: float, gamma: float, missed: bool) -> float:
    return alpha_t + gamma * (alpha - float(missed))


_Q3_CASES = ((0.2, 0.2, 0.005, True), (0.2, 0.2, 0.005, False), (0.15, 0.2, 0.05, False), (0.1, 0.05, 0.01, True))


def _check_q3(aci_update) -> str:
    for alpha_t, alpha, gamma, missed in _Q3_CASES:
        want = _aci_update(alpha_t, alpha, gamma, missed)
        got = call_learner(aci_update, alpha_t, alpha, gamma, missed)
        value = _one_number(got, "return the next level alpha_(t+1), one number; got")
        if math.isclose(value, want, abs_tol=1e-12):
            continue
        case = f"alpha_t={alpha_t}, alpha={alpha}, gamma={gamma}, missed={missed}:"
        if math.isclose(value, alpha_t - gamma * (alpha - float(missed)), abs_tol=1e-12):
            raise Incorrect(f"{case} you move alpha the wrong way. After a miss the next interval must be WIDER, so "
                            "alpha (the allowed miss rate) must go DOWN: alpha_t + gamma * (alpha - 1).")
        if math.isclose(value, alpha_t + gamma * (alpha - float(not missed)), abs_tol=1e-12):
            raise Incorrect(f"{case} `missed` is 1 when the actual fell OUTSIDE its interval; you used a hit.")
        if math.isclose(value, alpha_t + gamma * ((1 - alpha) - float(missed)), abs_tol=1e-12):
            raise Incorrect(f"{case} the target is the miss rate alpha = {alpha}, not the coverage 1 - alpha.")
        raise Incorrect(f"{case} the next level is {want:.6g}; your function gives {value:.6g}.")
    return "alpha_(t+1) = alpha_t + gamma * (alpha - miss_t): a miss lowers alpha, so the next interval is wider."


q3 = Exercise(
    "Q3 - one step of adaptive conformal inference",
    _check_q3,
    hints=[
        "alpha_t is the miss rate the next interval allows. After a miss, should the next interval be wider or "
        "narrower, and so should alpha go up or down?",
        "miss_t is 1 after a miss and 0 after a hit; the step is gamma * (alpha - miss_t).",
    ],
    solution="""
    def aci_update(alpha_t, alpha, gamma, missed):
        return alpha_t + gamma * (alpha - float(missed))
    """,
)
