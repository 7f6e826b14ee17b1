"""Prediction intervals around any point forecast, calibrated on held-out residuals (lesson 09).

- :func:`conformal_quantile` and :func:`conformal_interval`: split conformal, calibrated once on a block the model
  was not fitted on (the validation block);
- :func:`adaptive_conformal`: intervals that recalibrate along the test period as the errors drift (a rolling
  recent window, and adaptive conformal inference).

Their coverage is measured with :func:`helpers.metrics.coverage`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import checks
from helpers.errors import CourseError


def _coverage_level(coverage: float) -> float:
    return checks.fraction(coverage, "coverage", "the nominal share of values inside the interval")


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
    delay = checks.positive_int(delay, "delay", "steps before an error is known: the horizon")
    if window is not None:
        window = checks.positive_int(window, "window", "recent residuals that calibrate, or None for all", example=500)
    gamma = checks.fraction(gamma, "gamma", "the step size of the level update", zero_ok=True, example=0.005)
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

