"""Shared checks for exercises that ask for measured runs and a judgement (lessons 02 and 03).

A learner trains a model several times with different seeds and reports the numbers; the checker cannot rerun the
training cheaply, so it checks that the numbers look like real measurements (finite, plausible, not all identical)
and that the learner's verdict follows from their own numbers by the rule the question states.
"""

from __future__ import annotations

import math

from helpers.exercises.core import Incorrect


def measured_runs(values, what: str, low: float, high: float, minimum: int = 2) -> list[float]:
    """``values`` as a list of at least ``minimum`` finite numbers in ``[low, high]``, not all equal."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise Incorrect(f"{what}: give one number per run, as a list (e.g. [2.71, 2.65, 2.80]); got {values!r}.")
    try:
        runs = [float(v) for v in values]
    except (TypeError, ValueError):
        raise Incorrect(f"{what}: every entry should be a number; got {values!r}.") from None
    if len(runs) < minimum:
        raise Incorrect(f"{what}: one run says nothing about the spread; give at least {minimum} runs.")
    if not all(math.isfinite(v) for v in runs):
        raise Incorrect(f"{what}: every entry should be a finite number; got {runs}.")
    if not all(low <= v <= high for v in runs):
        raise Incorrect(f"{what}: {runs} lies outside the plausible range {low} to {high}. Check the units.")
    if len(set(runs)) == 1:
        raise Incorrect(f"{what}: every run gave exactly {runs[0]}; did each run use its own seed?")
    return runs


def label(value):
    """A learner's text answer, compared without case or surrounding spaces."""
    return value.strip().lower() if isinstance(value, str) else value


def spread(runs: list[float]) -> str:
    return f"{min(runs):.2f} to {max(runs):.2f} (mean {sum(runs) / len(runs):.2f})"
