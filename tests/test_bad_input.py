"""Bad input, tried as a new user would: one table of inputs that must fail with a clear error, and one of inputs
that used to give a silently wrong answer or a deep traceback and now work.

Each error row gives the call, the exception type, words the message must contain (the problem, named), and the fix
the message suggests, applied to that very input. For the pipeline (``run_forecast``, ``backtest``) the model
fitting is replaced by a sentinel: the error must come before it (no model trains on a bad input), and after the fix
the call must get past every check and reach it, so the table runs in seconds. A loader's fixed call must return
rows; any other fixed call must simply succeed. The loaders run offline, with no network: a live download sees
yfinance's empty answer and an unreachable host, as it would on a machine without a network.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from helpers import conformal, data, forecasting, metrics, models, preprocessing, providers
from helpers.errors import ArgumentError, CourseError, DataError, DataUnavailableError, PreprocessingError
from helpers.forecasting import backtest, run_forecast


class Reached(Exception):
    """Raised instead of fitting the models: every input check has passed. ``args``: what fit_split was given."""


@pytest.fixture(autouse=True)
def no_fitting(monkeypatch):
    def sentinel(*args, **kwargs):
        raise Reached(*args)

    monkeypatch.setattr(forecasting.run, "fit_split", sentinel)


@pytest.fixture(autouse=True)
def offline_machine(monkeypatch, tmp_path):
    """No network and a private data folder: nothing a loader row does can reach the internet or the real cache."""
    import shutil

    yfinance = pytest.importorskip("yfinance")
    shutil.copytree(data.data_dir(), tmp_path / "data", ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setattr(providers, "network_reachable", lambda hosts, timeout=2.0: False)
    monkeypatch.setattr(yfinance, "download", lambda *args, **kwargs: pd.DataFrame())


@functools.cache
def _seattle() -> pd.DataFrame:
    return data.load_weather("72793", source="offline")


def seattle() -> pd.DataFrame:
    return _seattle().copy()


def sensor(n: int = 24 * 60, tz: str | None = None, start: str = "2024-01-01") -> pd.DataFrame:
    """An hourly synthetic sensor series (daily cycle plus noise); synthetic, labelled so, for input checks only."""
    index = pd.date_range(start, periods=n, freq="h", tz=tz)
    rng = np.random.default_rng(0)
    values = 20 + 5 * np.sin(2 * np.pi * np.arange(n) / 24) + rng.normal(0, 1, n)
    return pd.DataFrame({"reading": values}, index=index)


def monthly(n: int = 240, freq: str = "MS", start: str = "2000-01-01") -> pd.DataFrame:
    """A synthetic monthly series (a yearly cycle and a random walk), for the calendar-month rows."""
    rng = np.random.default_rng(2)
    values = 50 + 10 * np.sin(np.arange(n) * 2 * np.pi / 12) + rng.normal(0, 1, n).cumsum()
    return pd.DataFrame({"y": values}, index=pd.date_range(start, periods=n, freq=freq))


def reaches(call: Callable[[], object]) -> Reached:
    with pytest.raises(Reached) as reached:
        call()
    return reached.value


def _after(message: str, pattern: str) -> str:
    found = re.search(pattern, message)
    assert found, f"the message does not say {pattern!r}: {message}"
    return found.group(1)


@dataclass
class Case:
    id: str
    call: Callable[[Callable], object]  # the bad call, given the function under test
    error: type[Exception]
    names: tuple[str, ...]  # regexes the message must match: the problem, named
    fix: Callable[[str], Callable[[Callable], object]] | None  # from the message, the fixed call (None: no re-run)
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


def _monthly_off_calendar() -> pd.DataFrame:
    """Monthly values stamped on whatever day they were recorded (the 1st to the 5th)."""
    frame = monthly()
    frame.index = frame.index + pd.to_timedelta(np.random.default_rng(1).integers(0, 5, len(frame)), unit="D")
    return frame


@functools.cache
def _seconds() -> pd.DataFrame:
    """Two million one-second readings (23 days): synthetic, to try the memory bound."""
    n = 2_000_000
    values = np.random.default_rng(0).normal(size=n).cumsum()
    return pd.DataFrame({"v": values}, index=pd.date_range("2024-01-01", periods=n, freq="s"))


def _passes_input_checks(frame: pd.DataFrame, target: str, copies: int) -> None:
    forecasting.inputs.check(frame, target, None, 1, None, copies=copies)
    raise Reached  # as the pipeline's sentinel would, once every check has passed


def _text_index() -> pd.DataFrame:
    return seattle().set_axis(seattle().index.strftime("%Y-%m-%d"))


def _two_level() -> pd.DataFrame:
    """What yfinance's download gives for one ticker: columns (Price, Ticker)."""
    prices = data.load_stock("AAPL", source="offline")
    return pd.concat({"AAPL": prices}, axis=1).swaplevel(axis=1)


def _nat_index() -> pd.DataFrame:
    frame = seattle()
    return frame.set_axis(frame.index.where(np.arange(len(frame)) != 5))


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
    Case(
        "horizon longer than the test part",
        lambda f: f(seattle(), "tmax", horizon=250),
        PreprocessingError,
        (r"horizon=250 steps is longer than the test part", r"holds 219 forecast", r"horizon=(\d+) or less"),
        lambda msg: lambda f: f(seattle(), "tmax", horizon=int(_after(msg, r"horizon=(\d+) or less"))),
    ),
    Case(
        "seed and seeds both",
        lambda f: f(seattle(), "tmax", seed=1, seeds=(0, 1)),
        ArgumentError,
        (r"pass seed= or seeds=, not both",),
        lambda msg: lambda f: f(seattle(), "tmax", seeds=(0, 1)),
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
        "monthly values off the calendar (the old fix, resample('31D'), merged months)",
        lambda f: f(_monthly_off_calendar(), "y"),
        PreprocessingError,
        (r"no regular step", r"resample\('MS'\)", r"calendar month"),
        lambda msg: lambda f: f(_monthly_off_calendar().resample(_after(msg, r"resample\('(\w+)'\)")).mean(), "y"),
        absent=(r"31D",),
    ),
    Case(
        "2 million one-second readings",
        lambda f: f(_seconds(), "v"),
        PreprocessingError,
        (r"memory bound", r"2,000,000 rows", r"3,600 steps", r"resample\('1min'\)"),
        # The fixed frame passes every input check, the memory bound included (preparing its 33,334 one-minute rows
        # in full is what any sub-daily frame gets, and takes seconds more than this table should).
        lambda msg: lambda f: _passes_input_checks(
            _seconds().resample(_after(msg, r"resample\('(\w+)'\)")).mean(), "v", copies=4 if f is backtest else 1
        ),
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
        "constant target (it used to train and print NaN skills and a DM p of 5e-13)",
        lambda f: f(seattle().assign(level=5.0), "level"),
        PreprocessingError,
        (r"target 'level' is constant", r"every value is 5", r"varies"),
        lambda msg: lambda f: f(seattle().assign(level=5.0), "tmax"),
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
        "a missing timestamp (NaT) in the index",
        lambda f: f(_nat_index(), "tmax"),
        PreprocessingError,
        (r"missing timestamp\(s\) \(NaT\)", r"frame\.index\.notna\(\)"),
        lambda msg: lambda f: f(_nat_index()[_nat_index().index.notna()], "tmax"),
        absent=(r"sort_index",),
    ),
    Case(
        "non-numeric target",
        lambda f: f(seattle().assign(tmax=seattle()["tmax"].astype(str)), "tmax"),
        PreprocessingError,
        (r"target 'tmax' is not numeric", r"pd.to_numeric"),
        lambda msg: lambda f: f(seattle().assign(tmax=pd.to_numeric(seattle()["tmax"].astype(str))), "tmax"),
    ),
    Case(
        "unknown target",
        lambda f: f(seattle(), "tmean"),
        PreprocessingError,
        (r"unknown target column 'tmean'", r"'tmax'"),
        lambda msg: lambda f: f(seattle(), "tmax"),
    ),
    Case(
        "unknown feature",
        lambda f: f(seattle(), "tmax", features=["tmin", "wind"]),
        PreprocessingError,
        (r"unknown feature column\(s\) \['wind'\]",),
        lambda msg: lambda f: f(seattle(), "tmax", features=["tmin"]),
    ),
    Case(
        "non-numeric feature",
        lambda f: f(seattle().assign(sky="sun"), "tmax", features=["sky"]),
        PreprocessingError,
        (r"\['sky'\] are not numeric",),
        lambda msg: lambda f: f(seattle().assign(sky="sun"), "tmax", features=None),
    ),
    Case(
        "empty feature list",
        lambda f: f(seattle(), "tmax", features=[]),
        PreprocessingError,
        (r"features is empty", r"None"),
        lambda msg: lambda f: f(seattle(), "tmax", features=None),
    ),
    Case(
        "horizon 0",
        lambda f: f(seattle(), "tmax", horizon=0),
        ArgumentError,
        (r"horizon must be a positive integer",),
        lambda msg: lambda f: f(seattle(), "tmax", horizon=int(_after(msg, r"horizon=(\d+)"))),
    ),
    Case(
        "horizon as text",
        lambda f: f(seattle(), "tmax", horizon="1"),
        ArgumentError,
        (r"horizon must be a positive integer", r"got '1'"),
        lambda msg: lambda f: f(seattle(), "tmax", horizon=1),
    ),
    Case(
        "fractional lookback",
        lambda f: f(seattle(), "tmax", lookback=7.5),
        ArgumentError,
        (r"lookback must be a positive integer", r"got 7\.5"),
        lambda msg: lambda f: f(seattle(), "tmax", lookback=int(_after(msg, r"lookback=(\d+)"))),
    ),
    Case(
        "lookback=True",
        lambda f: f(seattle(), "tmax", lookback=True),
        ArgumentError,
        (r"lookback must be a positive integer", r"got True"),
        lambda msg: lambda f: f(seattle(), "tmax", lookback=None),
    ),
    Case(
        "no DatetimeIndex",
        lambda f: f(seattle().reset_index(), "tmax"),
        PreprocessingError,
        (r"needs a DatetimeIndex", r"set_index"),
        lambda msg: lambda f: f(seattle().reset_index().set_index("time"), "tmax"),
    ),
    Case(
        "dates as text in the index",
        lambda f: f(_text_index(), "tmax"),
        PreprocessingError,
        (r"needs a DatetimeIndex", r"dates as text", r"pd\.to_datetime\(frame\.index\)"),
        lambda msg: lambda f: f(_text_index().set_axis(pd.to_datetime(_text_index().index)), "tmax"),
        absent=(r"frame\['date'\]",),
    ),
    Case(
        "monthly periods (PeriodIndex)",
        lambda f: f(monthly().to_period("M"), "y"),
        PreprocessingError,
        (r"needs a DatetimeIndex", r"to_timestamp\(\)"),
        lambda msg: lambda f: f(monthly().to_period("M").to_timestamp(), "y"),
        absent=(r"frame\['date'\]",),
    ),
    Case(
        "two-level columns, as yfinance downloads them",
        lambda f: f(_two_level(), "Close"),
        PreprocessingError,
        (r"two-level column names", r"no column is called 'Close'", r"xs\('AAPL', axis=1, level=1\)"),
        lambda msg: lambda f: f(_two_level().xs("AAPL", axis=1, level=1), "Close"),
    ),
    Case(
        "not a DataFrame",
        lambda f: f(np.zeros((100, 2)), "tmax"),
        PreprocessingError,
        (r"needs a pandas DataFrame, got ndarray",),
        None,
    ),
]

BACKTEST_ONLY = [
    Case(
        "more folds than the series allows",
        lambda f: f(seattle().iloc[:400], "tmax", folds=100),
        PreprocessingError,
        (r"folds=100 is more than this series allows", r"folds=\d+ or fewer \(the maximum"),
        lambda msg: lambda f: f(seattle().iloc[:400], "tmax", folds=int(_after(msg, r"folds=(\d+) or fewer"))),
    ),
    Case(
        "horizon longer than a fold",
        lambda f: f(seattle(), "tmax", folds=4, horizon=200),
        PreprocessingError,
        (r"horizon \(200 steps\) is longer than a fold's test block", r"at most \d+"),
        lambda msg: lambda f: f(seattle(), "tmax", folds=int(_after(msg, r"at most (\d+)")), horizon=200),
    ),
    Case(
        "frame too short for one fold",
        lambda f: f(seattle().iloc[:50], "tmax"),
        PreprocessingError,
        (r"too short for one fold", r"has 50 steps", r"\d+ for folds=4"),
        lambda msg: lambda f: f(seattle().iloc[: int(_after(msg, r"(\d+) for folds=4"))], "tmax"),
    ),
    Case(
        "no seeds",
        lambda f: f(seattle(), "tmax", seeds=()),
        ArgumentError,
        (r"seeds is empty",),
        lambda msg: lambda f: f(seattle(), "tmax", seeds=(0,)),
    ),
    Case(
        "a repeated seed (it used to train every fold, then crash in an internal zip)",
        lambda f: f(seattle(), "tmax", folds=2, seeds=[0, 0]),
        ArgumentError,
        (r"seeds \[0, 0\] repeat 0", r"seeds=\(0, 1\)"),
        lambda msg: lambda f: f(seattle(), "tmax", folds=2, seeds=(0, 1)),
    ),
    Case(
        "a negative seed",
        lambda f: f(seattle(), "tmax", seeds=[0, -1]),
        ArgumentError,
        (r"a seed must be a non-negative integer, got -1",),
        lambda msg: lambda f: f(seattle(), "tmax", seeds=[0, 1]),
    ),
    Case(
        "folds=0",
        lambda f: f(seattle(), "tmax", folds=0),
        ArgumentError,
        (r"folds must be a positive integer",),
        lambda msg: lambda f: f(seattle(), "tmax", folds=int(_after(msg, r"folds=(\d+)"))),
    ),
]

PIPELINE = ("run_forecast", "backtest")
# backtest runs the same input checks as run_forecast (forecasting.inputs.check): one row per behaviour, so it gets
# the frame rows whose check differs there (per fold, or sized by the number of folds) and a plain one.
BACKTEST_TOO = ("infinite value in the target", "2 million one-second readings", "no DatetimeIndex")
CASES = [("run_forecast", run_forecast, c) for c in FRAME_CASES + RUN_FORECAST_ONLY] + [
    ("backtest", backtest, c) for c in [c for c in FRAME_CASES if c.id in BACKTEST_TOO or "constant" in c.id]
    + BACKTEST_ONLY
]

_a = pd.Series(np.arange(10.0), index=pd.date_range("2020-01-01", periods=10))

OTHER_CASES = [
    (
        "metrics.rmse",
        metrics.rmse,
        Case(
            "two Series that share no date",
            lambda f: f(_a, _a.set_axis(_a.index + pd.Timedelta(days=30))),
            CourseError,
            (r"share no date", r"reindex"),
            lambda msg: lambda f: f(_a, _a.set_axis(_a.index + pd.Timedelta(days=30)).reindex(_a.index).fillna(0)),
        ),
    ),
    (
        "metrics.pinball_loss",
        metrics.pinball_loss,
        Case(
            "a quantile in percent",
            lambda f: f([1.0, 2.0], [1.5, 1.5], 90),
            ArgumentError,
            (r"quantile is the level", r"\(0, 1\)", r"0\.9"),
            lambda msg: lambda f: f([1.0, 2.0], [1.5, 1.5], 0.9),
        ),
    ),
    (
        "metrics.direction_accuracy",
        metrics.direction_accuracy,
        Case(
            "a confidence in percent (scipy's words before)",
            lambda f: f([1.0, -1.0, 2.0], [0.5, -0.2, -1.0], confidence=95),
            ArgumentError,
            (r"confidence is the level of the interval", r"0\.95"),
            lambda msg: lambda f: f([1.0, -1.0, 2.0], [0.5, -0.2, -1.0], confidence=0.95),
        ),
    ),
    (
        "preprocessing.chronological_split",
        preprocessing.chronological_split,
        Case(
            "fractions in percent",
            lambda f: f(seattle(), train=70, val=15),
            ArgumentError,
            (r"train is the share of rows that train", r"got 70", r"train=0\.7"),
            lambda msg: lambda f: f(seattle(), train=0.7, val=0.15),
        ),
    ),
    (
        "conformal.conformal_interval",
        conformal.conformal_interval,
        Case(
            "a coverage in percent",
            lambda f: f([1.0, 2.0, 3.0], [1.1, 2.2, 2.9], [4.0], coverage=80),
            ArgumentError,
            (r"coverage is the nominal share", r"\(0, 1\)", r"0\.8"),
            lambda msg: lambda f: f([1.0, 2.0, 3.0], [1.1, 2.2, 2.9], [4.0], coverage=0.5),
        ),
    ),
    (
        "preprocessing.make_windows",
        preprocessing.make_windows,
        Case(
            "an empty feature list (it gave windows of 0 features)",
            lambda f: f(seattle().ffill(), "tmax", [], lookback=3),
            PreprocessingError,
            (r"features is empty", r"features=None"),
            lambda msg: lambda f: f(seattle().ffill(), "tmax", None, lookback=3),
        ),
    ),
    (
        "preprocessing.fill_gaps",
        preprocessing.fill_gaps,
        Case(
            "no DatetimeIndex (it returned one row dated 1970-01-01)",
            lambda f: f(seattle().reset_index()),
            PreprocessingError,
            (r"needs a DataFrame with a DatetimeIndex", r"set_index"),
            lambda msg: lambda f: f(seattle().reset_index().set_index("time")),
        ),
    ),
    (
        "preprocessing.make_dataset",
        preprocessing.make_dataset,
        Case(
            "batch_size=0 (TensorFlow's own words, from deep inside)",
            lambda f: f(seattle().ffill()[["tmax"]], "tmax", lookback=3, batch_size=0),
            ArgumentError,
            (r"batch_size must be a positive integer", r"batch_size=32"),
            None,  # the fixed call would import TensorFlow, which this table avoids
        ),
    ),
    (
        "models.build_model",
        models.build_model,
        Case(
            "dropout for a family without dropout (it was silently ignored)",
            lambda f: f("lstm", 24, 2, dropout=0.3),
            ArgumentError,
            (r"'lstm' has no dropout", r"lstm_dropout"),
            None,
        ),
    ),
    (
        "models.train",
        models.train,
        Case(
            "epochs=0 (Keras trains nothing and says nothing)",
            lambda f: f(None, None, None, epochs=0),
            ArgumentError,
            (r"epochs must be a positive integer", r"epochs=50"),
            None,
        ),
    ),
]
CASES += OTHER_CASES


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
        "an ambiguous date (it was read month first, without a word)",
        lambda f: f("AAPL", "01/02/2010", "2010-03-02", source="offline"),
        DataError,
        (r"start='01/02/2010' is ambiguous", r"02 January 2010 \(month first\)", r"01 February 2010 \(day first\)"),
        lambda msg: lambda f: f("AAPL", _after(msg, r"start='([\d-]+)' or"), "2010-03-02", source="offline"),
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
    Case(
        "source='live' for data that ships with the course",
        lambda f: f(source="live"),
        DataUnavailableError,
        (r"no live source for \w+ data", r"offline only"),
        lambda msg: lambda f: f(source=_after(msg, r"Fix: source='(\w+)'")),
    ),
]

CASES += [("load_stock", data.load_stock, c) for c in LOADER_CASES]
CASES += [("load_weather", data.load_weather, c) for c in WEATHER_CASES]
CASES += [("load_sensor", data.load_sensor, c) for c in SERIES_CASES]
CASES += [("load_traffic", data.load_traffic, c) for c in SERIES_CASES]


@pytest.mark.parametrize(("name", "function", "case"), CASES, ids=[f"{n}: {c.id}" for n, _, c in CASES])
def test_bad_input_names_the_problem_and_a_fix_that_works(name, function, case):
    with pytest.raises(case.error) as raised:
        case.call(function)
    message = str(raised.value)
    if not name.startswith("load_"):  # the helpers' messages all say "Fix:"; a loader's may say it inline
        assert "Fix" in message, message
    for pattern in case.names:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"
    for pattern in case.absent:
        assert not re.search(pattern, message), f"{pattern!r} should not be in: {message}"
    if case.fix is None:
        return
    fixed = case.fix(message)
    if name in PIPELINE:
        reaches(lambda: fixed(function))
    elif name.startswith("load_"):
        assert len(fixed(function)) > 0
    else:
        fixed(function)


# --- Inputs that gave a silently wrong answer, and now give the right one ----------------------------------------


def _hourly_with_gap() -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=240, freq="h")
    return pd.DataFrame({"x": np.sin(np.arange(240) / 5)}, index=index).drop(index[[10, 11]])


def _check_fill_hourly(out):
    assert len(out) == 240 and out.index.freq == "h" and not out.isna().any().any()  # it returned 10 daily rows


def _check_fill_monthly(out):
    assert len(out) == 240 and (out.index.day == 1).all()  # it put the months on days, then refused a 30-day gap


def _check_worse_everywhere(result):
    assert result.statistic == np.inf and result.p_value == 0.0  # it said (0.0, 1.0): "no evidence"


def _check_one_fold(reached):
    prepared, seeds = reached.args
    assert prepared.bounds == forecasting.fold_bounds(len(seattle()), 1)[0] and seeds == (0,)


def _check_default_seed(reached):
    assert reached.args[1] == (0,)  # it raised a bare TypeError


def _check_rate(kind: str, label: str):
    def check(reached):
        prepared = reached.args[0]
        assert (prepared.rate.kind, prepared.rate.label) == (kind, label)
        assert (prepared.windows["test"].dates.day == 1).all()

    return check


def _check_same_as_compare(value):
    shifted = _a.set_axis(_a.index + pd.Timedelta(days=1)) + 1  # each date's value, plus one, a day late
    assert value == 0.0 == metrics.compare(_a, {"persistence": shifted, "f": shifted}).loc["f", "rmse"]


def _check_series_target(reached):
    assert reached.args[0].target == "tmax" and reached.args[0].features[0] == "tmax"


@dataclass
class Works:
    id: str
    call: Callable[[], object]
    check: Callable[[object], None]


def _pipeline(call: Callable[[], object]) -> Callable[[], Reached]:
    return lambda: reaches(call)


WORKS = [
    Works("fill_gaps on hourly data keeps the hours", lambda: preprocessing.fill_gaps(_hourly_with_gap()),
          _check_fill_hourly),
    Works("fill_gaps on monthly data keeps the months", lambda: preprocessing.fill_gaps(monthly()),
          _check_fill_monthly),
    Works("diebold_mariano: one model worse by the same amount on every date",
          lambda: metrics.diebold_mariano(np.full(100, 2.0), np.full(100, 1.0)), _check_worse_everywhere),
    Works("diebold_mariano: identical errors", lambda: metrics.diebold_mariano(np.ones(100), np.ones(100)),
          lambda result: (result.statistic, result.p_value) == (0.0, 1.0) or pytest.fail(str(result))),
    Works("metrics.rmse of two Series a day apart is matched by date, as compare does",
          lambda: metrics.rmse(_a, _a.set_axis(_a.index + pd.Timedelta(days=1)) + 1), _check_same_as_compare),
    Works("metrics.rmse of a one-column frame and a Series a day apart",
          lambda: metrics.rmse(_a.to_frame(), _a.set_axis(_a.index + pd.Timedelta(days=1)) + 1),
          lambda value: value == 0.0 or pytest.fail(str(value))),
    Works("backtest with folds=1 (scikit-learn's words before)",
          _pipeline(lambda: backtest(seattle(), "tmax", folds=1)), _check_one_fold),
    Works("backtest with seeds=None is the default seed", _pipeline(lambda: backtest(seattle(), "tmax", seeds=None)),
          _check_default_seed),
    Works("monthly data (refused before, with resample('31D') as the fix)",
          _pipeline(lambda: run_forecast(monthly(), "y")), _check_rate("monthly", "1 month")),
    Works("yearly data (refused before, with resample('365D') as the fix)",
          _pipeline(lambda: run_forecast(monthly(120, "YS", "1900-01-01"), "y")), _check_rate("monthly", "12 months")),
    Works("an unnamed Series is the target", _pipeline(lambda: run_forecast(seattle()["tmax"].rename(None), "tmax")),
          _check_series_target),
]


@pytest.mark.parametrize("case", WORKS, ids=[w.id for w in WORKS])
def test_input_that_used_to_go_wrong_now_works(case):
    case.check(case.call())


def test_a_gap_longer_than_the_lookback_is_never_bridged():
    """A gap of 86 hours covering all of validation: no window can be cut there, said plainly, before any model is
    fitted; filling the gap (the fix, when the values are known) lets the pipeline through."""
    with pytest.raises(PreprocessingError) as raised:
        run_forecast(_long_gap(), "reading", smoke=True)
    message = str(raised.value)
    assert re.search(r"the val part .* has no complete window", message)
    assert re.search(r"gap longer than 3 step\(s\)", message) and "Fix" in message
    reached = reaches(lambda: run_forecast(_long_gap().interpolate(), "reading", smoke=True))
    assert reached.args[0].rate.step == pd.Timedelta(hours=1)
