"""Missing readings: a series' regular step, its grid, its gaps, and filling the short ones.

- :func:`most_common_step` and :func:`freq_alias`: the step of a time index (5 minutes, 1 day, 1 month ...) and the
  pandas frequency that puts a frame on that grid (``frame.asfreq(freq_alias(step))``);
- :func:`regular_grid`: sensor readings moved to the nearest mark of a regular grid, what was done reported in a
  :class:`GridReport`;
- :func:`nan_runs`: the length of the run of missing values each row belongs to (how long a gap is);
- :func:`fill_gaps`: the frame on its regular grid, short gaps interpolated in time, long ones refused.

:mod:`helpers.preprocessing` re-exports :func:`fill_gaps` and :func:`regular_grid`, where the lessons call them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pandas as pd

from helpers import checks
from helpers.errors import PreprocessingError

_DAY = pd.Timedelta(days=1)


class FieldMapping:
    """Mixin for a frozen dataclass that also reads like the dict it replaced: ``report["step"]``, ``{**report}``,
    ``dict(report)`` and ``report == {...}`` work, field by field, in the fields' order."""

    def keys(self) -> list[str]:
        return [f.name for f in fields(self)]  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def items(self) -> list[tuple[str, Any]]:
        return [(k, getattr(self, k)) for k in self.keys()]

    def __eq__(self, other: object) -> bool:
        if hasattr(other, "keys") and hasattr(other, "__getitem__"):
            return dict(self.items()) == {k: other[k] for k in other.keys()}  # noqa: SIM118 (any mapping)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, eq=False)
class GridReport(FieldMapping):
    """What :func:`regular_grid` did to put readings on a regular grid (``frame.attrs["regular_grid"]``)."""

    step: str  #: the grid's step as a pandas frequency, e.g. ``"5min"``
    readings: int  #: readings in the input (rows with at least one value)
    duplicate_timestamps: int  #: readings whose timestamp repeats an earlier one
    moved: int  #: readings whose time changed (moved to the nearest mark)
    merged: int  #: readings averaged into another reading's mark
    marks: int  #: marks of the grid, from the first reading's to the last's
    missing: int  #: marks without a reading (NaN rows)
    gaps: int  #: runs of consecutive missing marks
    longest_gap: str  #: the duration of the longest run, e.g. ``"1 days 03:55:00"``, or ``"none"``


def nan_runs(values: pd.Series) -> pd.Series:
    """For each row, the length of the run of consecutive NaN it belongs to (0 for a value). A boolean Series is
    read as "missing" itself (True: no value)."""
    missing = values.astype(bool) if pd.api.types.is_bool_dtype(values) else values.isna()
    run_id = (~missing).cumsum()
    lengths = missing.groupby(run_id).transform("sum")
    return lengths.where(missing, 0).astype(int)


def most_common_step(index: pd.DatetimeIndex) -> pd.Timedelta | pd.DateOffset:
    """The step of a time index: the most common difference between consecutive timestamps, or a number of calendar
    months (a ``pd.DateOffset``) when every timestamp is a month's last day, or the same day of the month, at the
    same time of day, and the steps are at least 28 days (monthly, quarterly, yearly data: months differ in length,
    so no fixed duration fits them)."""
    index = pd.DatetimeIndex(index)
    unique = index.unique().sort_values()
    if len(unique) < 2:
        raise PreprocessingError("fewer than two distinct timestamps: no step to infer.")
    deltas = pd.Series(unique[1:] - unique[:-1])
    step = deltas.mode().iloc[0]
    if step >= pd.Timedelta(days=28) and (unique == unique.normalize() + (unique[0] - unique[0].normalize())).all():
        months = pd.Series(unique.year * 12 + unique.month)
        steps = months.diff().dropna().astype(int)
        month_end = bool(unique.is_month_end.all())
        same_day = bool((unique.day == unique[0].day).all()) and unique[0].day <= 28
        if (month_end or same_day) and (steps > 0).all():
            k = int(steps.mode().iloc[0])
            return pd.DateOffset(months=k) if same_day else pd.offsets.MonthEnd(k)
    return step


def freq_alias(step: pd.Timedelta | pd.DateOffset) -> str | pd.DateOffset:
    """The pandas frequency of a step: ``"5min"``, ``"h"``, ``"D"``, ``"7D"``; a month step stays an offset."""
    if isinstance(step, pd.offsets.BaseOffset):
        return step
    seconds = int(step.total_seconds())
    for alias, size in (("D", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{alias}" if seconds // size != 1 else alias
    return f"{int(step / pd.Timedelta(microseconds=1))}us"


def fill_gaps(frame: pd.DataFrame, *, limit: int | None = 7, freq: str | None = "infer") -> pd.DataFrame:
    """Put the frame on its regular grid (``freq``) and fill gaps by time interpolation.

    ``freq="infer"`` (the default) takes the frame's own step (:func:`most_common_step`): daily weather goes on a
    daily calendar, hourly readings stay hourly, month starts stay month starts. Pass a pandas frequency (``"D"``,
    ``"h"``) to choose it, or ``freq=None`` to keep the rows as they are: stock prices are on a trading-day calendar,
    whose weekends are not gaps (``"infer"`` sees a 1-day step and would fill them).

    Missing timestamps become rows; gaps of at most ``limit`` consecutive steps are interpolated linearly in time, and
    leading/trailing gaps are filled from the nearest value. Longer gaps raise :class:`PreprocessingError` rather
    than inventing weeks of weather (``limit=None``: fill every gap). A duplicated timestamp keeps its last row;
    non-numeric columns are left out. A Series gives a Series.
    """
    if isinstance(frame, pd.Series):
        return fill_gaps(frame.to_frame(), limit=limit, freq=freq).iloc[:, 0]
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise PreprocessingError(
            "fill_gaps needs a DataFrame with a DatetimeIndex. Fix: frame = frame.set_index(pd.to_datetime("
            "frame['date'])), or load it with helpers.load_weather."
        )
    if limit is not None:
        limit = checks.positive_int(limit, "limit", "the longest gap filled, in steps; None fills every gap", example=7)
    frame = frame.sort_index()
    frame = frame[~frame.index.duplicated(keep="last")]
    numeric = frame.select_dtypes("number")
    if numeric.shape[1] == 0:
        raise PreprocessingError(
            f"fill_gaps found no numeric column among {list(frame.columns)}. Fix: convert them first, e.g. "
            "pd.to_numeric(frame[column], errors='coerce')."
        )
    if freq == "infer":
        freq = freq_alias(most_common_step(frame.index)) if len(frame) > 1 else None
    if freq is not None:
        try:
            numeric = numeric.asfreq(freq)
        except (TypeError, ValueError) as exc:
            raise PreprocessingError(
                f"freq={freq!r} is not a pandas frequency. Fix: e.g. freq='D' (days), 'h' (hours), None (keep the "
                "rows as they are) or 'infer' (the frame's own step)."
            ) from exc
    numeric = numeric.astype("float64")
    # A gap longer than `limit` would be interpolated only partly; check first so the caller gets a clear error.
    if limit is not None:
        for column in numeric.columns:
            longest = int(nan_runs(numeric[column]).max())
            if longest > limit:
                raise PreprocessingError(
                    f"column {column!r} has a gap of {longest} consecutive missing values, more than "
                    f"limit={limit}. Fix: drop the column, shorten the date range, or pass a larger limit."
                )
    return numeric.interpolate(method="time", limit_area="inside").ffill().bfill()


def regular_grid(frame: pd.DataFrame, step: str | pd.Timedelta | None = None) -> pd.DataFrame:
    """Put readings on a regular time grid of ``step`` (inferred as the most common step when None).

    Each reading goes to the nearest grid mark (a multiple of ``step`` since midnight), so it moves by at most half
    a step; readings that land on the same mark (duplicated timestamps, two readings a minute apart) are averaged;
    marks without a reading become ``NaN`` rows. Nothing is filled in: a gap stays a gap. What was done is
    reported in ``result.attrs["regular_grid"]``, a :class:`GridReport` (it reads like a dict too).
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame) or not isinstance(frame.index, pd.DatetimeIndex):
        raise PreprocessingError("regular_grid needs a DataFrame with a DatetimeIndex of reading times.")
    frame = frame.dropna(how="all").sort_index(kind="stable")
    if frame.index.hasnans:
        raise PreprocessingError("the index has missing timestamps (NaT). Fix: frame = frame[frame.index.notna()].")
    non_numeric = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise PreprocessingError(f"column(s) {non_numeric} are not numeric. Fix: drop them before regular_grid.")
    steps = frame.index.to_series().diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    if step is None:
        if steps.empty:
            raise PreprocessingError(
                "fewer than two distinct timestamps: no step to infer. Fix: pass step=, e.g. step='5min'."
            )
        step = steps.mode().iloc[0]
    try:
        step = pd.Timedelta(step)
    except ValueError as exc:
        raise PreprocessingError(f"step={step!r} is not a time step. Fix: e.g. step='5min' or step='1h'.") from exc
    if step <= pd.Timedelta(0):
        raise PreprocessingError(f"step must be positive, got {step}.")
    marks = frame.index.round(step)
    grouped = frame.groupby(marks).mean()
    index = pd.date_range(grouped.index[0], grouped.index[-1], freq=step, name=frame.index.name)
    out = grouped.reindex(index)
    missing = out.isna().all(axis=1)
    lengths = nan_runs(missing)
    starts = int((missing & ~missing.shift(fill_value=False)).sum())
    out.attrs["regular_grid"] = GridReport(
        step=pd.tseries.frequencies.to_offset(step).freqstr,
        readings=int(len(frame)),
        duplicate_timestamps=int(frame.index.duplicated().sum()),
        moved=int((marks != frame.index).sum()),
        merged=int(len(frame) - len(grouped)),
        marks=int(len(out)),
        missing=int(missing.sum()),
        gaps=starts,
        longest_gap=str(step * int(lengths.max())) if starts else "none",
    )
    return out


__all__ = [
    "FieldMapping",
    "GridReport",
    "fill_gaps",
    "freq_alias",
    "most_common_step",
    "nan_runs",
    "regular_grid",
]
