"""Evaluation a learner can trust: the Diebold-Mariano test, rolling-origin backtests, ARIMA as the classical peer.

One chronological split gives one number, and that number depends on which season or which market regime the test
period happened to fall in. This module gives the tools of lesson 07:

- :func:`diebold_mariano`: is the difference between two forecasts' errors larger than chance?
- :func:`backtest` (added with the rolling-origin evaluation): the pipeline of :func:`helpers.experiment.run_forecast`
  repeated over several test blocks, with a seed ensemble and pooled scores.
- :func:`conformal_interval` and :func:`adaptive_conformal` (lesson 09): prediction intervals around any point
  forecast, calibrated on held-out residuals, once (split conformal) or step by step as the errors drift.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from helpers.errors import CourseError


def diebold_mariano(errors_a, errors_b, horizon: int = 1) -> tuple[float, float]:
    """Diebold-Mariano test of equal accuracy of two forecasts of the same values, with the Harvey-Leybourne-Newbold
    small-sample correction. Returns ``(statistic, p_value)``.

    ``errors_a`` and ``errors_b`` are the forecast errors (actual - forecast) of two models on the same dates;
    ``horizon`` is how many steps ahead they forecast. The loss differential is the squared-error difference
    ``d_t = e_a[t]**2 - e_b[t]**2``. Its long-run variance uses the autocovariances up to lag ``horizon - 1``
    (an ``h``-step forecast's errors overlap for ``h - 1`` steps), ``V = (gamma_0 + 2 * sum_k gamma_k) / n``; the
    statistic ``mean(d) / sqrt(V)`` is multiplied by ``sqrt((n + 1 - 2h + h(h - 1) / n) / n)`` (Harvey, Leybourne
    and Newbold, 1997) and compared with Student's t with ``n - 1`` degrees of freedom (two-sided).

    A **negative** statistic means ``a`` has the smaller squared errors; the p-value says how often a difference at
    least this large would appear by chance if both forecasts were equally accurate. If the long-run variance comes
    out non-positive (possible for ``horizon > 1`` on short samples), the lag-0 variance is used instead.
    """
    a = np.asarray(errors_a, dtype="float64").ravel()
    b = np.asarray(errors_b, dtype="float64").ravel()
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise CourseError(f"horizon must be a positive integer (steps ahead), got {horizon!r}.")
    if a.shape != b.shape:
        raise CourseError(
            f"the two error series have different lengths ({a.size} vs {b.size}). Fix: pass the errors of both "
            "models on the same dates."
        )
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise CourseError("the errors hold NaN or infinite values. Fix: keep the dates where both models forecast.")
    n = a.size
    if n < 3 or n <= horizon:
        raise CourseError(f"the test needs more errors than the horizon and at least 3; got {n}.")
    d = a**2 - b**2
    mean = d.mean()
    centred = d - mean
    gamma = [centred[k:] @ centred[: n - k] / n for k in range(horizon)]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    if variance <= 0:
        variance = gamma[0] / n
    if variance <= 0:  # identical losses on every date: no evidence either way
        return 0.0, 1.0
    statistic = mean / np.sqrt(variance)
    statistic *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    p_value = 2 * stats.t.sf(abs(statistic), df=n - 1)
    return float(statistic), float(p_value)


# --- Rolling-origin backtest ------------------------------------------------------------------------------------------

#: Share of the series that the first fold trains on (at least); the rest is cut into one validation block and
#: ``folds`` test blocks of equal size.
INITIAL_TRAIN = 0.4
#: Fewest steps in a fold's validation or test block.
MIN_BLOCK = 20


def fold_bounds(n: int, folds: int, horizon: int = 1) -> list[tuple[int, int, int]]:
    """``(train_end, validation_end, test_end)`` positions of each fold of a series of ``n`` regular steps.

    Rolling origin with an expanding training window, from scikit-learn's ``TimeSeriesSplit``: the last
    ``(1 - INITIAL_TRAIN)`` of the series is cut into ``folds + 1`` blocks of equal size; fold ``k`` tests on block
    ``k + 1`` and validates on the block just before it, which ``TimeSeriesSplit`` leaves out of training as its
    ``gap``. Fold ``k + 1``'s training part therefore holds fold ``k``'s validation block.
    """
    from sklearn.model_selection import TimeSeriesSplit

    folds = _count(folds, "folds", "how many test blocks")
    smallest = max(MIN_BLOCK, horizon)
    most = int((1 - INITIAL_TRAIN) * n / smallest) - 1
    def needed(k: int) -> int:
        return int(np.ceil((k + 1) * smallest / (1 - INITIAL_TRAIN)))

    if most < 1:
        raise CourseError(
            f"the frame is too short for one fold: it has {n} steps, and a fold needs a validation and a test block "
            f"of at least {smallest} steps each after the first {INITIAL_TRAIN:.0%} of the series, so at least "
            f"{needed(1)} steps for one fold and {needed(folds)} for folds={folds}. Fix: pass a longer date range"
            + (" or a shorter horizon=." if horizon > MIN_BLOCK else ".")
        )
    block = int((1 - INITIAL_TRAIN) * n / (folds + 1))
    if horizon > block:
        raise CourseError(
            f"the horizon ({horizon} steps) is longer than a fold's test block ({block} steps with folds={folds}). "
            f"Fix: pass fewer folds (at most {most} for this horizon) or a shorter horizon=."
        )
    if block < MIN_BLOCK:
        raise CourseError(
            f"folds={folds} is more than this series allows: {n} steps give test blocks of {block} steps, and each "
            f"needs at least {MIN_BLOCK}. Fix: pass folds={most} or fewer (the maximum for this series)."
        )
    splitter = TimeSeriesSplit(n_splits=folds, test_size=block, gap=block)
    return [(int(train[-1]) + 1, int(test[0]), int(test[-1]) + 1) for train, test in splitter.split(np.arange(n))]


def _count(value, name: str, meaning: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise CourseError(f"{name} must be a positive integer ({meaning}), got {value!r}.")
    return int(value)


def backtest(
    frame,
    target: str,
    *,
    folds: int = 4,
    horizon: int = 1,
    seeds=(0,),
    features=None,
    lookback: int | None = None,
    smoke: bool = False,
):
    """Rolling-origin backtest of the pipeline of :func:`helpers.experiment.run_forecast` over ``folds`` test blocks.

    The fold boundaries come from :func:`fold_bounds` (scikit-learn's ``TimeSeriesSplit``; expanding training
    window; each fold validates on its own block just before its test block). In every fold the short gaps are
    filled, the transforms chosen, the scaler, the ridge and one LSTM per seed fitted on that fold's training part
    only, early stopping and the ridge's settings decided on its validation block. ``horizon`` and ``lookback``
    count steps of the frame's rate, as in ``run_forecast``; ``seeds`` is an iterable of integers.

    Returns one row per fold and model, with ``fold``, ``start``, ``end`` (the test block's first and last
    forecast date), ``n`` (windows scored), ``model``, ``rmse``, ``mae``, ``skill`` (against persistence, in the
    target's units), ``val_skill`` and ``chosen`` (the model with the lowest validation RMSE in that fold, baselines
    included). ``lstm`` is the mean forecast of the LSTMs trained with ``seeds`` (an ensemble).

    ``attrs`` holds ``pooled`` (every model scored on all test blocks together), ``seed_scores`` (each seed's own
    LSTM, per fold and pooled), ``dm`` (the Diebold-Mariano test of ``lstm`` against the best baseline on the pooled
    test errors: the baseline with the lowest pooled RMSE), ``selected`` (the pooled score of the model chosen on
    validation in each fold), ``folds`` (the dates of every part), the windows dropped at long gaps, the rate, the
    recipe and the wall time.
    """
    import time

    import pandas as pd

    from helpers import experiment, metrics

    started = time.perf_counter()
    data, columns, dropped, rate, horizon, lookback = experiment.prepare(frame, target, features, horizon, lookback)
    seeds = [int(s) for s in ([seeds] if isinstance(seeds, (int, np.integer)) else list(seeds))]
    if not seeds:
        raise CourseError("seeds is empty. Fix: pass at least one seed, e.g. seeds=(0, 1, 2).")
    for s in seeds:
        experiment._seed(s)
    recipe = experiment.recipe_for(rate, smoke)
    bounds = fold_bounds(len(data), folds, horizon)
    first_train = bounds[0][0]
    if lookback is None:
        lookback = experiment.default_lookback(rate, first_train, horizon)
    if first_train - lookback - horizon < experiment.MIN_TRAIN_WINDOWS:
        raise CourseError(
            f"the first fold trains on {first_train} steps, which give {max(first_train - lookback - horizon, 0)} "
            f"windows of lookback {lookback} + horizon {horizon}; at least {experiment.MIN_TRAIN_WINDOWS} are "
            "needed. Fix: pass a longer date range, fewer folds or a shorter lookback=."
        )

    rows, actual_all, forecast_all, seed_all, chosen_all, fold_info = [], [], {}, {s: [] for s in seeds}, [], []
    for k, bound in enumerate(bounds, start=1):
        result = experiment.fit_split(
            data, target, columns, rate, bound, horizon=horizon, lookback=lookback, seeds=seeds, recipe=recipe
        )
        validation = experiment._table(result.actual["val"], result.forecasts["val"])
        test = experiment._table(result.actual["test"], result.forecasts["test"])
        chosen, _ = experiment.choose_on_validation(validation)
        dates = result.actual["test"].index
        for model, row in test.iterrows():
            rows.append(
                {
                    "fold": k,
                    "start": dates[0],
                    "end": dates[-1],
                    "n": len(dates),
                    "model": model,
                    "rmse": row["rmse"],
                    "mae": row["mae"],
                    "skill": row["skill"],
                    "val_skill": validation.loc[model, "skill"],
                    "chosen": model == chosen,
                }
            )
        actual_all.append(result.actual["test"])
        for model, values in result.forecasts["test"].items():
            forecast_all.setdefault(model, []).append(values)
        for s in seeds:
            seed_all[s].append(result.seed_forecasts["test"][s])
        chosen_all.append(result.forecasts["test"][chosen])
        info = result.info
        fold_info.append(
            {
                "fold": k,
                **{part: info["split"][part][:2] for part in ("train", "val", "test")},
                "chosen": chosen,
                "windows": info["windows"],
                "windows_dropped": info["windows_dropped"],
                "epochs": info["epochs"],
                "transforms": info["transforms"],
                "linear": info["linear"],
            }
        )

    table = pd.DataFrame(rows)
    actual = pd.concat(actual_all)
    # A model missing from some folds (climatology needs a year of training) is pooled over the folds it has, against
    # persistence on the same dates; every other model on all of them.
    everywhere = [m for m, v in forecast_all.items() if len(v) == len(bounds)]
    pooled_forecasts = {m: pd.concat(forecast_all[m]) for m in everywhere}
    pooled = metrics.compare(actual, pooled_forecasts)
    for m in [m for m in forecast_all if m not in everywhere]:
        partial = pd.concat(forecast_all[m])
        pooled.loc[m] = metrics.compare(
            actual.loc[partial.index], {"persistence": pooled_forecasts["persistence"].loc[partial.index], m: partial}
        ).loc[m]
    persistence = pooled_forecasts["persistence"]
    seed_scores = {}
    for s in seeds:
        per_fold = [
            metrics.skill(a, f, p)
            for a, f, p in zip(actual_all, seed_all[s], forecast_all["persistence"], strict=True)
        ]
        seed_scores[s] = {"pooled_skill": metrics.skill(actual, pd.concat(seed_all[s]), persistence), "folds": per_fold}
    baselines_only = pooled.loc[[m for m in everywhere if m != "lstm"]]
    best = str(baselines_only["rmse"].idxmin())
    statistic, p_value = diebold_mariano(
        actual - pooled_forecasts["lstm"], actual - pooled_forecasts[best], horizon=horizon
    )
    selected = pd.concat(chosen_all)
    table.attrs = {
        "target": target,
        "horizon": horizon,
        "lookback": lookback,
        "seeds": seeds,
        "folds": fold_info,
        "rate": rate.describe(),
        "block": bounds[0][2] - bounds[0][1],
        "dropped": dropped,
        "pooled": {m: {k: float(v) for k, v in row.items()} for m, row in pooled.iterrows()},
        # models pooled over fewer folds than the others: how many
        "pooled_partial": {m: len(forecast_all[m]) for m in forecast_all if m not in everywhere},
        "seed_scores": seed_scores,
        "dm": {
            "model": "lstm",
            "against": best,
            "statistic": statistic,
            "p_value": p_value,
            "n": len(actual),
            "said": _verdict(pooled, best, statistic, p_value),
        },
        "selected": {
            "skill": metrics.skill(actual, selected, persistence),
            "models": [f["chosen"] for f in fold_info],
        },
        # The pooled test errors (actual - forecast) of every model scored in all folds, as plain lists, so that
        # any two can be compared with diebold_mariano.
        "test_errors": {
            "dates": [str(d) for d in actual.index],
            **{m: (actual - pooled_forecasts[m]).tolist() for m in everywhere},
        },
        "windows_dropped": int(sum(sum(f["windows_dropped"].values()) for f in fold_info)),
        "recipe": {"lookback": lookback, **recipe},  # the lookback used (the rate's default unless given)
        "smoke": bool(smoke),
        "wall_time_s": round(time.perf_counter() - started, 2),
    }
    return table


def _verdict(pooled, best: str, statistic: float, p_value: float) -> str:
    lstm, other = pooled.loc["lstm", "skill"], pooled.loc[best, "skill"]
    lead = "ahead of" if lstm > other else "behind"
    real = "a difference larger than chance (p < 0.05)" if p_value < 0.05 else "not distinguishable from chance"
    return (
        f"pooled over the folds, the LSTM ensemble's skill {lstm:+.3f} is {lead} the best baseline ({best}, "
        f"{other:+.3f}); Diebold-Mariano statistic {statistic:+.2f}, p = {p_value:.3g}: {real}."
    )


# --- ARIMA, the classical peer ----------------------------------------------------------------------------------------


def arima_one_step(series, fit_end: int, *, order=(2, 1, 2), start: int | None = None):
    """One-step-ahead ARIMA forecasts of ``series`` from position ``start`` (default ``fit_end``) to its end.

    The model (statsmodels' ``ARIMA``) is fitted once, on ``series[:fit_end]`` only; its parameters stay fixed while
    ``ARIMAResults.extend`` runs the Kalman filter over the later values, so each forecast uses every value up to
    the day before it and nothing after, without refitting per step. Missing values are handled by the filter (it
    forecasts through them). Returns a Series indexed by the forecast dates.
    """
    import warnings

    import pandas as pd
    from statsmodels.tsa.arima.model import ARIMA

    values = pd.Series(series).astype("float64")
    start = fit_end if start is None else start
    if not 0 < fit_end <= start < len(values):
        raise CourseError(
            f"need 0 < fit_end <= start < len(series) (got fit_end={fit_end}, start={start}, {len(values)} values)."
        )
    with warnings.catch_warnings():
        # statsmodels warns about starting values and an index without a frequency; neither changes the forecasts.
        warnings.simplefilter("ignore")
        fitted = ARIMA(values.iloc[:fit_end].to_numpy(), order=order).fit()
        later = fitted.extend(values.iloc[fit_end:].to_numpy())
        predicted = np.asarray(later.predict(start=0, end=len(values) - fit_end - 1))
    return pd.Series(predicted[start - fit_end :], index=values.index[start:], name="arima")


def _coverage_level(coverage: float) -> float:
    if isinstance(coverage, bool) or not isinstance(coverage, (int, float, np.floating)) or not 0 < coverage < 1:
        raise CourseError(
            f"coverage is the nominal share of values inside the interval, in (0, 1), e.g. 0.8; got {coverage!r}."
        )
    return float(coverage)


def _finite(values, what: str) -> np.ndarray:
    out = np.asarray(values, dtype="float64").ravel()
    if out.size == 0:
        raise CourseError(f"{what} is empty.")
    if not np.isfinite(out).all():
        raise CourseError(f"{what} holds NaN or infinite values. Fix: keep only the dates where both exist.")
    return out


def conformal_quantile(scores, coverage: float = 0.8) -> float:
    """The split-conformal quantile of nonconformity ``scores`` (e.g. absolute residuals) for ``coverage``.

    With ``n`` scores it is the ``ceil((n + 1) * coverage)``-th smallest: if the future score is exchangeable with
    the calibration scores, it falls at or below this value with probability at least ``coverage``. Returns
    ``inf`` when ``n`` is too small for the level (``ceil((n + 1) * coverage) > n``).
    """
    level = _coverage_level(coverage)
    values = np.sort(_finite(scores, "scores"))
    k = math.ceil((values.size + 1) * level)
    return float("inf") if k > values.size else float(values[k - 1])


def conformal_interval(cal_actual, cal_forecast, forecast, coverage: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Split-conformal interval ``forecast -/+ q`` around point forecasts; returns ``(lower, upper)``.

    ``cal_actual``/``cal_forecast`` are a calibration block the model was not fitted on (the validation block):
    ``q`` is :func:`conformal_quantile` of its absolute residuals. The guarantee assumes the test errors behave like
    the calibration errors; when they drift (another season, a sensor change) coverage drifts too: see
    :func:`adaptive_conformal`.
    """
    actual, predicted = _finite(cal_actual, "cal_actual"), _finite(cal_forecast, "cal_forecast")
    if actual.shape != predicted.shape:
        raise CourseError(f"cal_actual and cal_forecast have different lengths ({actual.size} vs {predicted.size}).")
    q = conformal_quantile(np.abs(actual - predicted), coverage)
    point = _finite(forecast, "forecast")
    return point - q, point + q


def adaptive_conformal(
    actual,
    forecast,
    cal_actual,
    cal_forecast,
    *,
    coverage: float = 0.8,
    gamma: float = 0.005,
    window: int | None = None,
    delay: int = 1,
) -> pd.DataFrame:
    """Intervals that recalibrate along the test period, using only errors already known at each forecast.

    The forecasts are taken in time order. For forecast ``j`` the known absolute residuals are the calibration
    block's and those of test forecasts ``0 .. j - delay`` (a forecast ``delay`` steps ahead learns its error
    ``delay`` steps after it is made: pass the horizon). With ``window`` only the most recent ``window`` of them
    are used (recalibrating on a rolling recent window). The interval is ``forecast -/+`` their conformal quantile
    at level ``1 - alpha_j``, and with ``gamma > 0`` the level adapts as in adaptive conformal inference (Gibbs and
    Candes, NeurIPS 2021): ``alpha_(j+1) = alpha_j + gamma * ((1 - coverage) - miss)``, where ``miss`` is 1 if the
    latest known actual fell outside its interval. Misses lower ``alpha`` and widen the next intervals; hits narrow
    them. ``gamma=0`` and ``window=None`` is split conformal with a growing calibration set.

    Returns a DataFrame (indexed like ``forecast`` when it is a Series) with ``lower``, ``upper`` and ``alpha``.
    An ``alpha`` at or below 0 gives an infinite interval, as the method prescribes; ``isinf`` counts them.
    """
    level = _coverage_level(coverage)
    point, truth = _finite(forecast, "forecast"), _finite(actual, "actual")
    if point.shape != truth.shape:
        raise CourseError(f"actual and forecast have different lengths ({truth.size} vs {point.size}).")
    cal_a, cal_f = _finite(cal_actual, "cal_actual"), _finite(cal_forecast, "cal_forecast")
    if cal_a.shape != cal_f.shape:
        raise CourseError(f"cal_actual and cal_forecast have different lengths ({cal_a.size} vs {cal_f.size}).")
    if isinstance(delay, bool) or not isinstance(delay, (int, np.integer)) or delay < 1:
        raise CourseError(f"delay is the number of steps before an error is known (the horizon), >= 1; got {delay!r}.")
    if window is not None and (isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1):
        raise CourseError(f"window is a number of recent residuals (a positive integer) or None; got {window!r}.")
    if not 0 <= gamma < 1:
        raise CourseError(f"gamma is the step size of the level update, in [0, 1) (e.g. 0.005); got {gamma!r}.")
    scores = np.concatenate([np.abs(cal_a - cal_f), np.abs(truth - point)])
    n_cal, n = cal_a.size, point.size
    target_alpha = 1.0 - level
    alpha = target_alpha
    lower, upper, alphas = np.empty(n), np.empty(n), np.empty(n)
    miss = np.zeros(n, dtype=bool)
    for j in range(n):
        known = j - delay + 1  # test residuals 0 .. known - 1 are known when forecast j is made
        if gamma and known >= 1:
            alpha += gamma * (target_alpha - miss[known - 1])
        end = n_cal + max(known, 0)
        pool = scores[max(0, end - window) if window else 0 : end]
        if alpha <= 0:
            q = float("inf")
        elif alpha >= 1:
            q = 0.0
        else:
            k = math.ceil((pool.size + 1) * (1 - alpha))
            q = float("inf") if k > pool.size else float(np.partition(pool, k - 1)[k - 1])
        lower[j], upper[j], alphas[j] = point[j] - q, point[j] + q, alpha
        miss[j] = not (lower[j] <= truth[j] <= upper[j])
    index = forecast.index if isinstance(forecast, pd.Series) else None
    return pd.DataFrame({"lower": lower, "upper": upper, "alpha": alphas}, index=index)

