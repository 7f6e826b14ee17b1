"""Exercises of lesson 03 (an LSTM in Keras): ``from helpers.exercises.lesson03 import *``.

- ``q1``: the shape ``(samples, timesteps, features)`` of the windows cut from a split.
- ``q2``: build and compile the lesson's model, starting with ``keras.Input``.
- ``q3``: a training run and a judgement: does the LSTM beat the ridge by more than its seed spread?

The answers to q1 and q2 are functions the learner writes, so the checker can try them on several sizes: a formula
that only fits the notebook's numbers is caught. q3 takes the numbers of the learner's own training runs and a
verdict that must follow from them. Keras is imported only by ``q2``'s checker, when it runs.
"""

from __future__ import annotations

import warnings

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner
from helpers.exercises.judging import label, measured_runs, spread

__all__ = ["q1", "q2", "q3", "____"]


# --- Q1: the shape of X ----------------------------------------------------------------------------------------------

def _window_shape(n_rows: int, lookback: int, horizon: int, n_features: int) -> tuple[int, int, int]:
    return (n_rows - lookback - horizon + 1, lookback, n_features)


_Q1_CASES = ((365, 28, 1, 3), (1023, 14, 1, 5), (100, 10, 7, 2))


def _as_shape(value) -> tuple[int, ...]:
    try:
        shape = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise Incorrect(f"return a tuple of three integers (samples, timesteps, features), got {value!r}.") from None
    if len(shape) != 3 or any(float(v) != s for v, s in zip(value, shape, strict=True)):
        raise Incorrect(f"return a tuple of three integers (samples, timesteps, features), got {value!r}.")
    return shape


def _check_q1(window_shape) -> str:
    for n_rows, lookback, horizon, n_features in _Q1_CASES:
        got = _as_shape(call_learner(window_shape, n_rows, lookback, horizon, n_features))
        want = _window_shape(n_rows, lookback, horizon, n_features)
        case = f"n_rows={n_rows}, lookback={lookback}, horizon={horizon}, n_features={n_features}"
        if got == want:
            continue
        if sorted(got) == sorted(want):
            raise Incorrect(
                f"right numbers, wrong order for {case}: you return {got}, Keras wants (samples, timesteps, "
                f"features) = {want}. Time is the middle axis."
            )
        samples, timesteps, features = got
        if timesteps != lookback:
            raise Incorrect(f"for {case} the timesteps axis is {timesteps}; it is the lookback, {lookback}.")
        if features != n_features:
            raise Incorrect(f"for {case} the features axis is {features}; it is the number of columns, {n_features}.")
        if samples == n_rows - lookback + 1:
            raise Incorrect(
                f"for {case} you count {samples} windows, {horizon} too many: the last window needs its target "
                f"{horizon} day(s) after its last input day, inside the split."
            )
        if samples == n_rows - lookback and horizon != 1:
            raise Incorrect(
                f"for {case} you count {samples} windows: that is right only for horizon=1. The target sits "
                f"horizon days after the window, so each extra day of horizon costs one window."
            )
        raise Incorrect(f"for {case} you give {samples} samples; there are {want[0]}.")
    return "samples = n_rows - lookback - horizon + 1, timesteps = lookback, features = columns."


q1 = Exercise(
    "Q1 - the shape of X",
    _check_q1,
    hints=[
        "The middle number is how many days each window looks back, the last one how many columns each day has.",
        """
        Count windows by their first day: window i uses rows i .. i + lookback - 1 as input and row
        i + lookback + horizon - 1 as target. The last target must still be a row of the split.
        """,
        "samples = n_rows - lookback - horizon + 1.",
    ],
    solution="""
    def window_shape(n_rows, lookback, horizon, n_features):
        return (n_rows - lookback - horizon + 1, lookback, n_features)
    """,
)


# --- Q2: build the model with keras.Input ----------------------------------------------------------------------------

def _is_mse(loss) -> bool:
    if isinstance(loss, str):
        return loss.lower() in {"mse", "mean_squared_error"}
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__
    return str(name).lower() in {"mse", "mean_squared_error", "meansquarederror"}


def _check_q2(build_model) -> str:
    import keras

    for timesteps, features, units in ((10, 3, 8), (20, 2, 4)):
        case = f"build_model(timesteps={timesteps}, features={features}, units={units})"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = call_learner(build_model, timesteps, features, units)
        if any("input_shape" in str(w.message) for w in caught):
            raise Incorrect(
                "the model works but Keras warns about `input_shape=`: start the Sequential list with "
                "keras.Input((timesteps, features)) instead."
            )
        if not isinstance(model, keras.Model):
            raise Incorrect(f"{case} should return a Keras model, got {type(model).__name__}.")
        try:
            input_shape = tuple(model.input_shape)
        except (AttributeError, ValueError):
            raise Incorrect(
                f"{case} returns a model with no input shape yet: make keras.Input((timesteps, features)) its "
                "first element."
            ) from None
        if input_shape != (None, timesteps, features):
            raise Incorrect(
                f"{case} expects inputs of shape {input_shape}; it should be (None, {timesteps}, {features}): "
                "keras.Input((timesteps, features)), without the batch axis."
            )
        lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
        if len(lstms) != 1:
            raise Incorrect(f"{case} has {len(lstms)} LSTM layers; the lesson's model has exactly one.")
        lstm = lstms[0]
        if lstm.units != units:
            raise Incorrect(f"{case} builds LSTM({lstm.units}); use the `units` argument.")
        if lstm.return_sequences:
            raise Incorrect("the LSTM returns a sequence: leave return_sequences=False so Dense sees the last state.")
        if lstm.recurrent_dropout:
            raise Incorrect(
                "recurrent_dropout > 0 switches off the fast cuDNN kernel on a GPU; leave it at 0 for this model."
            )
        last = model.layers[-1]
        if not isinstance(last, keras.layers.Dense) or last.units != 1:
            raise Incorrect("the last layer should be keras.layers.Dense(1): one number, tomorrow's value.")
        if tuple(model.output_shape) != (None, 1):
            raise Incorrect(f"{case} outputs shape {tuple(model.output_shape)}; it should be (None, 1).")
        if not getattr(model, "compiled", False):
            raise Incorrect("the model is not compiled: call model.compile(optimizer='adam', loss='mse').")
        if not _is_mse(model.loss):
            raise Incorrect(f"the model is compiled with loss {model.loss!r}; this lesson uses loss='mse'.")
        if not isinstance(model.optimizer, keras.optimizers.Adam):
            raise Incorrect(f"the optimizer is {type(model.optimizer).__name__}; this lesson uses 'adam'.")
    return "Input((timesteps, features)) -> LSTM(units) -> Dense(1), compiled with Adam and MSE."


q2 = Exercise(
    "Q2 - build the model with keras.Input",
    _check_q2,
    hints=[
        "keras.Sequential takes a list: keras.Input(...) first, then the layers in order.",
        "The shape of keras.Input leaves out the batch axis: (timesteps, features).",
        """
        model = keras.Sequential([keras.Input((timesteps, features)), keras.layers.LSTM(units), keras.layers.Dense(1)])
        then model.compile(...) and return model.
        """,
    ],
    solution="""
    import keras

    def build_model(timesteps, features, units):
        model = keras.Sequential([
            keras.Input((timesteps, features)),
            keras.layers.LSTM(units),
            keras.layers.Dense(1),
        ])
        model.compile(optimizer="adam", loss="mse")
        return model
    """,
)


# --- Q3: is the LSTM better than the ridge? --------------------------------------------------------------------------

Q3_SEEDS = (1, 2, 3)
Q3_VERDICTS = ("LSTM better", "ridge better", "undecided")


def _check_q3(lstm_rmses, ridge_rmse, verdict) -> str:
    runs = measured_runs(lstm_rmses, "lstm_rmses", 0.3, 20.0)
    try:
        ridge = float(ridge_rmse)
    except (TypeError, ValueError):
        raise Incorrect(f"ridge_rmse should be one number (the ridge's test RMSE in °C), got {ridge_rmse!r}.") from None
    if not 0.3 <= ridge <= 20.0:
        raise Incorrect(f"ridge_rmse = {ridge} is not a plausible RMSE in °C; take it from the table above.")
    verdict = label(verdict)
    known = {v.lower(): v for v in Q3_VERDICTS}
    if verdict not in known:
        raise Incorrect(f"the verdict is one of {', '.join(map(repr, Q3_VERDICTS))}; got {verdict!r}.")
    verdict = known[verdict]
    if max(runs) < ridge:
        measured = "LSTM better"
    elif min(runs) > ridge:
        measured = "ridge better"
    else:
        measured = "undecided"
    numbers = f"LSTM over {len(runs)} seeds: {spread(runs)} °C; ridge: {ridge:.2f} °C"
    if verdict != measured:
        raise Incorrect(f'with your numbers ({numbers}) the rule gives "{measured}", not "{verdict}".')
    if measured == "undecided":
        return (
            f"{numbers}. Some seeds beat the ridge and some do not: on these 205 test days the LSTM's edge is smaller "
            "than the spread between its own runs, so one run's ranking says little. That is why the lesson did not "
            "call the LSTM the better model."
        )
    return (
        f"{numbers}. By the rule every seed lands on the same side of the ridge. Three seeds are few and the test "
        "period is one autumn: compare the gap with the spread, and test on other periods (a backtest), before "
        "you rely on it."
    )


q3 = Exercise(
    "Q3 - is the LSTM really better than the ridge?",
    _check_q3,
    hints=[
        "models.build_lstm(lookback, n_features, units=32) builds and compiles the lesson's model (32 units keeps it "
        "quick); models.train(model, train_w, val_w, epochs=num_epochs, patience=patience) trains it with early "
        "stopping; models.predict(model, test_w) returns the scaled forecasts.",
        "Seed before each build with keras.utils.set_random_seed(seed); turn the forecasts into °C with "
        "preprocessing.inverse_scale(scaler, ..., target) and score them with metrics.rmse against "
        "actual.loc[test_w.dates].",
        '"LSTM better" if max(lstm_rmses) < ridge_rmse, "ridge better" if min(lstm_rmses) > ridge_rmse, else '
        '"undecided".',
    ],
    solution=f"""
    lstm_rmses = []
    for seed in {Q3_SEEDS}:
        keras.utils.set_random_seed(seed)
        candidate = models.build_lstm(lookback, n_features, units=32)
        models.train(candidate, train_w, val_w, epochs=num_epochs, patience=patience)
        forecast = preprocessing.inverse_scale(scaler, models.predict(candidate, test_w), target)
        lstm_rmses.append(metrics.rmse(actual.loc[test_w.dates], forecast))
    ridge_rmse = table.loc["linear (ridge)", "rmse"]
    if max(lstm_rmses) < ridge_rmse:
        verdict = "LSTM better"
    elif min(lstm_rmses) > ridge_rmse:
        verdict = "ridge better"
    else:
        verdict = "undecided"
    print("LSTM test RMSE by seed (°C):", [round(r, 3) for r in lstm_rmses], "| ridge:", round(ridge_rmse, 3))
    """,
)
