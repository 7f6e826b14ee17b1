"""Exercises of lesson 07 (evaluation a learner can trust): ``from helpers.exercises.lesson07 import *``.

- ``q1``: the expanding-window (rolling-origin) split: for each fold, the positions of its training part, its
  validation block and its test block.
- ``q2``: read a Diebold-Mariano result: which forecast is better, and is the difference larger than chance?
- ``q3``: two questions kept apart: which claims about this ensemble and about the recipe does the backtest support?

Both answers are functions, so the checkers try them on several cases: an answer that only fits the notebook's
numbers is caught.
"""

from __future__ import annotations

import numpy as np

from helpers.exercises import claims
from helpers.exercises.core import Exercise, Incorrect, ____, call_learner

__all__ = ["q1", "q2", "q3", "____"]


# --- Q1: the expanding-window split ---------------------------------------------------------------------------------


def _reference_split(n: int, folds: int, block: int) -> list[tuple[range, range, range]]:
    """The last ``(folds + 1) * block`` steps as one validation block and ``folds`` test blocks, expanding train."""
    out = []
    for k in range(folds):
        test_start = n - (folds - k) * block
        val_start = test_start - block
        out.append((range(0, val_start), range(val_start, test_start), range(test_start, test_start + block)))
    return out


_Q1_CASES = ((1000, 4, 120), (365, 2, 50), (200, 5, 20))


def _as_positions(value, what: str, case: str) -> np.ndarray:
    try:
        positions = np.asarray(list(value), dtype=int)
    except (TypeError, ValueError):
        raise Incorrect(f"for {case} the {what} should be a range or list of row positions, got {value!r}.") from None
    return positions


def _check_q1(expanding_split) -> str:
    for n, folds, block in _Q1_CASES:
        case = f"expanding_split(n={n}, folds={folds}, block={block})"
        got = call_learner(expanding_split, n, folds, block)
        try:
            got = list(got)
        except TypeError:
            raise Incorrect(f"{case} should return a list of (train, validation, test) tuples.") from None
        want = _reference_split(n, folds, block)
        if len(got) != folds:
            raise Incorrect(f"{case} returns {len(got)} folds; there should be one per test block, {folds}.")
        for k, (fold, (train_w, val_w, test_w)) in enumerate(zip(got, want, strict=True), start=1):
            try:
                train, val, test = fold
            except (TypeError, ValueError):
                raise Incorrect(f"{case}: fold {k} should be a (train, validation, test) tuple.") from None
            train, val, test = (
                _as_positions(p, w, case) for p, w in zip(fold, ("train", "validation", "test"), strict=True)
            )
            if len(test) and test.max() >= n:
                raise Incorrect(f"{case}: fold {k}'s test block runs past the end of the series (position {n - 1}).")
            if len(train) and len(test) and train.max() >= test.min():
                raise Incorrect(
                    f"{case}: in fold {k} the training part reaches position {train.max()}, at or after the test "
                    f"block's start {test.min()}: the model would be trained on the future it is scored on."
                )
            if len(train) and len(val) and train.max() >= val.min():
                raise Incorrect(
                    f"{case}: in fold {k} the training part overlaps the validation block: early stopping would "
                    "be judged on rows the model trained on."
                )
            if list(test) != list(test_w):
                raise Incorrect(
                    f"{case}: fold {k}'s test block is {test.min() if len(test) else '-'}..."
                    f"{test.max() if len(test) else '-'}; it should be positions {test_w.start}..{test_w.stop - 1}: "
                    "the test blocks are the last folds x block steps, in order, one block each."
                )
            if list(val) != list(val_w):
                raise Incorrect(
                    f"{case}: fold {k}'s validation block should be the {block} steps just before its test block "
                    f"({val_w.start}..{val_w.stop - 1})."
                )
            if list(train) != list(train_w):
                if len(train) and train.min() > 0:
                    raise Incorrect(
                        f"{case}: fold {k}'s training part starts at {train.min()}: that is a sliding window. An "
                        "expanding window always starts at position 0 and grows with each fold."
                    )
                raise Incorrect(
                    f"{case}: fold {k}'s training part should be every position before its validation block "
                    f"(0..{train_w.stop - 1})."
                )
    return (
        "each fold trains on everything before its validation block, validates on the block just before its test "
        "block, and the origin rolls forward one block per fold. forecasting.fold_bounds does the same with "
        "scikit-learn's TimeSeriesSplit(n_splits=folds, test_size=block, gap=block)."
    )


q1 = Exercise(
    "Q1 - the expanding-window split",
    _check_q1,
    hints=[
        "Work backwards from the end: the last fold's test block is the last `block` steps of the series.",
        """
        Fold k (k = 0 .. folds - 1) tests on positions test_start .. test_start + block - 1 with
        test_start = n - (folds - k) * block; its validation block is the `block` steps before that; its training
        part is everything before the validation block.
        """,
        "Return a list of (range(0, val_start), range(val_start, test_start), range(test_start, test_start + block)).",
    ],
    solution="""
    def expanding_split(n, folds, block):
        out = []
        for k in range(folds):
            test_start = n - (folds - k) * block
            val_start = test_start - block
            out.append((range(0, val_start), range(val_start, test_start), range(test_start, test_start + block)))
        return out
    """,
)


# --- Q2: read a Diebold-Mariano result ------------------------------------------------------------------------------


def _reference_reading(statistic: float, p_value: float, alpha: float = 0.05) -> str:
    if p_value >= alpha:
        return "no evidence"
    return "a" if statistic < 0 else "b"


_Q2_CASES = (
    (-2.9, 0.004, 0.05),
    (2.4, 0.017, 0.05),
    (-1.2, 0.23, 0.05),
    (1.7, 0.09, 0.05),
    (-2.2, 0.03, 0.01),
    (0.4, 0.69, 0.10),
    (3.1, 0.002, 0.01),
)


def _check_q2(read_dm) -> str:
    for statistic, p_value, alpha in _Q2_CASES:
        case = f"read_dm(statistic={statistic}, p_value={p_value}, alpha={alpha})"
        got = call_learner(read_dm, statistic, p_value, alpha)
        want = _reference_reading(statistic, p_value, alpha)
        if not isinstance(got, str) or got not in {"a", "b", "no evidence"}:
            raise Incorrect(f"{case} should return 'a', 'b' or 'no evidence', got {got!r}.")
        if got == want:
            continue
        if want == "no evidence":
            raise Incorrect(
                f"{case}: p = {p_value} is not below alpha = {alpha}, so a difference this size appears by chance "
                "too often to call either model better: 'no evidence'."
            )
        if got == "no evidence":
            raise Incorrect(f"{case}: p = {p_value} is below alpha = {alpha}: the difference is larger than chance.")
        raise Incorrect(
            f"{case}: the sign says which: the loss differential is e_a^2 - e_b^2, so a negative statistic means "
            "a's squared errors are smaller."
        )
    return "the p-value says whether to believe a difference at all; only then does the sign say which model leads."


q2 = Exercise(
    "Q2 - read a Diebold-Mariano result",
    _check_q2,
    hints=[
        "Two questions, in this order: is the difference larger than chance (p-value against alpha)? Then, which way?",
        "diebold_mariano(errors_a, errors_b) uses d = e_a**2 - e_b**2: a negative mean d (negative statistic) means "
        "a has the smaller squared errors.",
        "'no evidence' when p_value >= alpha; otherwise 'a' if statistic < 0, else 'b'.",
    ],
    solution="""
    def read_dm(statistic, p_value, alpha=0.05):
        if p_value >= alpha:
            return "no evidence"
        return "a" if statistic < 0 else "b"
    """,
)


# --- Q3: is this network better, is this recipe better? ------------------------------------------------------------

q3 = claims.ClaimsExercise(
    "q3",
    "Q3 - this network, this recipe",
    claims.BACKTEST_CLAIMS,
    claims.backtest_evidence,
    hints=[
        "Is this trained ensemble better on these days? The Diebold-Mariano test of the pooled errors. Is the recipe "
        "better? The seeds x folds table: does every retrained network lead in every period?",
        "Two claims do not depend on the numbers: an average of forecasts never has a larger MSE than its members' "
        "average; a large p-value never shows that two forecasts are equally good.",
    ],
    solution="""
        against = backtest.dm.against  # the best baseline
        p = metrics.diebold_mariano(backtest.errors["lstm"], backtest.errors[against], horizon=backtest.horizon).p_value
        per_fold = backtest.seed_skill
        ensemble = backtest.table[backtest.table["model"] == "lstm"].set_index("fold")["skill"]
        baseline = backtest.table[backtest.table["model"] == against].set_index("fold")["skill"]
        supported = {"c"}  # true of every average of forecasts
        if p < 0.05 and backtest.pooled.loc["lstm", "rmse"] < backtest.pooled.loc[against, "rmse"]:
            supported.add("a")
        if (ensemble >= per_fold.max(axis=1)).all():
            supported.add("d")
        if (per_fold.min(axis=1) > baseline).all():
            supported.add("e")
    """,
)
