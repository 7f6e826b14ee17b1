"""The whole forecasting pipeline of the course: :func:`run_forecast` on one split, :func:`backtest` over
rolling-origin folds, :func:`prepare` to see every step before training.

The lessons build each step by hand; this package chains the same helpers so that a learner (or the benchmark in
``benchmarks/``) can run the pipeline on any regularly sampled frame and get an honest comparison table.

1. **Check the input** (:mod:`.inputs`): the target and the features must exist, be numeric and hold values; an
   infinite value is an error that names the column and the dates. ``features=None`` takes every numeric column and
   skips the rest, saying which in ``dropped``; a column asked for by name that cannot be used is an error.
2. **The sampling rate** is inferred from the index (:func:`infer_rate`): 5-minute, hourly, daily, trading days,
   weekly, monthly ... ``horizon`` and ``lookback`` count steps of that rate (see :mod:`.rate`).
3. **Chronological split** 70 / 15 / 15 (or rolling-origin folds, :func:`fold_bounds`), then **short gaps** are
   filled inside each part on its own. **Long gaps are never bridged**: every window that touches one is dropped.
4. **Stationary inputs**, decided on the training part only (:func:`choose_transforms`, :mod:`.transforms`).
5. **The target is the change from the last value** ``y[t+h] - y[t]`` (a log-return for a price-like target), not
   the level: persistence is the zero forecast, so any skill is skill.
6. **Scaling** with a ``MinMaxScaler`` fitted on the training part alone; changes clipped to the training range.
7. **Windows** of ``lookback`` steps; validation and test windows may look back into the part before them.
   Steps 1-7 are :func:`prepare` (:mod:`.preparation`): every check runs there, before any model is fitted.
8. **Models**, all fitted on the training windows only (:mod:`.fit`): persistence, a seasonal baseline where a
   season is known, a validated ridge regression, gradient-boosted trees (LightGBM, the tree count chosen on
   validation) and the LSTM (one per seed; ``lstm`` is their mean).
9. **Scores** on the test period in the target's units, skill against persistence, the seconds each model took, the
   model chosen on validation and the Diebold-Mariano tests (against each baseline, and against the best one): a
   :class:`Forecast` or a :class:`Backtest` (:mod:`.results`), from
   :func:`run_forecast` and :func:`backtest` (:mod:`.run`).

Defaults per sampling rate (:data:`RATE_DEFAULTS`; ``lookback=`` overrides the window):

====================  ===========================  =====================  ===================================
step                  lookback (window)            short gaps filled      seasonal baseline
====================  ===========================  =====================  ===================================
under 1 hour          1 hour (at least 12 steps)   up to 15 minutes       same time one day earlier
1 hour to under 1 day 1 day (at least 12 steps)    up to 3 hours          same time one day earlier
1 day (calendar)      14 days                      up to 7 days           climatology (a year of training)
trading days          14 trading days              up to 7 rows           none
longer than 1 day     14 steps                     1 step                 none
calendar months       12 months (at least 8 steps) 1 step                same month (quarter) a year earlier
====================  ===========================  =====================  ===================================

A call refuses up front a series whose windows would not fit :data:`MAX_WINDOW_BYTES` of memory (2 million
one-second readings with a 2-hour window, say), naming the fix (a coarser step, a shorter stretch).
"""

from helpers.forecasting.fit import SplitForecasts, fit_split
from helpers.forecasting.inputs import MAX_WINDOW_BYTES
from helpers.forecasting.preparation import Prepared, prepare, prepare_folds
from helpers.forecasting.rate import RATE_DEFAULTS, Rate, infer_rate
from helpers.forecasting.recipes import FULL_RECIPE, SMOKE_RECIPE, SUBDAILY_RECIPE, recipe_for
from helpers.forecasting.results import Backtest, Comparison, Forecast
from helpers.forecasting.run import backtest, run_forecast
from helpers.forecasting.splits import INITIAL_TRAIN, MIN_BLOCK, MIN_TRAIN_WINDOWS, SPLIT, fold_bounds
from helpers.forecasting.transforms import Transform, choose_transforms, unit_root_pvalue

__all__ = [
    "FULL_RECIPE",
    "INITIAL_TRAIN",
    "MAX_WINDOW_BYTES",
    "MIN_BLOCK",
    "MIN_TRAIN_WINDOWS",
    "RATE_DEFAULTS",
    "SMOKE_RECIPE",
    "SPLIT",
    "SUBDAILY_RECIPE",
    "Backtest",
    "Comparison",
    "Forecast",
    "Prepared",
    "Rate",
    "SplitForecasts",
    "Transform",
    "backtest",
    "choose_transforms",
    "fit_split",
    "fold_bounds",
    "infer_rate",
    "prepare",
    "prepare_folds",
    "recipe_for",
    "run_forecast",
    "unit_root_pvalue",
]
