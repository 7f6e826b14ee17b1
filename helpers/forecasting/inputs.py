"""The input checks of the pipeline, all made before anything is fitted: :func:`check`.

The target and the features must exist, be numeric and hold values; an infinite value is an error that names the
column and the dates. ``features=None`` takes every numeric column and skips the rest (non-numeric, all-NaN, infinite
values, gaps too long to fill), saying which and why. The index must be a sorted DatetimeIndex with one zone and no
duplicate; ``horizon`` and ``lookback`` positive integers; and the windows must fit in memory
(:data:`MAX_WINDOW_BYTES`), which a series of millions of readings at a fine step does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import checks, preprocessing
from helpers.errors import PreprocessingError
from helpers.forecasting.grid import regularize
from helpers.forecasting.rate import DAY, Rate, infer_rate, months_of, sub_daily_defaults, working_index

#: The most memory the windows of one call may take (float32 inputs of every train, validation and test window, all
#: folds of a backtest together). At the peak, while the ridge and the LSTM are fitted, a call holds two to three
#: times this. A longer or finer series is refused before anything is computed, with the fix.
MAX_WINDOW_BYTES = 1_000_000_000
#: Time features an input frame may gain (day-of-year or time-of-day sine and cosine) plus the target's change.
EXTRA_INPUTS = 3


@dataclass(frozen=True)
class Checked:
    """A frame that passed :func:`check`: on its regular grid, with the columns the models will use."""

    frame: pd.DataFrame  #: the target and the input columns, float64, on the rate's grid (gaps are NaN rows)
    features: list[str]  #: the input columns, the target first
    dropped: dict[str, str]  #: columns skipped (features=None only), with the reason
    rate: Rate  #: the sampling rate and its defaults
    horizon: int  #: steps ahead
    lookback: int | None  #: steps of history, None for the rate's default


def dates_text(index: pd.Index, limit: int = 3) -> str:
    """A few dates of ``index`` for a message: ``"2012-04-10, 2013-05-15 and 3 more"``."""
    midnight = isinstance(index, pd.DatetimeIndex) and (index == index.normalize()).all()
    shown = ", ".join(str(t.date()) if midnight else str(t) for t in index[:limit])
    return shown + (f" and {len(index) - limit} more" if len(index) > limit else "")


def check_index(frame: pd.DataFrame) -> None:
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
        sub_daily = len(unique) > 1 and (unique[1:] - unique[:-1]).min() < DAY
        if index.tz is None and sub_daily:
            hint = (
                " If these are the repeated hour of a daylight-saving switch in local clock time, tell pandas the "
                "time zone instead: frame = frame.tz_localize('Europe/Berlin', ambiguous='infer') (your zone)."
            )
        raise PreprocessingError(
            f"the index has {len(dupes)} duplicated timestamp(s) ({dates_text(dupes)}). Fix: keep one row per "
            f"timestamp, e.g. frame = frame[~frame.index.duplicated(keep='last')].{hint}"
        )


def _numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def select_columns(frame, target: str, features: Sequence[str] | None) -> tuple[pd.DataFrame, list[str], dict]:
    """Check ``frame``, ``target`` and ``features``; return the frame with the columns used, the input columns and
    the columns skipped (``features=None`` only) with the reason."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(target if frame.name is None else frame.name)  # an unnamed Series is the target
    if not isinstance(frame, pd.DataFrame):
        raise PreprocessingError(
            f"the pipeline needs a pandas DataFrame, got {type(frame).__name__}. Fix: a frame with a DatetimeIndex, "
            "e.g. pd.DataFrame({'y': values}, index=pd.date_range('2024-01-01', periods=len(values), freq='D'))."
        )
    if not isinstance(target, str) and not np.isscalar(target):
        raise PreprocessingError(f"target must be one column name, got {target!r}.")
    if isinstance(frame.columns, pd.MultiIndex):
        levels = [list(dict.fromkeys(frame.columns.get_level_values(i))) for i in range(frame.columns.nlevels)]
        level = next((i for i, names in enumerate(levels) if target in names), 0)
        other = 1 - level if frame.columns.nlevels == 2 else None
        fix = (
            f"frame = frame.xs({levels[other][0]!r}, axis=1, level={other}) (one ticker, as yfinance's download "
            "gives several)" if other is not None else "frame.columns = frame.columns.to_flat_index()"
        )
        raise PreprocessingError(
            f"the frame has two-level column names (e.g. {frame.columns[0]!r}), so no column is called {target!r}. "
            f"Fix: {fix}."
        )
    if target not in frame.columns:
        raise PreprocessingError(
            f"unknown target column {target!r}; the frame has {list(frame.columns)}. Fix: pick one of those."
        )
    if not _numeric(frame[target]):
        raise PreprocessingError(
            f"the target {target!r} is not numeric (dtype {frame[target].dtype}). Fix: forecast a numeric column, or "
            "convert this one first (e.g. pd.to_numeric(frame[target], errors='coerce'))."
        )
    if frame[target].isna().all():
        raise PreprocessingError(
            f"the target {target!r} is all NaN: there is nothing to forecast. Fix: pick a column with values."
        )
    check_index(frame)
    preprocessing.validate_frame(frame[[target]], allow_nan=True)  # index and order: validate_frame names the fix
    dropped: dict[str, str] = {}
    if features is None:
        columns = []
        for c in frame.columns:
            if not _numeric(frame[c]):
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
            what = "the target" if c == target else "the feature"
            fix = (
                f"correct those values, or mark them missing with frame[{c!r}] = frame[{c!r}].replace([np.inf, "
                "-np.inf], np.nan) (the pipeline treats a missing value as a gap)"
            )
            if c != target:
                fix += ", or leave the column out of features="
            raise PreprocessingError(
                f"{what} {c!r} holds {int(bad.sum())} infinite value(s), at {dates_text(frame.index[bad])}. Fix: {fix}."
            )
    return frame[columns], columns, dropped


def window_bytes(n_rows: int, lookback: int, n_inputs: int, copies: int = 1) -> int:
    """Memory of the float32 windows of ``n_rows`` rows (an upper bound: one window per row)."""
    return int(n_rows) * int(lookback) * int(n_inputs) * 4 * int(copies)


def _size(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def check_memory(n_rows: int, n_columns: int, lookback: int | None, rate: Rate, copies: int = 1) -> None:
    """Refuse, before anything is computed, a call whose windows would exceed :data:`MAX_WINDOW_BYTES`."""
    steps = rate.lookback if lookback is None else lookback
    n_inputs = n_columns + EXTRA_INPUTS
    needed = window_bytes(n_rows, steps, n_inputs, copies)
    if needed <= MAX_WINDOW_BYTES:
        return
    folds = f" x {copies} folds" if copies > 1 else ""
    fixes = []
    if rate.kind == "sub-daily":
        for alias in ("1min", "5min", "15min", "1h"):
            coarser = pd.Timedelta(alias)
            if coarser <= rate.step:
                continue
            rows = int(np.ceil(n_rows * (rate.step / coarser)))
            steps_there = (
                sub_daily_defaults(coarser)[0] if lookback is None else max(1, round(lookback * rate.step / coarser))
            )
            if window_bytes(rows, steps_there, n_inputs, copies) <= MAX_WINDOW_BYTES:
                fixes.append(
                    f"put it on a coarser step, e.g. frame.resample('{alias}').mean() ({n_rows:,} rows become about "
                    f"{rows:,}, windows of {steps_there} steps)"
                )
                break
    keep = MAX_WINDOW_BYTES // window_bytes(1, steps, n_inputs, copies)
    if keep >= 4 * steps + 100:  # enough rows for windows of this lookback
        fixes.append(f"forecast a shorter stretch, e.g. frame.iloc[-{keep}:] (the last {keep:,} rows)")
    if lookback is not None and lookback > 1:
        fixes.append("a shorter lookback=")
    raise PreprocessingError(
        f"too much data for the memory bound: the windows would take about {_size(needed)} ({n_rows:,} rows x "
        f"{steps:,} steps of lookback x up to {n_inputs} inputs x 4 bytes{folds}), and the pipeline holds at most "
        f"{_size(MAX_WINDOW_BYTES)} of windows (forecasting.MAX_WINDOW_BYTES; two to three times that at the peak). "
        f"Fix: {', or '.join(fixes) if fixes else 'a shorter lookback= or a shorter date range'}."
    )


def check(frame, target: str, features, horizon, lookback, *, copies: int = 1) -> Checked:
    """Every check that needs no split: the frame, the target and features, ``horizon`` and ``lookback``, the
    sampling rate, the memory bound (``copies``: how many splits will be windowed); then the regular grid."""
    selected, columns, dropped = select_columns(frame, target, features)
    horizon = checks.positive_int(horizon, "horizon", "steps ahead")
    if lookback is not None:
        lookback = checks.positive_int(lookback, "lookback", "steps of history", example=14)
    rate = infer_rate(selected.index)
    check_memory(grid_rows(selected.index, rate), len(columns), lookback, rate, copies)
    regular, columns = regularize(selected, columns, target, features is not None, dropped, rate)
    return Checked(regular, columns, dropped, rate, horizon, lookback)


def grid_rows(index: pd.DatetimeIndex, rate: Rate) -> int:
    """How many rows the frame will have on its regular grid (a missing timestamp becomes a row)."""
    work = working_index(index)
    if rate.freq is None:
        return len(work)
    if rate.kind == "monthly":
        months = (work[-1].year - work[0].year) * 12 + work[-1].month - work[0].month
        return months // months_of(rate.step) + 1
    return int((work[-1] - work[0]) / rate.step) + 1
