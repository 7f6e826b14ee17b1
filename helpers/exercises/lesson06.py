"""Exercises of lesson 06, the sensor assignment: forecast a continuous glucose monitor's reading 30 minutes ahead.

``from helpers.exercises.lesson06 import ____, q1, q2, q3, q4, q5, q6`` binds the assignment's six steps and the
blank ``____``. The checkers are the shared ones of :mod:`helpers.exercises.assignment`, with the checks this series
needs: gaps left as gaps (never filled across hours without readings), windows that never cross a gap, forecasts in
mg/dL, the Clarke error grid and the Diebold-Mariano test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from helpers.exercises import assignment, claims
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Incorrect, ____
from helpers.sensors import level_forecast

__all__ = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "____"]

#: The sensor's reporting limits (mg/dL): a reading at a limit means "at or beyond it".
SENSOR_LIMITS = (40.0, 400.0)
#: 2 hours of 5-minute readings in every window, and the target 30 minutes (6 steps) after the window's last one.
LOOKBACK = 24
HORIZON = 6
STEP = pd.Timedelta(minutes=5)


# --- Step 1: data -------------------------------------------------------------------------------------------------


def check_glucose(glucose: Any, n_missing: Any, n_at_limits: Any) -> str:
    """The readings on their 5-minute grid, gaps left empty, and the two counts that describe the data's faults."""
    message = assignment.check_data(glucose, columns=("glucose",), min_rows=10_000)
    frame = glucose.to_frame() if isinstance(glucose, pd.Series) else glucose
    steps = frame.index.to_series().diff().dropna().unique()
    if len(steps) != 1 or steps[0] != STEP:
        raise Incorrect(
            "the index is not a regular 5-minute grid: load the readings with load_sensor('glucose'), which puts "
            "each on the nearest 5-minute mark and leaves the marks without a reading empty (NaN)."
        )
    values = frame["glucose"]
    if not values.isna().any():
        raise Incorrect(
            "there is no gap left: the sensor was off for hours at a time (27.9 hours once), and filling those hours "
            "invents readings. Keep the gaps as NaN; the windows in step 2 will step around them."
        )
    filled = _filled_marks(values)
    if filled:
        raise Incorrect(
            f"{filled} marks that the sensor left empty hold a value here (interpolated or filled): gaps stay gaps, "
            "short ones too, since a reading that was never taken cannot be scored or learned from. Use "
            "load_sensor('glucose') as it comes, without .interpolate(), .ffill() or fill_gaps()."
        )
    if not isinstance(n_missing, (int, np.integer)) or int(n_missing) != int(values.isna().sum()):
        raise Incorrect(f"n_missing should be the number of marks without a reading, an int: "
                        f"glucose['glucose'].isna().sum() (you gave {n_missing!r}).")
    at_limits = int(values.isin(SENSOR_LIMITS).sum())
    if not isinstance(n_at_limits, (int, np.integer)) or int(n_at_limits) != at_limits:
        raise Incorrect(f"n_at_limits should count the readings equal to either limit in SENSOR_LIMITS, an int "
                        f"(you gave {n_at_limits!r}).")
    return f"{message} {int(n_missing)} empty marks, {at_limits} readings at a sensor limit."


def _filled_marks(values: pd.Series) -> int:
    """How many marks of ``values`` hold a value where the loaded readings have none (0 if none, or if the series is
    not the course's glucose on its grid: the other checks answer that)."""
    from helpers import load_sensor

    reference = load_sensor("glucose")["glucose"]
    inside = values.index[(values.index >= reference.index[0]) & (values.index <= reference.index[-1])]
    return int((reference.reindex(inside).isna() & values.reindex(inside).notna()).sum())


q1 = AssignmentStep(
    "q1",
    "Step 1 - data",
    check_glucose,
    hints=[
        "load_sensor('glucose') returns the readings on a regular 5-minute grid, with NaN where there was no "
        "reading. Count those with .isna().sum().",
        "Readings at a limit: glucose['glucose'].isin(SENSOR_LIMITS).sum(). Wrap both counts in int(...).",
    ],
    solution="""
        glucose = load_sensor("glucose")
        n_missing = int(glucose["glucose"].isna().sum())
        n_at_limits = int(glucose["glucose"].isin(SENSOR_LIMITS).sum())
    """,
)


# --- Step 2: preprocessing ----------------------------------------------------------------------------------------


def check_windows(frame: pd.DataFrame, windows: Any, part: pd.DataFrame, name: str) -> None:
    """Windows of the right size, cut from ``part`` (scaled), none touching a gap of ``frame``."""
    X, y = getattr(windows, "X", None), getattr(windows, "y", None)
    if X is None or y is None or not hasattr(windows, "dates"):
        raise Incorrect(f"{name} should be the windows that preprocessing.make_windows returns.")
    if len(X) == 0:
        raise Incorrect(f"{name} holds no window.")
    if X.shape[1] != LOOKBACK or getattr(windows, "horizon", None) != HORIZON:
        raise Incorrect(f"{name}: use lookback=LOOKBACK ({LOOKBACK} steps, 2 hours) and horizon=HORIZON "
                        f"({HORIZON} steps, 30 minutes); got lookback {X.shape[1]}, horizon {windows.horizon}.")
    if np.isnan(X).any() or np.isnan(y).any():
        raise Incorrect(f"{name} contains NaN: pass drop_gaps=True, so that every window touching a gap is left out.")
    if np.nanmax(np.abs(X)) > 5:
        raise Incorrect(f"{name} holds values up to {np.nanmax(X):.0f}: window the *scaled* parts "
                        "(scaler.transform(part)), not the mg/dL values.")
    if not (windows.dates.min() >= part.index[0] and windows.dates.max() <= part.index[-1]):
        raise Incorrect(f"{name}'s targets fall outside its part: window each part on its own.")
    # Every window's span (inputs through target) must be gap-free in the data as loaded: a gap filled in and then
    # windowed is still a gap crossed.
    gap = frame["glucose"].isna().to_numpy().astype("int64")
    before = np.concatenate([[0], np.cumsum(gap)])
    last = frame.index.get_indexer(windows.dates)
    first = last - (LOOKBACK + HORIZON - 1)
    if (last < 0).any() or (first < 0).any():
        raise Incorrect(f"{name}'s dates are not on the data's 5-minute grid.")
    if (before[last + 1] - before[first] > 0).any():
        raise Incorrect(
            f"some windows of {name} cross a gap of the data as loaded (a filled gap is still a gap): cut the windows "
            "from the scaled parts with make_windows(..., drop_gaps=True) and do not fill the gaps."
        )


def check_glucose_preprocessing(frame: Any, train: Any, val: Any, test: Any, scaler: Any, train_w: Any, val_w: Any,
                                test_w: Any) -> str:
    """The shared split-and-scaler check, then windows that never cross a gap."""
    message = assignment.check_preprocessing(frame, train, val, test, scaler)
    for name, windows, part in (("train_w", train_w, train), ("val_w", val_w, val), ("test_w", test_w, test)):
        check_windows(frame, windows, part, name)
    dropped = sum(int(getattr(w, "dropped", 0)) for w in (train_w, val_w, test_w))
    return (f"{message} {len(train_w)} / {len(val_w)} / {len(test_w)} windows, {dropped} left out because they "
            "touched a gap.")


q2 = AssignmentStep(
    "q2",
    "Step 2 - preprocessing",
    check_glucose_preprocessing,
    hints=[
        "preprocessing.chronological_split(frame, train=0.7, val=0.15) splits by time. "
        "MinMaxScaler(feature_range=(0, 1)).set_output(transform='pandas').fit(train) fits on the training part "
        "only (scikit-learn's scaler skips NaN when fitting and keeps it when transforming).",
        "Scale each part with scaler.transform(part), then cut it with preprocessing.make_windows(part_s, "
        "'glucose', lookback=LOOKBACK, horizon=HORIZON, drop_gaps=True): a window that touches a NaN is left out.",
    ],
    solution="""
        train, val, test = preprocessing.chronological_split(frame, train=0.7, val=0.15)
        scaler = MinMaxScaler(feature_range=(0, 1)).set_output(transform="pandas").fit(train)
        train_w, val_w, test_w = (
            preprocessing.make_windows(scaler.transform(part), "glucose", lookback=LOOKBACK, horizon=HORIZON,
                                       drop_gaps=True)
            for part in (train, val, test)
        )
    """,
)


# --- Step 3: model ------------------------------------------------------------------------------------------------


def check_glucose_model(model: Any, windows: Any) -> str:
    """The shared model check, with the input shape read from the training windows."""
    X = getattr(windows, "X", None)
    if X is None:
        raise Incorrect("pass the training windows as the second argument: q3.check(model, train_w).")
    return assignment.check_model(model, lookback=int(X.shape[1]), n_features=int(X.shape[2]), horizon=1)


q3 = AssignmentStep(
    "q3",
    "Step 3 - model",
    check_glucose_model,
    hints=[
        "keras.Sequential([keras.Input(train_w.X.shape[1:]), keras.layers.LSTM(32), keras.layers.Dense(1)]): the "
        "input is (timesteps, features) = (24, 4).",
        "Then model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss='mse').",
    ],
    solution="""
        model = keras.Sequential(
            [
                keras.Input(shape=train_w.X.shape[1:]),  # (24 five-minute steps, 4 features)
                keras.layers.LSTM(32),
                keras.layers.Dense(1),  # the change of glucose over the next 30 minutes, scaled
            ],
            name="lstm_glucose",
        )
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    """,
)


# --- Step 4: training ---------------------------------------------------------------------------------------------

q4 = AssignmentStep(
    "q4",
    "Step 4 - training",
    assignment.check_training,
    hints=[
        "model.fit(train_c.X, train_c.y, validation_data=(val_c.X, val_c.y), epochs=num_epochs, "
        "batch_size=128, callbacks=[early_stopping], verbose=0) returns the History to check. train_c and val_c "
        "are the windows with the change over the next 30 minutes as target.",
        assignment.EARLY_STOPPING_HINT,
    ],
    solution="""
        early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        history = model.fit(
            train_c.X, train_c.y,  # the target: the change over the next 30 minutes
            validation_data=(val_c.X, val_c.y),
            epochs=num_epochs,
            batch_size=128,
            callbacks=[early_stopping],
            verbose=0,
        )
    """,
)


# --- Step 5: evaluation -------------------------------------------------------------------------------------------


def check_glucose_evaluation(results: Any, y_true: Any, y_pred: Any, y_persistence: Any, y_ridge: Any, model: Any,
                             scaler: Any, val_w: Any, test_w: Any) -> str:
    """The shared step-5 check in mg/dL (y_pred recomputed from the model, so a leak, ridge's forecasts or the
    validation windows' forecasts are named), then the Clarke grid share in zones A and B and the DM test against
    ridge."""
    from helpers import evaluation, metrics

    true = np.asarray(y_true, dtype="float64").ravel()
    pred = np.asarray(y_pred, dtype="float64").ravel()
    if pred.shape != true.shape:
        raise Incorrect(f"y_pred has {pred.size} values but there are {true.size} test targets: predict every test "
                        "window (model.predict(test_w.X)) and take column 0.")
    if np.nanmax(pred) < 2:
        raise Incorrect("y_pred looks scaled (between 0 and 1) while y_true is in mg/dL: map the forecasts back with "
                        "preprocessing.inverse_scale(scaler, ..., 'glucose').")
    if np.nanmedian(pred) < 0.5 * np.nanmedian(true):
        raise Incorrect(f"y_pred's median is {np.nanmedian(pred):.0f} mg/dL, the readings' {np.nanmedian(true):.0f}: "
                        "the model forecasts the change, so add it to each window's last reading "
                        "(sensors.level_forecast(scaler, test_w, change, 'glucose')).")
    message = assignment.check_model_evaluation(
        results, y_true, y_pred, y_persistence, y_ridge, model, scaler, val_w, test_w, target="glucose", units="mg/dL",
        to_units=lambda windows, change: level_forecast(scaler, windows, change, "glucose"),
        recompute="sensors.level_forecast(scaler, test_w, model.predict(test_w.X, verbose=0)[:, 0], 'glucose')")
    for key in ("clarke_ab", "dm_p"):
        if key not in results:
            raise Incorrect(f"results lacks {key!r}.")
    ab = float(metrics.clarke_shares(true, pred)[["A", "B"]].sum())
    if not np.isclose(float(results["clarke_ab"]), ab, atol=1e-9):
        raise Incorrect(f"clarke_ab = {results['clarke_ab']}, but the share of pairs in zones A and B is {ab:.4f}: "
                        "metrics.clarke_shares(y_true, y_pred)[['A', 'B']].sum().")
    ridge = np.asarray(y_ridge, dtype="float64").ravel()
    _, p = evaluation.diebold_mariano(true - pred, true - ridge, horizon=HORIZON)
    if not np.isclose(float(results["dm_p"]), p, rtol=1e-6, atol=0.0):
        _, p1 = evaluation.diebold_mariano(true - pred, true - ridge, horizon=1)
        if np.isclose(float(results["dm_p"]), p1, rtol=1e-6, atol=0.0):
            why = "pass horizon=HORIZON: 30-minute forecasts made every 5 minutes overlap"
        else:
            why = "compare the errors (y_true - forecast) of the LSTM and the ridge model"
        raise Incorrect(f"dm_p = {results['dm_p']:.4g}, but the Diebold-Mariano p-value is {p:.4g}: {why}.")
    return f"{message} Zones A+B: {ab:.1%}; DM p-value against ridge: {p:.2g}."


q5 = AssignmentStep(
    "q5",
    "Step 5 - evaluation",
    check_glucose_evaluation,
    hints=[
        "The model forecasts the change: sensors.level_forecast(scaler, test_w, model.predict(test_w.X, "
        "verbose=0)[:, 0], 'glucose') adds it to each window's last reading and gives mg/dL; the five metrics are "
        "as in lessons 04 and 05.",
        "metrics.clarke_shares(y_true, y_pred) gives the share of each zone; evaluation.diebold_mariano(y_true - "
        "y_pred, y_true - y_ridge, horizon=HORIZON) returns (statistic, p_value).",
    ],
    solution="""
        change = model.predict(test_w.X, verbose=0)[:, 0]  # the scaled change over 30 minutes
        y_pred = sensors.level_forecast(scaler, test_w, change, "glucose")  # last reading + change, in mg/dL
        mse = mean_squared_error(y_true, y_pred)
        results = {
            "mse": mse,
            "rmse": np.sqrt(mse),
            "mae": mean_absolute_error(y_true, y_pred),
            "r2": r2_score(y_true, y_pred),
            "skill": 1 - np.sqrt(mse) / np.sqrt(mean_squared_error(y_true, y_persistence)),
            "clarke_ab": metrics.clarke_shares(y_true, y_pred)[["A", "B"]].sum(),
            "dm_p": evaluation.diebold_mariano(y_true - y_pred, y_true - y_ridge, horizon=HORIZON)[1],
        }
    """,
)


# --- Step 6: visualization ----------------------------------------------------------------------------------------

q6 = AssignmentStep(
    "q6",
    "Step 6 - visualization",
    lambda figure: assignment.check_figure(figure, min_lines=3),
    hints=[
        "Draw one day of the test period: the readings, the LSTM and at least one baseline against time, with a "
        "title, axis labels (mg/dL) and a legend. test_forecasts holds the forecasts as time-indexed Series.",
        "plots.plot_forecast(actual.loc[DAY], test_forecasts, title=..., ylabel='glucose (mg/dL)') does all of that.",
    ],
    solution="""
        ax = plots.plot_forecast(
            actual.loc[DAY],
            test_forecasts,
            title=f"Glucose 30 minutes ahead on {DAY}",
            ylabel="glucose (mg/dL)",
        )
    """,
)



# --- Q7: two questions, two kinds of evidence -------------------------------------------------------------------------

q7 = claims.ClaimsExercise(
    "q7",
    "Q7 - two questions, two kinds of evidence",
    claims.SEED_CLAIMS,
    claims.seed_evidence,
    hints=[
        "Two questions: is this trained network (the ensemble) better on these weeks? That is the Diebold-Mariano "
        "test. Does the recipe beat the baseline whichever seed trains it? That is the seed column.",
        "Two claims hold whatever the numbers say, or never do: an ensemble's MSE is never above its members' "
        "average MSE; a large p-value never shows that two forecasts are equally good.",
    ],
    solution="""
        supported = {"c"}  # true of every average of forecasts
        if ensemble_p < 0.05 and ensemble_skill > baseline_skill:
            supported.add("a")  # this trained ensemble, these weeks
        if min(seed_skills) > baseline_skill:
            supported.add("b")  # the recipe, whichever seed
        if ensemble_skill > max(seed_skills):
            supported.add("d")  # observed here, not guaranteed
    """,
)
