"""Exercises of lesson 04, the stock assignment: forecast tomorrow's closing price honestly, through its return, and
score the forecast in dollars against persistence. (The lesson itself shows why the price-level model of most
tutorials only looks good; the six steps build the honest one.)

``from helpers.exercises.lesson04 import *`` binds ``q1`` ... ``q6`` (the assignment's six steps) and the blank
``____``. The checkers are the shared ones of :mod:`helpers.exercises.assignment`, given this lesson's hints,
reference solutions and a few stock-specific checks (a model shaped like the windows, a dollar forecast built from
yesterday's close and the predicted return).

Step 1 loads the prices; steps 2-4 split and scale the daily returns, build and train the return LSTM; steps 5 and 6
turn its forecasts into dollars, score them and draw them.

Each step is an :class:`AssignmentStep`: besides ``check()``, ``hint()`` and ``solution()`` it has
:meth:`AssignmentStep.answer_or_reference`, which lets the notebook run top to bottom while a step is not done yet:
it keeps your answer when the check passes, and otherwise runs the reference solution and says so loudly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.exercises import assignment, provenance
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Incorrect, ____

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "____"]

#: Fewest trading days step 1 accepts: about three years, enough for a 70 / 15 / 15 split with 30-day windows (the
#: lesson's price-level model) and 20-day windows of returns.
MIN_ROWS = 750


# --- Step 1: data -------------------------------------------------------------------------------------------------


def check_prices(prices: Any) -> str:
    """A dated frame with a positive ``Close`` column and at least :data:`MIN_ROWS` trading days."""
    message = assignment.check_data(prices, columns=["Close"], min_rows=MIN_ROWS)
    close = prices.to_frame()["Close"] if isinstance(prices, pd.Series) else prices["Close"]
    if close.isna().any():
        raise Incorrect(f"Close has {int(close.isna().sum())} missing value(s): drop those days first.")
    if (close <= 0).any():
        raise Incorrect("Close has zero or negative values: that is not a price series.")
    return message


q1 = AssignmentStep(
    "q1",
    "Step 1 - data",
    check_prices,
    hints=[
        "load_stock(TICKER) returns the daily prices of TICKER, indexed by date, with a Close column (adjusted for "
        "splits and dividends). Offline it serves the shipped snapshots: AAPL, MSFT, IBM, GOOG up to 2013-03-01.",
        "prices = load_stock(TICKER). Online, any Yahoo Finance ticker works, e.g. "
        "load_stock('NVDA', start='2015-01-01', end='2024-12-31').",
    ],
    solution="""
        prices = load_stock(TICKER)
    """,
)


# --- Step 2: preprocessing ----------------------------------------------------------------------------------------

q2 = AssignmentStep(
    "q2",
    "Step 2 - preprocessing",
    assignment.check_preprocessing,
    hints=[
        "Split by position in time, never at random: with n = len(daily_returns), the first 70 % of the rows "
        "(daily_returns.iloc[:n_train]) train, the next 15 % validate, the last 15 % test.",
        "Fit the MinMaxScaler on the training part only: MinMaxScaler(feature_range=(0, 1)).fit(train). Fitting it "
        "on daily_returns would tell the model the range of the future (look-ahead leakage); the checker catches that.",
    ],
    solution="""
        n = len(daily_returns)
        n_train, n_val = int(0.7 * n), int(0.15 * n)
        train = daily_returns.iloc[:n_train]                 # the oldest 70 %
        val = daily_returns.iloc[n_train:n_train + n_val]    # the next 15 %
        test = daily_returns.iloc[n_train + n_val:]          # the most recent 15 %
        scaler = MinMaxScaler(feature_range=(0, 1)).fit(train)  # train only: the future's range stays unknown
    """,
)


# --- Step 3: model ------------------------------------------------------------------------------------------------


def check_stock_model(model: Any, X_train: Any) -> str:
    """The shared model check, with the input shape read from the training windows ``X_train``."""
    shape = np.shape(X_train)
    if len(shape) != 3:
        raise Incorrect("pass the training windows as the second argument: q3.check(model, X_train), with X_train "
                        "of shape (windows, lookback, features).")
    return assignment.check_model(model, lookback=int(shape[1]), n_features=int(shape[2]), horizon=1)


q3 = AssignmentStep(
    "q3",
    "Step 3 - model",
    check_stock_model,
    hints=[
        "keras.Sequential([keras.Input(shape=(LOOKBACK, 1)), keras.layers.LSTM(32), keras.layers.Dense(1)]) is "
        "the whole model: LOOKBACK days of one feature (the scaled return) in, tomorrow's scaled return out.",
        "Optionally add keras.layers.Dropout(0.2) after the LSTM. Then "
        "model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss='mse').",
    ],
    solution="""
        model = keras.Sequential(
            [
                keras.Input(shape=(LOOKBACK, 1)),  # LOOKBACK days of the scaled return
                keras.layers.LSTM(32),
                keras.layers.Dense(1),             # tomorrow's scaled return
            ],
            name="lstm_returns",
        )
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    """,
)


# --- Step 4: training ---------------------------------------------------------------------------------------------

q4 = AssignmentStep(
    "q4",
    "Step 4 - training",
    assignment.check_training,
    hints=[
        "model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=num_epochs, callbacks=[early_stopping]) "
        "returns the History to check.",
        assignment.EARLY_STOPPING_HINT,
    ],
    solution="""
        early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        history = model.fit(
            X_train, y_train,
            validation_data=(X_val, y_val),
            epochs=num_epochs,
            batch_size=32,
            callbacks=[early_stopping],
            verbose=0,
        )
    """,
)


# --- Step 5: evaluation in dollars --------------------------------------------------------------------------------


def check_dollar_evaluation(price_pred: Any, results: Any, y_true: Any, y_persistence: Any, return_pred: Any,
                            model: Any, scaler: Any, val_w: Any, test_w: Any) -> str:
    """``return_pred`` is the model's forecast of the test windows (recomputed here), ``price_pred`` yesterday's close
    times (1 + predicted return), and ``results`` its metrics in dollars."""
    from helpers import preprocessing

    true = np.asarray(y_true, dtype="float64").ravel()
    last = np.asarray(y_persistence, dtype="float64").ravel()
    ret = np.asarray(return_pred, dtype="float64").ravel()
    try:
        pred = np.asarray(price_pred, dtype="float64").ravel()
    except (TypeError, ValueError):
        raise Incorrect(f"price_pred should be numbers (a Series or array), got {type(price_pred).__name__}.") from None
    if pred.shape != true.shape:
        raise Incorrect(f"price_pred has {pred.size} values but there are {true.size} test days: forecast each one.")
    on_test_dates = isinstance(price_pred, pd.Series) and price_pred.index.equals(getattr(y_true, "index", None))
    if isinstance(y_true, pd.Series) and not on_test_dates:
        raise Incorrect("price_pred should be a pandas Series on the test dates, like y_true: "
                        "y_persistence * (1 + return_pred) gives one.")

    def to_returns(scaled):
        return preprocessing.inverse_scale(scaler, scaled, "return")

    model_returns = provenance.model_forecasts(model, test_w, to_returns)
    others = {}
    if len(assignment.windows_of(val_w)) == len(true):
        others["the predicted returns of the VALIDATION windows"] = (
            provenance.model_forecasts(model, val_w, to_returns, "val_w"),
            "the test score must come from the test windows, test_w")
    provenance.check_forecasts(ret, model_returns, true / last - 1, name="return_pred", others=others,
                               recompute="to_returns(models.predict(model, test_w))")
    expected = last * (1 + ret)
    if not np.allclose(pred, expected, rtol=1e-6, atol=1e-9):
        if np.allclose(pred, ret, rtol=1e-6, atol=1e-12):
            reason = ("price_pred holds the predicted returns, not dollars: a return r means tomorrow's close is "
                      "yesterday's close times (1 + r)")
        elif np.allclose(pred, true * (1 + ret), rtol=1e-6):
            reason = ("you multiplied the day's own close, which is not known when the forecast is made: start "
                      "from yesterday's close, y_persistence")
        elif np.allclose(pred, last * ret, rtol=1e-6):
            reason = "that is the predicted change in dollars: add it to yesterday's close, y_persistence * (1 + r)"
        elif np.allclose(pred, last + ret, rtol=1e-6):
            reason = "a return is a fraction of the price, not dollars: multiply, y_persistence * (1 + return_pred)"
        else:
            # Not a known slip: built from the actual closes (a leak) or from something else than the forecast.
            provenance.check_forecasts(pred, expected, true, name="price_pred",
                                       recompute="y_persistence * (1 + return_pred)")
            reason = "the dollar forecast is yesterday's close times (1 + predicted return)"
        raise Incorrect(f"price_pred is not the LSTM's forecast in dollars: {reason}.")
    return assignment.check_evaluation(results, true, pred, last)


q5 = AssignmentStep(
    "q5",
    "Step 5 - evaluation",
    check_dollar_evaluation,
    hints=[
        "A predicted return r for tomorrow means a predicted close of (today's close) x (1 + r). On each test date, "
        "'today' is the previous trading day, whose close is y_persistence: price_pred = y_persistence * (1 + "
        "return_pred).",
        "With e = y_true - price_pred: MSE = mean(e**2), RMSE = sqrt(MSE), MAE = mean(|e|), "
        "R^2 = 1 - sum(e**2) / sum((y_true - mean(y_true))**2), and skill = 1 - RMSE / RMSE(persistence), where "
        "RMSE(persistence) uses y_true - y_persistence.",
    ],
    solution="""
        price_pred = y_persistence * (1 + return_pred)  # yesterday's close, moved by the predicted return
        errors = y_true - price_pred
        mse = float(np.mean(errors**2))
        rmse = float(np.sqrt(mse))
        rmse_persistence = float(np.sqrt(np.mean((y_true - y_persistence) ** 2)))
        results = {
            "mse": mse,
            "rmse": rmse,
            "mae": float(np.mean(np.abs(errors))),
            "r2": float(1 - np.sum(errors**2) / np.sum((y_true - y_true.mean()) ** 2)),
            "skill": 1 - rmse / rmse_persistence,
        }
    """,
)


# --- Step 6: visualization ----------------------------------------------------------------------------------------

q6 = AssignmentStep(
    "q6",
    "Step 6 - visualization",
    lambda figure: assignment.check_figure(figure, min_lines=3),
    hints=[
        "Draw the actual close, the LSTM's dollar forecast (price_pred) and persistence (y_persistence) against the "
        "test dates, with a title, axis labels (the y label in USD) and a legend. Two years of daily prices hide "
        "every difference: show the last 60 days.",
        "fig, ax = plt.subplots(figsize=(10, 4)); then ax.plot(series.index[-60:], series.iloc[-60:], label=...) "
        "for each line, ax.set(title=..., xlabel='date', ylabel='close (USD)') and ax.legend(). "
        "helpers.plots.plot_forecast(y_true, {...}, last=60) does the same and returns the Axes (fig = ax.figure).",
    ],
    solution="""
        last = 60  # two years of prices would put the lines on top of each other
        fig, ax = plt.subplots(figsize=(10, 4))
        ax.plot(y_true.index[-last:], y_true.iloc[-last:], color="black", linewidth=2, label="actual close")
        ax.plot(y_persistence.index[-last:], y_persistence.iloc[-last:], "--", color="grey",
                label="persistence (yesterday's close)")
        ax.plot(price_pred.index[-last:], price_pred.iloc[-last:], color="tab:red", label="LSTM on returns")
        ax.set(title=f"{TICKER}: next-day forecasts, last {last} test days", xlabel="date",
               ylabel="adjusted close (USD)")
        ax.legend()
    """,
)
