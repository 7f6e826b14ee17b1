"""helpers.scaling: the stock windows of lesson 10 (scale from the training part only, windows inside their part) and
the throughput harness (warm-up excluded, repeated timings)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import load_stock, scaling


def test_each_series_is_scaled_by_its_training_part_only():
    stocks = scaling.load_returns(["AAPL", "GOOG"])
    for ticker, s in stocks.items():
        returns = np.log(load_stock(ticker)["Close"]).diff().dropna()
        start, stop = s.bounds["train"]
        assert start == 0 and s.scale == pytest.approx(float(returns.iloc[:stop].std()))
        assert s.scale != pytest.approx(float(returns.std()), rel=1e-3)  # the whole series would leak the test part
        assert s.bounds["train"][1] == s.bounds["val"][0] and s.bounds["val"][1] == s.bounds["test"][0]
        assert s.bounds["test"][1] == len(s.r) == len(s.dates)


def test_windows_have_their_targets_inside_their_part():
    s = scaling.load_returns(["IBM"])["IBM"]
    X, y = scaling.as_arrays(scaling.part_windows(s, "val"))
    start, stop = s.bounds["val"]
    assert X.shape == (stop - start, scaling.LOOKBACK, 1)
    np.testing.assert_allclose(y, np.abs(s.r[start:stop]))                        # sizes of the part's own moves
    np.testing.assert_allclose(X[0, :, 0], s.r[start - scaling.LOOKBACK:start])    # inputs: the 20 days before
    with pytest.raises(ValueError, match="part must be one of"):
        scaling.part_windows(s, "validation")


def test_training_arrays_are_the_pipelines_training_windows_in_order():
    tickers = ["AAPL", "IBM"]
    X, y = scaling.training_arrays(tickers)
    stocks = scaling.load_returns(tickers)
    pipeline = scaling.training_pipeline(stocks, 4096, cache=False, prefetch=False, shuffle=False).unbatch()
    X_tf, y_tf = scaling.as_arrays(pipeline)
    assert X.dtype == X_tf.dtype == np.float32 and y.dtype == y_tf.dtype == np.float32
    np.testing.assert_array_equal(X, X_tf)
    np.testing.assert_array_equal(y, y_tf)


def test_a_smoke_pipeline_holds_the_first_windows_of_each_series():
    stocks = scaling.load_returns(["AAPL", "GOOG"])
    X, y = scaling.as_arrays(scaling.training_pipeline(stocks, 4096, windows=5, cache=False, prefetch=False,
                                                       shuffle=False).unbatch())
    X_all, y_all = scaling.training_arrays(["AAPL", "GOOG"])
    first = np.r_[0:5, 2268:2273]  # AAPL has 2268 training windows, then GOOG's follow
    np.testing.assert_array_equal(X, X_all[first])
    np.testing.assert_array_equal(y, y_all[first])
    shuffled = scaling.training_pipeline(stocks, 64, windows=5)  # cached, shuffled: the same 10 windows
    X_shuffled, _ = scaling.as_arrays(shuffled.unbatch())
    assert sorted(X_shuffled[:, -1, 0].tolist()) == sorted(X[:, -1, 0].tolist())


class _SlowFirst:
    """A run whose first call costs 0.2 s (like tracing or filling a cache) and later calls almost nothing."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        time.sleep(0.2 if self.calls == 1 else 0.001)


def test_timed_rate_excludes_the_warm_up_and_repeats():
    run = _SlowFirst()
    rates = scaling.timed_rate(run, windows=100, repeats=3)
    assert run.calls == 4 and len(rates) == 3 and min(rates) > 100 / 0.1
    cold = scaling.timed_rate(_SlowFirst(), windows=100, repeats=1, warmup=False)
    assert cold[0] < 100 / 0.2 + 1  # the first pass measured: the mistake the warm-up avoids


class _FakeModel:
    def __init__(self):
        self.fits = []

    def fit(self, *args, **kwargs):
        self.fits.append(kwargs.get("steps_per_epoch") or kwargs.get("batch_size"))


class _FakeDataset:
    def take(self, steps):
        return range(steps)


def test_throughput_table_has_a_median_and_a_range_per_measurement():
    model = _FakeModel()
    X, y = np.zeros((64, 20, 1)), np.zeros(64)
    table = scaling.throughput({("arrays", 8): (X, y), ("dataset", 16): _FakeDataset()}, lambda: model,
                               n_windows=64, windows=32, repeats=3, verbose=0)
    assert list(table.index) == [("arrays", 8, "training"), ("dataset", 16, "pipeline alone"),
                                 ("dataset", 16, "training")]
    assert (table["min"] <= table["median"]).all() and (table["median"] <= table["max"]).all()
    assert len(model.fits) == 2 * 4  # two trainings, each one warm-up and three timed passes
