"""Load the course's time series: daily stock prices and daily weather, offline first.

Three public loaders and one catalogue:

* :func:`load_stock` -- daily OHLCV prices (from a shipped snapshot, the live cache, or Yahoo Finance via yfinance);
* :func:`load_weather` -- daily weather observations of one station (snapshot, cache, or meteostat);
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

Every file is checked before use: snapshots against the SHA-256 checksums in ``data/manifest.json`` (written by
``tools/make_snapshots.py``), cache files against the checksum recorded beside them when they were written. Cache
files are written atomically, so an interrupted download never damages what was already cached.

The data directory is ``$LSTM_COURSE_DATA`` if that is set, else the ``data/`` folder next to the ``helpers``
package (the repository's). yfinance and meteostat are imported only by the functions that download, so
``import helpers.data`` stays fast and works without them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import socket
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import DataError, DataUnavailableError, SnapshotCorruptError

__all__ = [
    "DATA_ENV",
    "LIVE_DEFAULT_START",
    "OFFLINE_ENV",
    "STOCK_COLUMNS",
    "WEATHER_COLUMNS",
    "available_offline",
    "data_dir",
    "find_stations",
    "load_stock",
    "load_weather",
]

#: Environment variable that moves the data directory (tests point it at a temporary copy).
DATA_ENV = "LSTM_COURSE_DATA"

#: Environment variable that keeps the loaders off the network (``python -m helpers.grade`` sets it): when it is true,
#: ``source="auto"`` acts as ``"offline"`` and ``source="live"`` is refused with a clear error.
OFFLINE_ENV = "LSTM_COURSE_OFFLINE"

#: Columns of every stock frame, in this order.
STOCK_COLUMNS = ("Open", "High", "Low", "Close", "Volume")

#: meteostat 2's daily parameters, in its order. A weather frame has a subset of them (all-empty ones are dropped).
#: Units: temp/tmin/tmax degrees C, rhum %, prcp mm, snwd cm, wspd and wpgt km/h, pres hPa, tsun minutes, cldc oktas.
WEATHER_COLUMNS = ("temp", "tmin", "tmax", "rhum", "prcp", "snwd", "wspd", "wpgt", "pres", "tsun", "cldc")

#: First day of a live download when ``start`` is None (yfinance and meteostat both need a start).
LIVE_DEFAULT_START = pd.Timestamp("2000-01-01")

#: meteostat refuses daily requests spanning more than 30 calendar years; longer ranges are fetched in pieces.
_METEOSTAT_MAX_YEARS = 25

_SOURCES = ("auto", "offline", "live")

# Index name per kind, as the loaders return it (yfinance and meteostat use the same names).
_INDEX_NAME = {"stock": "Date", "weather": "time"}

# Yahoo tickers: letters, digits and the few symbols Yahoo uses (^GSPC, BRK-B, BRK.B, EURUSD=X, M&M.NS). No path
# separators, no whitespace, no leading dot, so a valid ticker is always a safe file name.
_TICKER_RE = re.compile(r"[A-Z0-9^][A-Z0-9.\-=^&]{0,19}")
# meteostat station ids are short alphanumeric codes ("72793", "10637", "D1424").
_STATION_RE = re.compile(r"[A-Z0-9]{3,10}")

# Hosts whose reachability tells, in milliseconds, whether a meteostat download can work (its own retry loop takes
# about 14 s to give up).
_METEOSTAT_HOSTS = ("data.meteostat.net", "raw.githubusercontent.com")
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")

# Per-process memo of verified files: (path, size, mtime_ns) -> sha256. A file that changes gets a new key.
_VERIFIED: dict[tuple[str, int, int], str] = {}
_JSON_MEMO: dict[tuple[str, int, int], Any] = {}


# --------------------------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------------------------


def data_dir() -> Path:
    """The data directory: ``$LSTM_COURSE_DATA`` if set, else ``<repository>/data``."""
    override = os.environ.get(DATA_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    import helpers

    return Path(helpers.__file__).resolve().parent.parent / "data"


def _manifest_path() -> Path:
    return data_dir() / "manifest.json"


def _cache_dir() -> Path:
    return data_dir() / "cache"


def _cache_file(kind: str, name: str) -> Path:
    # name has been validated (no separators, no dots at the start), so this stays inside the cache directory.
    return _cache_dir() / f"{kind}_{name}.csv"


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _rel(path: Path) -> str:
    """``path`` relative to the repository root when it is inside it (for messages that name a fix)."""
    root = data_dir().parent
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------------------------
# Validation of arguments (before anything touches a file)
# --------------------------------------------------------------------------------------------------------------


def _check_source(source: str) -> str:
    if source not in _SOURCES:
        raise DataError(f"source={source!r} is not one of {', '.join(map(repr, _SOURCES))}.")
    if source != "offline" and os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}:
        if source == "live":
            raise DataUnavailableError(
                f"source='live' needs the network, but {OFFLINE_ENV} is set (grading runs offline). Fix: load the "
                "course's offline data with source='auto' or source='offline'."
            )
        return "offline"
    return source


def _clean_ticker(ticker: Any) -> str:
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


def _clean_station(station: Any) -> str:
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


def _to_day(value: Any, what: str) -> pd.Timestamp | None:
    """Turn a user's ``start``/``end`` into a tz-naive midnight Timestamp (None stays None)."""
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
    return ts.normalize().as_unit("ns")


def _check_range(start: pd.Timestamp | None, end: pd.Timestamp | None) -> None:
    if start is not None and end is not None and end < start:
        raise DataError(f"end ({end:%Y-%m-%d}) is before start ({start:%Y-%m-%d}): swap them.")


def _fmt(day: pd.Timestamp | None, none: str = "open") -> str:
    return none if day is None else f"{day:%Y-%m-%d}"


# --------------------------------------------------------------------------------------------------------------
# Files: checksums, JSON, atomic writes
# --------------------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stat_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_size, st.st_mtime_ns)


def _matches_checksum(path: Path, expected: str) -> bool:
    """True when ``path`` hashes to ``expected``; a file already verified (same size and mtime) is not re-read."""
    key = _stat_key(path)
    if _VERIFIED.get(key) == expected:
        return True
    ok = _sha256(path) == expected
    if ok:
        _VERIFIED[key] = expected
    return ok


def _read_json(path: Path) -> Any:
    """Parse a JSON file, memoised per process for as long as the file is unchanged."""
    key = _stat_key(path)
    if key not in _JSON_MEMO:
        _JSON_MEMO[key] = json.loads(path.read_text(encoding="utf-8"))
    return _JSON_MEMO[key]


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that readers see either the old file or the complete new one.

    The bytes go to a temporary file in the same directory (``os.replace`` is atomic only within a file system)
    and replace the target only once they are flushed to disk; on any failure the temporary file is removed and
    the old file is left untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; data files are meant to be readable like any other
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _frame_to_csv_bytes(df: pd.DataFrame) -> bytes:
    """The one CSV layout of snapshots and cache files: ISO dates, full float precision, LF line ends."""
    return df.to_csv(date_format="%Y-%m-%d", lineterminator="\n").encode("utf-8")


def _read_csv_frame(path: Path, kind: str) -> pd.DataFrame:
    """Read a snapshot or cache CSV into the loader schema (float64 columns, tz-naive index)."""
    df = pd.read_csv(path, index_col=0)
    df.index = pd.to_datetime(df.index, format="%Y-%m-%d")
    return _tidy(df, kind)


# --------------------------------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------------------------------


def _tidy(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Put a provider's or a file's frame into the loader schema.

    Index: tz-naive midnight dates named ``Date`` (stock) or ``time`` (weather), sorted, unique. A duplicated date
    keeps its *last* row (providers append corrections after the original row). Columns: float64 with NaN for
    missing values (meteostat's nullable ``Float64``/``pd.NA`` become NaN). Rows that are empty in every column
    carry no observation and are dropped; weather columns that are empty throughout are dropped too.
    """
    index = pd.DatetimeIndex(df.index)
    if index.tz is not None:
        # yfinance's tz-aware daily stamps are local midnights of the exchange: dropping the zone keeps the date.
        index = index.tz_localize(None)
    wanted = STOCK_COLUMNS if kind == "stock" else WEATHER_COLUMNS
    columns = [c for c in wanted if c in df.columns]
    out = pd.DataFrame(
        {c: df[c].to_numpy(dtype="float64", na_value=np.nan) for c in columns},
        index=index.normalize().as_unit("ns"),
    )
    out.index.name = _INDEX_NAME[kind]
    out = out[~out.index.duplicated(keep="last")].sort_index()
    out = out.dropna(how="all")
    if kind == "weather":
        out = out.dropna(axis="columns", how="all")
    return out


def _slice(df: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    return df.loc[start:end]


# --------------------------------------------------------------------------------------------------------------
# What is available offline: snapshots (manifest) and the live cache (sidecars)
# --------------------------------------------------------------------------------------------------------------


def _manifest() -> dict:
    path = _manifest_path()
    if not path.exists():
        raise SnapshotCorruptError(
            f"The data manifest {_rel(path)} is missing (data directory: {data_dir()}). Restore it with "
            f"`git checkout {_rel(path)}` or re-run `python tools/make_snapshots.py`; if you set {DATA_ENV}, point "
            "it at a copy of the course's data/ folder."
        )
    try:
        manifest = _read_json(path)
        manifest["snapshots"]  # noqa: B018 -- a manifest without this key is as broken as unparsable JSON
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotCorruptError(
            f"The data manifest {_rel(path)} cannot be read ({exc}). Restore it with `git checkout {_rel(path)}` "
            "or re-run `python tools/make_snapshots.py`."
        ) from exc
    return manifest


def _snapshot_entry(kind: str, name: str) -> dict | None:
    for entry in _manifest()["snapshots"]:
        if entry["kind"] == kind and entry["name"] == name:
            return entry
    return None


def _cache_meta(kind: str, name: str) -> dict | None:
    """The sidecar record of a cached download, or None when there is no (readable) cache entry."""
    path = _cache_file(kind, name)
    side = _sidecar(path)
    if not path.exists() or not side.exists():
        return None
    try:
        meta = _read_json(side)
        pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"]), meta["sha256"]  # noqa: B018 -- shape check
    except (ValueError, KeyError, TypeError):
        return None
    return meta


def available_offline(include_cache: bool = False) -> pd.DataFrame:
    """What the loaders can serve without a network, one row per data set.

    Columns: ``kind`` (``stock`` or ``weather``), ``name`` (ticker or meteostat station id, what you pass to the
    loader), ``description``, ``first`` and ``last`` (dates), ``rows``, ``source`` (``snapshot``: shipped with the
    course; ``cache``: an earlier live download in ``data/cache/``). Cache entries are listed only with
    ``include_cache=True``, so that the default listing is the same on every machine.
    """
    records = [
        {
            "kind": e["kind"],
            "name": e["name"],
            "description": e.get("description", ""),
            "first": pd.Timestamp(e["first"]),
            "last": pd.Timestamp(e["last"]),
            "rows": int(e["rows"]),
            "source": "snapshot",
        }
        for e in _manifest()["snapshots"]
    ]
    if include_cache and _cache_dir().is_dir():
        for path in sorted(_cache_dir().glob("*_*.csv")):
            kind, _, name = path.stem.partition("_")
            meta = _cache_meta(kind, name) if kind in _INDEX_NAME else None
            if meta is None:
                continue
            records.append(
                {
                    "kind": kind,
                    "name": name,
                    "description": f"live download ({meta.get('provider', 'unknown provider')})",
                    "first": pd.Timestamp(meta["first"]),
                    "last": pd.Timestamp(meta["last"]),
                    "rows": int(meta["rows"]),
                    "source": "cache",
                }
            )
    columns = ["kind", "name", "description", "first", "last", "rows", "source"]
    table = pd.DataFrame.from_records(records, columns=columns)
    return table.sort_values(["kind", "source", "name"], ignore_index=True)


def _offline_summary(kind: str) -> str:
    """One line per data set of ``kind`` available offline, for error messages."""
    table = available_offline(include_cache=True)
    table = table[table["kind"] == kind]
    if table.empty:
        return f"  (no {kind} data offline)"
    return "\n".join(
        f"  {r.name!r:10} {r.first:%Y-%m-%d} to {r.last:%Y-%m-%d} ({r.rows} rows, {r.source})"
        for r in table.itertuples()
    )


# --------------------------------------------------------------------------------------------------------------
# Local sources
# --------------------------------------------------------------------------------------------------------------


class _Local:
    """A file that may serve a request: a snapshot or a cache entry, with the date interval it covers."""

    def __init__(self, origin: str, path: Path, sha256: str, first: pd.Timestamp, last: pd.Timestamp):
        self.origin = origin  # "snapshot" or "cache"
        self.path = path
        self.sha256 = sha256
        self.first = first
        self.last = last

    def covers(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> bool:
        return (start is None or start >= self.first) and (end is None or end <= self.last)

    def overlap(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        lo = self.first if start is None else max(start, self.first)
        hi = self.last if end is None else min(end, self.last)
        return (lo, hi) if lo <= hi else None


def _snapshot_source(kind: str, name: str) -> _Local | None:
    entry = _snapshot_entry(kind, name)
    if entry is None:
        return None
    first, last = pd.Timestamp(entry["first"]), pd.Timestamp(entry["last"])
    return _Local("snapshot", data_dir() / entry["file"], entry["sha256"], first, last)


def _cache_source(kind: str, name: str) -> _Local | None:
    meta = _cache_meta(kind, name)
    if meta is None:
        return None
    # A cache entry covers the interval that was *requested* when it was downloaded: a stock download for
    # 2020-01-01 (a holiday) starts on 2020-01-02, yet asking again for 2020-01-01 must not download again.
    first, last = pd.Timestamp(meta["start"]), pd.Timestamp(meta["end"])
    return _Local("cache", _cache_file(kind, name), meta["sha256"], first, last)


def _read_snapshot(src: _Local, kind: str) -> pd.DataFrame:
    """Read a shipped snapshot after checking its checksum; any problem names the file and the fix."""
    rel = _rel(src.path)
    fix = f"Restore it with `git checkout {rel}` or regenerate it with `python tools/make_snapshots.py`."
    if not src.path.exists():
        raise SnapshotCorruptError(f"The snapshot {rel} is missing. {fix}")
    if not _matches_checksum(src.path, src.sha256):
        raise SnapshotCorruptError(
            f"The snapshot {rel} does not match its SHA-256 checksum in {_rel(_manifest_path())}: the file is "
            f"corrupt, truncated or was edited. {fix}"
        )
    try:
        return _read_csv_frame(src.path, kind)
    except (ValueError, KeyError) as exc:  # checksum fine but unreadable: the manifest itself was regenerated badly
        raise SnapshotCorruptError(f"The snapshot {rel} cannot be parsed ({exc}). {fix}") from exc


class _CorruptCache(Exception):
    """A cache file that fails its checksum or cannot be parsed (internal: callers decide what to do)."""


def _read_cache(src: _Local, kind: str) -> pd.DataFrame:
    if not _matches_checksum(src.path, src.sha256):
        raise _CorruptCache(f"{_rel(src.path)} does not match the checksum recorded in {_rel(_sidecar(src.path))}")
    try:
        return _read_csv_frame(src.path, kind)
    except (ValueError, KeyError) as exc:
        raise _CorruptCache(f"{_rel(src.path)} cannot be parsed ({exc})") from exc


def _corrupt_cache_error(src: _Local, detail: str, live_problem: str | None) -> SnapshotCorruptError:
    why = f" A fresh download failed too: {live_problem}" if live_problem else ""
    return SnapshotCorruptError(
        f"The cached download {_rel(src.path)} is damaged: {detail}.{why} Fix: delete {_rel(src.path)} and its "
        f".json file, then connect to the network and load again (source='auto' or 'live' re-downloads it)."
    )


# --------------------------------------------------------------------------------------------------------------
# Live cache
# --------------------------------------------------------------------------------------------------------------


def _write_cache(
    kind: str, name: str, fresh: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, provider: str
) -> None:
    """Store a download in ``data/cache/``, merged with the cached entry when their date intervals touch.

    New rows win over cached rows of the same date (a refresh). Disjoint intervals are not merged (the covered
    interval must be gap-free), so the new download replaces the old one. The data file and its sidecar (checksum,
    covered interval) are each written atomically; a failure part-way leaves the previous entry intact or, in
    the worst case, a data file that no longer matches its sidecar, which the next load detects.
    """
    old = _cache_source(kind, name)
    if old is not None and start <= old.last + pd.Timedelta(days=1) and old.first <= end + pd.Timedelta(days=1):
        try:
            previous = _read_cache(old, kind)
        except _CorruptCache:
            previous = None
        if previous is not None:
            fresh = pd.concat([previous, fresh])
            fresh = fresh[~fresh.index.duplicated(keep="last")].sort_index()
            start, end = min(start, old.first), max(end, old.last)
    if kind == "weather":
        fresh = fresh.dropna(axis="columns", how="all")
    payload = _frame_to_csv_bytes(fresh)
    meta = {
        "kind": kind,
        "name": name,
        "provider": provider,
        "start": f"{start:%Y-%m-%d}",
        "end": f"{end:%Y-%m-%d}",
        "first": f"{fresh.index[0]:%Y-%m-%d}",
        "last": f"{fresh.index[-1]:%Y-%m-%d}",
        "rows": len(fresh),
        "columns": list(fresh.columns),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "downloaded": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    path = _cache_file(kind, name)
    _ensure_cache_dir()
    _atomic_write(path, payload)
    _atomic_write(_sidecar(path), (json.dumps(meta, indent=2) + "\n").encode("utf-8"))


def _ensure_cache_dir() -> None:
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    # Keep downloads out of git even where the repository's .gitignore is missing (e.g. a copied data folder).
    ignore = cache / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Live downloads of helpers.data: never committed.\n*\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------------------
# Live downloads
# --------------------------------------------------------------------------------------------------------------


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


def _network_reachable(hosts: tuple[str, ...], timeout: float = 2.0) -> bool:
    """A cheap check (DNS + TCP connect) that at least one of ``hosts`` answers on port 443.

    Behind a proxy a direct connection says nothing, so the check then answers True and lets the library try.
    """
    if any(os.environ.get(var) for var in _PROXY_VARS):
        return True
    for host in hosts:
        try:
            with socket.create_connection((host, 443), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def _import(module: str):
    try:
        return __import__(module)
    except ImportError as exc:
        raise DataUnavailableError(
            f"A live download needs the {module} package, which is not installed: `pip install {module}` "
            "(or `pip install -e .` in the course folder), or use source='offline'."
        ) from exc


def _download_stock(ticker: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Daily split- and dividend-adjusted prices from Yahoo Finance, in the loader schema.

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
    missing = [c for c in STOCK_COLUMNS if c not in raw.columns]
    if missing:
        raise DataUnavailableError(
            f"Yahoo Finance's answer for {ticker!r} lacks the columns {missing} (got {list(raw.columns)}): "
            "your yfinance may be too old or too new; install a version in the course's range (`pip install -e .`)."
        )
    return _tidy(raw, "stock")


def _meteostat_unreachable(ms) -> bool:
    """True when a meteostat call would need the network and a cheap probe finds none.

    The probe runs only when meteostat's station database must be downloaded (missing or stale), because that is
    what meteostat retries for ~14 s before raising a bare Exception; with a configured proxy it is skipped.
    """
    if _meteostat_db_fresh(ms) or getattr(ms.config, "network_proxies", None):
        return False
    return not _network_reachable(_METEOSTAT_HOSTS)


def _meteostat_db_fresh(ms) -> bool:
    """True when meteostat's station database is on disk and not stale, so metadata needs no network."""
    config = ms.config
    path = getattr(config, "stations_db_file", None)
    if not path or not os.path.exists(path):
        return False
    ttl = max(getattr(config, "stations_db_ttl", 0), getattr(config, "cache_ttl", 0))
    return time.time() - os.path.getmtime(path) <= ttl


def _year_chunks(start: pd.Timestamp, end: pd.Timestamp, years: int) -> Iterator[tuple[dt.date, dt.date]]:
    """Split [start, end] into pieces meteostat's large-request guard accepts."""
    lo = start
    while lo <= end:
        hi = min(end, pd.Timestamp(year=lo.year + years - 1, month=12, day=31))
        yield lo.date(), hi.date()
        lo = hi + pd.Timedelta(days=1)


def _no_meteostat_network(what: str) -> DataUnavailableError:
    return DataUnavailableError(
        f"{what} needs meteostat's servers, which cannot be reached (no network?). Connect to the network and try "
        "again, or work offline with the shipped Seattle data: load_weather('72793') (see available_offline())."
    )


def _download_weather(station: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Daily observations of one meteostat station, in the loader schema."""
    ms = _import("meteostat")
    if _meteostat_unreachable(ms):
        raise _no_meteostat_network(f"Downloading weather for station {station!r}")
    frames = []
    for lo, hi in _year_chunks(start, end, _METEOSTAT_MAX_YEARS):
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
        if not _network_reachable(_METEOSTAT_HOSTS):
            # With a cached station list meteostat gets this far offline; its data download then fails quietly.
            raise _no_meteostat_network(f"Downloading weather for station {station!r}")
        raise DataUnavailableError(
            f"meteostat returned no data for station {station!r} between {start:%Y-%m-%d} and {end:%Y-%m-%d}: the "
            "station may have no observations in that range (pick another range or a nearby station with "
            "find_stations), or the download failed (check the network)." + _said("meteostat", log.messages)
        )
    return _tidy(pd.concat(frames), "weather")


# Looked up by name at call time (not bound here) so that a test can monkeypatch one downloader.
_DOWNLOADERS = {"stock": ("_download_stock", "yfinance"), "weather": ("_download_weather", "meteostat")}


def _provider_label(kind: str) -> str:
    module = _DOWNLOADERS[kind][1]
    try:
        from importlib.metadata import version

        return f"{module} {version(module)}"
    except Exception:
        return module


def _download(kind: str, name: str, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Download [start, end] (None -> :data:`LIVE_DEFAULT_START`, today), cache it and return it."""
    lo = LIVE_DEFAULT_START if start is None else start
    hi = pd.Timestamp.today().normalize().as_unit("ns") if end is None else end
    if hi < lo:
        raise DataError(
            f"start={lo:%Y-%m-%d} is after the last day a download can reach ({hi:%Y-%m-%d}): pick an earlier start."
        )
    fetch = globals()[_DOWNLOADERS[kind][0]]
    frame = fetch(name, lo, hi)
    if frame.empty:  # e.g. a provider answer whose rows are all NaN
        raise DataUnavailableError(
            f"The download of {name!r} for {lo:%Y-%m-%d} to {hi:%Y-%m-%d} holds no values: pick another range."
        )
    try:
        _write_cache(kind, name, frame, lo, hi, _provider_label(kind))
    except OSError as exc:
        # The download itself succeeded: hand it over rather than lose it to a full or read-only disk.
        warnings.warn(
            f"Could not cache the download of {name!r} in {_rel(_cache_dir())} ({exc}); the data is returned but "
            "will be downloaded again next time.",
            RuntimeWarning,
            stacklevel=4,
        )
    return _slice(frame, lo, hi)


# --------------------------------------------------------------------------------------------------------------
# The loaders
# --------------------------------------------------------------------------------------------------------------


def _load(kind: str, name: str, start: Any, end: Any, source: str) -> pd.DataFrame:
    what = f"{kind} data for {name!r}"
    start_day, end_day = _to_day(start, "start"), _to_day(end, "end")
    _check_range(start_day, end_day)
    if start_day is None and end_day is None:
        wanted = "(all dates)"
    else:
        wanted = f"from {_fmt(start_day, 'the first day')} to {_fmt(end_day, 'the last day')}"

    def _non_empty(df: pd.DataFrame, where: str) -> pd.DataFrame:
        if df.empty:
            raise DataError(
                f"No rows of {what} between {_fmt(start_day)} and {_fmt(end_day)} in the {where} "
                "(a weekend or holiday?): widen the range."
            )
        return df

    corrupt: tuple[_Local, str] | None = None
    locals_tried: list[_Local] = []
    if source in ("auto", "offline"):
        snap = _snapshot_source(kind, name)
        if snap is not None:
            locals_tried.append(snap)
            if snap.covers(start_day, end_day):
                return _non_empty(_slice(_read_snapshot(snap, kind), start_day, end_day), "snapshot")
        cached = _cache_source(kind, name)
        if cached is not None:
            locals_tried.append(cached)
            if cached.covers(start_day, end_day):
                try:
                    return _non_empty(_slice(_read_cache(cached, kind), start_day, end_day), "cache")
                except _CorruptCache as exc:
                    corrupt = (cached, str(exc))
                    if source == "offline":
                        raise _corrupt_cache_error(cached, str(exc), None) from None

    live_problem = None
    if source in ("auto", "live"):
        try:
            return _non_empty(_download(kind, name, start_day, end_day), "download")
        except DataUnavailableError as exc:
            live_problem = str(exc)
    if corrupt is not None:
        raise _corrupt_cache_error(corrupt[0], corrupt[1], live_problem)

    # Nothing can serve the request: say what is covered, what exists offline, and how to fix the call.
    if source == "live":
        head = f"{what[0].upper()}{what[1:]} {wanted} could not be downloaded (source='live')."
    elif live_problem:
        head = f"{what[0].upper()}{what[1:]} {wanted} is not available offline, and the download failed."
    else:
        head = f"{what[0].upper()}{what[1:]} {wanted} is not available offline (source='offline')."
    lines = [head]
    if live_problem:
        lines.append(f"Download: {live_problem}")
    for src in locals_tried:
        part = src.overlap(start_day, end_day)
        covered = f"only {part[0]:%Y-%m-%d} to {part[1]:%Y-%m-%d} of your range" if part else "none of your range"
        span = f"{src.first:%Y-%m-%d} to {src.last:%Y-%m-%d}"
        lines.append(f"Offline: the {src.origin} of {name!r} covers {span}, {covered}.")
    if not locals_tried and source != "live":
        lines.append(f"Offline: there is no copy of {name!r}.")
    lines += [f"Available offline ({kind}):", _offline_summary(kind)]
    if source == "offline":
        lines.append(
            "Fix: pick a range that one of these covers, or connect to the network and use source='auto' (or 'live')."
        )
    elif source == "live":
        lines.append(
            "Fix: connect to the network and try again, check the name, or use source='auto' (or 'offline') to work "
            "with the local data."
        )
    else:
        lines.append(
            "Fix: pick a range that one of these covers, connect to the network and try again, or use "
            "source='offline' to work with the local data only."
        )
    raise DataUnavailableError("\n".join(lines))


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
    name = _clean_ticker(ticker)
    return _load("stock", name, start, end, _check_source(source))


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
    name = _clean_station(station)
    return _load("weather", name, start, end, _check_source(source))


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
    for value, what, bound in ((lat, "lat", 90), (lon, "lon", 180)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not -bound <= value <= bound:
            raise DataError(f"{what}={value!r} must be a number between -{bound} and {bound} (decimal degrees).")
    if isinstance(radius_km, bool) or not isinstance(radius_km, (int, float, np.number)) or not radius_km > 0:
        raise DataError(f"radius_km={radius_km!r} must be a positive number of kilometres.")
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise DataError(f"limit={limit!r} must be a positive whole number.")

    ms = _import("meteostat")
    if _meteostat_unreachable(ms):
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
