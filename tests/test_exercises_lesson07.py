"""The checkers of lesson 07: a right answer, wrong answers and the untouched starter of each exercise."""

from __future__ import annotations

import pytest

from helpers.exercises import lesson07
from helpers.exercises.lesson07 import ____, q1, q2
from helpers.forecasting import fold_bounds
from helpers.metrics import diebold_mariano


def _solution(exercise, name):
    namespace: dict = {}
    exec(exercise.solution_code, namespace)  # our own reference solution
    return namespace[name]


# --- Q1 ---------------------------------------------------------------------------------------------------------------


def test_q1_right_and_agrees_with_fold_bounds():
    assert q1.evaluate(_solution(q1, "expanding_split")).correct
    # The reference is the package's own split (scikit-learn's TimeSeriesSplit with a gap) on the same sizes.
    split = lesson07._reference_split(1000, 4, 120)
    assert [(t.stop, v.stop, s.stop) for t, v, s in split] == fold_bounds(1000, 4)


def _sliding(n, folds, block):
    return [(range(v.start - 2 * block, v.start), v, t) for _, v, t in lesson07._reference_split(n, folds, block)]


def _leaky(n, folds, block):
    return [(range(0, t.stop), v, t) for _, v, t in lesson07._reference_split(n, folds, block)]


def _no_validation_gap(n, folds, block):
    return [(range(0, v.stop), v, t) for _, v, t in lesson07._reference_split(n, folds, block)]


def _from_the_start(n, folds, block):
    return [
        (range(0, (k + 1) * block), range((k + 1) * block, (k + 2) * block), range((k + 2) * block, (k + 3) * block))
        for k in range(folds)
    ]


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (_sliding, "sliding window"),
        (_leaky, "trained on the future"),
        (_no_validation_gap, "overlaps the validation block"),
        (_from_the_start, "test block is"),
        (lambda n, folds, block: lesson07._reference_split(n, folds, block)[:-1], "one per test block"),
        (lambda n, folds, block: 42, "list of"),
    ],
)
def test_q1_wrong(wrong, reason):
    result = q1.evaluate(wrong)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q1_untouched():
    def expanding_split(n, folds, block):
        raise NotImplementedError

    assert q1.evaluate(____).status == "not attempted"
    assert q1.evaluate(expanding_split).status == "not attempted"


# --- Q2 ---------------------------------------------------------------------------------------------------------------


def test_q2_right_and_consistent_with_the_test():
    read_dm = _solution(q2, "read_dm")
    assert q2.evaluate(read_dm).correct
    statistic, p_value = diebold_mariano([0.1, -0.2, 0.1, 0.2, -0.1] * 20, [1.0, -1.5, 0.8, 1.2, -0.9] * 20)
    assert read_dm(statistic, p_value) == "a"  # a's errors are much smaller


@pytest.mark.parametrize(
    "wrong, reason",
    [
        (lambda s, p, alpha=0.05: "a" if s < 0 else "b", "no evidence"),
        (lambda s, p, alpha=0.05: "no evidence" if p >= alpha else ("b" if s < 0 else "a"), "negative statistic"),
        (lambda s, p, alpha=0.05: "no evidence" if p >= 0.05 else ("a" if s < 0 else "b"), "alpha"),
        (lambda s, p, alpha=0.05: "no evidence", "larger than chance"),
        (lambda s, p, alpha=0.05: s < 0, "should return"),
    ],
)
def test_q2_wrong(wrong, reason):
    result = q2.evaluate(wrong)
    assert result.status == "incorrect" and reason in result.message, result.message


def test_q2_untouched():
    assert q2.evaluate(____).status == "not attempted"


# --- Q3 ---------------------------------------------------------------------------------------------------------------


def _backtest(lead: float, seed_dip: bool):
    """A Backtest-shaped stand-in (no training): 2 folds x 2 seeds, the LSTM's errors smaller by ``lead``."""
    from types import SimpleNamespace

    import numpy as np
    import pandas as pd

    from helpers.forecasting.results import Comparison

    rng = np.random.default_rng(0)
    dates = pd.date_range("2020-01-01", periods=400, freq="D")
    base = rng.normal(size=400)
    errors = pd.DataFrame({"linear": base, "lstm": base * (1 - lead) + rng.normal(scale=0.05, size=400)}, index=dates)
    first = [0.13, 0.02] if seed_dip else [0.10, 0.09]  # fold 1: seed 0 above the ensemble, seed 1 below ridge
    seed_skill = pd.DataFrame({0: [first[0], 0.12], 1: [first[1], 0.11]}, index=pd.Index([1, 2], name="fold"))
    table = pd.DataFrame({"fold": [1, 1, 2, 2], "model": ["lstm", "linear"] * 2, "skill": [0.11, 0.05, 0.12, 0.04]})
    dm = Comparison("lstm", "linear", 0.0, 1.0, 400, "")
    return SimpleNamespace(table=table, seed_skill=seed_skill, errors=errors, dm=dm, horizon=1, pooled=None)


def test_q3_right_wrong_untouched():
    from helpers.exercises.lesson07 import q3

    weak, strong = _backtest(0.0, seed_dip=True), _backtest(0.3, seed_dip=False)
    assert q3.supported(weak) == {"c"}  # no evidence; a seed trails the baseline in fold 1 and the ensemble
    assert q3.supported(strong) == {"a", "c", "d", "e"}
    assert q3.evaluate({"c"}, weak).correct
    assert q3.evaluate("a, c, d, e", strong).correct
    cases = [({"b", "c"}, weak, "no evidence of a difference"), ({"c", "f"}, strong, "seeds x folds"),
             ({"a", "c"}, weak, "no evidence that"), (set(), weak, "convex"),
             ({"c", "d"}, weak, "not better than the best seed"), ({"a", "c", "d"}, strong, "every seed leads"),
             ({"c", "z"}, weak, "not one of the claims")]
    for answer, evidence, reason in cases:
        result = q3.evaluate(answer, evidence)
        assert result.status == "incorrect" and reason in result.message, (answer, result.message)
    assert q3.evaluate(____, weak).status == "not attempted"
    assert "Backtest" in q3.evaluate({"c"}, "backtest").message
