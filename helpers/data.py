"""Load the course's time series: daily stock prices and weather, sensor readings and traffic counts, offline first.

Five public loaders and one catalogue:

* :func:`load_stock` -- daily OHLCV prices (from a shipped snapshot, the live cache, or Yahoo Finance via yfinance);
* :func:`load_weather` -- daily weather observations of one station (snapshot, cache, or meteostat);
* :func:`load_sensor` -- sensor readings on their regular grid (continuous glucose monitor, every 5 minutes);
* :func:`load_traffic` -- traffic counts (US flight departures per hour);
* :func:`find_stations` -- weather stations near a point (meteostat; needs the network);
* :func:`available_offline` -- what the loaders can serve without a network.

Where the data comes from is chosen by ``source``:

``"auto"`` (default)
    The shipped snapshot (``data/snapshots/``) if it covers the requested range, else the live cache
    (``data/cache/``) if that covers it, else a live download, which is then cached. If that fails too, a
    :class:`~helpers.errors.DataUnavailableError` lists what is available offline and how to fix the call.
``"offline"``
    Snapshot or cache only; never touches the network. A range that is only partly covered is an error (the
    message says which part is covered), never a silently shorter frame.
``"live"``
    Always download (and refresh the cache).

``start`` and ``end`` are inclusive dates (``str`` such as ``"2010-01-31"``, :class:`datetime.date`,
:class:`pandas.Timestamp`, ...). ``None`` means "as far as the data goes": the snapshot's or cache's own first or
last day offline; for a download, :data:`LIVE_DEFAULT_START` and today.

Files are checked against their checksums and written atomically by :mod:`helpers.storage`; the downloads live in
:mod:`helpers.providers`. Each kind of data set is one entry of :data:`KINDS`: its schema, how its names are
checked, and its live source (None for a kind that is served from snapshots only).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpers import providers, storage
from helpers.errors import DataError, DataUnavailableError
from helpers.storage import DATA_ENV, data_dir

__all__ = [
    "DATA_ENV",
    "KINDS",
    "LIVE_DEFAULT_START",
    "STOCK_COLUMNS",
    "WEATHER_COLUMNS",
    "available_offline",
    "data_dir",
    "find_stations",
    "load_sensor",
    "load_stock",
    "load_traffic",
    "load_weather",
]

#: Columns of every stock frame, in this order.
STOCK_COLUMNS = ("Open", "High", "Low", "Close", "Volume")

#: meteostat 2's daily parameters, in its order. A weather frame has a subset of them (all-empty ones are dropped).
#: Units: temp/tmin/tmax degrees C, rhum %, prcp mm, snwd cm, wspd and wpgt km/h, pres hPa, tsun minutes, cldc oktas.
WEATHER_COLUMNS = ("temp", "tmin", "tmax", "rhum", "prcp", "snwd", "wspd", "wpgt", "pres", "tsun", "cldc")

#: First day of a live download when ``start`` is None (yfinance and meteostat both need a start).
LIVE_DEFAULT_START = pd.Timestamp("2000-01-01")

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


def _to_day(value: Any, what: str, keep_time: bool = False) -> pd.Timestamp | None:
    """Turn a user's ``start``/``end`` into a tz-naive midnight Timestamp (None stays None); a sub-daily series
    (``keep_time``) keeps the time of day."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.number)):
        # pd.Timestamp(2010) is 2010 nanoseconds after 1970, not the year 2010: refuse numbers outright.
        raise DataError(f"{what}={value!r} is a number, not a date: write it as a string, e.g. '{value}-01-01'.")
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


# --- The kinds of data set and their schema --------------------------------------------------------------------------


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


def _snapshot_name(kind: str, loader: str) -> Callable[[Any], str]:
    """The name check of a kind served from snapshots only: the name must be one the manifest lists."""

    def check(name: Any) -> str:
        names = sorted(e["name"] for e in storage.manifest()["snapshots"] if e["kind"] == kind)
        if isinstance(name, str) and name.strip().lower() in names:
            return name.strip().lower()
        raise DataError(
            f"There is no {kind} series {name!r}. Available offline ({kind}):\n{storage.summary(kind)}\n"
            f"Fix: {loader}({names[0]!r})" if names else f"There is no {kind} data in the manifest."
        )

    return check


#: Every kind of data set the loaders serve.
KINDS: dict[str, Kind] = {
    "stock": Kind("Date", STOCK_COLUMNS, providers.check_ticker, providers.download_stock, "yfinance"),
    "weather": Kind("time", WEATHER_COLUMNS, providers.check_station, providers.download_weather, "meteostat", True),
    "sensor": Kind("time", ("glucose",), _snapshot_name("sensor", "load_sensor"), sub_daily=True),
    "traffic": Kind("time", ("departures",), _snapshot_name("traffic", "load_traffic"), sub_daily=True),
}

#: A sensor's reporting range: a value at a limit means "at or beyond it" (a censored reading, kept as it is).
SENSOR_LIMITS = {"glucose": (40.0, 400.0)}


# --- What is available offline ---------------------------------------------------------------------------------------


def available_offline(include_cache: bool = False) -> pd.DataFrame:
    """What the loaders can serve without a network, one row per data set.

    Columns: ``kind`` (``stock``, ``weather``, ``sensor`` or ``traffic``), ``name`` (ticker, meteostat station id or
    series name: what you pass to the loader), ``description``, ``first`` and ``last`` (dates), ``rows``, ``source``
    (``snapshot``: shipped with the course; ``cache``: an earlier live download in ``data/cache/``). Cache entries
    are listed only with ``include_cache=True``, so that the default listing is the same on every machine.
    """
    return storage.listing(include_cache, kinds=tuple(KINDS))



# --- Loading: snapshot, else cache, else download --------------------------------------------------------------------


def _download(kind: str, name: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Download [start, end] (None -> :data:`LIVE_DEFAULT_START`, today), cache it and return it."""
    spec = KINDS[kind]
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


def _load(kind: str, name: Any, start: Any, end: Any, source: str) -> pd.DataFrame:
    spec = KINDS[kind]
    name = spec.clean_name(name)
    if source not in SOURCES:
        raise DataError(f"source={source!r} is not one of {', '.join(map(repr, SOURCES))}.")
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
            return non_empty(_download(kind, name, start_day, end_day), "download")
        except DataUnavailableError as exc:
            live_problem = str(exc)
    if corrupt is not None:
        raise storage.corrupt_cache_error(corrupt[0], corrupt[1], live_problem)

    # Nothing can serve the request: say what is covered, what exists offline, and how to fix the call.
    what = f"{what[0].upper()}{what[1:]} {wanted}"
    if source == "live":
        lines = [f"{what} could not be downloaded (source='live')."]
    elif live_problem:
        lines = [f"{what} is not available offline, and the download failed."]
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


# --- The loaders -----------------------------------------------------------------------------------------------------


def load_stock(ticker: str, start: Any = None, end: Any = None, source: str = "auto") -> pd.DataFrame:
    """Daily prices of one ticker: columns ``Open, High, Low, Close, Volume``, index ``Date``.

    Prices are split- and dividend-adjusted (what yfinance's ``auto_adjust=True`` gives); all columns are float64.
    The index holds tz-naive trading days, sorted and unique. The shipped snapshots (``AAPL``, ``MSFT``, ``IBM``
    2000-03-01 to 2013-03-01, ``GOOG`` from 2004-08-19; see ``data/README.md``) keep the source's *unadjusted*
    share volume, whereas Yahoo adjusts volume for splits.

    Parameters
    ----------
    ticker:
        A Yahoo Finance symbol such as ``"AAPL"``, ``"^GSPC"``, ``"BRK-B"``, ``"EURUSD=X"`` (case-insensitive).
    start, end:
        Inclusive first and last day (``"YYYY-MM-DD"``, date, Timestamp) or None for "as far as the data goes"
        (a download then starts at :data:`LIVE_DEFAULT_START` and ends today).
    source:
        ``"auto"`` (snapshot, else cache, else download), ``"offline"`` (never download) or ``"live"`` (always
        download and refresh the cache).

    Raises
    ------
    DataError
        Bad ticker, bad dates, ``end`` before ``start``, or no trading day in the range.
    DataUnavailableError
        The range is not (fully) available offline and cannot be downloaded; the message lists what is available.
    SnapshotCorruptError
        A snapshot or cache file fails its checksum; the message names the file and the fix.
    """
    return _load("stock", ticker, start, end, source)


def load_weather(station: str, start: Any = None, end: Any = None, source: str = "auto") -> pd.DataFrame:
    """Daily weather of one meteostat station, in meteostat 2's daily schema and units, index ``time``.

    Columns are among ``temp`` (mean), ``tmin``, ``tmax`` (degrees C), ``rhum`` (%), ``prcp`` (mm), ``snwd``
    (cm), ``wspd``, ``wpgt`` (km/h), ``pres`` (hPa), ``tsun`` (min), ``cldc`` (oktas), as plain float64.
    Columns the station never reports in the range (all NaN) are dropped; values missing on some days stay NaN,
    and days with no observation at all are absent rows. Nothing is filled in: handling gaps is part of
    preprocessing. The shipped snapshot ``"72793"`` (Seattle, 2012-2015) has ``tmin, tmax, prcp, wspd``.

    Parameters
    ----------
    station:
        A meteostat station id as a string, such as ``"72793"`` (Seattle-Tacoma International Airport); look ids
        up with :func:`find_stations`.
    start, end, source:
        As in :func:`load_stock`.

    Raises
    ------
    DataError, DataUnavailableError, SnapshotCorruptError
        As in :func:`load_stock`.
    """
    return _load("weather", station, start, end, source)


def _on_grid(kind: str, name: Any, start: Any, end: Any) -> pd.DataFrame:
    """A sub-daily snapshot on its regular grid (gaps stay NaN), with what was merged in ``attrs``."""
    from helpers import preprocessing  # imports scikit-learn, which `import helpers` must not

    frame = preprocessing.regular_grid(_load(kind, name, start, end, "offline"))
    name = KINDS[kind].clean_name(name)
    if name in SENSOR_LIMITS:
        low, high = SENSOR_LIMITS[name]
        frame.attrs["sensor_limits"] = {"low": low, "high": high, "at_low": int((frame[name] <= low).sum()),
                                        "at_high": int((frame[name] >= high).sum())}
    return frame


def load_sensor(name: str = "glucose", start: Any = None, end: Any = None) -> pd.DataFrame:
    """Sensor readings on a regular time grid, offline (the shipped snapshot; there is no live source).

    ``"glucose"``: a continuous glucose monitor worn by one person, 2010-03-24 to 2010-10-10, column ``glucose`` in
    mg/dL, index ``time`` every 5 minutes (the device's local clock). The sensor reports 40 to 400 mg/dL: a value
    at a limit means "at or beyond it" (censored), and is kept as it is.

    The snapshot holds the readings as the source gives them; here each goes to the nearest 5-minute mark, readings
    that share a mark (duplicated timestamps, pairs a minute apart) are averaged, and marks without a reading are
    NaN: **gaps are not filled**. ``frame.attrs["regular_grid"]`` reports what was moved and merged and the gaps
    (see :func:`helpers.preprocessing.regular_grid`), ``frame.attrs["sensor_limits"]`` how many values sit at each
    limit. ``start``/``end`` are inclusive (an ``end`` without a time of day includes that whole day).

    Raises
    ------
    DataError
        Unknown series (the message lists what exists), bad dates, or no reading in the range.
    DataUnavailableError
        The range is outside the snapshot.
    SnapshotCorruptError
        The snapshot fails its checksum.
    """
    return _on_grid("sensor", name, start, end)


def load_traffic(name: str = "us_flights", start: Any = None, end: Any = None) -> pd.DataFrame:
    """Traffic counts on a regular time grid, offline (the shipped snapshot; there is no live source).

    ``"us_flights"``: US domestic flights that took off in each hour (column ``departures``), 2001-01-01 00:00 to
    2001-06-30 23:00, from the Bureau of Transportation Statistics. Times are the local clock times of the departure
    airports (see ``data/README.md``). ``start``, ``end``, ``attrs`` and errors as in :func:`load_sensor`.
    """
    return _on_grid("traffic", name, start, end)


def find_stations(lat: float, lon: float, radius_km: float = 50, limit: int = 5) -> pd.DataFrame:
    """Weather stations within ``radius_km`` of a point, nearest first (needs the network; uses meteostat).

    Returns a DataFrame indexed by station ``id`` (what :func:`load_weather` takes) with ``name``, ``country``,
    ``region``, ``latitude``, ``longitude``, ``elevation`` (m), ``timezone`` and ``distance_km``.

    Raises
    ------
    DataError
        Bad coordinates, radius or limit; or no station within the radius.
    DataUnavailableError
        meteostat's station list cannot be downloaded (no network). Offline, the shipped station is listed by
        :func:`available_offline`.
    """
    return providers.nearby_stations(lat, lon, radius_km, limit)
