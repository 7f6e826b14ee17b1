"""Everything before training, for one split (:func:`prepare`) or every fold of a backtest (:func:`prepare_folds`).

Every check that could fail runs here, so a bad input is refused before any model is fitted: the inputs
(:mod:`~helpers.forecasting.inputs`), the sizes of the split, a target that does not vary, a horizon that the test
period cannot judge, a part with no complete window. What comes out is a :class:`Prepared`: the windows of each part,
scaled, and what is needed to read a forecast back in the target's units. The models are fitted by
:func:`helpers.forecasting.fit.fit_split`.

For one split: short gaps filled inside each part; the transforms chosen on the training part; changes clipped to
the training part's 0.5-99.5 % range (a stock split in unadjusted prices would otherwise squash every ordinary day
into a sliver of the scaler's range) and everything scaled by a ``MinMaxScaler`` fitted on the training rows alone;
windows of ``lookback`` steps, where validation and test windows may look back into the part before them (that past
is known at forecast time), so every validation and test step that has a complete window is forecast and scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from helpers import checks, preprocessing
from helpers.errors import PreprocessingError
from helpers.forecasting.grid import fill_short_gaps
from helpers.forecasting.inputs import Checked, check, dates_text
from helpers.forecasting.rate import Rate
from helpers.forecasting.recipes import recipe_for
from helpers.forecasting.splits import (
    MIN_TRAIN_WINDOWS,
    SPLIT,
    default_lookback,
    fold_bounds,
    rows_needed,
    single_split,
    too_few_rows,
)
from helpers.forecasting.transforms import (
    CHANGE,
    add_time_features,
    check_finite,
    choose_transforms,
    model_inputs,
    to_level,
)

#: Changes are clipped to these training quantiles before scaling.
CLIP_QUANTILES = (0.005, 0.995)
PARTS = ("train", "val", "test")


@dataclass(frozen=True, eq=False)
class Prepared:
    """One split ready for the models: what :func:`prepare` (and each fold of :func:`prepare_folds`) returns.

    The windows are in scaled units and their target is the scaled change of the target over the horizon;
    :meth:`to_units` turns a forecast of that change back into the target's own units.
    """

    target: str  #: the column forecast
    horizon: int  #: steps ahead
    lookback: int  #: steps of history in each window (the rate's default unless given)
    rate: Rate  #: the sampling rate
    bounds: tuple[int, int, int]  #: (train_end, validation_end, test_end) positions in the regular frame
    split: pd.DataFrame  #: index train/val/test: ``first`` and ``last`` date, ``rows``
    transforms: dict[str, str]  #: column -> level, log, diff or logdiff
    target_kind: str  #: "diff" (forecast = last + change) or "logdiff" (last * exp(change))
    features: tuple[str, ...]  #: the model inputs, in order (transformed columns and time features)
    yearly: bool  #: calendar-daily data with a year of training: the day-of-year features and climatology
    windows: dict[str, preprocessing.Windows]  #: "train", "val", "test": every complete window of each part
    windows_dropped: dict[str, int]  #: windows of each part left out because they touch a long gap
    scaler: MinMaxScaler  #: fitted on the training rows only
    series: pd.Series  #: the target on the regular grid, short gaps filled per part (long gaps NaN)
    dropped: dict[str, str] = field(default_factory=dict)  #: columns skipped (features=None), with the reason
    recipe: dict = field(default_factory=dict)  #: the training recipe for this rate and mode

    def last_values(self, part: str) -> np.ndarray:
        """The target's last known value at each window's origin (persistence's forecast)."""
        return self.series.loc[self.windows[part].origins].to_numpy()

    def to_units(self, part: str, scaled_change: np.ndarray) -> pd.Series:
        """Forecasts of the scaled change for the windows of ``part``, in the target's units, indexed by date."""
        change = preprocessing.inverse_scale(self.scaler, scaled_change, CHANGE)
        level = to_level(self.last_values(part), change, self.target_kind)
        return pd.Series(level, index=self.windows[part].dates)

    def actual(self, part: str) -> pd.Series:
        """The target on the dates the windows of ``part`` forecast."""
        return self.series.loc[self.windows[part].dates]

    @property
    def train_values(self) -> pd.Series:
        """The target over the training part (short gaps filled)."""
        return self.series.iloc[: self.bounds[0]]


def _check_varies(values: pd.Series, bounds: tuple[int, int, int], target: str) -> None:
    """A target that does not change in some part: nothing to learn (training), or persistence is perfect and skill
    against it undefined (validation, test)."""
    whole = values.dropna()
    if len(whole) and np.ptp(whole.to_numpy()) == 0:
        raise PreprocessingError(
            f"the target {target!r} is constant (every value is {whole.iloc[0]:g}): there is nothing to forecast, and "
            "persistence is already perfect. Fix: forecast a column that varies."
        )
    what = {"train": "there is nothing to learn", "val": "early stopping and the choice of model have nothing to go "
            "on", "test": "persistence is perfect there, and skill against it is undefined"}
    for name, a, b in zip(PARTS, (0, *bounds[:2]), bounds, strict=True):
        part = values.iloc[a:b].dropna()
        if len(part) and np.ptp(part.to_numpy()) == 0:
            raise PreprocessingError(
                f"the target {target!r} does not change in the {name} part ({dates_text(part.index[[0, -1]], 2)}, "
                f"every value {part.iloc[0]:g}): {what[name]}. Fix: pass a date range in which it varies."
            )


def _windows(scaled: pd.DataFrame, names: list[str], start: int, end: int, lookback: int, horizon: int, name: str,
             limit: int):
    """Every complete window whose target is at a position in ``[start, end)``; its inputs may reach back before."""
    first = max(start - lookback - horizon + 1, 0)
    part = scaled.iloc[first:end]
    try:
        w = preprocessing.make_windows(
            part, CHANGE, names, lookback=lookback, horizon=horizon, drop_gaps=True, gap_rule="used"
        )
    except PreprocessingError:  # every window touches a long gap
        lost = len(part) - lookback - horizon + 1
        raise PreprocessingError(
            f"the {name} part ({scaled.index[start]} to {scaled.index[end - 1]}) has no complete window: {lost} "
            f"window(s) touch a gap longer than {limit} step(s), which the pipeline never bridges. Fix: pass a longer "
            "date range, a shorter lookback=, or fill that gap yourself if you know the values."
        ) from None
    return w


def prepare_split(
    checked: Checked, target: str, bounds: tuple[int, int, int], *, lookback: int, recipe: dict
) -> Prepared:
    """Fill, transform, scale and window one split of a checked frame (see the module docstring)."""
    data, rate, horizon = checked.frame, checked.rate, checked.horizon
    n_train, n_val_end, n_end = bounds
    if n_train - lookback - horizon < MIN_TRAIN_WINDOWS:
        raise too_few_rows(n_end, n_train, lookback, horizon, "in the first training part")
    filled = [fill_short_gaps(p, rate.fill_limit) for p in (data.iloc[:n_train], data.iloc[n_train:n_val_end],
                                                             data.iloc[n_val_end:n_end])]
    frame = pd.concat(filled)
    values = frame[target].astype("float64")
    _check_varies(values, bounds, target)
    train = filled[0]
    kinds = choose_transforms(train, lag=rate.autocorr_lag)
    inputs, target_kind = model_inputs(frame, target, checked.features, kinds, horizon)
    yearly = rate.kind == "daily" and (train.index[-1] - train.index[0]).days >= 365
    inputs = add_time_features(inputs, rate, yearly)
    names = [c for c in inputs.columns if c != CHANGE]
    inputs = inputs[[*names, CHANGE]]
    check_finite(inputs, kinds, target)

    # Clip changes to the training range, then scale with a scaler fitted on the training rows only. With the
    # recipe's clip_target=False the target keeps its true values (the scaler's range still comes from the clipped
    # ones, so one outlier cannot squash the rest): a model then learns the moves it will be scored on.
    diff_columns = [c for c in inputs.columns if c.endswith(("_diff", "_logdiff"))] + [CHANGE]
    train_rows = inputs.iloc[:n_train]
    low = train_rows[diff_columns].quantile(CLIP_QUANTILES[0])
    high = train_rows[diff_columns].quantile(CLIP_QUANTILES[1])
    clipped = inputs.copy()
    clipped[diff_columns] = clipped[diff_columns].clip(low, high, axis=1)
    scaler = preprocessing.fit_scaler(clipped.iloc[:n_train].dropna(), feature_range=recipe["feature_range"])
    if not recipe.get("clip_target", True):
        clipped[CHANGE] = inputs[CHANGE]
    scaled = scaler.transform(clipped)
    # Rows lost at the start to differencing are not gaps: the first window starts after them.
    lead = int(inputs.notna().all(axis=1).to_numpy().argmax())
    scaled = scaled.iloc[lead:]

    cut = [0, n_train, n_val_end, n_end]
    windows, dropped = {}, {}
    for i, name in enumerate(PARTS):
        start, end = max(cut[i] - lead, 0), cut[i + 1] - lead
        w = _windows(scaled, names, start, end, lookback, horizon, name, rate.fill_limit)
        windows[name], dropped[name] = w, w.dropped
    if len(windows["train"]) < MIN_TRAIN_WINDOWS:
        raise PreprocessingError(
            f"only {len(windows['train'])} training windows are left after dropping the {dropped['train']} that "
            f"touch gaps longer than {rate.fill_limit} step(s); at least {MIN_TRAIN_WINDOWS} are needed. Fix: pass "
            "a longer date range or a shorter lookback=."
        )
    split = pd.DataFrame(
        {"first": [frame.index[a] for a in cut[:3]], "last": [frame.index[b - 1] for b in cut[1:]],
         "rows": [b - a for a, b in zip(cut[:3], cut[1:], strict=True)]},
        index=pd.Index(PARTS, name="part"),
    )
    return Prepared(
        target=target, horizon=horizon, lookback=lookback, rate=rate, bounds=(n_train, n_val_end, n_end),
        split=split, transforms={c: kinds[c] for c in checked.features}, target_kind=target_kind,
        features=tuple(names), yearly=yearly, windows=windows, windows_dropped=dropped, scaler=scaler,
        series=values, dropped=dict(checked.dropped), recipe=dict(recipe),
    )


def _check_horizon_fits_test(prepared: Prepared) -> None:
    """The test period must hold more forecasts than the horizon: the errors of h-step forecasts overlap, and the
    Diebold-Mariano test cannot judge fewer than h + 1 of them."""
    n_test, horizon = len(prepared.windows["test"]), prepared.horizon
    if n_test <= horizon:
        rows = int(np.ceil((horizon + 1) / (1 - sum(SPLIT)))) + prepared.lookback
        raise PreprocessingError(
            f"horizon={horizon} steps is longer than the test part can judge: it holds {n_test} forecast(s) "
            f"({prepared.split.loc['test', 'first']} to {prepared.split.loc['test', 'last']}), and the errors of "
            f"{horizon}-step forecasts overlap, so at least {horizon + 1} are needed. Fix: "
            f"horizon={max(n_test - 1, 1)} or less, or a longer date range (about {rows} rows or more)."
        )


def prepare(
    frame: pd.DataFrame,
    target: str,
    *,
    features: Sequence[str] | None = None,
    lookback: int | None = None,
    horizon: int = 1,
    smoke: bool = False,
) -> Prepared:
    """Every step of :func:`~helpers.forecasting.run_forecast` before training, on its 70 / 15 / 15 split.

    Same arguments as ``run_forecast``; raises the same errors, before any model is fitted. Use it to see what the
    pipeline makes of a frame (its rate, transforms, windows, the gaps it dropped) in a fraction of a second.
    """
    checked = check(frame, target, features, horizon, lookback)
    bounds = single_split(len(checked.frame))
    n_train = bounds[0]
    lookback = checked.lookback
    if lookback is None:
        lookback = default_lookback(checked.rate, n_train, checked.horizon)
    if n_train - lookback - checked.horizon < MIN_TRAIN_WINDOWS:
        needed = rows_needed(checked.horizon, checked.lookback, checked.rate)
        raise too_few_rows(len(checked.frame), n_train, lookback, checked.horizon,
                           f"in the training part ({SPLIT[0]:.0%})", needed)
    prepared = prepare_split(checked, target, bounds, lookback=lookback, recipe=recipe_for(checked.rate, smoke))
    _check_horizon_fits_test(prepared)
    return prepared


def prepare_folds(
    frame: pd.DataFrame,
    target: str,
    *,
    folds: int = 4,
    features: Sequence[str] | None = None,
    lookback: int | None = None,
    horizon: int = 1,
    smoke: bool = False,
) -> list[Prepared]:
    """Every step of :func:`~helpers.forecasting.backtest` before training: one :class:`Prepared` per fold, each
    filled, transformed and scaled on its own training part (fold boundaries from :func:`fold_bounds`)."""
    folds_n = checks.positive_int(folds, "folds", "how many test blocks", example=4)
    checked = check(frame, target, features, horizon, lookback, copies=folds_n)
    bounds = fold_bounds(len(checked.frame), folds_n, checked.horizon)
    first_train = bounds[0][0]
    lookback = checked.lookback
    if lookback is None:
        lookback = default_lookback(checked.rate, first_train, checked.horizon)
    if first_train - lookback - checked.horizon < MIN_TRAIN_WINDOWS:
        raise PreprocessingError(
            f"the first fold trains on {first_train} steps, which give "
            f"{max(first_train - lookback - checked.horizon, 0)} windows of lookback {lookback} + horizon "
            f"{checked.horizon}; at least {MIN_TRAIN_WINDOWS} are needed. Fix: pass a longer date range, fewer folds "
            "or a shorter lookback=."
        )
    recipe = recipe_for(checked.rate, smoke)
    return [prepare_split(checked, target, b, lookback=lookback, recipe=recipe) for b in bounds]
