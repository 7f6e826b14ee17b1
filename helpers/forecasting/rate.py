"""The sampling rate of a frame (:func:`infer_rate`) and the pipeline's defaults for it (:data:`RATE_DEFAULTS`).

``horizon`` and ``lookback`` count steps of this rate. Calendar data is put on its regular grid (a missing timestamp
is a gap); trading days keep their rows (a weekend is not a gap); monthly, quarterly and yearly data step by whole
calendar months (months differ in length, so no fixed duration fits them). A time-zone-aware index is accepted,
daylight-saving switches included: sub-daily data is worked on in UTC (the real time between readings), daily and
longer data on the local calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import gaps
from helpers.errors import PreprocessingError

#: A calendar-daily frame has at least this share of all calendar days between its first and last row.
CALENDAR_SHARE = 0.9
DAY = pd.Timedelta(days=1)

#: Defaults per rate: the lookback (a duration turned into steps, at least ``min_lookback`` steps; or a number of
#: steps) and the longest gap filled.
RATE_DEFAULTS = {
    # One hour: chosen on the validation period of the glucose readings (benchmarks/README.md), against two hours.
    "sub-hourly": {"lookback": pd.Timedelta(hours=1), "min_lookback": 12, "fill": pd.Timedelta(minutes=15)},
    "hourly": {"lookback": pd.Timedelta(days=1), "min_lookback": 12, "fill": pd.Timedelta(hours=3)},
    "daily": {"lookback": 14, "fill": 7},
    "trading days": {"lookback": 14, "fill": 7},
    "multi-day": {"lookback": 14, "fill": 1},
    "monthly": {"lookback_months": 12, "min_lookback": 8, "fill": 1},
}


@dataclass(frozen=True)
class Rate:
    """The sampling rate of a frame and the defaults that go with it (see :data:`RATE_DEFAULTS`)."""

    step: pd.Timedelta | pd.DateOffset  #: the time between readings; whole calendar months are an offset
    kind: str  #: "sub-daily", "daily", "trading days", "multi-day" or "monthly" (any whole number of months)
    freq: str | pd.DateOffset | None  #: the regular grid; None for trading days (the rows are the steps)
    lookback: int  #: the default window, in steps
    fill_limit: int  #: short gaps: at most this many consecutive missing steps are interpolated
    season: int | None  #: steps in one season (a day of sub-daily data, a year of monthly data): the seasonal lag
    tz: str | None = None  #: the original time zone of a tz-aware index

    @property
    def label(self) -> str:
        """``"5 minutes"``, ``"1 day"``, ``"1 trading day"``, ``"3 months"`` ..."""
        if self.kind == "trading days":
            return "1 trading day"
        if isinstance(self.step, pd.offsets.BaseOffset):
            months = months_of(self.step)
            return f"{months} month{'s' if months != 1 else ''}"
        return duration(self.step)

    @property
    def autocorr_lag(self) -> int:
        """The lag, in steps, over which a wandering column is recognised: one day (sub-daily), else one step."""
        return self.season if self.kind == "sub-daily" and self.season else 1

    def describe(self) -> str:
        return (
            f"{self.label} steps ({self.kind}); default lookback {self.lookback} steps, gaps of up to "
            f"{self.fill_limit} step(s) interpolated"
        )


def duration(delta: pd.Timedelta) -> str:
    """A duration in words: ``"5 minutes"``, ``"1 day"``."""
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return str(delta)


def months_of(offset: pd.DateOffset) -> int:
    """The number of calendar months of a month step (``DateOffset(months=k)`` or ``MonthEnd(k)``)."""
    return int(offset.n if isinstance(offset, pd.offsets.MonthEnd) else offset.months)


def working_index(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The naive index the pipeline works on: UTC for sub-daily tz-aware data (the real time between readings,
    whatever the clocks did), the local calendar for daily tz-aware data (a local midnight is 23 or 25 hours after
    the previous one across a daylight-saving switch)."""
    if index.tz is None:
        return index
    utc = index.tz_convert("UTC").tz_localize(None)
    if len(index) > 1 and (utc[1:] - utc[:-1]).median() >= pd.Timedelta(hours=20):
        return index.tz_localize(None)
    return utc


def sub_daily_defaults(step: pd.Timedelta) -> tuple[int, int, int | None]:
    """``(lookback, fill_limit, season)`` in steps for a step shorter than a day (see :data:`RATE_DEFAULTS`)."""
    tier = RATE_DEFAULTS["sub-hourly" if step < pd.Timedelta(hours=1) else "hourly"]
    lookback = max(tier["min_lookback"], int(tier["lookback"] / step))
    fill = max(1, int(tier["fill"] / step))
    season = int(DAY / step) if DAY % step == pd.Timedelta(0) else None
    return lookback, fill, season


def _calendar_fix(step: pd.Timedelta) -> str | None:
    """The resampling that keeps calendar periods whole, for data whose step is about a month, quarter or year."""
    days = step / DAY
    for low, high, alias, what in ((28, 31, "MS", "month"), (89, 92, "QS", "quarter"), (365, 366, "YS", "year")):
        if low <= days <= high:
            return f"frame.resample('{alias}').mean() (one value per calendar {what}, labelled by its first day)"
    return None


def infer_rate(index: pd.DatetimeIndex) -> Rate:
    """The sampling step of ``index`` and the pipeline's defaults for it.

    The step is the most common difference between consecutive timestamps (:func:`helpers.gaps.most_common_step`,
    which also recognises whole calendar months); every difference must be a whole number of steps (a missing
    reading is a gap; a reading off the grid is an error). Daily data with no weekend rows and fewer rows than
    calendar days is a trading-day calendar: its rows are its steps.
    """
    tz = None if index.tz is None else str(index.tz)
    work = working_index(index)
    if len(work) < 3:
        raise PreprocessingError(
            f"the frame has {len(work)} rows: too few to tell its sampling rate, let alone forecast. Fix: pass a "
            "longer date range."
        )
    step = gaps.most_common_step(work)
    if isinstance(step, pd.offsets.BaseOffset):
        months = months_of(step)
        d = RATE_DEFAULTS["monthly"]
        lookback = max(d["min_lookback"], d["lookback_months"] // months)
        season = 12 // months if 12 % months == 0 and months < 12 else None
        return Rate(step, "monthly", step, lookback, d["fill"], season, tz)
    deltas = pd.Series(work[1:] - work[:-1])
    off_grid = deltas[(deltas % step) != pd.Timedelta(0)]
    if len(off_grid):
        examples = ", ".join(str(work[i + 1]) for i in off_grid.index[:3])
        fix = _calendar_fix(step) or (
            f"frame.resample('{gaps.freq_alias(step)}').mean() (the mean of the readings in each {duration(step)}; "
            "missing steps become NaN, which the pipeline treats as gaps)"
        )
        raise PreprocessingError(
            f"the index has no regular step: the most common step is {duration(step)}, but {len(off_grid)} of "
            f"{len(deltas)} steps are not whole multiples of it (e.g. the readings at {examples}). Fix: put the "
            f"frame on a regular grid first, e.g. {fix}."
        )
    if step < DAY:
        return Rate(step, "sub-daily", gaps.freq_alias(step), *sub_daily_defaults(step), tz)
    if step == DAY:
        days = (work[-1] - work[0]).days + 1
        weekend = work.day_of_week >= 5
        if len(work) >= CALENDAR_SHARE * days or weekend.any():
            d = RATE_DEFAULTS["daily"]
            return Rate(step, "daily", "D", d["lookback"], d["fill"], None, tz)
        d = RATE_DEFAULTS["trading days"]
        return Rate(step, "trading days", None, d["lookback"], d["fill"], None, tz)
    d = RATE_DEFAULTS["multi-day"]
    return Rate(step, "multi-day", gaps.freq_alias(step), d["lookback"], d["fill"], None, tz)
