"""The live sources behind :mod:`helpers.data`: Yahoo Finance through yfinance, weather stations through meteostat.

Each adapter makes one library call quietly (no progress bars, log lines or warnings in a notebook cell) and turns
the library's failure modes into a :class:`~helpers.errors.DataUnavailableError` that names the problem and the fix.
yfinance never raises (it logs "1 Failed download" and returns an empty frame); meteostat retries for about 14 s
and then raises a bare ``Exception`` when its station list cannot be downloaded, so a cheap network probe runs first.

The frames come back with the provider's columns and index; :func:`helpers.data.tidy` puts them into the loader
schema. yfinance and meteostat are imported only when called, so ``import helpers.data`` works without them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import re
import socket
import warnings
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import DataError, DataUnavailableError

#: The columns yfinance returns for daily prices with ``auto_adjust=True``.
YFINANCE_COLUMNS = ("Open", "High", "Low", "Close", "Volume")

#: meteostat refuses daily requests spanning more than 30 calendar years; longer ranges are fetched in pieces.
METEOSTAT_MAX_YEARS = 25

# Hosts whose reachability tells, in milliseconds, whether a meteostat call can work (its own retry loop takes
# about 14 s to give up).
METEOSTAT_HOSTS = ("data.meteostat.net", "raw.githubusercontent.com")
# Behind a proxy a direct connection says nothing (MS_NETWORK_PROXIES is meteostat's own proxy setting).
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "MS_NETWORK_PROXIES")

# Yahoo tickers: letters, digits and the few symbols Yahoo uses (^GSPC, BRK-B, BRK.B, EURUSD=X, M&M.NS). No path
# separators, no whitespace, no leading dot, so a valid ticker is always a safe file name.
_TICKER_RE = re.compile(r"[A-Z0-9^][A-Z0-9.\-=^&]{0,19}")
# meteostat station ids are short alphanumeric codes ("72793", "10637", "D1424").
_STATION_RE = re.compile(r"[A-Z0-9]{3,10}")


def check_ticker(ticker: Any) -> str:
    """Validate a Yahoo Finance ticker and return it upper-cased (Yahoo treats tickers case-insensitively)."""
    if not isinstance(ticker, str):
        raise DataError(f"ticker must be a string such as 'AAPL', got {type(ticker).__name__} {ticker!r}.")
    if not ticker.strip():
        raise DataError(f"ticker {ticker!r} is empty: give a Yahoo Finance symbol such as 'AAPL'.")
    if ticker != ticker.strip():
        raise DataError(f"ticker {ticker!r} has leading or trailing whitespace: use {ticker.strip()!r}.")
    name = ticker.upper()
    if not _TICKER_RE.fullmatch(name) or ".." in name:
        raise DataError(
            f"{ticker!r} is not a valid ticker: use 1-20 letters, digits or the symbols ^ . - = & "
            "(for example 'AAPL', '^GSPC', 'BRK-B', 'EURUSD=X'); no spaces or slashes."
        )
    return name


def check_station(station: Any) -> str:
    """Validate a meteostat station id and return it upper-cased."""
    if not isinstance(station, str):
        # An int would silently lose leading zeros ("03772" is London Heathrow), so insist on a string.
        raise DataError(
            f"station must be a meteostat id given as a string, such as '72793', got {type(station).__name__} "
            f"{station!r} (quotes keep leading zeros). Use find_stations(lat, lon) to look ids up."
        )
    name = station.upper()
    if not _STATION_RE.fullmatch(name):
        raise DataError(
            f"{station!r} is not a valid meteostat station id: ids are 3-10 letters or digits, such as '72793' "
            "(Seattle-Tacoma International Airport). Use find_stations(lat, lon) to look ids up."
        )
    return name


def label(package: str) -> str:
    """``"<package> <version>"`` for the cache's record of where a download came from."""
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return package


def network_reachable(hosts: tuple[str, ...], timeout: float = 2.0) -> bool:
    """A cheap check (DNS + TCP connect) that at least one of ``hosts`` answers on port 443.

    Behind a proxy a direct connection says nothing, so the check then answers True and lets the library try.
    """
    if any(os.environ.get(var) for var in PROXY_VARS):
        return True
    for host in hosts:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                return True
        except OSError:
            continue
    return False


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.messages.append(record.getMessage().strip())


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[_LogCapture]:
    """Silence a library while it runs: its log records, stdout, stderr and warnings are captured, not shown.

    Notebook cells stay clean (yfinance prints "1 Failed download" through logging and pandas emits
    Pandas4Warning from inside it), and the captured log lines can go into our own error message.
    """
    logger = logging.getLogger(logger_name)
    capture = _LogCapture()
    # Replace (not add to) the library's handlers: a debug-mode StreamHandler would still print otherwise.
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers = [capture]
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    sink = io.StringIO()
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            yield capture
    finally:
        logger.handlers, logger.propagate = saved[0], saved[1]
        logger.setLevel(saved[2])
        capture.messages.extend(line.strip() for line in sink.getvalue().splitlines() if line.strip())


def _said(library: str, messages: list[str], limit: int = 240) -> str:
    """The library's own words, shortened, as a suffix for our error message ('' when it said nothing)."""
    text = " / ".join(dict.fromkeys(m for m in messages if m))  # dict.fromkeys: drop repeats, keep order
    if not text:
        return ""
    return f" ({library} said: {text if len(text) <= limit else text[: limit - 3] + '...'})"


def _import(module: str):
    try:
        return __import__(module)
    except ImportError as exc:
        raise DataUnavailableError(
            f"A live download needs the {module} package, which is not installed: `pip install {module}` "
            "(or `pip install -e .` in the course folder), or use source='offline'."
        ) from exc


# --------------------------------------------------------------------------------------------------------------
# yfinance
# --------------------------------------------------------------------------------------------------------------


def download_stock(ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Daily split- and dividend-adjusted prices of ``ticker`` for [start, end] from Yahoo Finance.

    Only arguments that yfinance 0.2.66 (Colab) and 1.x share are passed; the MultiIndex columns
    (``['Price', 'Ticker']``) are flattened here rather than with ``multi_level_index``.
    """
    yf = _import("yfinance")
    with _quiet("yfinance") as log:
        try:
            raw = yf.download(
                ticker,
                start=f"{start:%Y-%m-%d}",
                # yfinance's end is exclusive; ours is inclusive.
                end=f"{end + pd.Timedelta(days=1):%Y-%m-%d}",
                auto_adjust=True,
                progress=False,
                threads=False,
            )
        except Exception as exc:  # yfinance raises rarely, but a broken connection can surface as anything
            raise DataUnavailableError(f"yfinance failed for {ticker!r}: {type(exc).__name__}: {exc}") from exc
    if raw is None or raw.empty:
        raise DataUnavailableError(
            f"Yahoo Finance returned no data for {ticker!r} between {start:%Y-%m-%d} and {end:%Y-%m-%d}: the ticker "
            "may be unknown or delisted (check it on finance.yahoo.com), the range may hold no trading day, or the "
            "network is down." + _said("yfinance", [m for m in log.messages if m.startswith(f"['{ticker}']")])
        )
    if isinstance(raw.columns, pd.MultiIndex):
        level = "Ticker" if "Ticker" in raw.columns.names else raw.columns.nlevels - 1
        if ticker in raw.columns.get_level_values(level):
            raw = raw.xs(ticker, axis="columns", level=level)
        else:
            raw = raw.droplevel(level, axis="columns")
    missing = [c for c in YFINANCE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataUnavailableError(
            f"Yahoo Finance's answer for {ticker!r} lacks the columns {missing} (got {list(raw.columns)}): "
            "your yfinance may be too old or too new; install a version in the course's range (`pip install -e .`)."
        )
    return raw


# --------------------------------------------------------------------------------------------------------------
# meteostat
# --------------------------------------------------------------------------------------------------------------


def _no_meteostat_network(what: str) -> DataUnavailableError:
    return DataUnavailableError(
        f"{what} needs meteostat's servers, which cannot be reached (no network?). Connect to the network and try "
        "again, or work offline with the shipped Seattle data: load_weather('72793') (see available_offline())."
    )


def _year_chunks(start: pd.Timestamp, end: pd.Timestamp, years: int) -> Iterator[tuple[dt.date, dt.date]]:
    """Split [start, end] into pieces meteostat's large-request guard accepts."""
    lo = start
    while lo <= end:
        hi = min(end, pd.Timestamp(year=lo.year + years - 1, month=12, day=31))
        yield lo.date(), hi.date()
        lo = hi + pd.Timedelta(days=1)


def download_weather(station: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Daily observations of one meteostat station for [start, end], in meteostat's schema (nullable dtypes)."""
    ms = _import("meteostat")
    if not network_reachable(METEOSTAT_HOSTS):
        raise _no_meteostat_network(f"Downloading weather for station {station!r}")
    frames = []
    for lo, hi in _year_chunks(start, end, METEOSTAT_MAX_YEARS):
        with _quiet("meteostat") as log:
            try:
                frame = ms.daily(station, lo, hi).fetch()
            except ValueError as exc:
                if "could not be found" not in str(exc):  # e.g. a request guard: not the learner's station
                    raise DataUnavailableError(f"meteostat refused the request for {station!r}: {exc}") from exc
                raise DataUnavailableError(
                    f"meteostat does not know the station {station!r} ({exc}). Look ids up with "
                    "find_stations(lat, lon)."
                ) from exc
            except Exception as exc:  # meteostat raises a bare Exception when the station database cannot download
                raise DataUnavailableError(
                    f"meteostat could not download data for station {station!r}: {exc}. Check the network."
                ) from exc
        if frame is not None and not frame.empty:
            frames.append(frame)
    if not frames:
        if not network_reachable(METEOSTAT_HOSTS):  # the network went away: meteostat's download failed quietly
            raise _no_meteostat_network(f"Downloading weather for station {station!r}")
        raise DataUnavailableError(
            f"meteostat returned no data for station {station!r} between {start:%Y-%m-%d} and {end:%Y-%m-%d}: the "
            "station may have no observations in that range (pick another range or a nearby station with "
            "find_stations), or the download failed (check the network)." + _said("meteostat", log.messages)
        )
    return pd.concat(frames)


def nearby_stations(lat: float, lon: float, radius_km: float, limit: int) -> pd.DataFrame:
    """meteostat's stations within ``radius_km`` of a point, nearest first, with ``distance_km``; index ``id``."""
    for value, what, bound in ((lat, "lat", 90), (lon, "lon", 180)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not -bound <= value <= bound:
            raise DataError(f"{what}={value!r} must be a number between -{bound} and {bound} (decimal degrees).")
    if isinstance(radius_km, bool) or not isinstance(radius_km, (int, float, np.number)) or not radius_km > 0:
        raise DataError(f"radius_km={radius_km!r} must be a positive number of kilometres.")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise DataError(f"limit={limit!r} must be a positive whole number.")

    ms = _import("meteostat")
    if not network_reachable(METEOSTAT_HOSTS):
        raise _no_meteostat_network("find_stations")
    with _quiet("meteostat"):
        try:
            point = ms.Point(float(lat), float(lon))
            found = ms.stations.nearby(point, radius=float(radius_km) * 1000, limit=int(limit))
        except Exception as exc:  # "Failed to download the database file" is a bare Exception
            raise DataUnavailableError(
                f"find_stations could not read meteostat's station list: {exc}. Connect to the network and try "
                "again; offline, use the shipped station '72793' (see available_offline())."
            ) from exc
    if found is None or found.empty:
        raise DataError(f"No weather station within {radius_km} km of ({lat}, {lon}): increase radius_km.")
    found = found.assign(distance_km=(found["distance"] / 1000).round(1)).drop(columns="distance")
    found.index.name = "id"
    return found
