"""Exercises of lesson 05, the weather assignment: forecast tomorrow's maximum temperature at Seattle-Tacoma.

``from helpers.exercises.lesson05 import *`` binds ``q1`` ... ``q6`` (the assignment's six steps) and the blank
``____``. The checkers are the shared ones of :mod:`helpers.exercises.assignment`, given the weather lesson's
hints, reference solutions and a few weather-specific checks (gaps filled, forecasts in degrees C).

Each step is an :class:`AssignmentStep`: besides ``check()``, ``hint()`` and ``solution()`` it has
:meth:`AssignmentStep.answer_or_reference`, which lets the notebook run top to bottom while a step is not done yet:
it keeps your answer when the check passes, and otherwise runs the reference solution and says so loudly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.exercises import assignment
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Incorrect, ____

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "____"]

#: The weather columns the assignment uses (meteostat names): daily maximum and minimum temperature (degrees C),
#: precipitation (mm) and mean wind speed (km/h).
COLUMNS = ("tmax", "tmin", "prcp", "wspd")
#: Fewest rows step 1 accepts: two years, so that climatology has a year of training data.
MIN_ROWS = 730


# --- Step 1: data -------------------------------------------------------------------------------------------------


def check_weather(weather: Any) -> str:
    """A daily frame with the four weather columns, at least two years, gaps filled, no missing day."""
    message = assignment.check_data(weather, columns=COLUMNS, min_rows=MIN_ROWS)
    frame = weather.to_frame() if isinstance(weather, pd.Series) else weather
    missing = frame[list(COLUMNS)].isna().sum()
    if missing.sum():
        detail = ", ".join(f"{c}: {n}" for c, n in missing.items() if n)
        raise Incorrect(
            f"your data still has missing values ({detail}). An LSTM cannot take NaN: fill the gaps with "
            "preprocessing.fill_gaps(raw[COLUMNS])."
        )
    days = (frame.index[-1] - frame.index[0]).days + 1
    if days != len(frame):
        raise Incorrect(
            f"{days - len(frame)} calendar day(s) are absent from the index, so a window of 14 rows would not be 14 "
            "days. fill_gaps puts the frame on a daily calendar (freq='D') before filling."
        )
    return message


q1 = AssignmentStep(
    "q1",
    "Step 1 - data",
    check_weather,
    hints=[
        "load_weather(STATION) gives the station's daily observations (offline: the Seattle-Tacoma snapshot). Keep "
        "the columns in COLUMNS, then fill the gaps.",
        "preprocessing.fill_gaps(frame) puts the frame on a daily calendar and interpolates short gaps in time; it "
        "raises if a gap is longer than a week rather than inventing weather.",
    ],
    solution="""
        raw = load_weather(STATION)
        weather = preprocessing.fill_gaps(raw[list(COLUMNS)])
    """,
)


# --- Step 2: preprocessing ----------------------------------------------------------------------------------------

q2 = AssignmentStep(
    "q2",
    "Step 2 - preprocessing",
    assignment.check_preprocessing,
    hints=[
        "Split by time, never at random: the first 70 % of the days for training, the next 15 % for validation, "
        "the last 15 % for testing. preprocessing.chronological_split(frame) does exactly that.",
        "Fit the MinMaxScaler on the training part only: MinMaxScaler().fit(train). Fitting it on the whole frame "
        "lets the model know the range of the future (look-ahead leakage).",
    ],
    solution="""
        train, val, test = preprocessing.chronological_split(frame, train=0.7, val=0.15)
        scaler = MinMaxScaler(feature_range=(0, 1)).fit(train)
    """,
)


# --- Step 3: model ------------------------------------------------------------------------------------------------


def check_weather_model(model: Any, windows: Any) -> str:
    """The shared model check, with the input shape and output size read from the training windows."""
    X = getattr(windows, "X", None)
    y = getattr(windows, "y", None)
    if X is None or y is None:
        raise Incorrect("pass the training windows as the second argument: q3.check(model, train_w).")
    horizon = 1 if np.ndim(y) == 1 else int(np.shape(y)[1])
    return assignment.check_model(model, lookback=int(X.shape[1]), n_features=int(X.shape[2]), horizon=horizon)


q3 = AssignmentStep(
    "q3",
    "Step 3 - model",
    check_weather_model,
    hints=[
        "keras.Sequential([keras.Input((lookback, n_features)), keras.layers.LSTM(units), keras.layers.Dense(1)]) "
        "is the whole model; the input shape is train_w.X.shape[1:].",
        "Add keras.layers.Dropout(rate) after the LSTM if you want dropout, then "
        "model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss='mse', metrics=['mae']).",
    ],
    solution="""
        model = keras.Sequential(
            [
                keras.Input(shape=train_w.X.shape[1:]),  # (lookback, n_features)
                keras.layers.LSTM(32),
                keras.layers.Dense(1),  # tomorrow's tmax, scaled
            ],
            name="lstm_tmax",
        )
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse", metrics=["mae"])
    """,
)


# --- Step 4: training ---------------------------------------------------------------------------------------------

q4 = AssignmentStep(
    "q4",
    "Step 4 - training",
    assignment.check_training,
    hints=[
        "model.fit(X, y, validation_data=(X_val, y_val), epochs=num_epochs, callbacks=[early_stopping]) returns "
        "the History to check.",
        assignment.EARLY_STOPPING_HINT,
    ],
    solution="""
        early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        history = model.fit(
            train_w.X, train_w.y,
            validation_data=(val_w.X, val_w.y),
            epochs=num_epochs,
            batch_size=32,
            callbacks=[early_stopping],
            verbose=0,
        )
    """,
)


# --- Step 5: evaluation -------------------------------------------------------------------------------------------


def check_weather_evaluation(results: Any, y_true: Any, y_pred: Any, y_persistence: Any, y_ridge: Any, model: Any,
                             scaler: Any, val_w: Any, test_w: Any) -> str:
    """The shared step-5 check: y_pred is the model's forecast of the test windows in degrees C (recomputed here, so
    a leak, ridge's forecasts or the validation windows' forecasts are named), and results are its metrics."""
    return assignment.check_model_evaluation(results, y_true, y_pred, y_persistence, y_ridge, model, scaler, val_w,
                                             test_w, target="tmax", units="degrees C")


q5 = AssignmentStep(
    "q5",
    "Step 5 - evaluation",
    check_weather_evaluation,
    hints=[
        "The model forecasts scaled values: "
        "preprocessing.inverse_scale(scaler, model.predict(test_w.X, verbose=0)[:, 0], 'tmax') "
        "gives degrees C.",
        "RMSE is the square root of the MSE; skill is 1 - RMSE(LSTM) / RMSE(persistence), with the persistence RMSE "
        "computed from y_true and y_persistence on the same days.",
    ],
    solution="""
        y_pred = preprocessing.inverse_scale(scaler, model.predict(test_w.X, verbose=0)[:, 0], "tmax")
        mse = mean_squared_error(y_true, y_pred)
        rmse_persistence = np.sqrt(mean_squared_error(y_true, y_persistence))
        results = {
            "mse": mse,
            "rmse": np.sqrt(mse),
            "mae": mean_absolute_error(y_true, y_pred),
            "r2": r2_score(y_true, y_pred),
            "skill": 1 - np.sqrt(mse) / rmse_persistence,
        }
    """,
)


# --- Step 6: visualization ----------------------------------------------------------------------------------------

q6 = AssignmentStep(
    "q6",
    "Step 6 - visualization",
    lambda figure: assignment.check_figure(figure, min_lines=3),
    hints=[
        "Draw the actual tmax, the LSTM and at least one baseline against the test dates, with a title, axis "
        "labels (units!) and a legend. test_forecasts holds the forecasts as date-indexed Series.",
        "plots.plot_forecast(actual, test_forecasts, title=..., ylabel='maximum temperature (°C)', last=90) does all "
        "of "
        "that; by hand: ax.plot(series.index, series, label=name) for each, then ax.set(...) and ax.legend().",
    ],
    solution="""
        ax = plots.plot_forecast(
            actual,
            test_forecasts,
            title="Next-day maximum temperature, last 90 days of the test period",
            ylabel="maximum temperature (°C)",
            last=90,
        )
    """,
)
