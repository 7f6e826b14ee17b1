"""Exercises of lesson 10 (scaling up): ``from helpers.exercises.lesson10 import *``.

- ``q1``: steps per epoch under a distribution strategy, from the per-replica batch and the number of replicas.

Each answer is a function the learner writes, so the checker can try it on several cases: a formula that only fits
the notebook's numbers is caught.
"""

from __future__ import annotations

import math

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "____"]


# --- Q1: steps per epoch under a strategy ----------------------------------------------------------------------------

def _steps(n_windows: int, per_replica_batch: int, replicas: int) -> int:
    return math.ceil(n_windows / (per_replica_batch * replicas))


# (1024, 128, 4) divides evenly: it rejects the floor-plus-one shortcut that every other case lets through.
_Q1_CASES = ((8286, 256, 2), (10_000, 64, 1), (1000, 100, 4), (7, 4, 2), (50_001, 128, 8), (1024, 128, 4))


def _check_q1(steps_per_epoch) -> str:
    for n, per_replica, replicas in _Q1_CASES:
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
            (n // global_batch + 1, (
                "floor plus one adds a step even when the windows divide evenly into global batches (then there is "
                "no partial batch); round the division up instead."
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


q1 = Exercise(
    "Q1 - steps per epoch under a strategy",
    _check_q1,
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
