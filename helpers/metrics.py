"""Forecast metrics, the comparison table used by every lesson, and the Diebold-Mariano test.

Skill against persistence, ``1 - RMSE_model / RMSE_persistence``, is the headline number: 0 means "no better than
copying the last value", negative means worse, 1 would be a perfect forecast.

**One rule for matching values**, in every function here: when every argument is a pandas Series, they are matched by
their index (the dates they share, as :func:`compare` does and as ``actual - forecast`` does in pandas); otherwise
they are matched by position and must have the same length. Two Series one day apart are therefore compared date by
date, never row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

from helpers import checks
from helpers.errors import CourseError


def aligned(*values) -> list[np.ndarray]:
    """The arguments as float arrays, matched by the rule of this module (Series by their index, else position).

    A one-column DataFrame counts as the Series it holds. Series that share no label, arrays of different lengths or
    no value at all are errors that say so.
    """
    values = tuple(v.iloc[:, 0] if isinstance(v, pd.DataFrame) and v.shape[1] == 1 else v for v in values)
    if len(values) > 1 and all(isinstance(v, pd.Series) for v in values):
        first = values[0].index
        if not all(v.index.equals(first) for v in values[1:]):
            if any(v.index.has_duplicates for v in values):
                raise CourseError(
                    "the Series have different indexes and one repeats a date, so they cannot be matched by date. "
                    "Fix: keep one value per date, e.g. s = s[~s.index.duplicated(keep='last')]."
                )
            frame = pd.concat(list(values), axis=1, join="inner", ignore_index=True)
            if frame.empty:
                raise CourseError(
                    "the Series share no date (index label), so there is nothing to compare. Fix: forecast the dates "
                    "of the actual values, e.g. forecast.reindex(actual.index)."
                )
            values = tuple(frame[c] for c in frame.columns)
    arrays = [np.asarray(v, dtype="float64").ravel() for v in values]
    sizes = {a.size for a in arrays}
    if len(sizes) > 1:
        detail = " vs ".join(str(a.size) for a in arrays)
        raise CourseError(
            f"actual and forecast have different lengths ({detail}). Fix: pass values of the same dates (pandas "
            "Series are matched by date)."
        )
    if not arrays or arrays[0].size == 0:
        raise CourseError("no values to evaluate.")
    return arrays


def _arrays(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t, p = aligned(y_true, y_pred)
    if np.isnan(t).any() or np.isnan(p).any():
        raise CourseError(
            "actual or forecast contains NaN. Fix: evaluate on dates where both exist "
            "(helpers.metrics.compare aligns pandas Series for you)."
        )
    return t, p


def mse(y_true, y_pred) -> float:
    t, p = _arrays(y_true, y_pred)
    return float(skm.mean_squared_error(t, p))


def rmse(y_true, y_pred) -> float:
    t, p = _arrays(y_true, y_pred)
    return float(skm.root_mean_squared_error(t, p))


def mae(y_true, y_pred) -> float:
    t, p = _arrays(y_true, y_pred)
    return float(skm.mean_absolute_error(t, p))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error in %, over the actual values that are not (near) zero.

    MAPE is meaningless for series that cross zero (temperatures in °C, returns): there it returns NaN rather than
    a huge, misleading number.
    """
    t, p = _arrays(y_true, y_pred)
    scale = np.abs(t)
    if (scale < 1e-8 * max(1.0, scale.max())).any() or (np.sign(t) != np.sign(t[0])).any():
        return float("nan")
    return float(100 * skm.mean_absolute_percentage_error(t, p))


def r2(y_true, y_pred) -> float:
    t, p = _arrays(y_true, y_pred)
    return float(skm.r2_score(t, p))


def skill(y_true, y_pred, y_reference) -> float:
    """``1 - RMSE(model) / RMSE(reference)``; the reference is usually persistence. NaN when the reference is
    perfect (its RMSE is 0: there is no error to improve on)."""
    y_true, y_pred, y_reference = aligned(y_true, y_pred, y_reference)
    reference = rmse(y_true, y_reference)
    if reference == 0:
        return float("nan")
    return float(1 - rmse(y_true, y_pred) / reference)


def evaluate(y_true, y_pred, y_reference=None) -> dict[str, float]:
    """All metrics of one forecast: mse, rmse, mae, mape, r2, and skill when a reference is given."""
    if y_reference is not None:
        y_true, y_pred, y_reference = aligned(y_true, y_pred, y_reference)
    out = {
        "mse": mse(y_true, y_pred),
        "rmse": rmse(y_true, y_pred),
        "mae": mae(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "r2": r2(y_true, y_pred),
    }
    if y_reference is not None:
        out["skill"] = skill(y_true, y_pred, y_reference)
    return out


def compare(actual, forecasts: Mapping[str, object], reference: str = "persistence") -> pd.DataFrame:
    """One tidy table: a row per model, columns mse, rmse, mae, mape, r2 and skill against ``reference``.

    ``actual`` and the forecasts may be arrays of equal length, or pandas Series with a DatetimeIndex: Series are
    aligned on the dates that all of them share (and that are not NaN), so every model is scored on exactly the same
    days. ``reference`` must be one of the forecasts.
    """
    if reference not in forecasts:
        raise CourseError(f"the reference {reference!r} is not among the forecasts {list(forecasts)}.")
    if isinstance(actual, pd.Series) and all(isinstance(f, pd.Series) for f in forecasts.values()):
        frame = pd.concat({"__actual__": actual, **forecasts}, axis=1, join="inner").dropna()
        if frame.empty:
            raise CourseError("actual and forecasts share no date without NaN.")
        actual_values = frame.pop("__actual__").to_numpy()
        columns = {name: frame[name].to_numpy() for name in forecasts}
    else:
        actual_values = np.asarray(actual, dtype="float64").ravel()
        columns = {name: np.asarray(f, dtype="float64").ravel() for name, f in forecasts.items()}
    rows = {name: evaluate(actual_values, values, columns[reference]) for name, values in columns.items()}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table


def direction_accuracy(actual_change, predicted_change, confidence: float = 0.95) -> dict[str, float]:
    """How often the forecast gets the sign of the change right, with a Wilson interval and a test against 50 %.

    Days with no actual change are left out. Returns ``accuracy``, ``low``, ``high`` (the confidence interval),
    ``n`` and ``p_value`` (two-sided binomial test of "no better than a coin flip").
    """
    confidence = checks.fraction(confidence, "confidence", "the level of the interval", example=0.95)
    a, p = _arrays(actual_change, predicted_change)
    keep = a != 0
    hits = int(np.sum(np.sign(a[keep]) == np.sign(p[keep])))
    n = int(keep.sum())
    if n == 0:
        raise CourseError("no non-zero actual changes to score.")
    test = stats.binomtest(hits, n, 0.5)
    ci = test.proportion_ci(confidence, method="wilson")
    return {"accuracy": hits / n, "low": float(ci.low), "high": float(ci.high), "n": n, "p_value": float(test.pvalue)}


def lag_correlation(actual: pd.Series, forecast: pd.Series, max_lag: int = 5) -> pd.Series:
    """Correlation of the forecast with the actual series shifted by 0..``max_lag`` steps.

    A forecast that is really "yesterday's value" correlates best at lag 1: ``forecast[t]`` matches ``actual[t-1]``.
    Computed on changes (first differences), where the tell is visible; price levels correlate at every lag.
    """
    actual, forecast = aligned(actual, forecast)
    a = pd.Series(actual).diff()
    f = pd.Series(forecast).diff()
    values = {lag: f.corr(a.shift(lag)) for lag in range(0, max_lag + 1)}
    return pd.Series(values, name="correlation").rename_axis("lag")


# ----------------------------------------------------------------------------------------------------------------
# The Clarke error grid: the glucose field's own measure of whether a forecast error matters clinically
# ----------------------------------------------------------------------------------------------------------------

#: What each zone of the Clarke error grid means (Clarke et al., Diabetes Care 10(5):622-628, 1987).
CLARKE_ZONE_MEANING = {
    "A": "within 20 % of the reference, or both in the hypoglycaemic range (< 70 mg/dL): clinically accurate",
    "B": "outside 20 % but would lead to benign or no treatment",
    "C": "would lead to unnecessary treatment (overcorrecting an acceptable glucose level)",
    "D": "dangerous failure to detect hypo- or hyperglycaemia",
    "E": "erroneous treatment: hypo- and hyperglycaemia confused",
}


def clarke_zones(reference, predicted) -> np.ndarray:
    """The Clarke error grid zone ('A'..'E') of every (reference, predicted) pair, both in mg/dL.

    The zone boundaries are the published ones (Clarke et al. 1987), as drawn by :func:`helpers.plots.plot_clarke_grid`:

    * **A**: the prediction is within 20 % of the reference, or both are below 70 mg/dL;
    * **E**: reference <= 70 and prediction >= 180, or reference >= 180 and prediction <= 70;
    * **C**: 70 <= reference <= 290 and prediction >= reference + 110 (overcorrecting a normal level upwards),
      or 130 <= reference <= 180 and prediction <= 7/5 reference - 182 (downwards);
    * **D**: reference >= 240 and 70 <= prediction <= 180 (missed hyperglycaemia), or reference <= 70 and the
      prediction above zone A's band but below 180 (missed hypoglycaemia: reference <= 175/3 and prediction >= 70,
      or 175/3 <= reference <= 70 and prediction >= 6/5 reference);
    * **B**: everything else.

    A point exactly on a boundary goes to the first zone in the order A, E, C, D, B.
    """
    ref, pred = _arrays(reference, predicted)
    if ref.max() < 35 and pred.max() < 35:
        raise CourseError(
            "every value is below 35: these look like mmol/L, but the Clarke grid is defined in mg/dL. "
            "Fix: multiply both by 18.0 (1 mmol/L of glucose is about 18 mg/dL)."
        )
    if (ref < 0).any():
        raise CourseError("a reference glucose value is negative. Fix: pass the measured values in mg/dL.")
    zone_a = ((ref <= 70) & (pred <= 70)) | ((pred >= 0.8 * ref) & (pred <= 1.2 * ref))
    zone_e = ((ref >= 180) & (pred <= 70)) | ((ref <= 70) & (pred >= 180))
    zone_c = ((ref >= 70) & (ref <= 290) & (pred >= ref + 110)) | (
        (ref >= 130) & (ref <= 180) & (pred <= 7 / 5 * ref - 182)
    )
    zone_d = (
        ((ref >= 240) & (pred >= 70) & (pred <= 180))
        | ((ref <= 175 / 3) & (pred >= 70) & (pred <= 180))
        | ((ref >= 175 / 3) & (ref <= 70) & (pred >= 6 / 5 * ref))
    )
    return np.select([zone_a, zone_e, zone_c, zone_d], ["A", "E", "C", "D"], default="B")


def clarke_shares(reference, predicted) -> pd.Series:
    """The share of pairs in each Clarke zone, indexed 'A'..'E' (zones with no pair show 0); it sums to 1."""
    zones = pd.Series(clarke_zones(reference, predicted))
    return zones.value_counts(normalize=True).reindex(list("ABCDE"), fill_value=0.0).rename("share").rename_axis("zone")


def pinball_loss(y_true, y_quantile, quantile: float) -> float:
    """Mean pinball (quantile) loss of a forecast of the ``quantile`` quantile (a number in (0, 1)).

    For an error ``e = actual - forecast`` the loss is ``quantile * e`` when the forecast is too low and
    ``(quantile - 1) * e`` when it is too high. Its minimiser is the true quantile: for 0.9, forecasts too low cost
    nine times as much as forecasts too high, so the best forecast sits above 90 % of the outcomes. For 0.5 it is
    half the mean absolute error. Computed by scikit-learn's ``mean_pinball_loss``; units are the target's.
    """
    quantile = checks.fraction(quantile, "quantile", "the level of the forecast quantile", example=0.9)
    t, q = _arrays(y_true, y_quantile)
    return float(skm.mean_pinball_loss(t, q, alpha=float(quantile)))


def coverage(y_true, lower, upper) -> float:
    """The share of actual values inside their interval ``[lower, upper]`` (ends included).

    An 80 % interval that means what it says covers about 0.80 of the actual values. A lower bound above its upper
    bound (crossed quantiles) is refused rather than silently counted as a miss.
    """
    t, lo, hi = aligned(y_true, lower, upper)
    if np.isnan(t).any() or np.isnan(lo).any() or np.isnan(hi).any():
        raise CourseError("actual or an interval bound contains NaN. Fix: keep the dates where all three exist.")
    crossed = int(np.sum(lo > hi))
    if crossed:
        raise CourseError(
            f"{crossed} interval(s) have lower > upper (crossed quantiles). Fix: sort the quantile forecasts "
            "(np.sort(q, axis=1)) or use a model whose quantiles cannot cross."
        )
    return float(np.mean((t >= lo) & (t <= hi)))


# ----------------------------------------------------------------------------------------------------------------
# The Diebold-Mariano test: is one forecast's lead over another larger than chance?
# ----------------------------------------------------------------------------------------------------------------


class DieboldMariano(NamedTuple):
    """The result of :func:`diebold_mariano`; unpacks as ``statistic, p_value = ...``."""

    statistic: float  #: negative: the first forecast has the smaller squared errors
    p_value: float  #: two-sided: how often a difference at least this large appears by chance


def diebold_mariano(errors_a, errors_b, horizon: int = 1) -> DieboldMariano:
    """Diebold-Mariano test of equal accuracy of two forecasts of the same values, with the Harvey-Leybourne-Newbold
    small-sample correction. Returns ``(statistic, p_value)``.

    ``errors_a`` and ``errors_b`` are the forecast errors (actual - forecast) of two models on the same dates (two
    Series are matched by date); ``horizon`` is how many steps ahead they forecast. The loss differential is the
    squared-error difference ``d_t = e_a[t]**2 - e_b[t]**2``. Its long-run variance uses the autocovariances up to
    lag ``horizon - 1`` (an ``h``-step forecast's errors overlap for ``h - 1`` steps), ``V = (gamma_0 + 2 * sum_k
    gamma_k) / n``; the statistic ``mean(d) / sqrt(V)`` is multiplied by ``sqrt((n + 1 - 2h + h(h - 1) / n) / n)``
    (Harvey, Leybourne and Newbold, 1997) and compared with Student's t with ``n - 1`` degrees of freedom (two-sided).

    A **negative** statistic means ``a`` has the smaller squared errors; the p-value says how often a difference at
    least this large would appear by chance if both forecasts were equally accurate. If the long-run variance comes
    out non-positive (possible for ``horizon > 1`` on short samples), the lag-0 variance is used instead.

    Two limits are answered exactly rather than by the formula (which would divide by zero): the same squared error
    on every date gives ``(0.0, 1.0)``, no difference at all; a difference of the same size on every date (one model
    worse by the same amount everywhere) gives ``(-inf, 0.0)`` or ``(+inf, 0.0)``: as strong as evidence gets, with
    the sign saying which model is better.
    """
    horizon = checks.positive_int(horizon, "horizon", "steps ahead")
    a, b = aligned(errors_a, errors_b)
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise CourseError("the errors hold NaN or infinite values. Fix: keep the dates where both models forecast.")
    n = a.size
    if n < 3 or n <= horizon:
        raise CourseError(
            f"the test needs more errors than the horizon and at least 3; got {n} errors for horizon {horizon}. Fix: "
            "compare the models on more dates, or a shorter horizon."
        )
    d = a**2 - b**2
    mean = d.mean()
    centred = d - mean
    gamma = [centred[k:] @ centred[: n - k] / n for k in range(horizon)]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    if variance <= 0:
        variance = gamma[0] / n
    if variance <= 0:
        if mean == 0:  # the same squared error on every date: no difference at all
            return DieboldMariano(0.0, 1.0)
        return DieboldMariano(float(np.copysign(np.inf, mean)), 0.0)  # the same gap on every date
    statistic = mean / np.sqrt(variance)
    statistic *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    p_value = 2 * stats.t.sf(abs(statistic), df=n - 1)
    return DieboldMariano(float(statistic), float(p_value))
