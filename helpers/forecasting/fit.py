"""The models, all fitted on the training windows of one prepared split: :func:`fit_split`.

- **persistence**: the last value (the zero change);
- a **seasonal** baseline where a season is known: climatology for calendar-daily data with a year of training; the
  same time one day earlier for sub-daily data; the same month (quarter) one year earlier for monthly (quarterly) data;
- **linear**: ridge regression on the last steps of the same windows (:class:`~helpers.baselines.LinearBaseline`);
  how many steps and the penalty are chosen on the validation part, which makes it a strong baseline;
- **lightgbm**: gradient-boosted trees on the same windows flattened, every training window, the number of trees
  chosen by early stopping on the validation part (:class:`~helpers.baselines.GradientBoostingBaseline`, seed 0
  whatever the LSTM's seeds: a baseline does not change with them);
- **lstm**: :func:`~helpers.models.build_lstm`, one network per seed, trained with early stopping on the validation
  loss (best weights restored); their mean forecast is the ``lstm`` forecast (an ensemble when several seeds).

The LSTM trains on at most ``max_train_windows`` windows (every k-th training window, counted back from the latest),
with the recipe's batches and epochs. The ridge and the trees see every window. With the recipe's ``standardize``
(sub-daily data), the LSTM's inputs and target are standardized on its training windows (mean 0, standard deviation
1 per column) on top of the pipeline's scaling: a change whose training range is wide otherwise fills a sliver of
[-1, 1], and the network's steps are as small (chosen on validation: benchmarks/README.md).

How long each model took (fitting and forecasting, all seeds of the LSTM together) is kept in ``seconds`` (wall) and
``cpu_seconds`` (CPU time of the process, which depends less on what else the machine runs).

Each seed is set with ``keras.utils.set_random_seed`` just before its network is built: the caller asks for it by
passing ``seeds``, and nothing else of the global state is touched.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from helpers import baselines, models, preprocessing
from helpers.forecasting.preparation import Prepared


@dataclass(frozen=True)
class Standardizer:
    """Mean and standard deviation of every input column and of the target over some training windows."""

    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: float
    y_std: float

    @classmethod
    def fit(cls, windows: preprocessing.Windows) -> Standardizer:
        x = windows.X.reshape(-1, windows.X.shape[-1]).astype("float64")
        x_std = x.std(axis=0)
        y_std = float(np.std(windows.y))
        return cls(x.mean(axis=0), np.where(x_std > 0, x_std, 1.0), float(np.mean(windows.y)), y_std or 1.0)

    def apply(self, windows: preprocessing.Windows) -> preprocessing.Windows:
        """``windows`` with standardized inputs and target."""
        return replace(windows, X=((windows.X - self.x_mean) / self.x_std).astype("float32"),
                       y=((windows.y - self.y_mean) / self.y_std).astype("float32"))

    def undo(self, predicted: np.ndarray) -> np.ndarray:
        """Predictions of the standardized target back in the pipeline's scaled units."""
        return predicted * self.y_std + self.y_mean


@dataclass(frozen=True, eq=False)
class SplitForecasts:
    """What :func:`fit_split` forecast on the validation and test parts of one split, in the target's units."""

    actual: dict[str, pd.Series]  #: "val", "test": the target on the scored dates
    forecasts: dict[str, dict[str, pd.Series]]  #: "val"/"test" -> model -> forecast
    seed_forecasts: dict[str, dict[int, pd.Series]]  #: "val"/"test" -> seed -> the LSTM of that seed
    epochs: dict[int, dict[str, int]]  #: seed -> {"run": epochs run, "best": the epoch whose weights were kept}
    linear: dict  #: the ridge's settings chosen on validation: {"steps": ..., "alpha": ...}
    lstm_train_windows: int  #: training windows the LSTM saw (all of them, or every k-th)
    seconds: dict[str, float]  #: model -> wall seconds to fit it and forecast (the LSTM: all seeds)
    cpu_seconds: dict[str, float]  #: model -> CPU seconds of the same
    trees: int = 0  #: trees the gradient-boosting baseline kept (early stopping on validation)


class _Clock:
    """Wall and CPU seconds of a block, added to the totals of a model."""

    def __init__(self, wall: dict, cpu: dict, model: str) -> None:
        self.wall, self.cpu, self.model = wall, cpu, model

    def __enter__(self):
        self.start = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc) -> None:
        self.wall[self.model] = self.wall.get(self.model, 0.0) + time.perf_counter() - self.start[0]
        self.cpu[self.model] = self.cpu.get(self.model, 0.0) + time.process_time() - self.start[1]


def ridge_steps(recipe: dict, lookback: int) -> list[int]:
    """The window lengths the ridge tries: the recipe's, or 1, a quarter, half and all of the lookback."""
    steps = recipe["ridge_steps"] or (1, max(1, round(lookback / 4)), max(1, round(lookback / 2)), lookback)
    return sorted({s for s in steps if s <= lookback} | {lookback})


def fit_linear(train_w: preprocessing.Windows, val_w: preprocessing.Windows, recipe: dict):
    """Ridge regression on the last ``steps`` of each window, ``steps`` and ``alpha`` chosen by validation MSE.

    A strong, fair baseline: it sees a subset of the LSTM's inputs, is fitted on the training windows only, and its
    two settings are chosen the way the LSTM's recipe was, on the validation part. Returns the model, steps, alpha.
    """
    best = None
    for steps in ridge_steps(recipe, train_w.lookback):
        train_d, val_d = train_w.last(steps), val_w.last(steps)
        for alpha in recipe["ridge_alpha"]:
            with warnings.catch_warnings():  # a tiny penalty on collinear inputs: scipy warns, ridge still solves
                warnings.simplefilter("ignore")
                model = baselines.LinearBaseline(alpha=alpha).fit(train_d)
            error = float(np.mean((model.predict(val_d) - val_d.y) ** 2))
            if best is None or error < best[0]:
                best = (error, model, steps, alpha)
    return best[1], best[2], best[3]


def seasonal(prepared: Prepared, part: str) -> pd.Series | None:
    """Climatology (daily data, a year of training) or the value one season earlier (sub-daily: the same time a
    day earlier; monthly: the same month a year earlier); where that value is missing (a long gap), the last value
    stands in. None where no season is known."""
    w = prepared.windows[part]
    if prepared.yearly:
        return baselines.climatology(prepared.train_values.dropna(), w.dates).rename("climatology")
    season, values = prepared.rate.season, prepared.series
    if season and prepared.rate.kind in ("sub-daily", "monthly"):
        lag = season * math.ceil(prepared.horizon / season)
        position = values.index.get_indexer(w.dates) - lag
        earlier = np.where(position >= 0, values.to_numpy()[np.maximum(position, 0)], np.nan)
        earlier = np.where(np.isfinite(earlier), earlier, prepared.last_values(part))
        return pd.Series(earlier, index=w.dates, name="seasonal")
    return None


def fit_split(prepared: Prepared, seeds: Sequence[int], *, label: str = "") -> SplitForecasts:
    """Fit persistence, the seasonal baseline, the validated ridge, the gradient-boosted trees and one LSTM per seed
    on the training windows of ``prepared`` (its recipe), and forecast its validation and test windows. Each LSTM's
    progress line is named ``"{label}seed {seed}"``."""
    import keras

    recipe, windows = prepared.recipe, prepared.windows
    train_w, val_w = windows["train"], windows["val"]
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with _Clock(wall, cpu, "linear"):
        linear, linear_steps, linear_alpha = fit_linear(train_w, val_w, recipe)
    with _Clock(wall, cpu, "lightgbm"):
        gbm = baselines.GradientBoostingBaseline(seed=0, **recipe["gbm"]).fit(train_w, val_w)
    # The LSTM trains on at most max_train_windows windows, evenly spread over the training part.
    stride = max(1, math.ceil(len(train_w) / recipe["max_train_windows"]))
    lstm_train = train_w if stride == 1 else train_w.every(stride, from_end=True)
    standardizer = Standardizer.fit(lstm_train) if recipe.get("standardize") else None
    lstm_windows = {part: standardizer.apply(w) if standardizer else w for part, w in windows.items()}
    if standardizer:
        lstm_train = standardizer.apply(lstm_train)

    forecasts: dict[str, dict[str, pd.Series]] = {"val": {}, "test": {}}
    seed_forecasts: dict[str, dict[int, pd.Series]] = {"val": {}, "test": {}}
    actual = {}
    for part in ("val", "test"):
        w = windows[part]
        actual[part] = prepared.actual(part)
        forecasts[part]["persistence"] = pd.Series(prepared.last_values(part), index=w.dates)
        baseline = seasonal(prepared, part)
        if baseline is not None:
            forecasts[part][baseline.name] = baseline
        with _Clock(wall, cpu, "linear"):
            forecasts[part]["linear"] = prepared.to_units(part, linear.predict(w.last(linear_steps)))
        with _Clock(wall, cpu, "lightgbm"):
            forecasts[part]["lightgbm"] = prepared.to_units(part, gbm.predict(w))
    epochs = {}
    for seed in seeds:
        with _Clock(wall, cpu, "lstm"):
            keras.utils.set_random_seed(int(seed))  # the caller's seed, for this network
            model = models.build_lstm(
                prepared.lookback, len(prepared.features), units=recipe["units"], dropout=recipe["dropout"],
                learning_rate=recipe["learning_rate"], horizon=1,
            )
            history = models.train(
                model, lstm_train, lstm_windows["val"], epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                patience=recipe["patience"], label=f"{label}seed {seed}",
            )
            val_loss = history.history["val_loss"]
            epochs[int(seed)] = {"run": len(val_loss), "best": int(np.argmin(val_loss)) + 1}
            for part in ("val", "test"):
                predicted = models.predict(model, lstm_windows[part])
                if standardizer:
                    predicted = standardizer.undo(predicted)
                seed_forecasts[part][int(seed)] = prepared.to_units(part, predicted)
    for part in ("val", "test"):
        forecasts[part]["lstm"] = pd.concat(seed_forecasts[part], axis=1).mean(axis=1)
    return SplitForecasts(actual, forecasts, seed_forecasts, epochs, {"steps": linear_steps, "alpha": linear_alpha},
                          len(lstm_train), {m: round(v, 2) for m, v in wall.items()},
                          {m: round(v, 2) for m, v in cpu.items()}, gbm.trees_[0])
