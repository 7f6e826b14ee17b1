"""Exercises of lesson 09 (uncertainty and scale): ``from helpers.exercises.lesson09 import *``.

- ``q1``: the coverage of prediction intervals, by hand.
- ``q2``: steps per epoch under a distribution strategy, from the per-replica batch and the number of replicas.

Each answer is a function the learner writes, so the checker can try it on several cases: a formula that only fits
the notebook's numbers is caught.
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "q2", "____"]


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


# --- Q2: steps per epoch under a strategy ----------------------------------------------------------------------------

def _steps(n_windows: int, per_replica_batch: int, replicas: int) -> int:
    return math.ceil(n_windows / (per_replica_batch * replicas))


_Q2_CASES = ((8286, 256, 2), (10_000, 64, 1), (1000, 100, 4), (7, 4, 2), (50_001, 128, 8))


def _check_q2(steps_per_epoch) -> str:
    for n, per_replica, replicas in _Q2_CASES:
        got = call_learner(steps_per_epoch, n, per_replica, replicas)
        want = _steps(n, per_replica, replicas)
        case = f"n_windows={n}, per_replica_batch={per_replica}, replicas={replicas}"
        try:
            value = float(got)
        except (TypeError, ValueError):
            raise Incorrect(f"return a whole number of steps, got {got!r}.") from None
        if value == want:
            continue
        global_batch = per_replica * replicas
        known = [
            (n // global_batch, (
                "you round down: the last, partial batch is still a step (Keras keeps it unless you drop it), so "
                "round up."
            )),
            (n / global_batch, "a number of steps is a whole number: round up the division."),
            (math.ceil(n / per_replica), (
                "you divide by the per-replica batch only. Every step consumes one global batch, "
                "per_replica_batch * replicas windows."
            )),
            (math.ceil(n * replicas / per_replica), (
                "more replicas mean fewer steps, not more: per_replica_batch is already per replica, so the "
                "global batch is per_replica_batch * replicas."
            )),
        ]
        for wrong, reason in known:
            if value == wrong != want:
                raise Incorrect(f"for {case} you give {got}: {reason}")
        raise Incorrect(f"for {case} an epoch has {want} steps; your function gives {got}.")
    return (
        "steps = ceil(n_windows / (per_replica_batch * replicas)): going from 1 to 4 replicas with the same "
        "per-replica batch cuts the steps per epoch by 4 (and calls for a larger learning rate)."
    )


q2 = Exercise(
    "Q2 - steps per epoch under a strategy",
    _check_q2,
    hints=[
        "Each step, every replica takes its own per_replica_batch windows. How many windows does one step use?",
        "The global batch is per_replica_batch * replicas; an epoch is n_windows / global batch steps, rounded.",
        "math.ceil(n_windows / (per_replica_batch * replicas)): the last, partial batch is a step too.",
    ],
    solution="""
    import math

    def steps_per_epoch(n_windows, per_replica_batch, replicas):
        return math.ceil(n_windows / (per_replica_batch * replicas))
    """,
)
