"""How each column enters the model, decided on the training part only (:func:`choose_transforms`).

A column that wanders like a price (autocorrelation over one day above :data:`WANDER_AUTOCORR` in training, or an
augmented Dickey-Fuller test, statsmodels' ``adfuller``, that cannot reject a random walk at 5 %) enters as its
change, ``log`` change when it is strictly positive; a strictly positive, right-skewed column such as volume (or
glucose) enters as its logarithm; anything else (a temperature) enters as its level. A target that enters as its
level or logarithm also enters as its change (a bounded level carries information that its changes do not, and the
other way round). Calendar-daily data with at least a year of training gets the day-of-year sine/cosine; sub-daily
data gets the time of day (local time).

The models learn the change of the target over the horizon (the column :data:`CHANGE`), ``y[t+h] - y[t]`` or
``log(y[t+h] / y[t])`` for a price-like target; :func:`to_level` adds a forecast change back to the last value.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import preprocessing
from helpers.errors import PreprocessingError
from helpers.forecasting.inputs import dates_text
from helpers.forecasting.rate import Rate

#: p-value of the augmented Dickey-Fuller test above which a column counts as wandering (no evidence at 5 % that
#: it returns to a mean): it enters as its change.
ADF_P_VALUE = 0.05
#: ... and so does a column whose autocorrelation over one day (lag 1 for daily data) in training is above this (a
#: price that happened to fall and recover in training can pass the test, yet is no less a wandering level).
WANDER_AUTOCORR = 0.98
#: The unit-root test sees at most this many of the most recent training values: enough for the test, and it keeps
#: the test to a second or two on a series of millions of readings.
ADF_MAX_VALUES = 50_000
#: The column the models learn: the target's change over the horizon; a name no learner's frame uses.
CHANGE = "__target_change__"


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
    Too short (under 20 values) or constant series count as stationary (0.0). Only the last
    :data:`ADF_MAX_VALUES` values are tested. The test's small least-squares fits run on one BLAS thread (restored
    after): on a busy machine, several threads fighting over two cores made them a hundred times slower.
    """
    from statsmodels.tsa.stattools import adfuller
    from threadpoolctl import threadpool_limits

    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)][-ADF_MAX_VALUES:]
    if len(x) < 20 or np.ptp(x) == 0:
        return 0.0
    # At most about a month of lags for daily data: enough for the test, and quick on 50,000 readings.
    maxlag = min(30, int(12 * (len(x) / 100) ** 0.25))
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
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


def target_change(values: pd.Series, kind: str, periods: int) -> pd.Series:
    """The target's change over ``periods`` steps: a difference, or a log-return for ``kind="logdiff"``."""
    return np.log(values).diff(periods) if kind == "logdiff" else values.diff(periods)


def to_level(last: np.ndarray, change: np.ndarray, kind: str) -> np.ndarray:
    """A forecast change added back to the last value: ``last + change``, or ``last * exp(change)``."""
    return last * np.exp(change) if kind == "logdiff" else last + change


def model_inputs(frame: pd.DataFrame, target: str, features: list[str], kinds: dict[str, str], horizon: int):
    """The transformed inputs (and :data:`CHANGE`, the target's change over ``horizon``) of ``frame``."""
    target_kind = "logdiff" if kinds[target] == "logdiff" else "diff"
    inputs = pd.DataFrame(index=frame.index)
    with np.errstate(divide="ignore", invalid="ignore"):  # a log of a non-positive value is reported by check_finite
        for c in features:
            t = Transform(c, kinds[c])
            inputs[t.name] = t.apply(frame[c])
        if kinds[target] in ("level", "log"):
            # A bounded level (a temperature, glucose) carries information its changes do not: it enters as both.
            inputs[Transform(target, "diff").name] = Transform(target, "diff").apply(frame[target])
        inputs[CHANGE] = target_change(frame[target].astype("float64"), target_kind, horizon)
    return inputs, target_kind


def add_time_features(inputs: pd.DataFrame, rate: Rate, yearly: bool) -> pd.DataFrame:
    """The day-of-year sine/cosine (``yearly``) or the local time of day (sub-daily data)."""
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


def check_finite(inputs: pd.DataFrame, kinds: dict, target: str) -> None:
    """A transform that produced an infinite value (a logarithm of zero or of a negative number outside training)."""
    for name in inputs.columns:
        bad = np.isinf(inputs[name].to_numpy("float64"))
        if not bad.any():
            continue
        source = target if name == CHANGE else next((c for c in kinds if Transform(c, kinds[c]).name == name), name)
        where = inputs.index[bad]
        if source == target:
            raise PreprocessingError(
                f"the target {target!r} is positive throughout training, so the pipeline forecasts its log-return, "
                f"but it is zero or negative at {dates_text(where)}, where a logarithm does not exist. Fix: correct "
                "those values or mark them missing (NaN), which the pipeline treats as a gap."
            )
        raise PreprocessingError(
            f"the feature {source!r} enters as its logarithm ({kinds.get(source)}), but it is zero or negative at "
            f"{dates_text(where)}. Fix: leave {source!r} out of features=, or correct those values."
        )
