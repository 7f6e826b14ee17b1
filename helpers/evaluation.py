"""Evaluation a learner can trust, gathered under the name the lessons import (``from helpers import evaluation``).

Each tool lives in the module of its topic, and is re-exported here so that the lessons keep working:

- :func:`diebold_mariano` (:mod:`helpers.metrics`): is the difference between two forecasts' errors larger than
  chance?
- :func:`backtest` and :func:`fold_bounds` (:mod:`helpers.forecasting`): the pipeline repeated over rolling-origin
  folds, with a seed ensemble and pooled scores;
- :func:`arima_one_step` (:mod:`helpers.baselines`): ARIMA, the classical peer;
- :func:`conformal_quantile`, :func:`conformal_interval` and :func:`adaptive_conformal` (:mod:`helpers.conformal`):
  prediction intervals around any point forecast (lesson 09).
"""

from helpers.baselines import arima_one_step
from helpers.conformal import adaptive_conformal, conformal_interval, conformal_quantile
from helpers.forecasting import INITIAL_TRAIN, MIN_BLOCK, Backtest, backtest, fold_bounds
from helpers.metrics import DieboldMariano, diebold_mariano

__all__ = [
    "INITIAL_TRAIN",
    "MIN_BLOCK",
    "Backtest",
    "DieboldMariano",
    "adaptive_conformal",
    "arima_one_step",
    "backtest",
    "conformal_interval",
    "conformal_quantile",
    "diebold_mariano",
    "fold_bounds",
]
