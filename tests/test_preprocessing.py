"""Preprocessing: chronological split, scaler fitted on train only, windows that never straddle a split."""

import numpy as np
import pandas as pd
import pytest

from helpers.errors import ArgumentError, PreprocessingError
from helpers.preprocessing import (
    add_calendar_features,
    chronological_split,
    fill_gaps,
    fit_scaler,
    inverse_scale,
    make_dataset,
    make_windows,
    scale_split,
    validate_frame,
)


@pytest.fixture
def frame():
    index = pd.date_range("2012-01-01", periods=200, freq="D", name="time")
    rng = np.random.default_rng(0)
    return pd.DataFrame({"a": np.arange(200.0), "b": rng.normal(size=200)}, index=index)


def test_split_is_chronological_and_complete(frame):
    split = chronological_split(frame, train=0.7, val=0.15)
    assert split.describe()["rows"].tolist() == [140, 30, 30]
    assert split.train.index.max() < split.val.index.min()
    assert split.val.index.max() < split.test.index.min()
    assert pd.concat(list(split)).equals(frame)
    assert list(split.describe().index) == ["train", "val", "test"]


@pytest.mark.parametrize("train,val", [(0.9, 0.2), (0.0, 0.5), (1.0, 0.1), (70, 15)])
def test_split_rejects_bad_fractions(frame, train, val):
    with pytest.raises(ArgumentError, match="fractions.*Fix"):
        chronological_split(frame, train=train, val=val)


def test_split_rejects_too_short():
    tiny = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.date_range("2020-01-01", periods=2))
    with pytest.raises(PreprocessingError, match="too few"):
        chronological_split(tiny)


def test_scaler_sees_only_training_data(frame, monkeypatch):
    """The scaler's fit receives exactly the training rows: nothing from validation or test."""
    from sklearn.preprocessing import MinMaxScaler

    seen = []
    original = MinMaxScaler.fit

    def spy(self, X, y=None):
        seen.append(X.index.copy())
        return original(self, X, y)

    monkeypatch.setattr(MinMaxScaler, "fit", spy)
    split = chronological_split(frame)
    scaled, scaler = scale_split(split)
    assert len(seen) == 1 and seen[0].equals(split.train.index)
    assert scaler.data_max_[0] == split.train["a"].max() < frame["a"].max()
    # Training data lies in [0, 1]; the later parts go above 1 because the series trends upward. That is correct.
    assert scaled.train.to_numpy().min() == 0 and scaled.train.to_numpy().max() == 1
    assert scaled.test["a"].min() > 1


def test_inverse_scale_round_trip(frame):
    split = chronological_split(frame)
    scaled, scaler = scale_split(split)
    back = inverse_scale(scaler, scaled.test["b"].to_numpy(), "b")
    np.testing.assert_allclose(back, split.test["b"].to_numpy())
    with pytest.raises(PreprocessingError, match="not fitted on 'c'"):
        inverse_scale(scaler, [0.5], "c")


def test_windows_align_inputs_and_targets(frame):
    w = make_windows(frame, "a", lookback=5, horizon=3)
    assert w.X.shape == (200 - 5 - 3 + 1, 5, 2) and w.X.dtype == np.float32
    # Window 0 holds rows 0..4; its target is row 4 + 3 = 7.
    np.testing.assert_array_equal(w.X[0, :, 0], np.arange(5.0))
    assert w.y[0] == 7.0 and w.dates[0] == frame.index[7] and w.origins[0] == frame.index[4]
    np.testing.assert_array_equal(w.last_target, w.X[:, -1, 0])
    assert (w.dates - w.origins == pd.Timedelta(days=3)).all()


def test_multi_step_windows(frame):
    w = make_windows(frame, "a", ["a", "b"], lookback=4, horizon=7, multi_step=True)
    assert w.y.shape == (200 - 4 - 7 + 1, 7)
    np.testing.assert_array_equal(w.y[0], np.arange(4.0, 11.0))
    assert w.dates[0] == frame.index[10]


def test_windows_never_straddle_a_split(frame):
    split = chronological_split(frame)
    for part in split:
        w = make_windows(part, "a", lookback=10, horizon=2)
        assert w.origins.min() >= part.index.min() + pd.Timedelta(days=9)
        assert w.dates.max() <= part.index.max()
        # every input value of every window belongs to this part
        assert np.isin(w.X[:, :, 0], part["a"].to_numpy()).all()


def test_keras_dataset_matches_numpy_windows(frame):
    w = make_windows(frame, "a", lookback=6, horizon=2)
    ds = make_dataset(frame, "a", lookback=6, horizon=2, batch_size=1000)
    X, y = next(iter(ds))
    np.testing.assert_array_equal(X.numpy(), w.X)
    np.testing.assert_array_equal(y.numpy(), w.y)


def test_lookback_longer_than_series(frame):
    with pytest.raises(PreprocessingError, match="lookback \\+ horizon"):
        make_windows(frame.iloc[:10], "a", lookback=10)
    with pytest.raises(ArgumentError, match="lookback must be a positive integer.*Fix"):
        make_windows(frame, "a", lookback=0)


def test_unknown_target_and_columns(frame):
    with pytest.raises(PreprocessingError, match="unknown target"):
        make_windows(frame, "zzz", lookback=3)
    with pytest.raises(PreprocessingError, match="unknown column"):
        validate_frame(frame, ["a", "nope"])


def test_validate_frame_messages(frame):
    with pytest.raises(PreprocessingError, match="DatetimeIndex"):
        validate_frame(frame.reset_index())
    with pytest.raises(PreprocessingError, match="sort_index"):
        validate_frame(frame.iloc[::-1])
    with pytest.raises(PreprocessingError, match="duplicated dates"):
        validate_frame(pd.concat([frame, frame.iloc[:2]]).sort_index())
    gappy = frame.copy()
    gappy.iloc[3, 0] = np.nan
    with pytest.raises(PreprocessingError, match="missing values .*fill_gaps"):
        validate_frame(gappy)
    text = frame.assign(c="x")
    with pytest.raises(PreprocessingError, match="not numeric"):
        validate_frame(text)
    with pytest.raises(PreprocessingError, match="all NaN"):
        validate_frame(frame.assign(c=np.nan), allow_nan=True)


def test_fill_gaps_interpolates_short_gaps_and_refuses_long_ones(frame):
    gappy = frame.drop(frame.index[[10, 11]])  # two missing dates
    gappy.iloc[50, 1] = np.nan
    filled = fill_gaps(gappy)
    assert len(filled) == 200 and not filled.isna().any().any()
    assert filled["a"].iloc[10] == pytest.approx(10.0) and filled["a"].iloc[11] == pytest.approx(11.0)
    long_gap = frame.copy()
    long_gap.iloc[20:40, 0] = np.nan
    with pytest.raises(PreprocessingError, match="gap of 20"):
        fill_gaps(long_gap)


def test_calendar_features_are_periodic(frame):
    out = add_calendar_features(frame, weekly=True)
    assert {"doy_sin", "doy_cos", "dow_sin", "dow_cos"} <= set(out.columns)
    radius = out["doy_sin"] ** 2 + out["doy_cos"] ** 2
    np.testing.assert_allclose(radius, 1.0)


def test_fit_scaler_refuses_nans(frame):
    frame.iloc[0, 0] = np.nan
    with pytest.raises(PreprocessingError, match="missing values"):
        fit_scaler(frame)


def test_fill_gaps_keeps_the_frames_own_step_unless_told(frame):
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    hourly = pd.DataFrame({"x": np.arange(48.0)}, index=index).drop(index[[5, 6]])
    assert fill_gaps(hourly).index.equals(index)  # the default: the frame's own step
    assert len(fill_gaps(hourly, freq="D")) == 2  # asked for days: one row per day, as asked
    weekdays = frame[frame.index.day_of_week < 5]
    assert len(fill_gaps(weekdays, freq=None)) == len(weekdays)  # trading days: weekends are not gaps
    with pytest.raises(PreprocessingError, match="not a pandas frequency"):
        fill_gaps(frame, freq="often")


def test_windows_gap_rule_used_keeps_windows_whose_gap_is_only_between_origin_and_target():
    index = pd.date_range("2020-01-01", periods=30, freq="5min")
    values = np.arange(30.0)
    values[12] = np.nan
    frame = pd.DataFrame({"g": values}, index=index)
    span = make_windows(frame, "g", lookback=4, horizon=3, drop_gaps=True)
    used = make_windows(frame, "g", lookback=4, horizon=3, drop_gaps=True, gap_rule="used")
    # "span": every window from row 12 - 6 to row 12 touches the gap; "used": only those whose inputs or target do.
    assert span.dropped == 7 and used.dropped == 5
    assert set(used.dates) - set(span.dates) == {index[13], index[14]}  # the gap lies between origin and target
    assert not np.isnan(used.X).any() and not np.isnan(used.y).any()


def test_windows_every_and_last(frame):
    w = make_windows(frame, "a", lookback=6)
    assert list(w.every(3).dates) == list(w.dates[::3])
    from_end = w.every(3, from_end=True)
    assert from_end.dates[-1] == w.dates[-1] and len(from_end) == len(w.every(3))
    short = w.last(2)
    assert short.lookback == 2 and short.X.shape[1] == 2 and np.array_equal(short.X, w.X[:, -2:, :])
    with pytest.raises(PreprocessingError, match="lookback"):
        w.last(7)
