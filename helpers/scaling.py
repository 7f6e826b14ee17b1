"""One model for many series, and how fast it trains (lesson 10).

- :func:`load_returns`: the four stock snapshots as daily log returns, each divided by its own training part's
  standard deviation (no test day leaks into the scale), with its chronological 70/15/15 bounds.
- :func:`part_windows`, :func:`training_pipeline`, :func:`as_arrays`: the windows cut inside a ``tf.data``
  pipeline (20 returns in, the size of the next move out), the training windows of all series concatenated,
  cached, shuffled within the training part, batched and prefetched.
- :func:`training_arrays`: the same training windows as NumPy arrays, in a fixed order (what the multi-worker
  launcher of :mod:`helpers.distributed` trains on).
- :func:`throughput`: windows per second of an input pipeline alone and of training on it, with the warm-up pass
  (cache filling, function tracing) excluded and several timed repeats, reported as their median and range.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.data import load_stock

TICKERS = ("AAPL", "MSFT", "IBM", "GOOG")
LOOKBACK = 20
PARTS = ("train", "val", "test")


@dataclass(frozen=True)
class Returns:
    """One series: ``r`` the scaled log returns (float32), ``scale`` the training std that divided them, ``dates``
    their dates, ``bounds[part]`` the ``(start, stop)`` positions of each part in ``r``."""

    r: np.ndarray
    scale: float
    dates: pd.DatetimeIndex
    bounds: dict[str, tuple[int, int]]


def load_returns(tickers: Sequence[str] = TICKERS, train: float = 0.7, val: float = 0.15) -> dict[str, Returns]:
    """Each ticker's daily log returns from the offline snapshots, scaled by its own training part's std."""
    out = {}
    for ticker in tickers:
        returns = np.log(load_stock(ticker)["Close"]).diff().dropna()
        n_train, n_val = int(round(len(returns) * train)), int(round(len(returns) * val))
        scale = float(returns.iloc[:n_train].std())
        bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, len(returns))}
        out[ticker] = Returns((returns / scale).to_numpy("float32"), scale, pd.DatetimeIndex(returns.index), bounds)
    return out


def part_windows(series: Returns, part: str, lookback: int = LOOKBACK):
    """Unbatched ``(window, target)`` pairs whose targets lie in ``part``: ``lookback`` returns in, the next move's
    size out. The first windows of a part reach back into the previous part for their inputs (the past: allowed)."""
    import keras

    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}.")
    start, stop = series.bounds[part]
    values = series.r[max(start - lookback, 0):stop]
    return keras.utils.timeseries_dataset_from_array(values[:-1, None], np.abs(values[lookback:]),
                                                     sequence_length=lookback, batch_size=None)


def training_pipeline(stocks: dict[str, Returns], batch: int, *, cache: bool = True, prefetch: bool = True,
                      shuffle: bool = True, seed: int = 42, reshuffle: bool = True, windows: int | None = None):
    """The training windows of every series in ``stocks``, concatenated, then cached, shuffled (a full shuffle of
    the training part, again every epoch unless ``reshuffle=False``), batched and prefetched.

    ``windows``: only the first ``windows`` training windows of each series (None: all of them). Smoke runs use it:
    the full shuffle cuts every window before the first batch, which costs more than a few training steps.
    """
    import tensorflow as tf

    parts = [part_windows(s, "train") for s in stocks.values()]
    if windows is not None:
        parts = [part.take(windows) for part in parts]
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    if cache:
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(20_000, seed=seed, reshuffle_each_iteration=reshuffle)
    ds = ds.batch(batch)
    return ds.prefetch(tf.data.AUTOTUNE) if prefetch else ds


def as_arrays(ds) -> tuple[np.ndarray, np.ndarray]:
    """Materialise an unbatched ``(window, target)`` dataset as NumPy arrays."""
    batches = list(ds.batch(4096).as_numpy_iterator())
    return np.concatenate([X for X, _ in batches]), np.concatenate([y for _, y in batches])


def training_arrays(tickers: Sequence[str] = TICKERS) -> tuple[np.ndarray, np.ndarray]:
    """All training windows of ``tickers`` as ``(X, y)`` arrays, series after series (no shuffling): the windows of
    :func:`part_windows`, cut with NumPy's ``sliding_window_view`` (the tests check they are the same arrays).
    Every worker of :mod:`helpers.distributed` is a fresh process that calls this before its first step, and
    ``tf.data`` would spend about a CPU second tracing its window functions there; NumPy needs a millisecond."""
    X, y = [], []
    for series in load_returns(tickers).values():
        start, stop = series.bounds["train"]
        values = series.r[max(start - LOOKBACK, 0):stop]
        X.append(np.lib.stride_tricks.sliding_window_view(values[:-1], LOOKBACK)[:, :, None])
        y.append(np.abs(values[LOOKBACK:]))
    return np.concatenate(X), np.concatenate(y)


def timed_rate(run: Callable[[], object], windows: int, repeats: int = 3, warmup: bool = True) -> list[float]:
    """Windows per second of ``run()`` over ``repeats`` timed calls, after one untimed call when ``warmup``."""
    if warmup:
        run()
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        rates.append(windows / (time.perf_counter() - started))
    return rates


def pipeline_run(ds, steps: int) -> Callable[[], None]:
    """One pass of ``steps`` batches through ``ds`` with no model: what the input alone can deliver."""

    def run():
        for _ in ds.take(steps):
            pass

    return run


def fit_run(model, data, steps: int, batch: int) -> Callable[[], None]:
    """One epoch of ``steps`` training steps of ``model`` on a dataset, or on ``(X, y)`` NumPy arrays."""
    if isinstance(data, tuple):
        X, y = data
        return lambda: model.fit(X[: steps * batch], y[: steps * batch], batch_size=batch, epochs=1, verbose=0)
    return lambda: model.fit(data, epochs=1, steps_per_epoch=steps, shuffle=False, verbose=0)


def throughput(cases: dict[tuple[str, int], object], make_model: Callable[[], object], n_windows: int,
               windows: int | None = None, repeats: int = 3, warmup: bool = True,
               verbose: int | None = None) -> pd.DataFrame:
    """Windows per second for each ``(input name, batch) -> dataset or (X, y)`` of ``cases``.

    For a dataset: the pipeline alone, then training on it; for arrays: training only. Each timing covers about
    ``windows`` windows (``windows // batch`` steps; None: one epoch of ``n_windows``). One model
    (``make_model()``) serves every case, so each batch size's training step is traced once, in the warm-up pass.
    ``warmup=False`` times the first pass too (cache filling and tracing included): the mistake to avoid.
    Returns one row per case and measurement: the median rate of the ``repeats`` timed passes, its min and max.
    """
    from helpers import progress

    model = make_model()
    plan = []
    for (name, batch), data in cases.items():
        steps = max(1, (windows or n_windows) // batch)
        timed = min(n_windows, steps * batch)
        if not isinstance(data, tuple):
            plan.append((name, batch, "pipeline alone", pipeline_run(data, steps), timed))
        plan.append((name, batch, "training", fit_run(model, data, steps, batch), timed))
    rows = []
    for name, batch, measured, run, timed in progress.track(plan, "throughput", unit="measurement", verbose=verbose):
        rates = timed_rate(run, timed, repeats, warmup)
        rows.append({"input": name, "batch": batch, "measured": measured, "median": float(np.median(rates)),
                     "min": min(rates), "max": max(rates)})
    return pd.DataFrame(rows).set_index(["input", "batch", "measured"])
