"""Former home of the forecasting pipeline, kept so that older code keeps working: everything here now lives in
:mod:`helpers.forecasting` (``run_forecast``, ``prepare``, ``infer_rate``, ``choose_transforms``, the recipes). New
code imports it from there: ``from helpers import forecasting`` then ``forecasting.run_forecast(frame, target)``.
"""

from helpers.forecasting import (
    FULL_RECIPE,
    MIN_TRAIN_WINDOWS,
    RATE_DEFAULTS,
    SMOKE_RECIPE,
    SPLIT,
    SUBDAILY_RECIPE,
    Forecast,
    Prepared,
    Rate,
    Transform,
    choose_transforms,
    infer_rate,
    prepare,
    recipe_for,
    run_forecast,
    unit_root_pvalue,
)

__all__ = [
    "FULL_RECIPE",
    "MIN_TRAIN_WINDOWS",
    "RATE_DEFAULTS",
    "SMOKE_RECIPE",
    "SPLIT",
    "SUBDAILY_RECIPE",
    "Forecast",
    "Prepared",
    "Rate",
    "Transform",
    "choose_transforms",
    "infer_rate",
    "prepare",
    "recipe_for",
    "run_forecast",
    "unit_root_pvalue",
]
