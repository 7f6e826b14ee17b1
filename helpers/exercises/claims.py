"""Exercises that ask for a judgement: which of these claims does the evidence support? (lessons 06 and 07)

The learner is shown lettered claims about a result the lesson just computed (a Diebold-Mariano test, a seed spread,
an ensemble) and answers with the set of letters the evidence supports. Some claims are true or false whatever the
numbers (an ensemble is never worse than its members' average MSE; "not significant" never means "equally good");
others depend on the numbers, and the checker decides them on the evidence passed to ``check``, so the same answer
is right in one run and wrong in another only where the numbers say so.

The checker names the first wrong letter and says why, in the lesson's words.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.exercises.core import Exercise, Incorrect, NotAttempted

__all__ = ["BACKTEST_CLAIMS", "SEED_CLAIMS", "Claim", "ClaimsExercise", "backtest_evidence", "letters", "seed_evidence"]


@dataclass(frozen=True)
class Claim:
    """One claim: its text, whether the evidence supports it, and what to tell a learner who judged it wrong."""

    text: str
    holds: Callable[[Any], bool]  #: evidence -> does it support the claim?
    if_wrongly_chosen: str  #: why the claim is not supported (shown when the learner chose it and it does not hold)
    if_missed: str  #: why it is supported (shown when the learner left it out and it holds)


def letters(answer: Any, known: Sequence[str]) -> set[str]:
    """A learner's answer as a set of lower-case letters: a set, list or tuple of letters, or a string such as
    ``"a, c"``; an unknown letter is an error naming the letters there are."""
    if isinstance(answer, str):
        items = [part for part in answer.replace(",", " ").split() if part]
    elif isinstance(answer, (set, frozenset, list, tuple)):
        items = list(answer)
    else:
        raise Incorrect(f"give the letters of the supported claims as a set, e.g. {{'a', 'c'}}; got {answer!r}.")
    out = set()
    for item in items:
        if not isinstance(item, str) or item.strip().lower() not in known:
            raise Incorrect(f"{item!r} is not one of the claims; they are {', '.join(sorted(known))}.")
        out.add(item.strip().lower())
    return out


class ClaimsExercise(Exercise):
    """``check(supported, *evidence)``: ``supported`` is the set of letters the learner judges supported;
    ``evidence`` is what the claims are judged on (each claim's ``holds`` receives the tuple ``evidence``).
    ``claims()`` prints the claims."""

    def __init__(self, label: str, name: str, claims: Mapping[str, Claim], evidence: Callable[..., Any],
                 hints: Sequence[str], solution: str) -> None:
        self.label = label
        self._claims = dict(claims)
        self._evidence = evidence
        super().__init__(name, self._check, hints=hints, solution=solution)

    def claims(self) -> None:
        """Print the claims to judge."""
        print("\n".join(f"({key}) {claim.text}" for key, claim in self._claims.items()))

    def supported(self, *evidence: Any) -> set[str]:
        """The letters the evidence supports (the tests and the reference solution's check use it)."""
        facts = self._evidence(*evidence)
        return {key for key, claim in self._claims.items() if claim.holds(facts)}

    def _check(self, supported: Any, *evidence: Any) -> str:
        if supported is None:
            raise NotAttempted("set `supported` to the letters of the claims you judge supported.")
        chosen = letters(supported, list(self._claims))
        truth = self.supported(*evidence)
        for key, claim in self._claims.items():  # a claim wrongly made first: it is the worse mistake
            if key in chosen and key not in truth:
                raise Incorrect(f"({key}) is not supported: {claim.if_wrongly_chosen}")
        for key, claim in self._claims.items():
            if key in truth and key not in chosen:
                raise Incorrect(f"({key}) is supported and you left it out: {claim.if_missed}")
        return f"the evidence supports {', '.join(sorted(truth)) or 'none of them'}, and only those."


# --- Lesson 06: a seed spread, an ensemble and a Diebold-Mariano test on one split -----------------------------------


def seed_evidence(seed_skills: Any, ensemble_skill: Any, baseline_skill: Any, dm_p: Any) -> dict:
    try:
        seeds = [float(s) for s in seed_skills]
        facts = {"seeds": seeds, "ensemble": float(ensemble_skill), "baseline": float(baseline_skill),
                 "p": float(dm_p)}
    except (TypeError, ValueError):
        raise Incorrect("pass the evidence as q7.check(supported, seed_skills, ensemble_skill, baseline_skill, "
                        "dm_p): a list of the seeds' test skills, then three numbers.") from None
    if len(seeds) < 2:
        raise Incorrect("seed_skills should hold one test skill per seed (three here).")
    return facts


SEED_CLAIMS = {
    "a": Claim(
        "On these test weeks, the ensemble's lead over the best baseline is larger than chance at the 5 % level.",
        lambda f: f["p"] < 0.05 and f["ensemble"] > f["baseline"],
        "the Diebold-Mariano p-value of the ensemble against the best baseline is not below 0.05 with the ensemble "
        "ahead: a lead of this size on these weeks appears by chance too often to call it real.",
        "the ensemble is ahead and its Diebold-Mariano p-value is below 0.05: this trained ensemble is the better "
        "forecaster of these test weeks.",
    ),
    "b": Claim(
        "Every seed of the recipe scores a higher test skill than the best baseline.",
        lambda f: min(f["seeds"]) > f["baseline"],
        "at least one seed's skill is not above the best baseline's: read the seed column, not the ensemble.",
        "each seed's test skill is above the best baseline's: the recipe's lead does not hang on one lucky seed.",
    ),
    "c": Claim(
        "The ensemble's MSE is no larger than the average of its members' MSEs.",
        lambda f: True,
        "",
        "this holds for every mean of forecasts, whatever the numbers (the squared error is convex): it is the one "
        "guarantee an ensemble has.",
    ),
    "d": Claim(
        "The ensemble scores a higher test skill than each one of its members.",
        lambda f: f["ensemble"] > max(f["seeds"]),
        "one member scores at least as well as the ensemble: averaging guarantees no worse than the members' "
        "average, not better than each member.",
        "in this run the ensemble's skill is above every member's (it often is, but it is not guaranteed: check "
        "the numbers each time).",
    ),
    "e": Claim(
        "Had the p-value been 0.4, the LSTM and the best baseline would be equally accurate forecasters.",
        lambda f: False,
        "a large p-value is no evidence of a difference, not evidence of equality: the test cannot tell the two "
        "apart on these weeks, which says nothing about them being the same.",
        "",
    ),
    "f": Claim(
        "A p-value below 0.05 here would show that the recipe (retrained from any seed) beats the baseline.",
        lambda f: False,
        "the Diebold-Mariano test judges the errors of the forecasts you give it, here one trained ensemble on these "
        "weeks; whether the recipe wins is a question for seeds (and folds), the spread of retrained networks.",
        "",
    ),
}


# --- Lesson 07: a backtest, seeds x folds, and a Diebold-Mariano test of the pooled errors -----------------------


def backtest_evidence(backtest: Any) -> dict:
    """From a :class:`~helpers.forecasting.Backtest`: the Diebold-Mariano test of the LSTM ensemble against the best
    baseline on the pooled test errors, and per fold the seeds', the ensemble's and that baseline's test skills."""
    from helpers.metrics import diebold_mariano

    for field in ("table", "seed_skill", "errors", "dm"):
        if not hasattr(backtest, field):
            raise Incorrect("pass the Backtest that forecasting.backtest returned: q3.check(supported, backtest).")
    against = backtest.dm.against
    errors = backtest.errors
    statistic, p_value = diebold_mariano(errors["lstm"], errors[against], horizon=backtest.horizon)
    table = backtest.table
    per_fold = backtest.seed_skill.copy()
    per_fold["ensemble"] = table[table["model"] == "lstm"].set_index("fold")["skill"]
    per_fold["baseline"] = table[table["model"] == against].set_index("fold")["skill"]
    seeds = [c for c in per_fold.columns if c not in ("ensemble", "baseline")]
    return {
        "statistic": statistic,
        "p": p_value,
        "ensemble_beats_each_seed": bool((per_fold["ensemble"] >= per_fold[seeds].max(axis=1)).all()),
        "every_seed_ahead": bool((per_fold[seeds].min(axis=1) > per_fold["baseline"]).all()),
    }


BACKTEST_CLAIMS = {
    "a": Claim(
        "On the pooled test days, this LSTM ensemble's lead over the best baseline is larger than chance at the 5 % "
        "level.",
        lambda f: f["p"] < 0.05 and f["statistic"] < 0,
        "the Diebold-Mariano test of the pooled errors does not give p < 0.05 with the LSTM ahead: no evidence that "
        "this ensemble is the better forecaster of these days.",
        "the LSTM is ahead and p < 0.05: on these days this trained ensemble is the better forecaster.",
    ),
    "b": Claim(
        "The p-value shows that the LSTM ensemble and the best baseline are equally accurate.",
        lambda f: False,
        "a test that finds no difference is no evidence of equality: 'no evidence of a difference'. To claim the "
        "two are close, give an interval for the difference and say how close.",
        "",
    ),
    "c": Claim(
        "In every fold, the ensemble's MSE is no larger than the average of its seeds' MSEs.",
        lambda f: True,
        "",
        "it holds for every average of forecasts in every fold (the squared error is convex): the ensemble's one "
        "guarantee.",
    ),
    "d": Claim(
        "In every fold, the ensemble scores at least as high a skill as each of its seeds.",
        lambda f: f["ensemble_beats_each_seed"],
        "in at least one fold a single seed beats the ensemble (look at the seed table): averaging guarantees no "
        "worse than the seeds' average, not better than the best seed.",
        "in this run the ensemble is at or above every seed in every fold; it is not guaranteed, but it is what the "
        "table shows.",
    ),
    "e": Claim(
        "Every seed's LSTM is ahead of the best baseline in every fold.",
        lambda f: f["every_seed_ahead"],
        "some seed trails the best baseline in some fold: the recipe's lead is not steady across seeds x folds.",
        "every seed leads in every fold: evidence about the recipe, not only about one trained network.",
    ),
    "f": Claim(
        "Had the Diebold-Mariano p-value been 0.001, that would show the recipe beats the best baseline whatever "
        "the seed and the period.",
        lambda f: False,
        "the test judges the errors it is given, those of one trained ensemble on these days; whether the recipe "
        "wins is read from the spread of seeds x folds.",
        "",
    ),
}
