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
        raise CourseError("the errors hold NaN or infinite values. Fix: keep only the dates where both models forecast.")
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

