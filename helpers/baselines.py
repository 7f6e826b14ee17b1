"""Naive forecasts that every model in the course is compared with.

Each baseline returns a ``pd.Series`` indexed by the date it forecasts, so any forecast can be lined up with the
actual values and with the other models on the same dates (:func:`helpers.metrics.compare` aligns them). A model
that cannot beat these is not worth deploying, however good its plot looks.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.linear_model import Ridge

from helpers import checks
from helpers.errors import ArgumentError, PreprocessingError
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
    season = checks.positive_int(season, "season", "rows in one season: 7 for a weekly cycle in daily data", example=7)
    horizon = checks.positive_int(horizon, "horizon", "steps ahead")
    lag = season * int(np.ceil(horizon / season))
    return series.shift(lag).rename("seasonal_naive")


def moving_average(series: pd.Series, window: int = 7, horizon: int = 1) -> pd.Series:
    """The mean of the last ``window`` values known at the forecast origin."""
    series = _series(series, "moving_average")
    return series.rolling(window).mean().shift(horizon).rename("moving_average")


def climatology(train: pd.Series, dates: pd.DatetimeIndex, harmonics: int = 2) -> pd.Series:
    """The smoothed seasonal cycle of the training period at ``dates``: a few day-of-year harmonics fitted on ``train``.

    The "normal" value for that day of the year, with no knowledge of recent days: a least-squares fit of
    ``c + sum_k a_k cos(2 pi k t) + b_k sin(2 pi k t)``, k = 1..``harmonics``, with ``t`` the fraction of the year, on
    the training period alone. Two harmonics (five numbers) draw a smooth yearly curve that every training day informs,
    where a per-day average of two or three training years would follow the weather of those few years (a warm
    December in one of them) rather than the season.
    """
    from sklearn.linear_model import LinearRegression

    train = _series(train, "climatology").dropna()
    if len(train) < 365:
        raise PreprocessingError(
            f"climatology needs at least a year of training data, got {len(train)} rows. Fix: use a longer "
            "training period or another baseline (seasonal_naive, moving_average)."
        )
    if not isinstance(harmonics, (int, np.integer)) or not 1 <= harmonics <= 6:
        raise PreprocessingError(f"harmonics should be an int from 1 to 6 (2 draws a smooth yearly cycle), got "
                                 f"{harmonics!r}.")
    dates = pd.DatetimeIndex(dates)
    fit = LinearRegression().fit(_harmonic_features(train.index, harmonics), train.to_numpy())
    values = fit.predict(_harmonic_features(dates, harmonics)) if len(dates) else np.empty(0)
    return pd.Series(values, index=dates, name="climatology")


def _harmonic_features(index: pd.DatetimeIndex, harmonics: int) -> np.ndarray:
    """cos and sin of 2 pi k t for k = 1..harmonics, t = the fraction of the year (day of year over 365.25)."""
    t = (index.day_of_year.to_numpy() - 1) / 365.25
    return np.column_stack([f(2 * np.pi * k * t) for k in range(1, harmonics + 1) for f in (np.cos, np.sin)])


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


class GradientBoostingBaseline:
    """LightGBM on the flattened windows: gradient-boosted trees, the model a forecasting practitioner tries first.

    Like :class:`LinearBaseline` it sees every input at every step of the lookback (the level, the changes, the
    calendar features: whatever the windows hold), flattened into one row per window. It learns the **change** from
    the last value when the windows' target is one of their inputs (``y - last value``; added back by
    :meth:`predict`), which is what lets trees extrapolate a level they never saw; otherwise (the pipeline's windows,
    whose target already is the change) it learns ``y`` as given. ``change=True`` / ``False`` forces either.

    The number of trees is chosen by early stopping: training stops when the validation RMSE has not improved for
    ``patience`` trees (at most ``max_trees``) and the best count is kept (:attr:`trees_`). Pass the validation
    windows to :meth:`fit`; without them the latest 15 % of the training windows are held out for it. A multi-step
    target (``y`` of shape ``(n, horizon)``) gets one model per step, each with its own tree count.

    Deterministic: the same ``seed`` gives the same trees (LightGBM's ``deterministic=True`` on ``num_threads``
    threads, row-wise histograms).
    """

    #: Share of the training windows (the latest) held out for early stopping when fit() gets no validation windows.
    HOLDOUT = 0.15

    def __init__(
        self,
        *,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 50,
        subsample: float = 0.8,
        colsample: float = 0.8,
        max_trees: int = 2000,
        patience: int = 50,
        change: bool | None = None,
        seed: int = 0,
        num_threads: int = 2,
    ) -> None:
        self.params = {
            "objective": "regression",
            "learning_rate": checks.fraction(learning_rate, "learning_rate", "shrinkage of each tree", example=0.05),
            "num_leaves": checks.positive_int(num_leaves, "num_leaves", "leaves per tree", example=31),
            "min_data_in_leaf": checks.positive_int(min_child_samples, "min_child_samples", "windows per leaf",
                                                    example=50),
            "bagging_fraction": _share(subsample, "subsample", "the share of windows each tree sees"),
            "bagging_freq": 1,
            "feature_fraction": _share(colsample, "colsample", "the share of inputs each tree sees"),
            "seed": checks.seed(seed),
            "num_threads": checks.positive_int(num_threads, "num_threads", "CPU threads", example=2),
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
        self.max_trees = checks.positive_int(max_trees, "max_trees", "the most trees per model", example=2000)
        self.patience = checks.positive_int(patience, "patience", "trees without improvement", example=50)
        if change not in (None, True, False):
            raise ArgumentError(f"change must be None, True or False, got {change!r}. Fix: e.g. change=None.")
        self.change = change
        self.models: list = []
        self.trees_: list[int] = []  #: trees kept per output (the best count on validation)
        self.learns_change_: bool | None = None  #: whether fit() learned y - last value
        self._shape: tuple | None = None
        self._multi = False

    @staticmethod
    def _rows(windows: Windows) -> np.ndarray:
        return windows.X.reshape(len(windows), -1)

    def _last(self, windows: Windows) -> np.ndarray:
        return windows.last_target.astype("float64") if self.learns_change_ else np.zeros(len(windows))

    def _learned(self, windows: Windows) -> np.ndarray:
        y = windows.y.astype("float64")
        y = y.reshape(len(windows), -1)
        return y - self._last(windows)[:, None]

    def _check(self, windows: Windows, name: str) -> None:
        if not isinstance(windows, Windows):
            raise PreprocessingError(
                f"{name} must be Windows (from preprocessing.make_windows), got {type(windows).__name__}."
            )
        if len(windows) == 0:
            raise PreprocessingError(f"{name} holds no window. Fix: pass a longer period or a shorter lookback.")
        if self._shape is not None and windows.X.shape[1:] != self._shape:
            raise PreprocessingError(
                f"{name} have {windows.X.shape[1]} steps x {windows.X.shape[2]} inputs, the training windows "
                f"{self._shape[0]} x {self._shape[1]}. Fix: cut every part's windows with the same lookback and "
                "features."
            )

    def fit(self, windows: Windows, validation: Windows | None = None) -> GradientBoostingBaseline:
        """Fit on ``windows``; the tree count is chosen by early stopping on ``validation`` (or on the latest
        :attr:`HOLDOUT` of ``windows`` when None). Returns ``self``."""
        import lightgbm

        self._shape = None
        self._check(windows, "the training windows")
        self._shape = windows.X.shape[1:]
        if validation is None:
            cut = int(round(len(windows) * (1 - self.HOLDOUT)))
            if cut < 1 or cut >= len(windows):
                raise PreprocessingError(
                    f"{len(windows)} training window(s) are too few to hold some out for early stopping. Fix: pass "
                    "validation windows, fit(train_windows, val_windows)."
                )
            windows, validation = _between(windows, 0, cut), _between(windows, cut, None)
        self._check(validation, "the validation windows")
        inputs = windows.target in windows.features
        if self.change and not inputs:
            raise PreprocessingError(
                f"change=True needs the target {windows.target!r} among the inputs (it learns y - last value); these "
                f"windows' inputs are {list(windows.features)}. Fix: change=None, or add the target to the features."
            )
        self.learns_change_ = inputs if self.change is None else self.change
        x_train, x_val = self._rows(windows), self._rows(validation)
        y_train, y_val = self._learned(windows), self._learned(validation)
        self.models, self.trees_ = [], []
        for k in range(y_train.shape[1]):
            # LightGBM's own training API (stable across its 4.x releases, Colab's included).
            booster = lightgbm.train(
                self.params, lightgbm.Dataset(x_train, y_train[:, k]), num_boost_round=self.max_trees,
                valid_sets=[lightgbm.Dataset(x_val, y_val[:, k])],
                callbacks=[lightgbm.early_stopping(self.patience, verbose=False)],
            )
            self.models.append(booster)
            self.trees_.append(int(booster.best_iteration or self.max_trees))
        self._multi = windows.y.ndim == 2
        return self

    def predict(self, windows: Windows) -> np.ndarray:
        """Forecasts of ``y`` for ``windows`` (the change added back to the last value when it learned the change):
        shape ``(n,)``, or ``(n, horizon)`` for a multi-step target."""
        if not self.models:
            raise PreprocessingError("this GradientBoostingBaseline is not fitted yet. Fix: fit(train, val) first.")
        self._check(windows, "the windows to forecast")
        x = self._rows(windows)
        out = np.column_stack([m.predict(x, num_iteration=t) for m, t in zip(self.models, self.trees_, strict=True)])
        out = out.astype("float64") + self._last(windows)[:, None]
        return out if self._multi else out[:, 0]


def _between(windows: Windows, start: int, stop: int | None) -> Windows:
    """Windows ``start`` to ``stop`` (in time order)."""
    part = slice(start, stop)
    return replace(windows, X=windows.X[part], y=windows.y[part], origins=windows.origins[part],
                   dates=windows.dates[part])


def _share(value, name: str, meaning: str) -> float:
    """``value`` as a float in (0, 1]."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value <= 1:
        raise ArgumentError(f"{name} is {meaning}, in (0, 1]; got {value!r}. Fix: e.g. {name}=0.8.")
    return float(value)


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
