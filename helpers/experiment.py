"""The whole forecasting pipeline of the course in one call: :func:`run_forecast`.

The lessons build each step by hand; this module chains the same helpers so that a learner (or the benchmark in
``benchmarks/``) can run the pipeline on any regularly sampled frame and get an honest comparison table.
:func:`helpers.evaluation.backtest` repeats the same steps over several rolling-origin folds.

1. **Check the input** (:func:`_select_columns`): the target and the features must exist, be numeric and hold values;
   an infinite value is an error that names the column and the dates. ``features=None`` takes every numeric column
   and skips the rest (non-numeric, all-NaN, infinite values, gaps too long to fill), saying so in
   ``table.attrs["dropped"]``; a column asked for by name that cannot be used is an error.
2. **The sampling rate** is inferred from the index (:func:`infer_rate`): 5-minute, hourly, daily, trading days,
   weekly ... ``horizon`` and ``lookback`` count steps of that rate. Calendar data is put on its regular grid
   (missing timestamps become gaps); trading days keep their rows (a weekend is not a gap). A time-zone-aware index
   is accepted, daylight-saving switches included: sub-daily data is worked on in UTC (the real time between
   readings), daily data on the local calendar. An index with no regular step is an error that names the fix.
3. **Chronological split** 70 / 15 / 15 (:func:`~helpers.preprocessing.chronological_split`), then **short gaps** are
   filled inside each part on its own, so no interpolated value borrows from the other side of a split boundary.
   **Long gaps are never bridged**: they stay missing, and every window that touches one is dropped (counted in
   ``table.attrs["windows_dropped"]``).
4. **Stationary inputs**, decided on the training part only (:func:`choose_transforms`): a column that wanders like
   a price (autocorrelation over one day above 0.98 in training, or an augmented Dickey-Fuller test,
   statsmodels' ``adfuller``, that cannot reject a random walk at 5 %) enters as its change, ``log`` change when it
   is strictly positive; a strictly positive, right-skewed column such as volume (or glucose) enters as its
   logarithm; anything else (a temperature) enters as its level. A target that enters as its level or logarithm
   also enters as its change (a bounded level carries information that its changes do not, and the other way
   round). Calendar-daily data with at least a year of training gets the day-of-year sine/cosine; sub-daily data
   gets the time of day (local time).
5. **The target is the change from the last value** ``y[t+h] - y[t]`` (``log(y[t+h] / y[t])`` for a price-like
   target), not the level. Predicting the level lets a network hide behind "copy the last value" and look good on a
   plot; predicting the change makes persistence the zero forecast, so any skill is skill. The forecast in the
   target's own units is the last value plus the predicted change.
6. **Scaling** with a ``MinMaxScaler`` fitted on the training part alone. Changes are also clipped to the training
   part's 0.5-99.5 % range before scaling (a stock split in unadjusted prices would otherwise squash every ordinary
   day into a sliver of the scaler's range); the scores use the real values.
7. **Windows** of ``lookback`` steps; validation and test windows may look back into the part before them (that past
   is known at forecast time), so every validation and test step that has a complete window is forecast and scored.
8. **Models**, all fitted on the training windows only: persistence (the last value), a seasonal baseline where a
   season is known (climatology for calendar-daily data with a year of training; the same time one day earlier for
   sub-daily data), ``linear`` (ridge regression on the last steps of the same windows,
   :class:`~helpers.baselines.LinearBaseline`; how many steps and the penalty are chosen on the validation part,
   which makes it a strong baseline) and the LSTM (:func:`~helpers.models.build_lstm`, trained with early stopping on
   the validation loss, best weights restored).
9. **Scores** on the test period in the target's units (:func:`~helpers.metrics.compare`), skill against
   persistence. The validation scores are in ``table.attrs``; **the baselines are candidates**: the model with the
   lowest validation RMSE is ``attrs["chosen"]``, said in a sentence in ``attrs["choice"]`` (if persistence or ridge
   wins on validation, that is the answer).

Defaults per sampling rate (:data:`RATE_DEFAULTS`; ``lookback=`` overrides the window):

====================  ===========================  =====================  ===============================
step                  lookback (window)            short gaps filled      seasonal baseline
====================  ===========================  =====================  ===============================
under 1 hour          2 hours (at least 12 steps)  up to 15 minutes       same time one day earlier
1 hour to under 1 day 1 day (at least 12 steps)    up to 3 hours          same time one day earlier
1 day (calendar)      14 days                      up to 7 days           climatology (a year of training)
trading days          14 trading days              up to 7 rows           none
longer than 1 day     14 steps                     1 step                 none
====================  ===========================  =====================  ===============================

Sub-daily series are long (52,000 readings of a 5-minute sensor): their LSTM trains on at most
``max_train_windows`` windows (every k-th training window, evenly spread), with batches of 128 and at most 30
epochs (:data:`SUBDAILY_RECIPE`), so that one call takes about a minute on two CPU cores. The ridge sees every
window.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from helpers import baselines, metrics, models, preprocessing
from helpers.errors import PreprocessingError
from helpers.notebook import seed_everything

#: The recipe of a full run on daily data, chosen on the validation split of the shipped snapshots only (the
#: evidence is in benchmarks/README.md). The ridge baseline picks its window and penalty on validation each call.
FULL_RECIPE = {
    "units": 32,
    "dropout": 0.2,
    "learning_rate": 3e-3,
    "batch_size": 32,
    "epochs": 80,
    "patience": 10,
    "max_train_windows": 20_000,
    "ridge_steps": (1, 3, 7, 14),
    "ridge_alpha": (0.1, 1.0, 10.0, 100.0, 1000.0),
    "feature_range": (-1.0, 1.0),
}
#: Sub-daily data (thousands of windows, smooth steps): bigger batches and fewer epochs; chosen on the validation
#: period of the glucose readings (benchmarks/README.md). ``ridge_steps=None``: 1, a quarter, half and all of the
#: lookback.
SUBDAILY_RECIPE = {**FULL_RECIPE, "dropout": 0.0, "batch_size": 128, "epochs": 30, "patience": 5, "ridge_steps": None}
#: A tiny run for tests and notebooks in smoke mode: seconds, numbers meaningless.
SMOKE_RECIPE = {
    **FULL_RECIPE,
    "units": 8,
    "dropout": 0.0,
    "epochs": 2,
    "patience": 1,
    "max_train_windows": 2_000,
    "ridge_steps": (1, 7),
    "ridge_alpha": (1.0,),
}

#: Fractions of the chronological split (train, validation); the test part is the rest.
SPLIT = (0.7, 0.15)
#: p-value of the augmented Dickey-Fuller test above which a column counts as wandering (no evidence at 5 % that
#: it returns to a mean): it enters as its change.
ADF_P_VALUE = 0.05
#: ... and so does a column whose autocorrelation over one day (lag 1 for daily data) in training is above this (a
#: price that happened to fall and recover in training can pass the test, yet is no less a wandering level).
WANDER_AUTOCORR = 0.98
#: Changes are clipped to these training quantiles before scaling.
CLIP_QUANTILES = (0.005, 0.995)
#: Fewest training windows the pipeline accepts.
MIN_TRAIN_WINDOWS = 20
#: A calendar-daily frame has at least this share of all calendar days between its first and last row.
CALENDAR_SHARE = 0.9

_CHANGE = "__target_change__"  # the column the models learn; a name no learner's frame uses
_DAY = pd.Timedelta(days=1)


# --- The sampling rate ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """The sampling rate of a frame and the defaults that go with it (see :data:`RATE_DEFAULTS`)."""

    step: pd.Timedelta
    kind: str  # "sub-daily", "daily", "trading days", "multi-day"
    freq: str | None  # the regular grid; None for trading days (the rows are the steps)
    lookback: int
    fill_limit: int  # short gaps: at most this many consecutive missing steps are interpolated
    season: int | None  # steps in one day (sub-daily data whose step divides a day): the seasonal baseline's lag
    tz: str | None = None  # the original time zone of a tz-aware index

    @property
    def label(self) -> str:
        if self.kind == "trading days":
            return "1 trading day"
        return _duration(self.step)

    def describe(self) -> str:
        return (
            f"{self.label} steps ({self.kind}); default lookback {self.lookback} steps, gaps of up to "
            f"{self.fill_limit} step(s) interpolated"
        )


def _duration(delta: pd.Timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return str(delta)


#: Defaults per rate, as durations turned into steps by :func:`infer_rate`: (lookback, at least this many steps),
#: longest gap filled.
RATE_DEFAULTS = {
    "sub-hourly": {"lookback": pd.Timedelta(hours=2), "min_lookback": 12, "fill": pd.Timedelta(minutes=15)},
    "hourly": {"lookback": pd.Timedelta(days=1), "min_lookback": 12, "fill": pd.Timedelta(hours=3)},
    "daily": {"lookback": 14, "fill": 7},
    "trading days": {"lookback": 14, "fill": 7},
    "multi-day": {"lookback": 14, "fill": 1},
}


def _working_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The naive index the pipeline works on: UTC for sub-daily tz-aware data (the real time between readings,
    whatever the clocks did), the local calendar for daily tz-aware data (a local midnight is 23 or 25 hours after
    the previous one across a daylight-saving switch)."""
    if index.tz is None:
        return index
    utc = index.tz_convert("UTC").tz_localize(None)
    if len(index) > 1 and (utc[1:] - utc[:-1]).median() >= pd.Timedelta(hours=20):
        return index.tz_localize(None)
    return utc


def infer_rate(index: pd.DatetimeIndex) -> Rate:
    """The sampling step of ``index`` and the pipeline's defaults for it.

    The step is the most common difference between consecutive timestamps; every difference must be a whole number
    of steps (a missing reading is a gap; a reading off the grid is an error). Daily data with no weekend rows and
    fewer rows than calendar days is a trading-day calendar: its rows are its steps.
    """
    tz = None if index.tz is None else str(index.tz)
    work = _working_index(index)
    if len(work) < 3:
        raise PreprocessingError(
            f"the frame has {len(work)} rows: too few to tell its sampling rate, let alone forecast. Fix: pass a "
            "longer date range."
        )
    deltas = pd.Series(work[1:] - work[:-1])
    step = deltas.mode().iloc[0]
    off_grid = deltas[(deltas % step) != pd.Timedelta(0)]
    if len(off_grid):
        examples = ", ".join(str(work[i + 1]) for i in off_grid.index[:3])
        grid = _freq_alias(step)
        raise PreprocessingError(
            f"the index has no regular step: the most common step is {_duration(step)}, but {len(off_grid)} of "
            f"{len(deltas)} steps are not whole multiples of it (e.g. the readings at {examples}). Fix: put the "
            f"frame on a regular grid first, e.g. frame.resample('{grid}').mean() (the mean of the readings in each "
            f"{_duration(step)}; missing steps become NaN, which the pipeline treats as gaps)."
        )
    if step < _DAY:
        tier = RATE_DEFAULTS["sub-hourly" if step < pd.Timedelta(hours=1) else "hourly"]
        lookback = max(tier["min_lookback"], int(tier["lookback"] / step))
        fill = max(1, int(tier["fill"] / step))
        season = int(_DAY / step) if _DAY % step == pd.Timedelta(0) else None
        return Rate(step, "sub-daily", _freq_alias(step), lookback, fill, season, tz)
    if step == _DAY:
        days = (work[-1] - work[0]).days + 1
        weekend = work.day_of_week >= 5
        if len(work) >= CALENDAR_SHARE * days or weekend.any():
            d = RATE_DEFAULTS["daily"]
            return Rate(step, "daily", "D", d["lookback"], d["fill"], None, tz)
        d = RATE_DEFAULTS["trading days"]
        return Rate(step, "trading days", None, d["lookback"], d["fill"], None, tz)
    d = RATE_DEFAULTS["multi-day"]
    return Rate(step, "multi-day", _freq_alias(step), d["lookback"], d["fill"], None, tz)


def _freq_alias(step: pd.Timedelta) -> str:
    seconds = int(step.total_seconds())
    for alias, size in (("D", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds % size == 0:
            return f"{seconds // size}{alias}" if seconds // size != 1 else alias
    return f"{int(step / pd.Timedelta(microseconds=1))}us"


# --- Transforms ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transform:
    """How one column enters the model: ``level``, ``log``, ``diff`` or ``logdiff``."""

    column: str
    kind: str

    def apply(self, series: pd.Series, periods: int = 1) -> pd.Series:
        s = series.astype("float64")
        if self.kind == "level":
            return s
        if self.kind == "log":
            return np.log(s)
        if self.kind == "diff":
            return s.diff(periods)
        if self.kind == "logdiff":
            return np.log(s).diff(periods)
        raise PreprocessingError(f"unknown transform {self.kind!r}.")

    @property
    def name(self) -> str:
        # Strings always: scikit-learn's scaler keeps column names only when every name is a string.
        return str(self.column) if self.kind == "level" else f"{self.column}_{self.kind}"


def unit_root_pvalue(values) -> float:
    """p-value of the augmented Dickey-Fuller test (statsmodels' ``adfuller``, with a constant, lags chosen by BIC).

    Small (below 0.05) means the series is pulled back to a mean; large means there is no evidence against a random
    walk (a "unit root"), as with prices. The number of lags is chosen by BIC, which keeps the test's power on a few
    years of seasonal weather (AIC picks many lags and then cannot reject a random walk for Seattle's temperatures).
    Too short (under 20 values) or constant series count as stationary (0.0).
    """
    from statsmodels.tsa.stattools import adfuller

    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    if len(x) < 20 or np.ptp(x) == 0:
        return 0.0
    # At most about a month of lags for daily data: enough for the test, and quick on 50,000 readings.
    maxlag = min(30, int(12 * (len(x) / 100) ** 0.25))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(adfuller(x, maxlag=maxlag, regression="c", autolag="BIC")[1])


def choose_transforms(train: pd.DataFrame, lag: int = 1) -> dict[str, str]:
    """Decide, from the training part alone, how each column enters the model (see the module docstring).

    ``diff`` / ``logdiff`` (for strictly positive columns) when the column wanders: its autocorrelation at ``lag``
    steps (one day: 1 for daily data, 288 for 5-minute data) is above :data:`WANDER_AUTOCORR`, or the augmented
    Dickey-Fuller test cannot reject a random walk (:func:`unit_root_pvalue` above :data:`ADF_P_VALUE`). ``log`` for
    strictly positive, right-skewed columns (skewness above 1: volumes), ``level`` otherwise.
    """
    kinds = {}
    for column in train.columns:
        s = train[column].astype("float64")
        finite = s.dropna()
        positive = bool((finite > 0).all())
        autocorr = s.autocorr(lag) if finite.std() > 0 and len(finite) > lag + 2 else 0.0
        if autocorr > WANDER_AUTOCORR or unit_root_pvalue(np.log(finite) if positive else finite) > ADF_P_VALUE:
            kinds[column] = "logdiff" if positive else "diff"
        elif positive and finite.skew() > 1:
            kinds[column] = "log"
        else:
            kinds[column] = "level"
    return kinds


def _positive_int(value, name: str, meaning: str) -> int:
    bad_type = isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float))
    if bad_type or value != int(value) or value < 1:
        raise PreprocessingError(f"{name} must be a positive integer ({meaning}), got {value!r}. Fix: e.g. {name}=1.")
    return int(value)


# --- Input checks ----------------------------------------------------------------------------------------------------


def _dates(index: pd.Index, limit: int = 3) -> str:
    midnight = isinstance(index, pd.DatetimeIndex) and (index == index.normalize()).all()
    shown = ", ".join(str(t.date()) if midnight else str(t) for t in index[:limit])
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def _check_index(frame: pd.DataFrame) -> None:
    """Errors about the index that validate_frame would report less precisely (time zones, DST, timestamps)."""
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) and len(index) and all(isinstance(t, pd.Timestamp) for t in index):
        zones = sorted({str(t.tz) for t in index})
        raise PreprocessingError(
            f"the index mixes time zones ({', '.join(zones)}), so pandas cannot hold it as one DatetimeIndex. Fix: "
            "convert every timestamp to one zone, e.g. frame.index = pd.to_datetime(frame.index, utc=True)."
        )
    if isinstance(index, pd.DatetimeIndex) and index.has_duplicates:
        dupes = index[index.duplicated()].unique()
        hint = ""
        unique = index.unique()
        sub_daily = len(unique) > 1 and (unique[1:] - unique[:-1]).min() < _DAY
        if index.tz is None and sub_daily:
            hint = (
                " If these are the repeated hour of a daylight-saving switch in local clock time, tell pandas the "
                "time zone instead: frame = frame.tz_localize('Europe/Berlin', ambiguous='infer') (your zone)."
            )
        raise PreprocessingError(
            f"the index has {len(dupes)} duplicated timestamp(s) ({_dates(dupes)}). Fix: keep one row per "
            f"timestamp, e.g. frame = frame[~frame.index.duplicated(keep='last')].{hint}"
        )


def _select_columns(frame, target: str, features: Sequence[str] | None) -> tuple[pd.DataFrame, list[str], dict]:
    """Check ``frame``, ``target`` and ``features``; return the frame with the columns used, the input columns and
    the columns skipped (``features=None`` only) with the reason."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise PreprocessingError(f"run_forecast needs a pandas DataFrame, got {type(frame).__name__}.")
    if not isinstance(target, str) and not np.isscalar(target):
        raise PreprocessingError(f"target must be one column name, got {target!r}.")
    if target not in frame.columns:
        raise PreprocessingError(
            f"unknown target column {target!r}; the frame has {list(frame.columns)}. Fix: pick one of those."
        )
    if not pd.api.types.is_numeric_dtype(frame[target]) or pd.api.types.is_bool_dtype(frame[target]):
        raise PreprocessingError(
            f"the target {target!r} is not numeric (dtype {frame[target].dtype}). Fix: forecast a numeric column, or "
            "convert this one first (e.g. pd.to_numeric(frame[target], errors='coerce'))."
        )
    if frame[target].isna().all():
        raise PreprocessingError(
            f"the target {target!r} is all NaN: there is nothing to forecast. Fix: pick a column with values."
        )
    _check_index(frame)
    # Index and order: validate_frame names the fix.
    preprocessing.validate_frame(frame[[target]], allow_nan=True)
    dropped: dict[str, str] = {}
    if features is None:
        columns = []
        for c in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
                dropped[c] = "not numeric"
            elif frame[c].isna().all():
                dropped[c] = "all NaN"
            elif c != target and np.isinf(frame[c].to_numpy("float64", na_value=np.nan)).any():
                dropped[c] = "infinite values"
            else:
                columns.append(c)
    else:
        columns = [features] if isinstance(features, str) else list(features)
        if not columns:
            raise PreprocessingError("features is empty. Fix: pass None (every numeric column) or column names.")
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise PreprocessingError(
                f"unknown feature column(s) {missing}; the frame has {list(frame.columns)}. Fix: pick from those."
            )
    columns = list(dict.fromkeys([target, *columns]))
    # Non-numeric / all-NaN columns asked for by name: validate_frame raises with the fix.
    preprocessing.validate_frame(frame[columns], allow_nan=True)
    for c in columns:
        bad = ~np.isfinite(frame[c].to_numpy("float64", na_value=np.nan)) & frame[c].notna().to_numpy()
        if bad.any():
            where = frame.index[bad]
            what = "the target" if c == target else "the feature"
            fix = (
                f"correct those values, or mark them missing with frame[{c!r}] = frame[{c!r}].replace([np.inf, "
                "-np.inf], np.nan) (the pipeline treats a missing value as a gap)"
            )
            if c != target:
                fix += ", or leave the column out of features="
            raise PreprocessingError(
                f"{what} {c!r} holds {int(bad.sum())} infinite value(s), at {_dates(where)}. Fix: {fix}."
            )
    return frame[columns], columns, dropped


def _nan_runs(values: pd.Series) -> pd.Series:
    """For each row, the length of the run of consecutive NaN it belongs to (0 for a value)."""
    missing = values.isna()
    run_id = (~missing).cumsum()
    lengths = missing.groupby(run_id).transform("sum")
    return lengths.where(missing, 0).astype(int)


def _regularize(frame: pd.DataFrame, columns: list[str], target: str, explicit: bool, dropped: dict, rate: Rate):
    """Put the frame on its regular grid (missing timestamps become NaN). With ``features=None`` a feature with a
    gap too long to fill is skipped (it would cost windows); the target and named features keep theirs."""
    regular = frame.copy()
    regular.index = _working_index(frame.index)
    regular = regular.astype("float64")
    if rate.freq is not None:
        regular = regular.asfreq(rate.freq)
    keep = []
    for c in columns:
        longest = int(_nan_runs(regular[c]).max()) if len(regular) else 0
        if longest > rate.fill_limit and not explicit and c != target:
            dropped[c] = f"gap too long to fill ({longest} steps; name it in features= to use it anyway)"
            continue
        keep.append(c)
    return regular[keep], keep


def _fill_short_gaps(part: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Interpolate (in time) the gaps of at most ``limit`` consecutive missing steps inside this part alone; a short
    gap at the part's start or end takes the nearest value. Longer gaps stay missing."""
    filled = part.interpolate(method="time", limit_area="inside").ffill().bfill()
    out = part.copy()
    for c in part.columns:
        short = (_nan_runs(part[c]) > 0) & (_nan_runs(part[c]) <= limit)
        out.loc[short, c] = filled.loc[short, c]
    return out


def _changes(values: pd.Series, kind: str, periods: int) -> pd.Series:
    return np.log(values).diff(periods) if kind == "logdiff" else values.diff(periods)


def _forecast(last: np.ndarray, change: np.ndarray, kind: str) -> np.ndarray:
    return last * np.exp(change) if kind == "logdiff" else last + change


def _last_steps(windows: preprocessing.Windows, steps: int) -> preprocessing.Windows:
    """The same windows keeping only their last ``steps`` steps."""
    return preprocessing.Windows(
        X=np.ascontiguousarray(windows.X[:, -steps:, :]),
        y=windows.y,
        origins=windows.origins,
        dates=windows.dates,
        features=windows.features,
        target=windows.target,
        lookback=steps,
        horizon=windows.horizon,
    )


def _ridge_steps(recipe: dict, lookback: int) -> list[int]:
    steps = recipe["ridge_steps"] or (1, max(1, round(lookback / 4)), max(1, round(lookback / 2)), lookback)
    return sorted({s for s in steps if s <= lookback} | {lookback})


def _fit_linear(train_w: preprocessing.Windows, val_w: preprocessing.Windows, recipe: dict):
    """Ridge regression on the last ``steps`` of each window, ``steps`` and ``alpha`` chosen by validation MSE.

    A strong, fair baseline: it sees a subset of the LSTM's inputs, is fitted on the training windows only, and its
    two settings are chosen the way the LSTM's recipe was, on the validation part.
    """
    best = None
    for steps in _ridge_steps(recipe, train_w.lookback):
        train_d, val_d = _last_steps(train_w, steps), _last_steps(val_w, steps)
        for alpha in recipe["ridge_alpha"]:
            with warnings.catch_warnings():  # a tiny penalty on collinear inputs: scipy warns, ridge still solves
                warnings.simplefilter("ignore")
                model = baselines.LinearBaseline(alpha=alpha).fit(train_d)
            error = float(np.mean((model.predict(val_d) - val_d.y) ** 2))
            if best is None or error < best[0]:
                best = (error, model, steps, alpha)
    return best[1], best[2], best[3]


def _windows(frame: pd.DataFrame, first: int, input_names: list[str], lookback: int, horizon: int):
    """Windows of ``frame`` whose target row is at position ``first`` or later, dropping every window whose inputs or
    target touch a missing value (a long gap). Returns the windows and how many were dropped."""
    values = frame[input_names].to_numpy("float32")
    target = frame[_CHANGE].to_numpy("float32")
    count = len(frame) - lookback - horizon + 1
    if count <= 0:
        return None, 0
    X = np.lib.stride_tricks.sliding_window_view(values, lookback, axis=0)[:count].transpose(0, 2, 1)
    y = target[lookback + horizon - 1 : lookback + horizon - 1 + count]
    origins = frame.index[lookback - 1 : lookback - 1 + count]
    dates = frame.index[lookback + horizon - 1 : lookback + horizon - 1 + count]
    position = np.arange(lookback + horizon - 1, lookback + horizon - 1 + count)
    ok = np.isfinite(X).all(axis=(1, 2)) & np.isfinite(y)
    mine = position >= first
    keep = ok & mine
    windows = preprocessing.Windows(
        X=np.ascontiguousarray(X[keep]),
        y=np.ascontiguousarray(y[keep]),
        origins=origins[keep],
        dates=dates[keep],
        features=tuple(input_names),
        target=_CHANGE,
        lookback=int(lookback),
        horizon=int(horizon),
    )
    return windows, int((mine & ~ok).sum())


def _add_time_features(inputs: pd.DataFrame, rate: Rate, yearly: bool) -> pd.DataFrame:
    out = inputs
    if yearly:
        out = preprocessing.add_calendar_features(out)
    if rate.kind == "sub-daily":
        local = out.index
        if rate.tz is not None:
            local = local.tz_localize("UTC").tz_convert(rate.tz).tz_localize(None)
        seconds = (local - local.normalize()).total_seconds().to_numpy()
        angle = 2 * np.pi * seconds / 86400
        out = out.copy()
        out["tod_sin"], out["tod_cos"] = np.sin(angle), np.cos(angle)
    return out


def _rows_needed(horizon: int, lookback: int | None, rate: Rate | None) -> int:
    """The fewest rows whose training part gives MIN_TRAIN_WINDOWS windows (the default lookback grows with them)."""
    n = MIN_TRAIN_WINDOWS
    while True:
        n_train = int(round(n * SPLIT[0]))
        steps = lookback if lookback is not None else default_lookback(rate, n_train, horizon)
        if n_train - steps - horizon >= MIN_TRAIN_WINDOWS:
            return n
        n += 1


def _too_few_rows(
    n_rows: int, n_train: int, lookback: int, horizon: int, where: str, needed: int | None = None
) -> PreprocessingError:
    needed = needed or math.ceil((lookback + horizon + MIN_TRAIN_WINDOWS) / SPLIT[0])
    return PreprocessingError(
        f"too few rows: the frame has {n_rows} rows; {where}, {n_train} training rows give "
        f"{max(n_train - lookback - horizon, 0)} training windows of lookback {lookback} + horizon {horizon}, and "
        f"at least {MIN_TRAIN_WINDOWS} are needed, so about {needed} rows. Fix: pass a longer date range, or a "
        "shorter lookback= or horizon=."
    )


# --- The core: fit every model on one split ---------------------------------------------------------------------


@dataclass
class FoldResult:
    """What :func:`fit_split` found on one train / validation / test split (forecasts in the target's units)."""

    actual: dict[str, pd.Series]  # "val", "test": the target on the scored dates
    forecasts: dict[str, dict[str, pd.Series]]  # "val"/"test" -> model -> forecast
    seed_forecasts: dict[str, dict[int, pd.Series]]  # "val"/"test" -> seed -> the LSTM of that seed
    info: dict = field(default_factory=dict)


def default_lookback(rate: Rate, n_train: int, horizon: int) -> int:
    """The rate's default lookback, shortened for short frames (a quarter of the training windows at most)."""
    return max(1, min(rate.lookback, (n_train - horizon + 1) // 4))


def fit_split(
    data: pd.DataFrame,
    target: str,
    columns: list[str],
    rate: Rate,
    bounds: tuple[int, int, int],
    *,
    horizon: int,
    lookback: int,
    seeds: Sequence[int],
    recipe: dict,
) -> FoldResult:
    """Fit persistence, the seasonal baseline, the validated ridge and one LSTM per seed on ``data[:bounds[0]]``
    (validation ``data[bounds[0]:bounds[1]]``, test ``data[bounds[1]:bounds[2]]``) and forecast both later parts.

    ``data`` is the regular frame with its gaps (NaN); the short ones are filled inside each part here.
    """
    n_train, n_val_end, n_end = bounds
    if n_train - lookback - horizon < MIN_TRAIN_WINDOWS:
        raise _too_few_rows(n_end, n_train, lookback, horizon, "in the first training part")
    raw_parts = [data.iloc[:n_train], data.iloc[n_train:n_val_end], data.iloc[n_val_end:n_end]]
    filled = [_fill_short_gaps(p, rate.fill_limit) for p in raw_parts]
    frame = pd.concat(filled)
    train = filled[0]
    lag = rate.season or 1
    kinds = choose_transforms(train, lag=lag)
    target_kind = "logdiff" if kinds[target] == "logdiff" else "diff"

    inputs = pd.DataFrame(index=frame.index)
    with np.errstate(divide="ignore", invalid="ignore"):  # a log of a non-positive value is reported below
        for c in columns:
            t = Transform(c, kinds[c])
            inputs[t.name] = t.apply(frame[c])
        if kinds[target] in ("level", "log"):
            # A bounded level (a temperature, glucose) carries information its changes do not: the target enters
            # as both.
            inputs[Transform(target, "diff").name] = Transform(target, "diff").apply(frame[target])
        inputs[_CHANGE] = _changes(frame[target].astype("float64"), target_kind, horizon)
    yearly = rate.kind == "daily" and (train.index[-1] - train.index[0]).days >= 365
    inputs = _add_time_features(inputs, rate, yearly)
    input_names = [c for c in inputs.columns if c != _CHANGE]
    inputs = inputs[[*input_names, _CHANGE]]
    _check_transformed(inputs, frame, kinds, target)

    # Clip changes to the training range, then scale with a scaler fitted on the training rows only.
    diff_columns = [c for c in inputs.columns if c.endswith(("_diff", "_logdiff"))] + [_CHANGE]
    train_rows = inputs.iloc[:n_train]
    low = train_rows[diff_columns].quantile(CLIP_QUANTILES[0])
    high = train_rows[diff_columns].quantile(CLIP_QUANTILES[1])
    clipped = inputs.copy()
    clipped[diff_columns] = clipped[diff_columns].clip(low, high, axis=1)
    scaler = preprocessing.fit_scaler(clipped.iloc[:n_train].dropna(), feature_range=recipe["feature_range"])
    scaled = scaler.transform(clipped)
    # Rows lost at the start to differencing are not gaps: the first window starts after them.
    lead = int(inputs.notna().all(axis=1).to_numpy().argmax())

    # Windows: each part's targets, inputs looking back into the parts before (known at forecast time).
    cut = [0, n_train, n_val_end, n_end]
    windows, dropped_windows = [], {}
    for name, i in zip(("train", "val", "test"), range(3), strict=True):
        w, lost = _windows(scaled.iloc[lead : cut[i + 1]], max(cut[i] - lead, 0), input_names, lookback, horizon)
        dropped_windows[name] = lost
        if w is None or len(w) == 0:
            raise PreprocessingError(
                f"the {name} part ({str(frame.index[cut[i]])} to {str(frame.index[cut[i + 1] - 1])}) has no complete "
                f"window: {lost} window(s) touch a gap longer than {rate.fill_limit} step(s), which the pipeline "
                "never bridges. Fix: pass a longer date range, a shorter lookback=, or fill that gap yourself if you "
                "know the values."
            )
        windows.append(w)
    train_w, val_w, test_w = windows
    if len(train_w) < MIN_TRAIN_WINDOWS:
        raise PreprocessingError(
            f"only {len(train_w)} training windows are left after dropping the {dropped_windows['train']} that "
            f"touch gaps longer than {rate.fill_limit} step(s); at least {MIN_TRAIN_WINDOWS} are needed. Fix: pass "
            "a longer date range or a shorter lookback=."
        )
    raw_target = frame[target].astype("float64")

    def to_units(w: preprocessing.Windows, scaled_change: np.ndarray) -> pd.Series:
        change = preprocessing.inverse_scale(scaler, scaled_change, _CHANGE)
        last = raw_target.loc[w.origins].to_numpy()
        return pd.Series(_forecast(last, change, target_kind), index=w.dates)

    linear, linear_steps, linear_alpha = _fit_linear(train_w, val_w, recipe)
    # The LSTM trains on at most max_train_windows windows, evenly spread over the training part.
    stride = max(1, math.ceil(len(train_w) / recipe["max_train_windows"]))
    lstm_train = train_w if stride == 1 else _every(train_w, stride)

    forecasts: dict[str, dict[str, pd.Series]] = {"val": {}, "test": {}}
    seed_forecasts: dict[str, dict[int, pd.Series]] = {"val": {}, "test": {}}
    actual = {}
    for part, w in (("val", val_w), ("test", test_w)):
        actual[part] = raw_target.loc[w.dates]
        forecasts[part]["persistence"] = pd.Series(raw_target.loc[w.origins].to_numpy(), index=w.dates)
        seasonal = _seasonal(raw_target, train[target], w, rate, yearly, horizon)
        if seasonal is not None:
            forecasts[part][seasonal.name] = seasonal
        forecasts[part]["linear"] = to_units(w, linear.predict(_last_steps(w, linear_steps)))
    epochs = {}
    for seed in seeds:
        seed_everything(int(seed))
        model = models.build_lstm(
            lookback, len(input_names), units=recipe["units"], dropout=recipe["dropout"],
            learning_rate=recipe["learning_rate"], horizon=1,
        )
        history = models.train(
            model, lstm_train, val_w, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
            patience=recipe["patience"],
        )
        val_loss = history.history["val_loss"]
        epochs[int(seed)] = {"run": len(val_loss), "best": int(np.argmin(val_loss)) + 1}
        for part, w in (("val", val_w), ("test", test_w)):
            seed_forecasts[part][int(seed)] = to_units(w, models.predict(model, w))
    for part in ("val", "test"):
        forecasts[part]["lstm"] = pd.concat(seed_forecasts[part], axis=1).mean(axis=1)

    info = {
        "features": input_names,
        "transforms": {c: kinds[c] for c in columns},
        "target_kind": target_kind,
        "yearly_calendar": yearly,
        "split": {
            name: [str(frame.index[a]), str(frame.index[b - 1]), b - a]
            for name, a, b in zip(("train", "val", "test"), cut[:3], cut[1:], strict=True)
        },
        "windows": {"train": len(train_w), "val": len(val_w), "test": len(test_w)},
        "windows_dropped": dropped_windows,
        "lstm_train_windows": len(lstm_train),
        "linear": {"steps": linear_steps, "alpha": linear_alpha},
        "epochs": epochs,
    }
    return FoldResult(actual, forecasts, seed_forecasts, info)


def _every(w: preprocessing.Windows, stride: int) -> preprocessing.Windows:
    take = slice(None, None, -stride)  # from the most recent window back, so the latest is always kept
    pick = np.arange(len(w))[take][::-1]
    return preprocessing.Windows(
        X=w.X[pick], y=w.y[pick], origins=w.origins[pick], dates=w.dates[pick], features=w.features,
        target=w.target, lookback=w.lookback, horizon=w.horizon,
    )


def _seasonal(raw_target, train_target, w, rate: Rate, yearly: bool, horizon: int) -> pd.Series | None:
    """Climatology (daily data, a year of training) or the same time one day earlier (sub-daily data); where the
    value a day earlier is missing (a long gap), the last value stands in."""
    if yearly:
        return baselines.climatology(train_target.dropna(), w.dates).rename("climatology")
    if rate.kind == "sub-daily" and rate.season:
        lag = rate.season * math.ceil(horizon / rate.season)
        position = raw_target.index.get_indexer(w.dates) - lag
        values = np.where(position >= 0, raw_target.to_numpy()[np.maximum(position, 0)], np.nan)
        last = raw_target.loc[w.origins].to_numpy()
        values = np.where(np.isfinite(values), values, last)
        return pd.Series(values, index=w.dates, name="seasonal")
    return None


def _check_transformed(inputs: pd.DataFrame, frame: pd.DataFrame, kinds: dict, target: str) -> None:
    """A transform that produced an infinite value (a logarithm of zero or of a negative number outside training)."""
    for name in inputs.columns:
        col = inputs[name].to_numpy("float64")
        bad = np.isinf(col)
        if not bad.any():
            continue
        source = target if name == _CHANGE else next((c for c in kinds if Transform(c, kinds[c]).name == name), name)
        where = inputs.index[bad]
        if source == target:
            raise PreprocessingError(
                f"the target {target!r} is positive throughout training, so the pipeline forecasts its log-return, "
                f"but it is zero or negative at {_dates(where)}, where a logarithm does not exist. Fix: correct "
                "those values or mark them missing (NaN), which the pipeline treats as a gap."
            )
        raise PreprocessingError(
            f"the feature {source!r} enters as its logarithm ({kinds.get(source)}), but it is zero or negative at "
            f"{_dates(where)}. Fix: leave {source!r} out of features=, or correct those values."
        )


# --- run_forecast ------------------------------------------------------------------------------------------------


def prepare(frame, target: str, features, horizon, lookback):
    """The checks and the regular grid shared by :func:`run_forecast` and :func:`helpers.evaluation.backtest`."""
    data, columns, dropped = _select_columns(frame, target, features)
    horizon = _positive_int(horizon, "horizon", "steps ahead")
    if lookback is not None:
        lookback = _positive_int(lookback, "lookback", "steps of history")
    rate = infer_rate(data.index)
    data, columns = _regularize(data, columns, target, features is not None, dropped, rate)
    return data, columns, dropped, rate, horizon, lookback


def _seed(seed) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise PreprocessingError(f"a seed must be a non-negative integer, got {seed!r}.")
    return int(seed)


def recipe_for(rate: Rate, smoke: bool) -> dict:
    if smoke:
        return dict(SMOKE_RECIPE)
    return dict(SUBDAILY_RECIPE if rate.kind == "sub-daily" else FULL_RECIPE)


def choose_on_validation(validation: pd.DataFrame) -> tuple[str, str]:
    """The model with the lowest validation RMSE (baselines included) and a sentence saying so."""
    best = str(validation["rmse"].idxmin())
    kind = "a baseline" if best != "lstm" else "the LSTM"
    sentence = (
        f"On validation, {best} ({kind}) had the lowest RMSE ({validation.loc[best, 'rmse']:.4g}"
        f", skill {validation.loc[best, 'skill']:+.3f}): that is the model this pipeline would choose."
    )
    if best != "lstm":
        sentence += f" The LSTM's validation skill was {validation.loc['lstm', 'skill']:+.3f}."
    return best, sentence


def run_forecast(
    frame: pd.DataFrame,
    target: str,
    *,
    features: Sequence[str] | None = None,
    lookback: int | None = None,
    horizon: int = 1,
    seed: int = 0,
    smoke: bool = False,
) -> pd.DataFrame:
    """Forecast ``target`` ``horizon`` steps ahead with an LSTM and baselines; score them on the test period.

    ``frame`` is a regularly sampled frame with a DatetimeIndex (5-minute, hourly, daily, trading days ...; a
    loader's or your own), ``target`` a numeric column. ``horizon`` and ``lookback`` count steps of the frame's rate;
    ``lookback=None`` takes the rate's default (see the module docstring: two hours of 5-minute readings, 14 days,
    shortened for short frames). ``features=None`` uses every numeric column (others are skipped, see
    ``attrs["dropped"]``); the target is always an input. ``smoke=True`` trains a tiny model for two epochs
    (seconds; numbers meaningless).

    Returns a table indexed by ``model`` (``persistence``, ``climatology`` for calendar-daily data with a year of
    training or ``seasonal`` for sub-daily data, ``linear``, ``lstm``) with ``rmse``, ``mae``, ``r2``, ``skill``
    (against persistence), ``mse`` and ``mape``, in the target's own units on the test period. ``table.attrs``
    records what ran: the rate, the formulation, the transforms, the split dates, the windows (and those dropped at
    long gaps), the epochs, the validation scores, the model chosen on validation, the Diebold-Mariano test of the
    LSTM against each baseline on the test period (``attrs["dm"]``) and the wall time.

    The same ``seed`` gives the same numbers on a CPU. See the module docstring for every step.
    """
    started = time.perf_counter()
    data, columns, dropped, rate, horizon, lookback = prepare(frame, target, features, horizon, lookback)
    recipe = recipe_for(rate, smoke)
    seed = _seed(seed)
    split = preprocessing.chronological_split(data, *SPLIT) if len(data) >= 3 else None
    n = len(data)
    n_train = len(split.train) if split else 0
    n_val_end = n_train + (len(split.val) if split else 0)
    explicit_lookback = lookback
    if lookback is None:
        lookback = default_lookback(rate, n_train, horizon)
    if n_train - lookback - horizon < MIN_TRAIN_WINDOWS:
        needed = _rows_needed(horizon, None if explicit_lookback is None else lookback, rate)
        raise _too_few_rows(n, n_train, lookback, horizon, f"in the training part ({SPLIT[0]:.0%})", needed)
    fold = fit_split(
        data, target, columns, rate, (n_train, n_val_end, n), horizon=horizon, lookback=lookback, seeds=(seed,),
        recipe=recipe,
    )
    validation = _table(fold.actual["val"], fold.forecasts["val"])
    table = _table(fold.actual["test"], fold.forecasts["test"])
    dm = _dm_against_baselines(fold.actual["test"], fold.forecasts["test"], horizon)
    chosen, choice = choose_on_validation(validation)
    info = fold.info
    steps = f"{horizon} step(s) of {rate.label}"
    table.attrs = {
        "target": target,
        "horizon": horizon,
        "lookback": lookback,
        "seed": seed,
        "smoke": bool(smoke),
        "rate": rate.describe(),
        "step": str(rate.step),
        "formulation": (
            f"predict the {'log-return' if info['target_kind'] == 'logdiff' else 'change'} of {target!r} over "
            f"{steps} from the last value, then add it back "
            f"({'last * exp(change)' if info['target_kind'] == 'logdiff' else 'last + change'})"
        ),
        "features": info["features"],
        "transforms": info["transforms"],
        "dropped": dropped,
        "calendar_daily": rate.kind == "daily",
        "split": info["split"],
        "windows": info["windows"],
        "windows_dropped": info["windows_dropped"],
        "lstm_train_windows": info["lstm_train_windows"],
        "recipe": {"lookback": lookback, **recipe},  # the lookback used (the rate's default unless given)
        "linear": info["linear"],
        "epochs_run": info["epochs"][seed]["run"],
        "best_epoch": info["epochs"][seed]["best"],
        "validation": {m: {k: float(v) for k, v in row.items()} for m, row in validation.iterrows()},
        "chosen": chosen,
        "choice": choice,
        "dm": dm,
        "wall_time_s": round(time.perf_counter() - started, 2),
    }
    return table


def _dm_against_baselines(actual: pd.Series, forecasts: dict[str, pd.Series], horizon: int) -> dict:
    """The Diebold-Mariano test of the LSTM against each baseline on the test period (negative: the LSTM is better)."""
    from helpers.evaluation import diebold_mariano

    lstm_errors = (actual - forecasts["lstm"]).to_numpy()
    out = {}
    for name, forecast in forecasts.items():
        if name != "lstm":
            statistic, p_value = diebold_mariano(lstm_errors, (actual - forecast).to_numpy(), horizon=horizon)
            out[name] = {"statistic": statistic, "p_value": p_value}
    return out


def _table(actual: pd.Series, forecasts: dict[str, pd.Series]) -> pd.DataFrame:
    table = metrics.compare(actual, forecasts)
    return table[["rmse", "mae", "r2", "skill", "mse", "mape"]]
