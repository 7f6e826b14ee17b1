"""The shared step-4 and step-5 checkers of the assignments (lessons 04, 05 and 06), tried with the wrong answers a
learner gives: an EarlyStopping built but never passed to fit, the test windows as validation data, a leak (the
actual values plus noise), the validation windows' forecasts scored as the test's, ridge's forecasts passed as the
LSTM's. Each is rejected with a message that names the mistake; the right answer passes; untouched starter code is
"not attempted". A tiny LSTM on the Seattle snapshot's tmax keeps it cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

from helpers.exercises.assignment import AssignmentStep, check_model_evaluation, check_training
from helpers.exercises.core import ____

LOOKBACK = 7


@pytest.fixture(scope="module")
def ns():
    """Train/val/test windows of equal-sized val and test periods, a tiny LSTM trained with early stopping."""
    from helpers.notebook import quiet

    quiet()
    import keras

    from helpers import baselines, load_weather, models, preprocessing

    frame = load_weather("72793", source="offline")[["tmax"]].iloc[-600:]
    train, val, test = frame.iloc[:400], frame.iloc[400:500], frame.iloc[500:]
    scaler = MinMaxScaler().fit(train)
    windows = [preprocessing.make_windows(pd.DataFrame(scaler.transform(p), index=p.index, columns=p.columns), "tmax",
                                          lookback=LOOKBACK) for p in (train, val, test)]
    train_w, val_w, test_w = windows
    keras.utils.set_random_seed(0)

    def fresh():
        model = keras.Sequential([keras.Input((LOOKBACK, 1)), keras.layers.LSTM(4), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
        return model

    model = fresh()
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(train_w.X, train_w.y, validation_data=(val_w.X, val_w.y), epochs=4, batch_size=32,
                        callbacks=[early_stopping], verbose=0)
    y_true = frame["tmax"].reindex(test_w.dates).to_numpy()
    y_pred = preprocessing.inverse_scale(scaler, models.predict(model, test_w), "tmax")
    y_persistence = baselines.persistence(frame["tmax"]).reindex(test_w.dates).to_numpy()
    ridge = baselines.LinearBaseline().fit(train_w)
    y_ridge = preprocessing.inverse_scale(scaler, ridge.predict(test_w), "tmax")
    return dict(keras=keras, fresh=fresh, model=model, history=history, early_stopping=early_stopping,
                train_w=train_w, val_w=val_w, test_w=test_w, scaler=scaler, y_true=y_true, y_pred=y_pred,
                y_persistence=y_persistence, y_ridge=y_ridge, models=models, preprocessing=preprocessing)


def _step(checker):
    return AssignmentStep("qx", "Step x", checker, hints=["h"], solution="pass")


q4 = _step(check_training)
q5 = _step(lambda *a: check_model_evaluation(*a, target="tmax", units="degrees C"))


def _q4(ns, history=None, early_stopping=None, model=None):
    return q4.evaluate(history or ns["history"], early_stopping or ns["early_stopping"], model or ns["model"],
                       ns["val_w"], ns["test_w"])


def _q5(ns, y_pred):
    from helpers import metrics

    results = metrics.evaluate(ns["y_true"], y_pred, ns["y_persistence"])
    return q5.evaluate(results, ns["y_true"], y_pred, ns["y_persistence"], ns["y_ridge"], ns["model"], ns["scaler"],
                       ns["val_w"], ns["test_w"])


# --- Step 4 -----------------------------------------------------------------------------------------------------------


def test_q4_right(ns):
    result = _q4(ns)
    assert result.correct, result.message


def test_q4_early_stopping_never_passed_to_fit(ns):
    keras = ns["keras"]
    model = ns["fresh"]()
    unused = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(ns["train_w"].X, ns["train_w"].y, validation_data=(ns["val_w"].X, ns["val_w"].y), epochs=2,
                        verbose=0)
    result = _q4(ns, history, unused, model)
    assert result.status == "incorrect" and "never passed to fit" in result.message, result.message
    # A callback that watched another fit (the first one) is not this fit's either.
    result = _q4(ns, history, ns["early_stopping"], model)
    assert result.status == "incorrect" and "another model" in result.message, result.message


def test_q4_test_windows_as_validation_data(ns):
    keras = ns["keras"]
    model = ns["fresh"]()
    early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(ns["train_w"].X, ns["train_w"].y, validation_data=(ns["test_w"].X, ns["test_w"].y),
                        epochs=3, callbacks=[early_stopping], verbose=0)
    result = _q4(ns, history, early_stopping, model)
    assert result.status == "incorrect" and "validation_data was the test windows" in result.message, result.message


def test_q4_untouched_is_not_attempted(ns):
    assert q4.evaluate(____, ____, ns["model"], ns["val_w"], ns["test_w"]).status == "not attempted"


# --- Step 5 -----------------------------------------------------------------------------------------------------------


def test_q5_right(ns):
    result = _q5(ns, ns["y_pred"])
    assert result.correct, result.message


def test_q5_leak_is_called_a_leak(ns):
    noisy = ns["y_true"] + np.random.default_rng(0).normal(0, 0.3, len(ns["y_true"]))
    result = _q5(ns, noisy)
    assert result.status == "incorrect" and "leak" in result.message, result.message
    result = _q5(ns, ns["y_true"].copy())
    assert result.status == "incorrect" and "actual test values themselves" in result.message, result.message


def test_q5_validation_forecasts_scored_as_test(ns):
    assert len(ns["val_w"]) == len(ns["test_w"])  # the trap: both periods have as many windows
    on_val = ns["preprocessing"].inverse_scale(ns["scaler"], ns["models"].predict(ns["model"], ns["val_w"]), "tmax")
    result = _q5(ns, on_val)
    assert result.status == "incorrect" and "VALIDATION windows" in result.message, result.message


def test_q5_ridge_passed_as_the_lstm(ns):
    result = _q5(ns, ns["y_ridge"])
    assert result.status == "incorrect" and "ridge" in result.message, result.message


def test_q5_untouched_is_not_attempted(ns):
    starter = {"mse": ____, "rmse": ____, "mae": ____, "r2": ____, "skill": ____}
    result = q5.evaluate(starter, ns["y_true"], ____, ns["y_persistence"], ns["y_ridge"], ns["model"], ns["scaler"],
                         ns["val_w"], ns["test_w"])
    assert result.status == "not attempted"
