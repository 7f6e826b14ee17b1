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

Which copy serves a request is decided in :mod:`helpers.loading`; files are checked against their checksums and
written atomically by :mod:`helpers.storage`; the downloads live in :mod:`helpers.providers`. Each kind of data set
is one entry of :data:`KINDS`: its schema, how its names are checked, and its live source (None for a kind that is
served from snapshots only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from helpers import loading, providers, storage
from helpers.errors import DataError
from helpers.gaps import FieldMapping
from helpers.loading import LIVE_DEFAULT_START, OFFLINE_ENV, Kind
from helpers.storage import DATA_ENV, data_dir

__all__ = [
    "DATA_ENV",
    "KINDS",
    "LIVE_DEFAULT_START",
    "OFFLINE_ENV",
    "STOCK_COLUMNS",
    "SensorLimits",
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


# --- The kinds of data set and their schema --------------------------------------------------------------------------


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


@dataclass(frozen=True, eq=False)
class SensorLimits(FieldMapping):
    """A sensor's reporting limits and how many readings sit at each (``frame.attrs["sensor_limits"]`` of
    :func:`load_sensor`); it reads like a dict too (``limits["at_low"]``)."""

    low: float  #: the lowest value the sensor reports; a reading there means "at or below"
    high: float  #: the highest; a reading there means "at or above"
    at_low: int  #: readings at the low limit
    at_high: int  #: readings at the high limit


# --- What is available offline ---------------------------------------------------------------------------------------


def available_offline(include_cache: bool = False) -> pd.DataFrame:
    """What the loaders can serve without a network, one row per data set.

    Columns: ``kind`` (``stock``, ``weather``, ``sensor`` or ``traffic``), ``name`` (ticker, meteostat station id or
    series name: what you pass to the loader), ``description``, ``first`` and ``last`` (dates), ``rows``, ``source``
    (``snapshot``: shipped with the course; ``cache``: an earlier live download in ``data/cache/``). Cache entries
    are listed only with ``include_cache=True``, so that the default listing is the same on every machine.
    """
    return storage.listing(include_cache, kinds=tuple(KINDS))



def _load(kind: str, name: Any, start: Any, end: Any, source: str) -> pd.DataFrame:
    return loading.load(kind, KINDS[kind], name, start, end, source)


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


def _on_grid(kind: str, name: Any, start: Any, end: Any, source: str) -> pd.DataFrame:
    """A sub-daily snapshot on its regular grid (gaps stay NaN), with what was merged in ``attrs``."""
    from helpers.gaps import regular_grid

    frame = regular_grid(_load(kind, name, start, end, source))
    name = KINDS[kind].clean_name(name)
    if name in SENSOR_LIMITS:
        low, high = SENSOR_LIMITS[name]
        frame.attrs["sensor_limits"] = SensorLimits(low, high, int((frame[name] <= low).sum()),
                                                    int((frame[name] >= high).sum()))
    return frame


def load_sensor(name: str = "glucose", start: Any = None, end: Any = None, source: str = "auto") -> pd.DataFrame:
    """Sensor readings on a regular time grid, offline (the shipped snapshot; there is no live source).

    ``"glucose"``: a continuous glucose monitor worn by one person, 2010-03-24 to 2010-10-10, column ``glucose`` in
    mg/dL, index ``time`` every 5 minutes (the device's local clock). The sensor reports 40 to 400 mg/dL: a value
    at a limit means "at or beyond it" (censored), and is kept as it is.

    The snapshot holds the readings as the source gives them; here each goes to the nearest 5-minute mark, readings
    that share a mark (duplicated timestamps, pairs a minute apart) are averaged, and marks without a reading are
    NaN: **gaps are not filled**. ``frame.attrs["regular_grid"]`` reports what was moved and merged and the gaps
    (a :class:`~helpers.gaps.GridReport`), ``frame.attrs["sensor_limits"]`` how many values sit at each limit (a
    :class:`SensorLimits`); both read like dicts too. ``start``/``end`` are inclusive (an ``end`` without a time of
    day includes that whole day). ``source``: ``"auto"`` or ``"offline"`` (the same here: the snapshot);
    ``"live"`` is an error, since there is no live source.

    Raises
    ------
    DataError
        Unknown series (the message lists what exists), bad dates, or no reading in the range.
    DataUnavailableError
        The range is outside the snapshot.
    SnapshotCorruptError
        The snapshot fails its checksum.
    """
    return _on_grid("sensor", name, start, end, source)


def load_traffic(name: str = "us_flights", start: Any = None, end: Any = None, source: str = "auto") -> pd.DataFrame:
    """Traffic counts on a regular time grid, offline (the shipped snapshot; there is no live source).

    ``"us_flights"``: US domestic flights that took off in each hour (column ``departures``), 2001-01-01 00:00 to
    2001-06-30 23:00, from the Bureau of Transportation Statistics. Times are the local clock times of the departure
    airports (see ``data/README.md``). ``start``, ``end``, ``source``, ``attrs`` and errors as in :func:`load_sensor`.
    """
    return _on_grid("traffic", name, start, end, source)


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
