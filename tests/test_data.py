"""Tests of helpers.data: offline snapshots, live paths with recorded-shape frames, the cache, and error messages.

Every test works on a temporary copy of ``data/`` (through ``$LSTM_COURSE_DATA``) and without a network: yfinance
and meteostat are monkeypatched with small frames in the exact shape they return (see ``tests/fixtures/README.md``).
Error messages are checked for naming both the problem and the fix.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import maintainer_tools
import numpy as np
import pandas as pd
import pytest

from helpers import data as hd
from helpers import providers, storage
from helpers.errors import DataError, DataUnavailableError, SnapshotCorruptError

REPO = Path(hd.__file__).resolve().parent.parent
REPO_DATA = REPO / "data"
FIXTURES = Path(__file__).parent / "fixtures"

SNAPSHOTS = {  # name: (rows, first, last)
    "AAPL": (3270, "2000-03-01", "2013-03-01"),
    "MSFT": (3270, "2000-03-01", "2013-03-01"),
    "IBM": (3270, "2000-03-01", "2013-03-01"),
    "GOOG": (2148, "2004-08-19", "2013-03-01"),
}
# meteostat 2.1.5's daily dtypes (confirmed by running its pipeline; see tests/fixtures/README.md).
METEOSTAT_DTYPES = {
    "temp": "Float64", "tmin": "Float64", "tmax": "Float64", "rhum": "UInt8", "prcp": "Float64", "snwd": "UInt16",
    "wspd": "Float64", "wpgt": "Float64", "pres": "Float64", "tsun": "UInt16", "cldc": "UInt8",
}


# ----------------------------------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def data_copy(tmp_path, monkeypatch):
    """Every test gets its own copy of data/ (without any cache) and no network."""
    dst = tmp_path / "data"
    shutil.copytree(REPO_DATA, dst, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv(hd.DATA_ENV, str(dst))
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: False)
    return dst


def recorded_yf_frame(ticker: str = "AAPL") -> pd.DataFrame:
    """What ``yf.download(ticker, ...)`` returns: MultiIndex columns ['Price', 'Ticker'], index 'Date'."""
    frame = pd.read_csv(FIXTURES / "yf_download_AAPL.csv", header=[0, 1], index_col=0, parse_dates=True)
    return frame.rename(columns={"AAPL": ticker}, level="Ticker")


def recorded_meteostat_frame() -> pd.DataFrame:
    """What ``ms.daily(...).fetch()`` returns: index 'time', nullable dtypes with pd.NA."""
    frame = pd.read_csv(FIXTURES / "meteostat_daily_72793.csv", index_col="time", parse_dates=True)
    return frame.astype(METEOSTAT_DTYPES)


class FakeYf:
    """Stands in for ``yfinance.download``: serves a frame, honours yfinance's exclusive ``end``, records calls."""

    def __init__(self, frame: pd.DataFrame | None = None, fail: Exception | None = None):
        self.frame = recorded_yf_frame() if frame is None else frame
        self.fail = fail
        self.calls: list[dict] = []

    def __call__(self, tickers, start=None, end=None, **kwargs):
        self.calls.append({"tickers": tickers, "start": start, "end": end, **kwargs})
        if self.fail is not None:
            raise self.fail
        days = self.frame.index.tz_localize(None) if self.frame.index.tz is not None else self.frame.index
        return self.frame[(days >= pd.Timestamp(start)) & (days < pd.Timestamp(end))]


def yf_failure(tickers, start=None, end=None, **kwargs):
    """yfinance's real failure mode: log '1 Failed download', warn, return an empty frame (it never raises)."""
    import logging

    logging.getLogger("yfinance").error("\n1 Failed download:")
    logging.getLogger("yfinance").error(f"['{tickers}']: DNSError('Could not resolve host: query2.finance.yahoo.com')")
    print("1 Failed download:", file=sys.stderr)
    warnings.warn("The inplace keyword in DataFrame.rename is deprecated", DeprecationWarning, stacklevel=2)
    columns = pd.MultiIndex.from_product([["Adj Close", "Close", "High", "Low", "Open", "Volume"], [tickers]],
                                         names=["Price", "Ticker"])
    return pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], name="Date"))


@pytest.fixture
def yf(monkeypatch):
    yfinance = pytest.importorskip("yfinance")
    fake = FakeYf()
    monkeypatch.setattr(yfinance, "download", fake)
    return fake


class FakeMeteostat:
    """Stands in for ``meteostat.daily``: returns an object whose ``fetch()`` gives a frame or None."""

    def __init__(self, frame: pd.DataFrame | None = None, fail: Exception | None = None):
        self.frame = recorded_meteostat_frame() if frame is None else frame
        self.fail = fail
        self.calls: list[tuple] = []

    def __call__(self, station, start, end, parameters=None, providers=None):
        self.calls.append((station, start, end))
        if self.fail is not None:
            raise self.fail
        part = self.frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return type("TimeSeries", (), {"fetch": lambda _self: None if part.empty else part.copy()})()


@pytest.fixture
def ms(monkeypatch):
    meteostat = pytest.importorskip("meteostat")
    fake = FakeMeteostat()
    monkeypatch.setattr(meteostat, "daily", fake)
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)
    return fake


def assert_stock_schema(df: pd.DataFrame) -> None:
    assert list(df.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert (df.dtypes == "float64").all()
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "Date" and df.index.tz is None
    assert df.index.is_monotonic_increasing and df.index.is_unique


# ----------------------------------------------------------------------------------------------------------------
# Snapshots
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ticker", list(SNAPSHOTS))
def test_stock_snapshot_offline(ticker):
    rows, first, last = SNAPSHOTS[ticker]
    df = hd.load_stock(ticker, source="offline")
    assert_stock_schema(df)
    assert len(df) == rows
    assert (df.index[0], df.index[-1]) == (pd.Timestamp(first), pd.Timestamp(last))
    body = df[["Open", "Close"]]
    assert (df["High"] >= body.max(axis=1)).all() and (df["Low"] <= body.min(axis=1)).all()
    assert not df.isna().any().any()


def test_weather_snapshot_offline():
    df = hd.load_weather("72793", source="offline")
    assert list(df.columns) == ["tmin", "tmax", "prcp", "wspd"]  # no invented mean temperature, no 'weather'
    assert (df.dtypes == "float64").all()
    assert df.index.name == "time" and df.index.tz is None and len(df) == 1461
    assert (df.index[0], df.index[-1]) == (pd.Timestamp("2012-01-01"), pd.Timestamp("2015-12-31"))
    assert df.loc["2012-01-01", "wspd"] == pytest.approx(4.7 * 3.6)  # the source's 4.7 m/s in km/h
    assert (df["tmax"] >= df["tmin"]).all()


def test_auto_uses_snapshot_without_network(yf):
    df = hd.load_stock("aapl", "2005-01-03", "2005-01-31")  # lower case is normalised
    assert len(df) == 20 and not yf.calls


def test_manifest_readme_and_files_agree(data_copy):
    manifest = json.loads((data_copy / "manifest.json").read_text())
    readme = (data_copy / "README.md").read_text()
    expected = {("stock", t) for t in SNAPSHOTS}
    expected |= {("weather", "72793"), ("sensor", "glucose"), ("traffic", "us_flights")}
    assert {(e["kind"], e["name"]) for e in manifest["snapshots"]} == expected
    for entry in manifest["snapshots"]:
        payload = (data_copy / entry["file"]).read_bytes()
        assert hashlib.sha256(payload).hexdigest() == entry["sha256"]
        assert payload.count(b"\n") == entry["rows"] + 1 and b"\r" not in payload
        assert entry["sha256"] in readme and entry["source"] and entry["licence"] and entry["units"]


def test_make_snapshots_is_reproducible():
    pytest.importorskip("bokeh_sampledata")
    pytest.importorskip("vega_datasets")
    pytest.importorskip("pyarrow")
    # The traffic snapshot's source is an npm package: .ci/run fetches its tarball with `npm pack`. Elsewhere the
    # test needs the same tarball; CI must never skip it.
    tarball = os.environ.get("LSTM_COURSE_VEGA_TARBALL")
    if not tarball:
        message = ("set LSTM_COURSE_VEGA_TARBALL to the tarball of `npm pack vega-datasets@3.2.1` to rebuild the "
                   "traffic snapshot (.ci/run does)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    make_snapshots = maintainer_tools.load("make_snapshots")
    outputs = make_snapshots.build(vega_tarball=tarball)  # computed in memory; nothing is written
    stale = [str(p) for p, payload in outputs.items() if p.read_bytes() != payload]
    assert not stale, f"run `python tools/make_snapshots.py`: {stale}"


def test_available_offline():
    table = hd.available_offline()
    assert list(table.columns) == ["kind", "name", "description", "first", "last", "rows", "source"]
    assert table["name"].tolist() == ["glucose", "AAPL", "GOOG", "IBM", "MSFT", "us_flights", "72793"]
    seattle = table.set_index("name").loc["72793"]
    assert seattle["kind"] == "weather" and seattle["rows"] == 1461 and "Seattle-Tacoma" in seattle["description"]
    assert (table["source"] == "snapshot").all()


# ----------------------------------------------------------------------------------------------------------------
# Ranges
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end",
    [
        ("2010-01-04", "2010-01-08"),
        (dt.date(2010, 1, 4), dt.date(2010, 1, 8)),
        (pd.Timestamp("2010-01-04"), pd.Timestamp("2010-01-08 15:30")),  # a time of day is ignored
        (dt.datetime(2010, 1, 4, 9, 30), "2010-01-08"),
    ],
)
def test_range_is_inclusive_for_every_date_type(start, end):
    df = hd.load_stock("MSFT", start, end, source="offline")
    assert df.index.tolist() == list(pd.bdate_range("2010-01-04", "2010-01-08"))


def test_open_ended_ranges():
    assert hd.load_stock("IBM", end="2000-03-03", source="offline").index[0] == pd.Timestamp("2000-03-01")
    assert hd.load_weather("72793", start="2015-12-30", source="offline").index.tolist() == list(
        pd.date_range("2015-12-30", "2015-12-31")
    )


def test_range_outside_snapshot_offline():
    with pytest.raises(DataUnavailableError) as err:
        hd.load_stock("AAPL", "2015-01-01", "2016-01-01", source="offline")
    msg = str(err.value)
    assert "not available offline" in msg and "covers 2000-03-01 to 2013-03-01, none of your range" in msg
    assert "'MSFT'" in msg and "2004-08-19 to 2013-03-01" in msg  # lists what is available
    assert "Fix:" in msg and "source='auto'" in msg


def test_partially_covered_range_is_an_error_not_a_shorter_frame():
    with pytest.raises(DataUnavailableError, match="only 2012-01-01 to 2015-12-31 of your range"):
        hd.load_weather("72793", "2011-06-01", "2016-06-01", source="offline")


def test_auto_when_live_fails_lists_what_is_available(monkeypatch, capsys):
    yfinance = pytest.importorskip("yfinance")
    monkeypatch.setattr(yfinance, "download", yf_failure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning escaping the loader would fail the test
        with pytest.raises(DataUnavailableError) as err:
            hd.load_stock("AAPL", "1995-01-01", "2001-01-01")
    msg = str(err.value)
    assert "not available offline, and there is no network" in msg and "delisted" not in msg
    assert "only 2000-03-01 to 2001-01-01 of your range" in msg and "Available offline (stock)" in msg
    assert "Fix:" in msg and "source='offline'" in msg and "connect to the network" in msg
    assert capsys.readouterr() == ("", "")  # yfinance's "1 Failed download" did not leak


def test_end_before_start():
    with pytest.raises(DataError, match=r"end \(2010-01-01\) is before start \(2010-02-01\): swap them"):
        hd.load_stock("AAPL", "2010-02-01", "2010-01-01")


def test_range_without_rows():
    with pytest.raises(DataError, match="No rows .* weekend or holiday.*widen the range"):
        hd.load_stock("AAPL", "2010-01-02", "2010-01-03", source="offline")


@pytest.mark.parametrize("bad", ["2010-13-45", "yesterday-ish", pd.NaT, object(), 2010])
def test_bad_dates(bad):
    with pytest.raises(DataError, match="start.*(not a date|NaT).*(YYYY-MM-DD|2012-01-31|2010-01-01)"):
        hd.load_stock("AAPL", start=bad, source="offline")


def test_bad_source():
    with pytest.raises(DataError, match="source='online' is not one of 'auto', 'offline', 'live'"):
        hd.load_stock("AAPL", source="online")


# ----------------------------------------------------------------------------------------------------------------
# Names are validated before they become file names
# ----------------------------------------------------------------------------------------------------------------


def test_unknown_ticker_offline():
    with pytest.raises(DataUnavailableError) as err:
        hd.load_stock("ZZZZ", source="offline")
    msg = str(err.value)
    assert "no copy of 'ZZZZ'" in msg and "'AAPL'" in msg and "Fix:" in msg


@pytest.mark.parametrize(
    "bad", ["../etc/passwd", "a/b", "a\\b", "", "   ", "AA PL", " AAPL", "..", ".X", "X" * 40, None, 123]
)
def test_bad_tickers_rejected_before_any_file(bad, monkeypatch, tmp_path):
    monkeypatch.setenv(hd.DATA_ENV, str(tmp_path / "nowhere"))  # touching files would raise SnapshotCorruptError
    with pytest.raises(DataError, match="ticker") as err:
        hd.load_stock(bad)
    assert type(err.value) is DataError and "'AAPL'" in str(err.value)
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize(
    "good, name", [("^GSPC", "^GSPC"), ("BRK-B", "BRK-B"), ("EURUSD=X", "EURUSD=X"), ("brk.b", "BRK.B")]
)
def test_legal_tickers(good, name):
    with pytest.raises(DataUnavailableError, match=f"no copy of '{re.escape(name)}'"):  # accepted, normalised
        hd.load_stock(good, source="offline")


@pytest.mark.parametrize("bad", ["../72793", "72 793", "", "7279/3", "ab", 72793])
def test_bad_station_ids_rejected(bad, monkeypatch, tmp_path):
    monkeypatch.setenv(hd.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="station.*'72793'.*find_stations") as err:
        hd.load_weather(bad)
    assert type(err.value) is DataError


# ----------------------------------------------------------------------------------------------------------------
# Checksums
# ----------------------------------------------------------------------------------------------------------------


def test_flipped_byte_in_snapshot(data_copy):
    path = data_copy / "snapshots" / "stock_AAPL.csv"
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0x01
    path.write_bytes(bytes(payload))
    with pytest.raises(SnapshotCorruptError) as err:
        hd.load_stock("AAPL", source="offline")
    msg = str(err.value)
    assert "stock_AAPL.csv" in msg and "checksum" in msg
    assert "git checkout" in msg and "tools/make_snapshots.py" in msg


def test_truncated_snapshot(data_copy):
    path = data_copy / "snapshots" / "weather_72793.csv"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(SnapshotCorruptError, match="weather_72793.csv.*corrupt, truncated.*git checkout"):
        hd.load_weather("72793")


def test_missing_data_folder_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv(hd.DATA_ENV, str(tmp_path / "empty"))
    with pytest.raises(SnapshotCorruptError, match="manifest.json is missing.*git checkout.*LSTM_COURSE_DATA"):
        hd.load_stock("AAPL")


def test_importing_helpers_data_is_light():
    code = "import sys, helpers.data; print(sorted({'yfinance', 'meteostat', 'tensorflow'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----------------------------------------------------------------------------------------------------------------
# Live stock prices (yfinance mocked)
# ----------------------------------------------------------------------------------------------------------------


def test_live_stock_schema_call_and_cache(yf, data_copy):
    df = hd.load_stock("AAPL", "2024-01-02", "2024-01-05", source="live")
    assert_stock_schema(df)
    assert df.index.tolist() == list(pd.bdate_range("2024-01-02", "2024-01-05"))
    assert df.loc["2024-01-02", "Close"] == pytest.approx(184.532) and df["Volume"].iloc[0] == 82488700.0
    call = yf.calls[-1]
    assert call["end"] == "2024-01-06"  # yfinance's end is exclusive
    assert call["auto_adjust"] is True and call["progress"] is False and call["threads"] is False
    assert "multi_level_index" not in call  # yfinance 0.2.66 on Colab must accept the call too

    cache = data_copy / "cache" / "stock_AAPL.csv"
    meta = json.loads((data_copy / "cache" / "stock_AAPL.csv.json").read_text())
    assert meta["sha256"] == hashlib.sha256(cache.read_bytes()).hexdigest()
    assert (meta["start"], meta["end"], meta["rows"]) == ("2024-01-02", "2024-01-05", 4)
    # The cache now serves the same range offline, identically.
    pd.testing.assert_frame_equal(hd.load_stock("AAPL", "2024-01-02", "2024-01-05", source="offline"), df)
    listed = hd.available_offline(include_cache=True)
    assert ((listed["name"] == "AAPL") & (listed["source"] == "cache")).any()


def test_auto_downloads_once_then_uses_cache(yf):
    first = hd.load_stock("^GSPC", "2024-01-03", "2024-01-08")
    assert len(yf.calls) == 1 and len(first) == 4
    again = hd.load_stock("^gspc", "2024-01-04", "2024-01-05")  # inside the cached interval: no download
    assert len(yf.calls) == 1 and len(again) == 2


def test_live_without_start_uses_documented_default(yf):
    hd.load_stock("MSFT", source="live")
    assert yf.calls[-1]["start"] == f"{hd.LIVE_DEFAULT_START:%Y-%m-%d}"


def test_yfinance_empty_frame_without_network_says_no_network_first(monkeypatch, capsys):
    yfinance = pytest.importorskip("yfinance")
    monkeypatch.setattr(yfinance, "download", yf_failure)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataUnavailableError) as err:
            hd.load_stock("NOPE", "2024-01-01", "2024-02-01", source="live")
    msg = str(err.value)
    download = next(line for line in msg.splitlines() if line.startswith("Download:"))
    assert download.startswith("Download: No network: Yahoo Finance") and "delisted" not in download
    assert "Could not resolve host" in msg  # yfinance's own reason is kept, quietly, after ours
    assert "Fix:" in msg and "connect to the network" in msg
    assert capsys.readouterr() == ("", "")


def test_yfinance_empty_frame_with_network_suspects_the_ticker(monkeypatch, capsys):
    yfinance = pytest.importorskip("yfinance")
    monkeypatch.setattr(yfinance, "download", yf_failure)
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)
    with pytest.raises(DataUnavailableError) as err:
        hd.load_stock("NOPE", "2024-01-01", "2024-02-01", source="live")
    msg = str(err.value)
    assert "returned no data for 'NOPE'" in msg and "unknown or delisted" in msg and "No network" not in msg
    assert capsys.readouterr() == ("", "")


def test_yfinance_exception(yf):
    yf.fail = ConnectionError("network unreachable")
    with pytest.raises(DataUnavailableError, match="(?s)yfinance failed for 'AAPL'.*network unreachable.*Fix:"):
        hd.load_stock("AAPL", "2024-01-02", "2024-01-05", source="live")


def test_provider_duplicates_and_unsorted_dates(yf):
    frame = recorded_yf_frame()
    correction = frame.iloc[[1]].copy()
    correction[("Close", "AAPL")] = 999.0  # a later row for the same day: the provider's correction wins
    yf.frame = pd.concat([frame.iloc[::-1], correction])
    df = hd.load_stock("AAPL", "2024-01-02", "2024-01-08", source="live")
    assert_stock_schema(df)
    assert len(df) == 5 and df.loc["2024-01-03", "Close"] == 999.0


def test_tz_aware_index_becomes_naive_dates(yf):
    frame = recorded_yf_frame()
    frame.index = frame.index.tz_localize("America/New_York")
    yf.frame = frame
    df = hd.load_stock("AAPL", "2024-01-02", "2024-01-08", source="live")
    assert df.index.tz is None and df.index[0] == pd.Timestamp("2024-01-02")


# ----------------------------------------------------------------------------------------------------------------
# The cache: atomic writes, merging, corruption
# ----------------------------------------------------------------------------------------------------------------


def test_failed_cache_write_keeps_the_old_cache(yf, data_copy, monkeypatch):
    hd.load_stock("AAPL", "2024-01-02", "2024-01-03", source="live")
    cache = data_copy / "cache" / "stock_AAPL.csv"
    before = (cache.read_bytes(), cache.with_name(cache.name + ".json").read_bytes())

    def disk_full(fd):  # the new bytes are in the temporary file, not yet moved into place
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch, pytest.warns(RuntimeWarning, match="Could not cache"):
        patch.setattr(storage.os, "fsync", disk_full)
        df = hd.load_stock("AAPL", "2024-01-02", "2024-01-08", source="live")
    assert len(df) == 5  # the download is still handed over
    assert (cache.read_bytes(), cache.with_name(cache.name + ".json").read_bytes()) == before
    assert not list(cache.parent.glob("*.tmp"))
    assert len(hd.load_stock("AAPL", "2024-01-02", "2024-01-03", source="offline")) == 2


def test_downloads_that_touch_are_merged(yf):
    hd.load_stock("AAPL", "2024-01-02", "2024-01-03", source="live")
    hd.load_stock("AAPL", "2024-01-04", "2024-01-08", source="live")
    table = hd.available_offline(include_cache=True).query("source == 'cache'")
    assert len(table) == 1
    assert (table["first"].iloc[0], table["last"].iloc[0], table["rows"].iloc[0]) == (
        pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-08"), 5
    )


def test_corrupt_cache_is_downloaded_again(yf, data_copy):
    hd.load_stock("^GSPC", "2024-01-02", "2024-01-08")
    cache = data_copy / "cache" / "stock_^GSPC.csv"
    cache.write_bytes(cache.read_bytes()[:-20])
    df = hd.load_stock("^GSPC", "2024-01-02", "2024-01-08")
    assert len(yf.calls) == 2 and len(df) == 5
    meta = json.loads(cache.with_name(cache.name + ".json").read_text())
    assert meta["sha256"] == hashlib.sha256(cache.read_bytes()).hexdigest()


def test_corrupt_cache_offline_or_without_network(yf, data_copy, monkeypatch):
    hd.load_stock("^GSPC", "2024-01-02", "2024-01-08")
    cache = data_copy / "cache" / "stock_^GSPC.csv"
    cache.write_bytes(cache.read_bytes().replace(b"184", b"284"))
    with pytest.raises(SnapshotCorruptError, match=r"stock_\^GSPC.csv is damaged.*Fix: delete"):
        hd.load_stock("^GSPC", "2024-01-02", "2024-01-08", source="offline")
    monkeypatch.setattr(sys.modules["yfinance"], "download", yf_failure)
    with pytest.raises(SnapshotCorruptError, match="is damaged.*download failed too.*connect to the network"):
        hd.load_stock("^GSPC", "2024-01-02", "2024-01-08")


# ----------------------------------------------------------------------------------------------------------------
# Live weather (meteostat mocked)
# ----------------------------------------------------------------------------------------------------------------


def test_live_weather_schema_nans_and_gaps(ms, data_copy):
    df = hd.load_weather("10637", "2024-01-01", "2024-01-06", source="live")
    # All-NA parameters (snwd, wpgt, tsun) are dropped; the others keep meteostat's order and units.
    assert list(df.columns) == ["temp", "tmin", "tmax", "rhum", "prcp", "wspd", "pres", "cldc"]
    assert (df.dtypes == "float64").all() and df.index.name == "time"
    # pd.NA became NaN and nothing was filled: the missing day stays absent, missing values stay NaN.
    assert pd.Timestamp("2024-01-04") not in df.index and len(df) == 5
    assert np.isnan(df.loc["2024-01-03", "temp"]) and np.isnan(df.loc["2024-01-05", "rhum"])
    assert df.loc["2024-01-02", "wspd"] == 14.8
    assert ms.calls == [("10637", dt.date(2024, 1, 1), dt.date(2024, 1, 6))]
    assert (data_copy / "cache" / "weather_10637.csv.json").exists()


def test_meteostat_no_data(ms, monkeypatch):
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)
    expected = "no data for station '10637'.*another range.*find_stations.*network"
    with pytest.raises(DataUnavailableError, match=expected):
        hd.load_weather("10637", "2030-01-01", "2030-02-01", source="live")


def test_meteostat_no_data_because_offline(ms, monkeypatch):
    # The network answers the first probe, then goes away: meteostat's download fails and fetch() gives None quietly.
    answers = iter([True, False])
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: next(answers))
    with pytest.raises(DataUnavailableError, match="(?s)cannot be reached.*Connect to the network.*'72793'"):
        hd.load_weather("10637", "2030-01-01", "2030-02-01", source="live")


def test_meteostat_database_download_failure(ms):
    ms.fail = Exception("Failed to download the database file")
    with pytest.raises(DataUnavailableError, match="Failed to download the database file.*Check the network"):
        hd.load_weather("10637", "2024-01-01", "2024-01-06", source="live")


def test_meteostat_unknown_station(ms):
    ms.fail = ValueError('Weather station with ID "ZZZZZ" could not be found')
    with pytest.raises(DataUnavailableError, match="does not know the station 'ZZZZZ'.*find_stations"):
        hd.load_weather("ZZZZZ", "2024-01-01", "2024-01-06", source="live")


def test_meteostat_offline_fails_fast(ms, monkeypatch):
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: False)
    started = time.perf_counter()
    with pytest.raises(DataUnavailableError) as err:
        hd.load_weather("10637", "2024-01-01", "2024-01-06")
    assert time.perf_counter() - started < 2 and not ms.calls
    msg = str(err.value)
    assert "cannot be reached" in msg and "'72793'" in msg and "Fix:" in msg


def test_long_weather_ranges_are_fetched_in_pieces(ms):
    ms.frame = recorded_meteostat_frame()
    hd.load_weather("10637", "1960-01-01", "2024-01-06", source="live")
    assert len(ms.calls) == 3
    assert all(end.year - start.year < 30 for _, start, end in ms.calls)
    assert ms.calls[0][1] == dt.date(1960, 1, 1) and ms.calls[-1][2] == dt.date(2024, 1, 6)


def test_meteostat_real_pipeline_on_a_local_file(tmp_path, monkeypatch):
    """meteostat 2.1.5's own download-and-parse code, pointed at a local bulk file instead of its server."""
    meteostat = pytest.importorskip("meteostat")
    from meteostat.providers.meteostat import daily as provider

    bulk = tmp_path / "daily" / "2024" / "10637.csv.gz"
    bulk.parent.mkdir(parents=True)
    with gzip.open(bulk, "wt") as f:
        f.write(
            "year,month,day,temp,temp_source,tmin,tmin_source,tmax,tmax_source,prcp,prcp_source,wspd,wspd_source\n"
            "2024,1,1,2.5,dwd,-0.4,dwd,5.1,dwd,0.0,dwd,12.6,dwd\n"
            "2024,1,2,,,1.0,dwd,6.3,dwd,3.4,dwd,18.0,dwd\n"
            "2024,1,4,4.4,dwd,2.2,dwd,7.0,dwd,,,9.0,dwd\n"
        )
    monkeypatch.setattr(provider, "ENDPOINT", (tmp_path / "daily").as_uri() + "/{year}/{station}.csv.gz")
    monkeypatch.setattr(meteostat.config, "cache_enable", False)
    station = meteostat.Station(id="10637", name="Frankfurt", country="DE", latitude=50.05, longitude=8.6,
                                elevation=111, timezone="Europe/Berlin")
    monkeypatch.setattr(meteostat.stations, "meta", lambda _id: station)
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)

    df = hd.load_weather("10637", "2024-01-01", "2024-01-05", source="live")
    assert list(df.columns) == ["temp", "tmin", "tmax", "prcp", "wspd"] and (df.dtypes == "float64").all()
    assert df.index.tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-04")]
    assert np.isnan(df.loc["2024-01-02", "temp"]) and np.isnan(df.loc["2024-01-04", "prcp"])


# ----------------------------------------------------------------------------------------------------------------
# find_stations
# ----------------------------------------------------------------------------------------------------------------


def test_find_stations_offline_is_fast_and_clear():
    pytest.importorskip("meteostat")
    started = time.perf_counter()
    with pytest.raises(DataUnavailableError) as err:
        hd.find_stations(47.45, -122.31)
    assert time.perf_counter() - started < 2
    assert "cannot be reached" in str(err.value) and "'72793'" in str(err.value)


def test_find_stations_wraps_meteostat_failure(monkeypatch):
    meteostat = pytest.importorskip("meteostat")
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)

    def broken(point, radius=50000, limit=100):
        raise Exception("Failed to download the database file")

    monkeypatch.setattr(meteostat.stations, "nearby", broken)
    with pytest.raises(DataUnavailableError, match="Failed to download the database file.*Connect to the network"):
        hd.find_stations(47.45, -122.31)


def test_find_stations_result(monkeypatch):
    meteostat = pytest.importorskip("meteostat")
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: True)
    seen = {}

    def nearby(point, radius=50000, limit=100):  # the shape ms.stations.nearby returns
        seen.update(lat=point.latitude, radius=radius, limit=limit)
        return pd.DataFrame(
            {"name": ["Seattle-Tacoma International Airport", "Seattle / Boeing Field"], "country": ["US", "US"],
             "region": ["WA", "WA"], "latitude": [47.45, 47.53], "longitude": [-122.3, -122.3],
             "elevation": [131, 6], "timezone": ["America/Los_Angeles"] * 2, "distance": [1234.5, 9876.0]},
            index=pd.Index(["72793", "72793"[:4] + "5"], name="id"),
        )

    monkeypatch.setattr(meteostat.stations, "nearby", nearby)
    found = hd.find_stations(47.45, -122.31, radius_km=20, limit=2)
    assert seen == {"lat": 47.45, "radius": 20000.0, "limit": 2}
    assert found.index.name == "id" and found.index[0] == "72793"
    assert found["distance_km"].tolist() == [1.2, 9.9] and "distance" not in found


@pytest.mark.parametrize("kwargs", [{"lat": 95, "lon": 0}, {"lat": 0, "lon": "x"}, {"lat": 0, "lon": 0, "radius_km": 0},
                                    {"lat": 0, "lon": 0, "limit": 0}])
def test_find_stations_bad_arguments(kwargs):
    with pytest.raises(DataError, match="must be"):
        hd.find_stations(**kwargs)
