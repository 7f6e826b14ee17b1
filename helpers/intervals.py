"""Lesson 09's interval tools that a learner need not read line by line: coverage over time, the guarantee of
adaptive conformal inference, nested bands for a fan chart, and the whole Seattle comparison.

- :func:`interval_row`: coverage, mean width and the count of infinite intervals of one method.
- :func:`rolling_coverage` and :func:`plot_rolling_coverage`: coverage over a moving window of time.
- :func:`aci_bound`: how far adaptive conformal inference's long-run miss rate can be from its target after ``n``
  forecasts (Gibbs and Candes 2021, Proposition 4.1), so that a claim about it can be checked against the bound.
- :func:`nested_bands`: split-conformal intervals at several levels, per forecast step, that nest by construction.
- :func:`seattle_intervals`: the lesson's glucose recipe repeated on Seattle's daily maximum temperature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers import checks, conformal, metrics, models, preprocessing
from helpers.errors import CourseError


def interval_row(actual, lower, upper) -> dict:
    """Coverage (``metrics.coverage``), the mean width of the finite intervals, and how many are infinite."""
    lower, upper = np.asarray(lower, dtype="float64"), np.asarray(upper, dtype="float64")
    finite = np.isfinite(lower) & np.isfinite(upper)
    return {"coverage": metrics.coverage(actual, lower, upper), "mean width": float(np.mean((upper - lower)[finite])),
            "infinite": int((~finite).sum())}


def rolling_coverage(actual, lower, upper, dates, window: str = "2D", min_periods: int = 288) -> pd.Series:
    """Share of actual values inside their interval over the last ``window`` of forecasts (by date), once at least
    ``min_periods`` forecasts are in the window."""
    actual, lower, upper = (np.asarray(v, dtype="float64") for v in (actual, lower, upper))
    hits = pd.Series(((actual >= lower) & (actual <= upper)).astype(float), index=pd.DatetimeIndex(dates))
    return hits.rolling(window, min_periods=min_periods).mean()


def plot_rolling_coverage(curves: Mapping[str, pd.Series], nominal: float, *, colours: Mapping[str, str],
                          title: str, ax=None):
    """One line per method of :func:`rolling_coverage`, the nominal rate dashed; dates ticked so they never collide
    (matplotlib's concise date formatter)."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    for name, curve in curves.items():
        ax.plot(curve.index, curve.to_numpy(), color=colours[name], linewidth=1.2, label=name)
    ax.axhline(nominal, color="#222222", linestyle="--", linewidth=1, label=f"nominal {nominal:.2f}")
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set(title=title, xlabel="date of the forecast target", ylabel="coverage")
    ax.legend(loc="lower left", fontsize=9)
    return ax


def aci_bound(n: int, gamma: float, alpha: float) -> float:
    """The largest gap between adaptive conformal inference's miss rate over ``n`` forecasts and its target
    ``alpha`` that its guarantee allows, for any data: ``(max(alpha, 1 - alpha) + gamma) / (gamma * n)``.

    It holds whatever the errors do (no exchangeability), but it shrinks only as ``1 / n``: with ``gamma = 0.005``
    it is 0.02 after 8,000 forecasts and 0.8 after 200, where it says nothing. (The bound assumes each outcome is
    known before the next forecast; with a delay of ``d`` steps it is a good approximation when ``d`` is small
    against ``n``.)"""
    n = checks.positive_int(n, "n", "forecasts scored")
    gamma = checks.fraction(gamma, "gamma", "the step size of the level update", example=0.005)
    alpha = checks.fraction(alpha, "alpha", "the target miss rate", example=0.2)
    return (max(alpha, 1 - alpha) + gamma) / (gamma * n)


def nested_bands(cal_actual, cal_forecast, forecast, levels: Sequence[float]) -> dict[float, tuple]:
    """Split-conformal ``(lower, upper)`` at each level in ``levels``, computed separately for every forecast step
    (column) from the same calibration residuals, so that a higher level is never narrower: the bands nest.

    ``cal_actual``/``cal_forecast``: ``(n, steps)`` (or ``(n,)``) on the calibration block; ``forecast``: ``(m,
    steps)`` (or ``(m,)``)."""
    cal_a, cal_f = np.asarray(cal_actual, dtype="float64"), np.asarray(cal_forecast, dtype="float64")
    point = np.asarray(forecast, dtype="float64")
    if cal_a.shape != cal_f.shape or cal_a.ndim != point.ndim or cal_a.shape[1:] != point.shape[1:]:
        raise CourseError(f"calibration actual {cal_a.shape}, calibration forecast {cal_f.shape} and forecast "
                          f"{point.shape} must have the same steps (columns).")
    levels = sorted(checks.fraction(level, "level", "a nominal coverage", example=0.8) for level in levels)
    residuals = np.abs(cal_a - cal_f).reshape(len(cal_a), -1)
    bands, previous = {}, np.zeros(residuals.shape[1])
    for level in levels:
        q = np.array([conformal.conformal_quantile(residuals[:, j], level) for j in range(residuals.shape[1])])
        q = np.maximum(q, previous)  # already monotone (same residuals); kept explicit so the nesting is guaranteed
        previous = q
        half = q.reshape(point.shape[1:]) if point.ndim > 1 else q[0]
        bands[level] = (point - half, point + half)
    return bands


def seattle_intervals(build_quantile: Callable, mc_dropout: Callable, *, coverage: float, epochs: int, patience: int,
                      mc_samples: int, seed: int = 42, gamma: float = 0.005) -> tuple[pd.DataFrame, dict]:
    """Lesson 09's glucose comparison on Seattle's next-day maximum temperature (station 72793): 14 days of
    ``tmax``, ``tmin``, ``prcp`` and the season in, tomorrow's ``tmax`` out; a point LSTM with dropout, the quantile
    LSTM ``build_quantile(lookback, n_features)``, Monte Carlo dropout ``mc_dropout(model, X, samples)``, split,
    rolling (last year) and adaptive conformal intervals (``delay=1``). Returns the table of :func:`interval_row`
    per method and a dict with the test days, the point LSTM's skill and the ACI bound."""
    import keras
    from sklearn.preprocessing import StandardScaler

    from helpers.data import load_weather

    weather = preprocessing.fill_gaps(load_weather("72793"))
    frame = preprocessing.add_calendar_features(weather)[["tmax", "tmin", "prcp", "doy_sin", "doy_cos"]]
    split = preprocessing.chronological_split(frame, train=0.7, val=0.15)
    scaler = StandardScaler().set_output(transform="pandas").fit(split.train)
    parts = [scaler.transform(part) for part in split]
    j = list(scaler.feature_names_in_).index("tmax")

    def celsius(values):
        return np.asarray(values, dtype="float64") * scaler.scale_[j] + scaler.mean_[j]

    win = {name: preprocessing.make_windows(part, "tmax", lookback=14)
           for name, part in zip(["train", "val", "test"], parts, strict=True)}
    actual = {name: celsius(w.y) for name, w in win.items()}
    keras.utils.set_random_seed(seed)
    point = models.build_lstm(14, 5, units=32, dropout=0.2, learning_rate=3e-3)
    models.train(point, win["train"], win["val"], epochs=epochs, batch_size=32, patience=patience,
                 label="Seattle point LSTM")
    forecast = {name: celsius(models.predict(point, win[name])) for name in ["val", "test"]}
    keras.utils.set_random_seed(seed)
    quantile = build_quantile(14, 5)
    models.train(quantile, win["train"], win["val"], epochs=epochs, batch_size=32, patience=patience,
                 label="Seattle quantile LSTM")
    qs = celsius(quantile.predict(win["test"].X, verbose=0))
    mc = celsius(mc_dropout(point, win["test"].X, mc_samples))
    calibration = (actual["test"], forecast["test"], actual["val"], forecast["val"])
    rolling = conformal.adaptive_conformal(*calibration, coverage=coverage, gamma=0.0, window=365, delay=1)
    aci = conformal.adaptive_conformal(*calibration, coverage=coverage, gamma=gamma, window=365, delay=1)
    intervals = {
        "quantile LSTM (10-90 %)": (qs[:, 0], qs[:, 2]),
        "Monte Carlo dropout": tuple(np.quantile(mc, [0.1, 0.9], axis=1)),
        "split conformal": conformal.conformal_interval(actual["val"], forecast["val"], forecast["test"], coverage),
        "rolling conformal (last year)": (rolling["lower"].to_numpy(), rolling["upper"].to_numpy()),
        "adaptive conformal (ACI)": (aci["lower"].to_numpy(), aci["upper"].to_numpy()),
    }
    info = {"test days": len(win["test"]),
            "skill": metrics.skill(actual["test"], forecast["test"], celsius(win["test"].last_target)),
            "aci bound": aci_bound(len(win["test"]), gamma, 1 - coverage)}
    table = pd.DataFrame({name: interval_row(actual["test"], lo, hi) for name, (lo, hi) in intervals.items()}).T
    return table, info
