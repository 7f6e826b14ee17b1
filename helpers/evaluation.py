"""Evaluation a learner can trust: the Diebold-Mariano test, rolling-origin backtests, ARIMA as the classical peer.

One chronological split gives one number, and that number depends on which season or which market regime the test
period happened to fall in. This module gives the tools of lesson 07:

- :func:`diebold_mariano`: is the difference between two forecasts' errors larger than chance?
- :func:`backtest` (added with the rolling-origin evaluation): the pipeline of :func:`helpers.experiment.run_forecast`
  repeated over several test blocks, with a seed ensemble and pooled scores.
"""

from __future__ import annotations

import numpy as np
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
