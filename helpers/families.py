"""Lesson 08's comparison of model families, moved out of the notebook: train, time and score each family on the
same windows, then read the seeds honestly.

- :func:`fit_ridge` fits the ridge baseline on arrays; :func:`as_windows` wraps arrays in the
  :class:`helpers.preprocessing.Windows` that the baselines read;
- :class:`FamilyData`: the six arrays every family is trained and scored on (train, validation, test windows and
  their targets). The target is the **change** from the window's last level, so persistence forecasts 0 and
  :func:`change_skill` is the skill against persistence.
- :func:`fit_family` trains one network with early stopping on the validation block and returns a
  :class:`FamilyRun` (cost and skill as named fields); :func:`fit_families` runs every family over every seed, with
  one progress line for the whole table and one per model (:mod:`helpers.progress`).
- :func:`fit_gradient_boosting`: gradient-boosted trees on the flattened window, the opponent a practitioner tries
  first, timed like the networks.
- :func:`seed_interval` compares two recipes over seeds: the mean difference of test skill, paired by seed, with a
  t-interval. With three seeds the interval is wide (the t quantile with 2 degrees of freedom is 4.3): an interval
  that contains 0 reads "no evidence of a difference", never "the same".
- :func:`summarise`: one row per family, with its costs, skills, the seed interval against ridge and against a
  reference family, and the Diebold-Mariano p-value of its seed-average forecast against ridge's;
  :func:`table` puts persistence and ridge (:func:`fit_ridge_run`) on top and sorts the families by test skill,
  :func:`table_text` prints it.
- :func:`time_epochs`: seconds per epoch of a few models on the same windows (the median after the first epoch).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers import metrics, models, progress
from helpers.baselines import LinearBaseline
from helpers.errors import CourseError
from helpers.preprocessing import Windows

#: The verdicts of :func:`seed_interval`.
BETTER, WORSE, NO_EVIDENCE = "better", "worse", "no evidence of a difference"


class FamilyData(NamedTuple):
    """Windows ``(n, lookback, features)`` and their targets (the change to forecast) for the three parts."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def as_windows(X, y, features: Sequence[str] | None = None) -> Windows:
    """Arrays ``X`` ``(n, lookback, features)`` and ``y`` as :class:`helpers.preprocessing.Windows`, the shape the
    baselines read (ridge and LightGBM flatten each window into one row). The target is not among the inputs, so the
    baselines learn ``y`` as given (here the change). The windows carry no dates (``NaT``)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 3 or len(X) != len(y):
        raise CourseError(f"X must be (windows, steps, features) with one y per window; got X {X.shape}, y {y.shape}.")
    names = tuple(features) if features is not None else tuple(f"input {j}" for j in range(X.shape[2]))
    no_dates = pd.DatetimeIndex([pd.NaT] * len(X))
    return Windows(X=X, y=y, origins=no_dates, dates=no_dates, features=names, target="target",
                   lookback=X.shape[1], horizon=y.shape[1] if y.ndim == 2 else 1)


@dataclass
class FamilyRun:
    """One trained model: its cost and its skill against persistence on the validation and test windows.

    ``epochs`` is how many ran, ``best_epoch`` the one early stopping kept (``epochs == cap`` with
    ``best_epoch == epochs`` means it had not converged). Seconds per epoch are the median after the first epoch
    (which also traces the graph); CPU seconds count every thread, fairer than wall-clock on a shared machine.
    """

    family: str
    seed: int
    parameters: float
    epochs: float
    best_epoch: float
    cpu_s_per_epoch: float
    cpu_s_fit: float
    wall_s_fit: float
    val_skill: float
    test_skill: float
    test_forecast: np.ndarray = field(repr=False)

    def row(self) -> dict:
        return {"family": self.family, "seed": self.seed, "parameters": self.parameters, "epochs": self.epochs,
                "best epoch": self.best_epoch, "cpu s/epoch": self.cpu_s_per_epoch, "cpu s/fit": self.cpu_s_fit,
                "s/fit": self.wall_s_fit, "val skill": self.val_skill, "test skill": self.test_skill}


def fit_ridge(X, y) -> LinearBaseline:
    """Ridge regression (:class:`helpers.baselines.LinearBaseline`) on the flattened windows. Each change is a
    difference of two levels, so the inputs are collinear and SciPy may warn about an ill-conditioned matrix, which
    ridge's penalty handles; that one warning is silenced here, for this call only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="An ill-conditioned matrix")
        return LinearBaseline().fit(as_windows(X, y))


def fit_ridge_run(data: FamilyData) -> FamilyRun:
    """:func:`fit_ridge` on the training windows, timed and scored like a network (``parameters``: its
    coefficients and intercept; ``epochs`` is NaN). Ridge is deterministic: one fit."""
    wall, cpu = time.perf_counter(), time.process_time()
    ridge = fit_ridge(data.X_train, data.y_train)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    pred_val = ridge.predict(as_windows(data.X_val, data.y_val))
    pred_test = ridge.predict(as_windows(data.X_test, data.y_test))
    outputs = data.y_train.shape[1] if np.ndim(data.y_train) == 2 else 1
    return FamilyRun(
        family="ridge", seed=0, parameters=float((np.prod(data.X_train.shape[1:]) + 1) * outputs), epochs=np.nan,
        best_epoch=np.nan, cpu_s_per_epoch=np.nan, cpu_s_fit=cpu, wall_s_fit=wall,
        val_skill=change_skill(data.y_val, pred_val), test_skill=change_skill(data.y_test, pred_test),
        test_forecast=pred_test,
    )


def change_skill(y_true, y_pred) -> float:
    """Skill against persistence when the target is the change from the last level (persistence forecasts 0)."""
    y_true = np.asarray(y_true, dtype="float64")
    return metrics.skill(y_true, y_pred, np.zeros_like(y_true))


def fit_family(build: Callable, seed: int, label: str, data: FamilyData, *, epochs: int, batch_size: int,
               patience: int, verbose: int | None = None) -> FamilyRun:
    """Seed, build (``build()`` returns a compiled model), train with early stopping on the validation block (best
    weights restored), time every epoch, and score on the validation and test windows."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build()
    timer = models.epoch_timer()
    wall, cpu = time.perf_counter(), time.process_time()
    history = models.train(model, (data.X_train, data.y_train), (data.X_val, data.y_val), epochs=epochs,
                           batch_size=batch_size, patience=patience, callbacks=[timer], verbose=verbose,
                           label=f"{label}, seed {seed}")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    val_loss = history.history["val_loss"]
    return FamilyRun(
        family=label, seed=seed, parameters=model.count_params(), epochs=len(val_loss),
        best_epoch=int(np.argmin(val_loss)) + 1, cpu_s_per_epoch=models.seconds_per_epoch(timer.times["cpu"]),
        cpu_s_fit=cpu, wall_s_fit=wall, val_skill=change_skill(data.y_val, models.predict(model, data.X_val)),
        test_skill=change_skill(data.y_test, pred := models.predict(model, data.X_test)), test_forecast=pred,
    )


def fit_families(builders: Mapping[str, Callable], seeds: Sequence[int], data: FamilyData, *, epochs: int,
                 batch_size: int, patience: int, verbose: int | None = None,
                 title: str = "family table", unit: str | tuple[str, str] = "family") -> list[FamilyRun]:
    """:func:`fit_family` for every family (name: builder) and every seed; one progress line, named ``title``, for
    the table (it counts ``unit``s)."""
    runs = []
    for family in progress.track(list(builders), title, unit=unit, verbose=verbose):
        runs += [fit_family(builders[family], seed, family, data, epochs=epochs, batch_size=batch_size,
                            patience=patience, verbose=verbose) for seed in seeds]
    return runs


def fit_gradient_boosting(data: FamilyData, *, seed: int = 0, label: str = "lightgbm",
                          num_threads: int = 1) -> FamilyRun:
    """Gradient-boosted trees (LightGBM, through :class:`helpers.baselines.GradientBoostingBaseline`) on the
    flattened window, the number of trees chosen by early stopping on the validation block; timed like a network
    (``parameters`` is the number of trees kept, ``epochs`` is NaN).

    One thread by default: LightGBM's threads wait for each other by spinning, so on a busy machine two threads
    burn CPU seconds that do no work, and the cost column would measure the load rather than the model."""
    from helpers import baselines

    train, val = as_windows(data.X_train, data.y_train), as_windows(data.X_val, data.y_val)
    wall, cpu = time.perf_counter(), time.process_time()
    booster = baselines.GradientBoostingBaseline(seed=seed, num_threads=num_threads).fit(train, val)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    pred_test = booster.predict(as_windows(data.X_test, data.y_test))
    trees = float(np.sum(booster.trees_))  # one count per forecast step
    return FamilyRun(
        family=label, seed=seed, parameters=float(trees), epochs=np.nan, best_epoch=np.nan, cpu_s_per_epoch=np.nan,
        cpu_s_fit=cpu, wall_s_fit=wall, val_skill=change_skill(data.y_val, booster.predict(val)),
        test_skill=change_skill(data.y_test, pred_test), test_forecast=pred_test,
    )


def seed_interval(skills, other, confidence: float = 0.95) -> tuple[float, float, float, str]:
    """Mean difference of test skill ``skills - other`` over seeds with its t-interval, and the verdict.

    ``other`` is a list paired with ``skills`` by seed (another recipe), or one number (a deterministic model such
    as ridge). Returns ``(mean, low, high, verdict)``; the verdict is :data:`BETTER` or :data:`WORSE` only when the
    interval excludes 0, else :data:`NO_EVIDENCE`. With one seed there is no interval (NaN bounds).
    """
    from scipy import stats

    a = np.asarray(skills, dtype="float64")
    b = np.broadcast_to(np.asarray(other, dtype="float64"), a.shape)
    if a.ndim != 1 or a.size == 0:
        raise CourseError(f"skills must be a non-empty list of per-seed skills, got shape {a.shape}.")
    diff = a - b
    mean = float(diff.mean())
    if diff.size < 2:
        return mean, float("nan"), float("nan"), NO_EVIDENCE
    half = float(stats.t.ppf(0.5 + confidence / 2, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size))
    low, high = mean - half, mean + half
    verdict = BETTER if low > 0 else WORSE if high < 0 else NO_EVIDENCE
    return mean, low, high, verdict


def _interval_text(mean: float, low: float, high: float, verdict: str) -> str:
    if np.isnan(low):
        return f"{mean:+.3f} (one seed)"
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}] {verdict}"


def summarise(runs: Sequence[FamilyRun], y_test, ridge_pred, *, horizon: int, reference: str | None = "lstm",
              confidence: float = 0.95) -> pd.DataFrame:
    """One row per family (in the order first seen): parameters, epochs, best epoch, CPU seconds per epoch and per
    fit, validation and test skill (mean over seeds), the lowest and highest test skill, then

    - ``vs ridge``: the mean difference of test skill to ridge over seeds, its ``confidence`` t-interval, verdict;
    - ``vs <reference>``: the same against the reference family, paired by seed;
    - ``DM p vs ridge``: Diebold-Mariano p-value of the family's seed-average forecast against ridge's (one test of
      one forecast on these dates; the interval columns judge the recipe over seeds).
    """
    if not runs:
        raise CourseError("no runs to summarise. Fix: pass the list that fit_families returned.")
    y_test = np.asarray(y_test, dtype="float64")
    ridge_skill = change_skill(y_test, ridge_pred)
    frame = pd.DataFrame([r.row() for r in runs])
    table = frame.groupby("family", sort=False).agg(
        parameters=("parameters", "first"), epochs=("epochs", "mean"), **{"best epoch": ("best epoch", "mean")},
        **{"cpu s/epoch": ("cpu s/epoch", "median"), "cpu s/fit": ("cpu s/fit", "median"),
           "val skill": ("val skill", "mean"), "test skill": ("test skill", "mean")},
        low=("test skill", "min"), high=("test skill", "max"),
    )
    by_family = {f: sorted((r for r in runs if r.family == f), key=lambda r: r.seed) for f in table.index}
    table["vs ridge"] = [
        _interval_text(*seed_interval([r.test_skill for r in by_family[f]], ridge_skill, confidence))
        for f in table.index
    ]
    if reference is not None and reference in by_family:
        ref = {r.seed: r.test_skill for r in by_family[reference]}
        column = []
        for f in table.index:
            paired = [r for r in by_family[f] if r.seed in ref]
            if f == reference or len(paired) < len(by_family[f]) or len(paired) < 2:
                column.append("")
                continue
            column.append(_interval_text(*seed_interval([r.test_skill for r in paired],
                                                        [ref[r.seed] for r in paired], confidence)))
        table[f"vs {reference}"] = column
    table["DM p vs ridge"] = [
        metrics.diebold_mariano(y_test - np.mean([r.test_forecast for r in by_family[f]], axis=0),
                                y_test - np.asarray(ridge_pred, dtype="float64"), horizon=horizon)[1]
        for f in table.index
    ]
    return table


def table(runs: Sequence[FamilyRun], ridge: FamilyRun, y_test, *, horizon: int, reference: str | None = "lstm",
          others: Mapping[str, float] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`summarise` of ``runs``, sorted by test skill, below a row for persistence (skill 0 by definition),
    one per other baseline in ``others`` (name: test skill) and one for ``ridge`` (a :func:`fit_ridge_run`), which
    every family is compared with."""
    families = summarise(runs, y_test, ridge.test_forecast, horizon=horizon, reference=reference,
                         confidence=confidence)
    others = dict(others or {})
    names = ["persistence", *others, "ridge"]
    baselines = pd.DataFrame(
        {"parameters": [0.0, *[np.nan] * len(others), ridge.parameters],
         "cpu s/fit": [0.0, *[np.nan] * len(others), ridge.cpu_s_fit],
         "val skill": [0.0, *[np.nan] * len(others), ridge.val_skill],
         "test skill": [0.0, *others.values(), ridge.test_skill]},
        index=names,
    )
    return pd.concat([baselines, families.sort_values("test skill")]).rename_axis("model")


def table_text(frame: pd.DataFrame, columns: Sequence[str] | None = None, digits: int = 3) -> str:
    """A table as text, rounded, blanks for what does not apply, wide enough not to wrap."""
    shown = frame if columns is None else frame[list(columns)]
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        return shown.round(digits).astype(object).where(shown.notna(), "").to_string()


def time_epochs(builders: Mapping[str, Callable], X, y, *, epochs: int, batch_size: int, clock: str = "cpu",
                seed: int = 0) -> dict[str, float]:
    """Seconds per training epoch of each model (name: ``build()`` returning a compiled model) on the same windows,
    the median after the first epoch (which also traces the graph). ``clock``: ``"cpu"`` (CPU seconds, fair on a
    shared machine) or ``"wall"`` (what a GPU's speed shows in)."""
    if clock not in ("cpu", "wall"):
        raise CourseError(f"clock must be 'cpu' or 'wall', got {clock!r}.")
    if epochs < 2:
        raise CourseError(f"epochs must be at least 2 (the first one also traces the graph), got {epochs}.")
    import keras

    seconds = {}
    for name, build in builders.items():
        keras.utils.set_random_seed(seed)
        model = build()
        timer = models.epoch_timer()
        model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[timer])
        seconds[name] = models.seconds_per_epoch(timer.times[clock])
    return seconds
