"""Naive forecasts that every model in the course is compared with.

Each baseline returns a ``pd.Series`` indexed by the date it forecasts, so any forecast can be lined up with the
actual values and with the other models on the same dates (:func:`helpers.metrics.compare` aligns them). A model
that cannot beat these is not worth deploying, however good its plot looks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from helpers.errors import PreprocessingError
from helpers.preprocessing import Windows


def _series(series: pd.Series, name: str) -> pd.Series:
    if isinstance(series, pd.DataFrame):
        if series.shape[1] != 1:
            raise PreprocessingError(f"{name} needs one column (a Series), got {list(series.columns)}.")
        series = series.iloc[:, 0]
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        raise PreprocessingError(f"{name} needs a pandas Series with a DatetimeIndex.")
    return series.astype("float64")


def persistence(series: pd.Series, horizon: int = 1) -> pd.Series:
    """Tomorrow = today: the forecast for each date is the value ``horizon`` rows earlier."""
    series = _series(series, "persistence")
    return series.shift(horizon).rename("persistence")


def seasonal_naive(series: pd.Series, season: int = 7, horizon: int = 1) -> pd.Series:
    """The value one season earlier: ``season`` rows back (7 for a weekly, 365 for a yearly cycle in daily data).

    Only values known at the forecast origin are used, so a season shorter than the horizon steps back whole
    seasons until it reaches the past.
    """
    series = _series(series, "seasonal_naive")
    lag = season * int(np.ceil(horizon / season))
    return series.shift(lag).rename("seasonal_naive")


def moving_average(series: pd.Series, window: int = 7, horizon: int = 1) -> pd.Series:
    """The mean of the last ``window`` values known at the forecast origin."""
    series = _series(series, "moving_average")
    return series.rolling(window).mean().shift(horizon).rename("moving_average")


def climatology(train: pd.Series, dates: pd.DatetimeIndex, smooth_days: int = 15) -> pd.Series:
    """The training period's mean for each day of the year, smoothed over ``smooth_days``, at ``dates``.

    Fitted on ``train`` alone: the "normal" weather for that day of the year, with no knowledge of recent days.
    29 February shares 28 February's value.
    """
    train = _series(train, "climatology").dropna()
    if len(train) < 365:
        raise PreprocessingError(
            f"climatology needs at least a year of training data, got {len(train)} rows. Fix: use a longer "
            "training period or another baseline (seasonal_naive, moving_average)."
        )
    doy = _day_of_year(train.index)
    means = train.groupby(doy).mean().reindex(range(1, 366))
    # Circular smoothing: pad with the other end of the year so that 1 January sees late December.
    half = smooth_days // 2
    padded = pd.concat([means.iloc[-half:], means, means.iloc[:half]]) if half else means
    smoothed = padded.rolling(smooth_days, center=True, min_periods=1).mean()
    smoothed = smoothed.iloc[half : half + 365] if half else smoothed
    smoothed.index = range(1, 366)
    smoothed = smoothed.interpolate(limit_direction="both")
    values = smoothed.reindex(_day_of_year(pd.DatetimeIndex(dates))).to_numpy()
    return pd.Series(values, index=pd.DatetimeIndex(dates), name="climatology")


def _day_of_year(index: pd.DatetimeIndex) -> np.ndarray:
    """Day of year 1..365 with 29 February folded onto 28 February, and later leap-year days shifted back."""
    doy = index.day_of_year.to_numpy().copy()
    leap_after_feb = index.is_leap_year & (index.month > 2)
    doy[leap_after_feb] -= 1
    return doy


class LinearBaseline:
    """Ridge regression on the flattened windows: the strongest "simple" baseline.

    It sees exactly the inputs the LSTM sees (every feature at every step of the lookback), so if the LSTM cannot
    beat it, the recurrence is not buying anything. A small ``alpha`` keeps it stable when features are collinear.
    """

    def __init__(self, alpha: float = 1e-3) -> None:
        self.model = Ridge(alpha=alpha)

    def fit(self, windows: Windows) -> LinearBaseline:
        self.model.fit(windows.X.reshape(len(windows), -1), windows.y)
        return self

    def predict(self, windows: Windows) -> np.ndarray:
        return self.model.predict(windows.X.reshape(len(windows), -1)).astype("float64")


# --- ARIMA, the classical peer (lesson 07) -----------------------------------------------------------------------


def arima_one_step(series, fit_end: int, *, order=(2, 1, 2), start: int | None = None) -> pd.Series:
    """One-step-ahead ARIMA forecasts of ``series`` from position ``start`` (default ``fit_end``) to its end.

    The model (statsmodels' ``ARIMA``) is fitted once, on ``series[:fit_end]`` only; its parameters stay fixed while
    ``ARIMAResults.extend`` runs the Kalman filter over the later values, so each forecast uses every value up to
    the day before it and nothing after, without refitting per step. Missing values are handled by the filter (it
    forecasts through them). Returns a Series indexed by the forecast dates, named ``arima``.
    """
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    from helpers.errors import ArgumentError  # imported here: this section was appended to the module

    values = pd.Series(series).astype("float64")
    start = fit_end if start is None else start
    if not 0 < fit_end <= start < len(values):
        raise ArgumentError(
            f"need 0 < fit_end <= start < len(series) (got fit_end={fit_end}, start={start}, {len(values)} values). "
            "Fix: fit on the first part and forecast from its end, e.g. fit_end=len(series) // 2."
        )
    with warnings.catch_warnings():
        # statsmodels warns about starting values and an index without a frequency; neither changes the forecasts.
        warnings.simplefilter("ignore")
        fitted = ARIMA(values.iloc[:fit_end].to_numpy(), order=order).fit()
        later = fitted.extend(values.iloc[fit_end:].to_numpy())
        predicted = np.asarray(later.predict(start=0, end=len(values) - fit_end - 1))
    return pd.Series(predicted[start - fit_end :], index=values.index[start:], name="arima")
