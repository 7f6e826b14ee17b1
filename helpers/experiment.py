"""The whole forecasting pipeline of the course in one call: :func:`run_forecast`.

The lessons build each step by hand; this module chains the same helpers so that a learner (or the benchmark in
``benchmarks/``) can run the pipeline on any daily frame and get an honest comparison table:

1. **Check the input** (:func:`_select_columns`): the target and the features must exist, be numeric and hold values.
   ``features=None`` takes every numeric column and skips the rest (non-numeric, all-NaN, too gappy), saying so in
   ``table.attrs["dropped"]``; a column asked for by name that cannot be used is an error.
2. **Regular calendar**: calendar-daily data (weather) is put on a daily calendar; data on trading days (stocks)
   keeps its rows. Gaps longer than 7 days are refused (or, with ``features=None``, the column is skipped).
3. **Chronological split** 70 / 15 / 15 (:func:`~helpers.preprocessing.chronological_split`), then the gaps are
   filled inside each part on its own (:func:`~helpers.preprocessing.fill_gaps`), so no interpolated value borrows
   from the other side of a split boundary.
4. **Stationary inputs**, decided on the training part only (:func:`choose_transforms`): a column that wanders like
   a price (lag-1 autocorrelation above 0.98 in training, or a Dickey-Fuller test that cannot reject a random walk)
   enters as its change, ``log`` change when it is strictly positive; a strictly positive, right-skewed column such
   as volume enters as its logarithm; anything else (a temperature, rain) enters as its level. Calendar-daily data
   with at least a year of training also gets the day-of-year sine/cosine
   (:func:`~helpers.preprocessing.add_calendar_features`).
5. **The target is the change from the last value** ``y[t+h] - y[t]`` (``log(y[t+h] / y[t])`` for a price-like
   target), not the level. Predicting the level lets a network hide behind "copy the last value" and look good on a
   plot; predicting the change makes persistence the zero forecast, so any skill is skill. The forecast in the
   target's own units is the last value plus the predicted change.
6. **Scaling** with :func:`~helpers.preprocessing.fit_scaler`, fitted on the training part alone. Changes are also
   clipped to the training part's 0.5-99.5 % range before scaling (a stock split in unadjusted prices would
   otherwise squash every ordinary day into a sliver of the scaler's range); the scores use the real values.
7. **Windows** of ``lookback`` days (14 by default); validation and test windows may look back into the part before them (that
   past is known at forecast time), so every validation and test date is forecast and scored.
8. **Models**, all fitted on the training windows only: persistence (the last value), ``linear`` (ridge regression
   on the last 1-14 days of the same windows, :class:`~helpers.baselines.LinearBaseline`; the number of days and
   the penalty are chosen on the validation part, which makes it a strong baseline), climatology (calendar-daily data
   with a year of training) and the LSTM (:func:`~helpers.models.build_lstm`, trained with early stopping on the
   validation loss, best weights restored).
9. **Scores** on the test period in the target's units (:func:`~helpers.metrics.compare`), skill against
   persistence. The validation scores, the only ones used to choose the recipe, are in ``table.attrs``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from helpers import baselines, metrics, models, preprocessing
from helpers.errors import PreprocessingError
from helpers.notebook import seed_everything

#: The recipe of a full run, chosen on the validation split of the shipped snapshots only (the evidence is in
#: benchmarks/README.md). The ridge baseline picks its window (days) and penalty (alpha) on validation each call.
FULL_RECIPE = {
    "lookback": 14,
    "units": 32,
    "dropout": 0.2,
    "learning_rate": 3e-3,
    "batch_size": 32,
    "epochs": 80,
    "patience": 10,
    "ridge_days": (1, 3, 7, 14),
    "ridge_alpha": (0.1, 1.0, 10.0, 100.0, 1000.0),
    "feature_range": (-1.0, 1.0),
}
#: A tiny run for tests and notebooks in smoke mode: seconds, numbers meaningless.
SMOKE_RECIPE = {**FULL_RECIPE, "units": 8, "dropout": 0.0, "epochs": 2, "patience": 1, "ridge_days": (1, 7), "ridge_alpha": (1.0,)}

#: Fractions of the chronological split (train, validation); the test part is the rest.
SPLIT = (0.7, 0.15)
#: 5 % critical value of the Dickey-Fuller test with a constant: a column whose statistic is above it (no evidence
#: that it returns to a mean) wanders like a price and enters as its change.
DF_CRITICAL = -2.86
#: ... and so does a column whose lag-1 autocorrelation in training is above this (a price that happened to fall and
#: recover in training can pass the test, yet is no less a wandering level).
WANDER_AUTOCORR = 0.98
#: Changes are clipped to these training quantiles before scaling.
CLIP_QUANTILES = (0.005, 0.995)
#: Fewest training windows the pipeline accepts.
MIN_TRAIN_WINDOWS = 20

_CHANGE = "__target_change__"  # the column the models learn; a name no learner's frame uses


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


def dickey_fuller(values) -> float:
    """The Dickey-Fuller t-statistic of ``values``: regress the change on the previous level (with a constant).

    Clearly negative (below about -2.86, the 5 % critical value) means the series is pulled back to a mean; near
    zero means it wanders like a random walk (a "unit root"), as prices do.
    """
    x = np.asarray(values, dtype="float64")
    x = x[np.isfinite(x)]
    if len(x) < 10 or np.ptp(x) == 0:
        return float("-inf")  # too short to tell, or constant: treat as stationary
    change, previous = np.diff(x), x[:-1]
    design = np.column_stack([np.ones_like(previous), previous])
    coef, *_ = np.linalg.lstsq(design, change, rcond=None)
    residual = change - design @ coef
    sigma2 = residual @ residual / (len(change) - 2)
    cov = sigma2 * np.linalg.inv(design.T @ design)
    return float(coef[1] / np.sqrt(cov[1, 1])) if cov[1, 1] > 0 else float("-inf")


def choose_transforms(train: pd.DataFrame) -> dict[str, str]:
    """Decide, from the training part alone, how each column enters the model (see the module docstring).

    ``diff`` / ``logdiff`` (for strictly positive columns) when the column wanders: its lag-1 autocorrelation is
    above :data:`WANDER_AUTOCORR`, or the Dickey-Fuller test cannot reject a random walk (:func:`dickey_fuller`
    above :data:`DF_CRITICAL`). ``log`` for strictly positive, right-skewed columns (skewness above 1: volumes),
    ``level`` otherwise.
    """
    kinds = {}
    for column in train.columns:
        s = train[column].astype("float64")
        positive = bool((s > 0).all())
        std = s.std()
        autocorr = s.autocorr(1) if std > 0 else 0.0
        if autocorr > WANDER_AUTOCORR or dickey_fuller(np.log(s) if positive else s) > DF_CRITICAL:
            kinds[column] = "logdiff" if positive else "diff"
        elif positive and s.skew() > 1:
            kinds[column] = "log"
        else:
            kinds[column] = "level"
    return kinds


def _positive_int(value, name: str, meaning: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float)) or value != int(value) or value < 1:
        raise PreprocessingError(f"{name} must be a positive integer ({meaning}), got {value!r}.")
    return int(value)


def _is_calendar_daily(index: pd.DatetimeIndex) -> bool:
    """True when the rows are (nearly) every calendar day, False for trading days or other irregular calendars."""
    if len(index) < 2:
        return False
    days = (index[-1] - index[0]).days + 1
    return len(index) >= 0.9 * days


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
        raise PreprocessingError(f"the target {target!r} is all NaN: there is nothing to forecast. Fix: pick a column with values.")
    # Index, order and duplicates: validate_frame names the fix.
    preprocessing.validate_frame(frame[[target]], allow_nan=True)
    dropped: dict[str, str] = {}
    if features is None:
        columns = []
        for c in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
                dropped[c] = "not numeric"
            elif frame[c].isna().all():
                dropped[c] = "all NaN"
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
    preprocessing.validate_frame(frame[list(dict.fromkeys([target, *columns]))], allow_nan=True)
    columns = list(dict.fromkeys([target, *columns]))
    return frame[columns], columns, dropped


def _regularize(frame: pd.DataFrame, columns: list[str], target: str, explicit: bool, dropped: dict):
    """Fill gaps on a daily calendar (weather) or in place (trading days); with ``features=None`` a feature with a
    gap too long to fill is skipped, the target or a named feature raises."""
    calendar = _is_calendar_daily(frame.index)
    freq = "D" if calendar else None
    keep = []
    for c in columns:
        try:
            preprocessing.fill_gaps(frame[[c]], freq=freq)
        except PreprocessingError as error:
            if explicit or c == target:
                raise PreprocessingError(
                    f"{error} (run_forecast interpolates gaps of up to 7 days; fill or trim longer ones before the "
                    "call, or leave the column out of features=.)"
                ) from None
            dropped[c] = "gap too long to fill"
            continue
        keep.append(c)
    # Only put the frame on its calendar here: the gaps are filled after the split, inside each part, so that no
    # interpolated value borrows from the other side of a split boundary.
    regular = frame[keep].sort_index()
    regular = regular[~regular.index.duplicated(keep="last")]
    return (regular.asfreq(freq) if freq else regular).astype("float64"), keep, calendar


def _changes(values: pd.Series, kind: str, periods: int) -> pd.Series:
    return np.log(values).diff(periods) if kind == "logdiff" else values.diff(periods)


def _forecast(last: np.ndarray, change: np.ndarray, kind: str) -> np.ndarray:
    return last * np.exp(change) if kind == "logdiff" else last + change


def _last_days(windows: preprocessing.Windows, days: int) -> preprocessing.Windows:
    """The same windows keeping only their last ``days`` steps."""
    return replace(windows, X=np.ascontiguousarray(windows.X[:, -days:, :]), lookback=days)


def _fit_linear(train_w: preprocessing.Windows, val_w: preprocessing.Windows, recipe: dict):
    """Ridge regression on the last ``days`` of each window, ``days`` and ``alpha`` chosen by validation MSE.

    A strong, fair baseline: it sees a subset of the LSTM's inputs, is fitted on the training windows only, and its
    two settings are chosen the way the LSTM's recipe was, on the validation part.
    """
    best = None
    for days in sorted({d for d in recipe["ridge_days"] if d <= train_w.lookback} | {train_w.lookback}):
        train_d, val_d = _last_days(train_w, days), _last_days(val_w, days)
        for alpha in recipe["ridge_alpha"]:
            model = baselines.LinearBaseline(alpha=alpha).fit(train_d)
            error = float(np.mean((model.predict(val_d) - val_d.y) ** 2))
            if best is None or error < best[0]:
                best = (error, model, days, alpha)
    return best[1], best[2], best[3]


def _with_context(parts: list[pd.DataFrame], i: int, rows: int) -> pd.DataFrame:
    """Part ``i`` preceded by the last ``rows`` rows of the parts before it (inputs known at forecast time)."""
    before = pd.concat(parts[:i]) if i else parts[0].iloc[:0]
    return pd.concat([before.iloc[len(before) - rows :] if rows else before.iloc[:0], parts[i]])


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
    """Forecast ``target`` ``horizon`` days ahead with an LSTM and baselines; score them on the test period.

    ``frame`` is a daily frame with a DatetimeIndex (a loader's or your own), ``target`` a numeric column.
    ``features=None`` uses every numeric column (others are skipped, see ``attrs["dropped"]``); the target is
    always an input. ``lookback=None`` means 14 days (shortened for short frames). ``smoke=True`` trains a tiny
    model for two epochs (seconds; numbers meaningless).

    Returns a table indexed by ``model`` (``persistence``, ``climatology`` when there is a year of calendar-daily
    training data, ``linear``, ``lstm``) with ``rmse``, ``mae``, ``r2``, ``skill`` (against persistence), ``mse``
    and ``mape``, in the target's own units on the test period. ``table.attrs`` records what ran: the formulation,
    the transforms, the split dates, the epochs, the validation scores and the wall time.

    The same ``seed`` gives the same numbers on a CPU. See the module docstring for every step.
    """
    started = time.perf_counter()
    recipe = SMOKE_RECIPE if smoke else FULL_RECIPE
    horizon = _positive_int(horizon, "horizon", "days ahead")
    data, columns, dropped = _select_columns(frame, target, features)
    data, columns, calendar = _regularize(data, columns, target, features is not None, dropped)

    # Split by dates on the regular frame; every later step is causal, so slicing by these dates is the same split.
    split = preprocessing.chronological_split(data, *SPLIT)
    split = preprocessing.Split(*(preprocessing.fill_gaps(part, freq=None, limit=None) for part in split))
    data = pd.concat(list(split))
    kinds = choose_transforms(split.train)
    target_kind = "logdiff" if kinds[target] == "logdiff" else "diff"

    inputs = pd.DataFrame(index=data.index)
    with np.errstate(divide="ignore", invalid="ignore"):  # a log of a non-positive value is reported below
        for c in columns:
            t = Transform(c, kinds[c])
            inputs[t.name] = t.apply(data[c])
        inputs[_CHANGE] = _changes(data[target].astype("float64"), target_kind, horizon)
    input_names = [c for c in inputs.columns if c != _CHANGE]
    use_calendar = calendar and (split.train.index[-1] - split.train.index[0]).days >= 365
    if use_calendar:
        inputs = preprocessing.add_calendar_features(inputs)
        input_names = [c for c in inputs.columns if c != _CHANGE]
    inputs = inputs[[*input_names, _CHANGE]]
    # Leading rows lost to differencing; the model's first window starts after them.
    first_valid = inputs.notna().all(axis=1).to_numpy().argmax()
    inputs = inputs.iloc[first_valid:]
    if inputs.isna().any().any() or not np.isfinite(inputs.to_numpy()).all():
        raise PreprocessingError(
            f"the transformed inputs hold NaN or infinite values (a logarithm of zero?) in "
            f"{list(inputs.columns[~np.isfinite(inputs.to_numpy()).all(axis=0)])}. Fix: pass features= without them."
        )
    bounds = [split.train.index[-1], split.val.index[-1]]
    parts = [
        inputs.loc[: bounds[0]],
        inputs.loc[bounds[0] :].iloc[1:].loc[: bounds[1]],
        inputs.loc[bounds[1] :].iloc[1:],
    ]

    if lookback is None:
        lookback = max(1, min(recipe["lookback"], (len(parts[0]) - horizon + 1) // 4))
    lookback = _positive_int(lookback, "lookback", "days of history")
    n_train_windows = len(parts[0]) - lookback - horizon + 1
    if n_train_windows < MIN_TRAIN_WINDOWS:
        raise PreprocessingError(
            f"too few rows: the frame has {len(data)} usable rows, so the training part ({SPLIT[0]:.0%}) gives "
            f"{max(n_train_windows, 0)} windows of lookback {lookback} + horizon {horizon}; at least "
            f"{MIN_TRAIN_WINDOWS} are needed. Fix: pass a shorter lookback= or a longer date range "
            f"(about {int(np.ceil((lookback + horizon + MIN_TRAIN_WINDOWS) / SPLIT[0]))} rows)."
        )

    # Clip changes to the training range, then scale with a scaler fitted on the training part only.
    clipped = [p.copy() for p in parts]
    diff_columns = [Transform(c, k).name for c, k in kinds.items() if k in ("diff", "logdiff")] + [_CHANGE]
    low = parts[0][diff_columns].quantile(CLIP_QUANTILES[0])
    high = parts[0][diff_columns].quantile(CLIP_QUANTILES[1])
    for p in clipped:
        p[diff_columns] = p[diff_columns].clip(low, high, axis=1)
    scaler = preprocessing.fit_scaler(clipped[0], feature_range=recipe["feature_range"])
    scaled = [scaler.transform(p) for p in clipped]

    context = lookback + horizon - 1
    windows = [
        preprocessing.make_windows(
            _with_context(scaled, i, context if i else 0), _CHANGE, input_names, lookback=lookback, horizon=horizon
        )
        for i in range(3)
    ]
    train_w, val_w, test_w = windows
    raw_target = data[target].astype("float64")

    def to_units(w: preprocessing.Windows, scaled_change: np.ndarray) -> pd.Series:
        change = preprocessing.inverse_scale(scaler, scaled_change, _CHANGE)
        last = raw_target.loc[w.origins].to_numpy()
        return pd.Series(_forecast(last, change, target_kind), index=w.dates)

    # The linear baseline, fitted on training windows only; its history length and penalty chosen on validation.
    linear, linear_days, linear_alpha = _fit_linear(train_w, val_w, recipe)
    seed_everything(seed)
    model = models.build_lstm(
        lookback, len(input_names), units=recipe["units"], dropout=recipe["dropout"],
        learning_rate=recipe["learning_rate"], horizon=1,
    )
    history = models.train(
        model, train_w, val_w, epochs=recipe["epochs"], batch_size=recipe["batch_size"], patience=recipe["patience"]
    )

    def table_for(w: preprocessing.Windows) -> pd.DataFrame:
        forecasts = {"persistence": pd.Series(raw_target.loc[w.origins].to_numpy(), index=w.dates)}
        if use_calendar:
            forecasts["climatology"] = baselines.climatology(split.train[target], w.dates)
        forecasts["linear"] = to_units(w, linear.predict(_last_days(w, linear_days)))
        forecasts["lstm"] = to_units(w, models.predict(model, w))
        table = metrics.compare(raw_target.loc[w.dates], forecasts)
        return table[["rmse", "mae", "r2", "skill", "mse", "mape"]]

    validation = table_for(val_w)
    table = table_for(test_w)
    val_loss = history.history["val_loss"]
    table.attrs = {
        "target": target,
        "horizon": horizon,
        "lookback": lookback,
        "seed": seed,
        "smoke": bool(smoke),
        "formulation": (
            f"predict the {'log-return' if target_kind == 'logdiff' else 'change'} of {target!r} over {horizon} "
            f"day(s) from the last value, then add it back ({'last * exp(change)' if target_kind == 'logdiff' else 'last + change'})"
        ),
        "features": input_names,
        "transforms": {c: kinds[c] for c in columns},
        "dropped": dropped,
        "calendar_daily": bool(calendar),
        "split": {name: [str(p.index[0].date()), str(p.index[-1].date()), len(p)] for name, p in zip(("train", "val", "test"), parts)},
        "windows": {"train": len(train_w), "val": len(val_w), "test": len(test_w)},
        "recipe": dict(recipe),
        "linear": {"days": linear_days, "alpha": linear_alpha},
        "epochs_run": len(val_loss),
        "best_epoch": int(np.argmin(val_loss)) + 1,
        "validation": {m: {k: float(v) for k, v in row.items()} for m, row in validation.iterrows()},
        "wall_time_s": round(time.perf_counter() - started, 2),
    }
    return table
