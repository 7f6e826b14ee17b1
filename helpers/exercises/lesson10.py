"""Exercises of lesson 10 (scaling up): ``from helpers.exercises.lesson10 import *``.

- ``q1``: steps per epoch under a distribution strategy, from the per-replica batch and the number of replicas.
- ``q2``: the learning rate after scaling out, a judgement: which rule (SGD's linear one or Adam's square root),
  applied to what (the global batch, not the number of replicas).

Each answer is a function the learner writes, so the checker can try it on several cases: a formula that only fits
the notebook's numbers is caught.
"""

from __future__ import annotations

import math

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "q2", "____"]


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


# --- Q2: the learning rate after scaling out (a judgement: which rule, and scaled by what) --------------------------

def _scaled_rate(learning_rate: float, old_per_replica: int, old_replicas: int, new_per_replica: int,
                 new_replicas: int, optimizer: str) -> float:
    factor = (new_per_replica * new_replicas) / (old_per_replica * old_replicas)
    return learning_rate * (factor if optimizer == "sgd" else math.sqrt(factor))


# (learning_rate, old per-replica batch, old replicas, new per-replica batch, new replicas, optimizer)
_Q2_CASES = (
    (0.1, 256, 1, 256, 4, "sgd"),      # 4 x the global batch: 4 x the rate
    (1e-3, 256, 1, 256, 4, "adam"),    # 4 x the global batch: 2 x the rate
    (1e-3, 256, 2, 128, 4, "adam"),    # more replicas, the same global batch of 512: the same rate
    (0.05, 64, 2, 64, 16, "sgd"),      # 8 x
    (2e-3, 128, 4, 128, 2, "adam"),    # scaling *in*: half the global batch, rate / sqrt(2)
    (0.2, 100, 3, 50, 3, "sgd"),       # half the per-replica batch on the same replicas: half the rate
)


def _check_q2(scaled_learning_rate) -> str:
    for lr, old_b, old_r, new_b, new_r, opt in _Q2_CASES:
        got = call_learner(scaled_learning_rate, lr, old_b, old_r, new_b, new_r, opt)
        case = (f"learning_rate={lr:g}, {old_r} x {old_b} -> {new_r} x {new_b} (replicas x per-replica batch), "
                f"optimizer={opt!r}")
        try:
            value = float(got)
        except (TypeError, ValueError):
            raise Incorrect(f"return the new learning rate as a number, got {got!r}.") from None
        want = _scaled_rate(lr, old_b, old_r, new_b, new_r, opt)
        if math.isclose(value, want, rel_tol=1e-6):
            continue
        global_factor = (new_b * new_r) / (old_b * old_r)
        replica_factor = new_r / old_r
        if opt == "adam" and math.isclose(value, lr * global_factor, rel_tol=1e-6) and global_factor != 1:
            raise Incorrect(
                f"for {case} you scale linearly. The linear rule (Goyal et al., 2017) is derived for SGD, whose step "
                "grows with the gradient's size; Adam divides by the gradient's running size, and the rule that "
                "keeps its dynamics is the square root of the batch factor (Malladi et al., 2022)."
            )
        if opt == "sgd" and math.isclose(value, lr * math.sqrt(global_factor), rel_tol=1e-6) and global_factor != 1:
            raise Incorrect(f"for {case} you use the square-root rule; for SGD the linear rule holds: multiply by "
                            f"the global batch factor, {global_factor:g}.")
        if global_factor != replica_factor and (
            math.isclose(value, lr * replica_factor, rel_tol=1e-6)
            or math.isclose(value, lr * math.sqrt(replica_factor), rel_tol=1e-6)
        ):
            raise Incorrect(
                f"for {case} you scale by the number of replicas. What the rate follows is the *global* batch "
                f"(per-replica batch x replicas): here it changes by {global_factor:g}."
            )
        if math.isclose(value, lr, rel_tol=1e-9) and global_factor != 1:
            raise Incorrect(f"for {case} you keep the rate, but the global batch changes by {global_factor:g}: "
                            "fewer, larger steps per epoch call for a larger rate (a smaller one when scaling in).")
        if global_factor != 1 and math.isclose(value * global_factor ** (1 if opt == "sgd" else 0.5), lr,
                                               rel_tol=1e-6):
            raise Incorrect(f"for {case} you divide where you should multiply: a larger global batch averages "
                            "away noise, so it takes a larger step.")
        raise Incorrect(f"for {case} the rate to start from is {want:.4g}; your function gives {value:.4g}.")
    return (
        "SGD: scale by the global batch factor k (linear rule); Adam: by sqrt(k). Only the global batch counts: "
        "more replicas with a smaller per-replica batch leave the rate alone. Either is a starting point to check "
        "with a control run, as part 3 does, not a guarantee."
    )


q2 = Exercise(
    "Q2 - the learning rate after scaling out",
    _check_q2,
    hints=[
        "First compute the factor k by which the *global* batch (per-replica batch x replicas) changes.",
        "The linear rule (multiply by k) is SGD's. Adam normalises each step by the gradient's running size; its "
        "rule is the square root of k.",
        "k = (new_per_replica * new_replicas) / (old_per_replica * old_replicas); "
        "return learning_rate * (k if optimizer == 'sgd' else math.sqrt(k)).",
    ],
    solution="""
    import math

    def scaled_learning_rate(learning_rate, old_per_replica, old_replicas, new_per_replica, new_replicas, optimizer):
        k = (new_per_replica * new_replicas) / (old_per_replica * old_replicas)
        return learning_rate * (k if optimizer == "sgd" else math.sqrt(k))
    """,
)
