"""How the loaders of :mod:`helpers.data` find a series: the shipped snapshot, else the live cache, else a download.

:class:`Kind` describes one kind of data set (its schema, how a name is checked, its live source); :func:`load`
serves a request from the first local copy that covers it, downloads otherwise, and raises an error that lists what
is available offline when nothing can serve it. The files themselves are read, checked and written by
:mod:`helpers.storage`; the downloads are :mod:`helpers.providers`'.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers import config, providers, storage
from helpers.config import OFFLINE_ENV
from helpers.errors import DataError, DataUnavailableError

#: First day of a live download when ``start`` is None (yfinance and meteostat both need a start).
LIVE_DEFAULT_START = pd.Timestamp("2000-01-01")

# OFFLINE_ENV keeps the loaders off the network (``python -m helpers.grade`` sets it): when it is true,
# ``source="auto"`` acts as ``"offline"`` and ``source="live"`` is refused with a clear error.

#: Values of the loaders' ``source`` argument.
SOURCES = ("auto", "offline", "live")
# How to fix a request that nothing can serve, per source.
_FIX = {
    "offline": "pick a range that one of these covers, or connect to the network and use source='auto' (or 'live').",
    "live": "connect to the network and try again, check the name, or use source='auto' (or 'offline') to work with "
    "the local data.",
    "auto": "pick a range that one of these covers, connect to the network and try again, or use source='offline' "
    "to work with the local data only.",
}


# A date written year first (2010-01-02, 2010/01/02, 20100102, with or without a time): year, month, day.
_YEAR_FIRST = re.compile(r"\s*\d{4}([-/.]\d{1,2}[-/.]\d{1,2}|\d{4})([ T].*)?")


def _check_unambiguous(value: str, what: str) -> None:
    """Refuse a date string that reads differently month first and day first ('01/02/2010')."""
    if _YEAR_FIRST.fullmatch(value):
        return
    try:
        month_first, day_first = pd.Timestamp(value), pd.to_datetime(value, dayfirst=True)
    except (ValueError, TypeError):
        return  # not a date at all: said below
    if month_first != day_first:
        raise DataError(
            f"{what}={value!r} is ambiguous: it reads as {month_first:%d %B %Y} (month first) or "
            f"{day_first:%d %B %Y} (day first). Fix: write it year first, as ISO dates are: "
            f"{what}='{month_first:%Y-%m-%d}' or {what}='{day_first:%Y-%m-%d}'."
        )


def _to_day(value: Any, what: str, keep_time: bool = False) -> pd.Timestamp | None:
    """Turn a user's ``start``/``end`` into a tz-naive midnight Timestamp (None stays None); a sub-daily series
    (``keep_time``) keeps the time of day. A string that could be day first or month first is refused."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.number)):
        # pd.Timestamp(2010) is 2010 nanoseconds after 1970, not the year 2010: refuse numbers outright.
        raise DataError(f"{what}={value!r} is a number, not a date: write it as a string, e.g. '{value}-01-01'.")
    if isinstance(value, str):
        _check_unambiguous(value, what)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{what}={value!r} is not a date: use 'YYYY-MM-DD', a datetime.date or a Timestamp.") from exc
    if ts is pd.NaT:
        raise DataError(f"{what} is NaT: give a real date such as '2012-01-31', or None for no limit.")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    # Daily data: a time of day carries no meaning, the date does.
    return (ts if keep_time else ts.normalize()).as_unit("ns")


def _fmt(day: pd.Timestamp | None, none: str = "open") -> str:
    return none if day is None else f"{day:%Y-%m-%d}"


@dataclass(frozen=True)
class Kind:
    """One kind of data set: its schema, how a name is checked, and where a live download comes from."""

    index: str  # name of the DatetimeIndex
    columns: tuple[str, ...]  # the schema's columns, in order; a frame keeps those it has
    clean_name: Callable[[Any], str]  # validates a name and returns its canonical form (a safe file name)
    download: Callable[[str, pd.Timestamp, pd.Timestamp], pd.DataFrame] | None = None  # None: offline only
    provider: str = ""  # the package that downloads, recorded in the cache
    drop_empty_columns: bool = False  # drop columns that are all NaN (a station that never reports a parameter)
    sub_daily: bool = False  # timestamps keep their time of day, and readings are kept as they are (duplicates too)

    def tidy(self, df: pd.DataFrame) -> pd.DataFrame:
        """Put a provider's or a file's frame into this kind's schema.

        Index: tz-naive midnight dates named ``self.index``, sorted, unique; a duplicated date keeps its *last* row
        (providers append corrections after the original row). Columns: float64, NaN for missing values (meteostat's
        ``pd.NA`` too). Rows empty in every column carry no observation and are dropped; so are all-empty columns
        when ``drop_empty_columns``.
        """
        index = pd.DatetimeIndex(df.index)
        if index.tz is not None:
            # yfinance's tz-aware daily stamps are local midnights of the exchange: dropping the zone keeps the date.
            index = index.tz_localize(None)
        columns = [c for c in self.columns if c in df.columns]
        out = pd.DataFrame(
            {c: df[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns},
            index=(index if self.sub_daily else index.normalize()).as_unit("ns"),
        )
        out.index.name = self.index
        if self.sub_daily:  # the grid (and what to do with duplicates) is load_sensor's / load_traffic's business
            return out.sort_index(kind="stable").dropna(how="all")
        out = out[~out.index.duplicated(keep="last")].sort_index()
        out = out.dropna(how="all")
        if self.drop_empty_columns:
            out = out.dropna(axis="columns", how="all")
        return out


def download(kind: str, spec: Kind, name: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Download [start, end] of ``name`` (None -> :data:`LIVE_DEFAULT_START`, today), cache it and return it."""
    if spec.download is None:
        raise DataUnavailableError(f"There is no live source for {kind} data: only the offline copies can serve it.")
    lo = LIVE_DEFAULT_START if start is None else start
    hi = pd.Timestamp.today().normalize().as_unit("ns") if end is None else end
    if hi < lo:
        raise DataError(
            f"start={lo:%Y-%m-%d} is after the last day a download can reach ({hi:%Y-%m-%d}): pick an earlier start."
        )
    frame = spec.tidy(spec.download(name, lo, hi))
    if frame.empty:  # e.g. a provider answer whose rows are all NaN
        raise DataUnavailableError(
            f"The download of {name!r} for {lo:%Y-%m-%d} to {hi:%Y-%m-%d} holds no values: pick another range."
        )
    try:
        storage.write_cache(kind, name, frame, lo, hi, providers.label(spec.provider), spec.tidy)
    except OSError as exc:
        # The download itself succeeded: hand it over rather than lose it to a full or read-only disk.
        warnings.warn(
            f"Could not cache the download of {name!r} in {storage.relative(storage.cache_dir())} ({exc}); the data "
            "is returned but will be downloaded again next time.",
            RuntimeWarning,
            stacklevel=4,
        )
    return frame.loc[lo:hi]


def load(kind: str, spec: Kind, name: Any, start: Any, end: Any, source: str) -> pd.DataFrame:
    """Serve ``name`` of one kind of data set from its snapshot, else the cache, else a download (``source`` as in
    :mod:`helpers.data`), or raise an error that says what is covered offline and how to fix the call."""
    name = spec.clean_name(name)
    if source not in SOURCES:
        raise DataError(f"source={source!r} is not one of {', '.join(map(repr, SOURCES))}.")
    if spec.download is None:  # served from the shipped snapshots only
        if source == "live":
            raise DataUnavailableError(
                f"source='live': there is no live source for {kind} data; {name!r} ships with the course and is "
                "served offline only. Fix: source='auto' (the default) or source='offline'."
            )
        source = "offline"
    if source != "offline" and config.offline():
        if source == "live":
            raise DataUnavailableError(
                f"source='live' needs the network, but {OFFLINE_ENV} is set (grading runs offline). Fix: load the "
                "course's offline data with source='auto' or source='offline'."
            )
        source = "offline"
    what = f"{kind} data for {name!r}"
    start_day, end_day = _to_day(start, "start", spec.sub_daily), _to_day(end, "end", spec.sub_daily)
    if start_day is not None and end_day is not None and end_day < start_day:
        raise DataError(f"end ({end_day:%Y-%m-%d}) is before start ({start_day:%Y-%m-%d}): swap them.")
    wanted = f"from {_fmt(start_day, 'the first day')} to {_fmt(end_day, 'the last day')}"
    wanted = "(all dates)" if start_day is None and end_day is None else wanted
    # A sub-daily series: an end without a time of day means that whole day.
    last = end_day
    if spec.sub_daily and end_day is not None and end_day == end_day.normalize():
        last = end_day + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")

    def non_empty(df: pd.DataFrame, where: str) -> pd.DataFrame:
        if df.empty:
            hint = "(a weekend or holiday?)" if not spec.sub_daily else f"(it covers {storage.summary(kind).strip()})"
            raise DataError(
                f"No rows of {what} between {_fmt(start_day)} and {_fmt(end_day)} in the {where} {hint}: "
                "widen the range."
            )
        return df

    corrupt: tuple[storage.LocalCopy, str] | None = None
    copies: list[storage.LocalCopy] = []
    if source in ("auto", "offline"):
        snap = storage.snapshot(kind, name)
        if snap is not None:
            copies.append(snap)
            if snap.covers(start_day, end_day):
                return non_empty(storage.read_snapshot(snap, spec.tidy).loc[start_day:last], "snapshot")
        cached = storage.cached(kind, name)
        if cached is not None:
            copies.append(cached)
            if cached.covers(start_day, end_day):
                try:
                    return non_empty(storage.read_cache(cached, spec.tidy).loc[start_day:end_day], "cache")
                except storage.CorruptCacheError as exc:
                    corrupt = (cached, str(exc))
                    if source == "offline":
                        raise storage.corrupt_cache_error(cached, str(exc), None) from None

    live_problem = None
    if source in ("auto", "live"):
        try:
            return non_empty(download(kind, spec, name, start_day, end_day), "download")
        except DataUnavailableError as exc:
            live_problem = str(exc)
    if corrupt is not None:
        raise storage.corrupt_cache_error(corrupt[0], corrupt[1], live_problem)

    # Nothing can serve the request: say what is covered, what exists offline, and how to fix the call.
    what = f"{what[0].upper()}{what[1:]} {wanted}"
    if source == "live":
        lines = [f"{what} could not be downloaded (source='live')."]
    elif live_problem:
        failed = "there is no network" if live_problem.startswith("No network") else "the download failed"
        lines = [f"{what} is not available offline, and {failed}."]
    else:
        lines = [f"{what} is not available offline (source='offline')."]
    if live_problem:
        lines.append(f"Download: {live_problem}")
    for copy in copies:
        part = copy.overlap(start_day, end_day)
        covered = f"only {part[0]:%Y-%m-%d} to {part[1]:%Y-%m-%d} of your range" if part else "none of your range"
        lines.append(f"Offline: the {copy.origin} of {name!r} covers {copy.first:%Y-%m-%d} to {copy.last:%Y-%m-%d}, "
                     f"{covered}.")
    if not copies and source != "live":
        lines.append(f"Offline: there is no copy of {name!r}.")
    fix = _FIX[source] if spec.download else "pick a range that the snapshot covers (there is no live source)."
    lines += [f"Available offline ({kind}):", storage.summary(kind), f"Fix: {fix}"]
    raise DataUnavailableError("\n".join(lines))
