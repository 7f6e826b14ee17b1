"""Bad input, tried as a new user would: one table of inputs that must fail with a clear error.

Each row gives the call, the exception type, words the message must contain (the problem, named), and the fix the
message suggests, applied to that very input: after the fix, the call must get past every input check (it reaches
the model fitting, which the test replaces by a sentinel, so the table runs in a second or two). The loaders' rows
(``LOADER_CASES``) work the same way: the fixed call must return rows. They run offline, with no network: a live
download sees yfinance's empty answer and an unreachable host, as it would on a machine without a network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from helpers import data, experiment, providers
from helpers.errors import CourseError, DataError, DataUnavailableError, PreprocessingError
from helpers.evaluation import backtest
from helpers.experiment import run_forecast


class Reached(Exception):
    """Raised instead of fitting the models: every input check has passed."""


@pytest.fixture(autouse=True)
def no_fitting(monkeypatch):
    def sentinel(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(experiment, "fit_split", sentinel)


def seattle() -> pd.DataFrame:
    return data.load_weather("72793", source="offline")


def sensor(n: int = 24 * 60, tz: str | None = None, start: str = "2024-01-01") -> pd.DataFrame:
    """An hourly synthetic sensor series (daily cycle plus noise); synthetic, labelled so, for input checks only."""
    index = pd.date_range(start, periods=n, freq="h", tz=tz)
    rng = np.random.default_rng(0)
    values = 20 + 5 * np.sin(2 * np.pi * np.arange(n) / 24) + rng.normal(0, 1, n)
    return pd.DataFrame({"reading": values}, index=index)


def reaches(call: Callable[[], object]) -> None:
    with pytest.raises(Reached):
        call()


@dataclass
class Case:
    id: str
    call: Callable[[], object]  # the bad call
    error: type[Exception]
    names: tuple[str, ...]  # regexes the message must match: the problem, named
    fix: Callable[[str], Callable[[], object]] | None  # from the message, the fixed call (None: nothing to re-run)
    absent: tuple[str, ...] = ()  # advice that would not apply to this input


def _with_inf() -> pd.DataFrame:
    frame = seattle()
    frame.loc[frame.index[[100, 500]], "tmax"] = np.inf
    return frame


def _with_inf_feature() -> pd.DataFrame:
    frame = seattle()
    frame.loc[frame.index[300], "prcp"] = -np.inf
    return frame


def _irregular() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    minutes = np.cumsum(rng.integers(1, 9, 2000))
    index = pd.Timestamp("2024-03-01") + pd.to_timedelta(minutes, unit="min")
    return pd.DataFrame({"reading": rng.normal(100, 10, 2000)}, index=index)


def _dst_naive() -> pd.DataFrame:
    """Hourly local clock readings across the autumn switch in Berlin: 02:00-02:59 happens twice."""
    local = pd.date_range("2024-10-20", "2024-11-10", freq="h", tz="Europe/Berlin")
    frame = sensor(len(local))
    frame.index = local.tz_localize(None)
    return frame


def _mixed_zones() -> pd.DataFrame:
    first = sensor(400, tz="Europe/Berlin")
    second = sensor(400, tz="America/New_York", start="2024-01-20")
    return pd.concat([first, second])


def _long_gap() -> pd.DataFrame:
    frame = sensor(24 * 20)
    n = len(frame)
    frame.iloc[int(0.68 * n) : int(0.86 * n), 0] = np.nan  # 86 hours: all of validation, lookback is 24 hours
    return frame


def _after(message: str, pattern: str) -> str:
    found = re.search(pattern, message)
    assert found, f"the message does not say {pattern!r}: {message}"
    return found.group(1)


RUN_FORECAST_ONLY = [
    Case(
        "short frame",
        lambda f: f(seattle().iloc[:20], "tmax"),
        PreprocessingError,
        (r"has 20 rows", r"about \d+ rows"),
        lambda msg: lambda f: f(seattle().iloc[: int(_after(msg, r"about (\d+) rows"))], "tmax"),
        absent=(r"NaN or infinite", r"features="),
    ),
    Case(
        "lookback longer than the series",
        lambda f: f(seattle().iloc[:300], "tmax", lookback=400),
        PreprocessingError,
        (r"too few rows", r"has 300 rows", r"lookback 400"),
        lambda msg: lambda f: f(seattle().iloc[:300], "tmax", lookback=14),
    ),
]

FRAME_CASES = [
    Case(
        "infinite value in the target",
        lambda f: f(_with_inf(), "tmax"),
        PreprocessingError,
        (r"target 'tmax'", r"infinite", r"2012-04-10", r"2013-05-15"),
        lambda msg: lambda f: f(_with_inf().replace([np.inf, -np.inf], np.nan), "tmax"),
        absent=(r"features=",),
    ),
    Case(
        "infinite value in a named feature",
        lambda f: f(_with_inf_feature(), "tmax", features=["prcp", "tmin"]),
        PreprocessingError,
        (r"feature 'prcp'", r"2012-10-27"),
        lambda msg: lambda f: f(_with_inf_feature(), "tmax", features=["tmin"]),
    ),
    Case(
        "intraday frame with no regular step",
        lambda f: f(_irregular(), "reading"),
        PreprocessingError,
        (r"no regular step", r"resample\('\w+'\)"),
        lambda msg: lambda f: f(_irregular().resample(_after(msg, r"resample\('(\w+)'\)")).mean(), "reading"),
    ),
    Case(
        "daylight-saving switch in a naive local-time index",
        lambda f: f(_dst_naive(), "reading"),
        PreprocessingError,
        (r"duplicated timestamp", r"2024-10-27 02:00", r"daylight-saving", r"tz_localize"),
        lambda msg: lambda f: f(_dst_naive().tz_localize("Europe/Berlin", ambiguous="infer"), "reading"),
    ),
    Case(
        "time-zone change inside the index",
        lambda f: f(_mixed_zones(), "reading"),
        PreprocessingError,
        (r"mixes time zones", r"Europe/Berlin", r"America/New_York", r"utc=True"),
        lambda msg: lambda f: f(_mixed_zones().set_axis(pd.to_datetime(_mixed_zones().index, utc=True)), "reading"),
    ),
    Case(
        "all-NaN target",
        lambda f: f(seattle().assign(tmax=np.nan), "tmax"),
        PreprocessingError,
        (r"target 'tmax' is all NaN", r"pick a column"),
        lambda msg: lambda f: f(seattle().assign(tmax=np.nan), "tmin"),
    ),
    Case(
        "duplicate dates",
        lambda f: f(pd.concat([seattle(), seattle().iloc[[5]]]).sort_index(), "tmax"),
        PreprocessingError,
        (r"duplicated timestamp", r"2012-01-06"),
        lambda msg: lambda f: f(seattle(), "tmax"),
        absent=(r"daylight-saving",),  # daily data: no clock change to blame
    ),
    Case(
        "unsorted index",
        lambda f: f(seattle().iloc[::-1], "tmax"),
        PreprocessingError,
        (r"not in increasing order", r"sort_index"),
        lambda msg: lambda f: f(seattle().iloc[::-1].sort_index(), "tmax"),
    ),
    Case(
        "non-numeric target",
        lambda f: f(seattle().assign(tmax=seattle()["tmax"].astype(str)), "tmax"),
        PreprocessingError,
        (r"target 'tmax' is not numeric", r"pd.to_numeric"),
        lambda msg: lambda f: f(seattle().assign(tmax=pd.to_numeric(seattle()["tmax"].astype(str))), "tmax"),
    ),
    Case(
        "horizon 0",
        lambda f: f(seattle(), "tmax", horizon=0),
        PreprocessingError,
        (r"horizon must be a positive integer",),
        lambda msg: lambda f: f(seattle(), "tmax", horizon=1),
    ),
    Case(
        "no DatetimeIndex",
        lambda f: f(seattle().reset_index(), "tmax"),
        PreprocessingError,
        (r"needs a DatetimeIndex", r"set_index"),
        lambda msg: lambda f: f(seattle().reset_index().set_index("time"), "tmax"),
    ),
]

BACKTEST_ONLY = [
    Case(
        "more folds than the series allows",
        lambda f: f(seattle(), "tmax", folds=100),
        CourseError,
        (r"folds=100 is more than this series allows", r"folds=\d+ or fewer \(the maximum"),
        lambda msg: lambda f: f(seattle(), "tmax", folds=int(_after(msg, r"folds=(\d+) or fewer"))),
    ),
    Case(
        "horizon longer than a fold",
        lambda f: f(seattle(), "tmax", folds=4, horizon=200),
        CourseError,
        (r"horizon \(200 steps\) is longer than a fold's test block", r"at most \d+"),
        lambda msg: lambda f: f(seattle(), "tmax", folds=int(_after(msg, r"at most (\d+)")), horizon=200),
    ),
    Case(
        "frame too short for one fold",
        lambda f: f(seattle().iloc[:50], "tmax"),
        CourseError,
        (r"too short for one fold", r"has 50 steps", r"\d+ for folds=4"),
        lambda msg: lambda f: f(seattle().iloc[: int(_after(msg, r"(\d+) for folds=4"))], "tmax"),
    ),
    Case(
        "no seeds",
        lambda f: f(seattle(), "tmax", seeds=()),
        CourseError,
        (r"seeds is empty",),
        lambda msg: lambda f: f(seattle(), "tmax", seeds=(0,)),
    ),
]

CASES = [("run_forecast", run_forecast, c) for c in FRAME_CASES + RUN_FORECAST_ONLY] + [
    ("backtest", backtest, c) for c in FRAME_CASES + BACKTEST_ONLY
]


LOADER_CASES = [
    Case(
        "ticker not available offline",
        lambda f: f("NVDA", source="offline"),
        DataUnavailableError,
        (r"'NVDA'", r"not available offline", r"there is no copy"),
        lambda msg: lambda f: f(_after(msg, r"\n  '(\w+)' +\d{4}"), source="offline"),
    ),
    Case(
        "no network for a live download",
        lambda f: f("NVDA", start="2020-01-01"),
        DataUnavailableError,
        (r"'NVDA'", r"there is no network", r"No network: Yahoo Finance"),
        lambda msg: lambda f: f(_after(msg, r"load_stock\('(\w+)'\)")),
        absent=(r"delisted",),  # the ticker is not the problem when the host cannot be reached
    ),
    Case(
        "range before the snapshot, offline",
        lambda f: f("AAPL", "1995-01-01", "2001-01-01", source="offline"),
        DataUnavailableError,
        (r"covers 2000-03-01 to 2013-03-01", r"only 2000-03-01 to 2001-01-01 of your range"),
        lambda msg: lambda f: f("AAPL", _after(msg, r"covers (\S+) to"), "2001-01-01", source="offline"),
    ),
    Case(
        "start after the snapshot's last day",
        lambda f: f("AAPL", start="2015-01-01", source="offline"),
        DataUnavailableError,
        (r"covers 2000-03-01 to 2013-03-01", r"none of your range"),
        lambda msg: lambda f: f("AAPL", start=_after(msg, r"covers (\S+) to"), source="offline"),
        absent=(r"weekend or holiday",),
    ),
    Case(
        "ticker with a space",
        lambda f: f("AA PL"),
        DataError,
        (r"'AA PL' is not a valid ticker", r"no spaces"),
        lambda msg: lambda f: f("AA PL".replace(" ", "")),
    ),
    Case(
        "end before start",
        lambda f: f("AAPL", "2010-02-01", "2010-01-01"),
        DataError,
        (r"end \(2010-01-01\) is before start \(2010-02-01\)", r"swap them"),
        lambda msg: lambda f: f("AAPL", "2010-01-01", "2010-02-01"),
    ),
    Case(
        "a year given as a number",
        lambda f: f("AAPL", start=2010),
        DataError,
        (r"start=2010 is a number, not a date",),
        lambda msg: lambda f: f("AAPL", start=_after(msg, r"e\.g\. '([\d-]+)'")),
    ),
    Case(
        "unknown source",
        lambda f: f("AAPL", source="web"),
        DataError,
        (r"source='web' is not one of",),
        lambda msg: lambda f: f("AAPL", source=_after(msg, r"one of '(\w+)'")),
    ),
]
WEATHER_CASES = [
    Case(
        "station not available offline",
        lambda f: f("10637", source="offline"),
        DataUnavailableError,
        (r"'10637'", r"not available offline"),
        lambda msg: lambda f: f(_after(msg, r"\n  '(\w+)' +\d{4}"), source="offline"),
    ),
]
SERIES_CASES = [  # load_sensor and load_traffic: snapshots only
    Case(
        "unknown series",
        lambda f: f("heart_rate"),
        DataError,
        (r"There is no \w+ series 'heart_rate'", r"Available offline"),
        lambda msg: lambda f: f(_after(msg, r"Fix: load_\w+\('(\w+)'\)")),
    ),
    Case(
        "range after the snapshot",
        lambda f: f(start="2011-12-01"),
        DataUnavailableError,
        (r"covers \S+ to \S+, none of your range", r"no live source"),
        lambda msg: lambda f: f(start=_after(msg, r"covers (\S+) to")),
    ),
]

CASES += [("load_stock", data.load_stock, c) for c in LOADER_CASES]
CASES += [("load_weather", data.load_weather, c) for c in WEATHER_CASES]
CASES += [("load_sensor", data.load_sensor, c) for c in SERIES_CASES]
CASES += [("load_traffic", data.load_traffic, c) for c in SERIES_CASES]


@pytest.fixture(autouse=True)
def offline_machine(monkeypatch, tmp_path):
    """No network and a private data folder: nothing a loader row does can reach the internet or the real cache."""
    import shutil

    yfinance = pytest.importorskip("yfinance")
    shutil.copytree(data.data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: False)
    monkeypatch.setattr(yfinance, "download", lambda *args, **kwargs: pd.DataFrame())


@pytest.mark.parametrize(("name", "function", "case"), CASES, ids=[f"{n}: {c.id}" for n, _, c in CASES])
def test_bad_input_names_the_problem_and_a_fix_that_works(name, function, case):
    with pytest.raises(case.error) as raised:
        case.call(function)
    message = str(raised.value)
    if not name.startswith("load_"):  # the pipeline's messages all end with a "Fix:"; a loader's may say it inline
        assert "Fix" in message, message
    for pattern in case.names:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    for pattern in case.absent:
        assert not re.search(pattern, message), f"{pattern!r} should not be in: {message}"
    if case.fix is not None and name.startswith("load_"):
        assert len(case.fix(message)(function)) > 0
    elif case.fix is not None:
        reaches(lambda: case.fix(message)(function))


def test_a_gap_longer_than_the_lookback_is_never_bridged(monkeypatch):
    """A gap of 86 hours covering all of validation: no window can be cut there, said plainly; filling the gap (the
    fix, when the values are known) lets the pipeline through."""
    monkeypatch.undo()  # this one needs the real fit_split: the check lives there
    with pytest.raises(PreprocessingError) as raised:
        run_forecast(_long_gap(), "reading", smoke=True)
    message = str(raised.value)
    assert re.search(r"the val part .* has no complete window", message)
    assert re.search(r"gap longer than 3 step\(s\)", message) and "Fix" in message
    table = run_forecast(_long_gap().interpolate(), "reading", smoke=True)
    assert table.attrs["step"] == "0 days 01:00:00"
