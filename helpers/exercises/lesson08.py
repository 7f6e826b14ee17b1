"""Exercises of lesson 08 (architectures and hyperparameters): ``from helpers.exercises.lesson08 import *``.

- ``q1``: build a GRU forecaster by hand, so that it joins the table of families on the same terms as the others.
- ``q2``: read a KerasTuner result: does the winner beat ridge on the test period, by more than the seed spread?

Both answers are functions, so the checkers try them on several cases: an answer that only fits the notebook's
numbers is caught. Keras is imported only by ``q1``'s checker, when it runs.
"""

from __future__ import annotations

from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Incorrect, ____, call_learner

__all__ = ["q1", "q2", "____"]


# --- Q1: a GRU for the table -----------------------------------------------------------------------------------------

def _is_mse(loss) -> bool:
    if isinstance(loss, str):
        return loss.lower() in {"mse", "mean_squared_error"}
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__
    return str(name).lower() in {"mse", "mean_squared_error", "meansquarederror"}


def _check_q1(build_gru) -> str:
    import keras

    from helpers import models

    for lookback, n_features, units in ((24, 2, 32), (10, 3, 8)):
        case = f"build_gru(lookback={lookback}, n_features={n_features}, units={units})"
        model = call_learner(build_gru, lookback, n_features, units)
        if not isinstance(model, keras.Model):
            raise Incorrect(f"{case} should return a Keras model, got {type(model).__name__}.")
        try:
            input_shape = tuple(model.input_shape)
        except (AttributeError, ValueError):
            raise Incorrect(f"{case} has no input shape: start with keras.Input((lookback, n_features)).") from None
        if input_shape != (None, lookback, n_features):
            raise Incorrect(
                f"{case} expects inputs of shape {input_shape}; the windows are (None, {lookback}, {n_features})."
            )
        if any(isinstance(layer, keras.layers.LSTM) for layer in model.layers):
            raise Incorrect("the model contains an LSTM layer; this exercise replaces it with a GRU.")
        grus = [layer for layer in model.layers if isinstance(layer, keras.layers.GRU)]
        if len(grus) != 1:
            raise Incorrect(f"{case} has {len(grus)} GRU layers; the table's recurrent families have exactly one.")
        gru = grus[0]
        if gru.units != units:
            raise Incorrect(f"{case} builds GRU({gru.units}); use the `units` argument.")
        if gru.return_sequences:
            raise Incorrect("the GRU returns a sequence: leave return_sequences=False so Dense sees the last state.")
        blockers = models.cudnn_eligible(gru)
        if blockers:
            raise Incorrect(
                f"keep the GRU's defaults: {', '.join(blockers)} would leave the fast cuDNN kernel on a GPU and make "
                "the comparison with the LSTM unfair."
            )
        if tuple(model.output_shape) != (None, 1):
            raise Incorrect(
                f"{case} outputs shape {tuple(model.output_shape)}; end with keras.layers.Dense(1): one number, the "
                "change 30 minutes ahead."
            )
        if not getattr(model, "compiled", False):
            raise Incorrect("the model is not compiled: compile it with Adam and loss='mse', as build_model does.")
        if not _is_mse(model.loss):
            raise Incorrect(f"the model is compiled with loss {model.loss!r}; every family in the table uses 'mse'.")
        if not isinstance(model.optimizer, keras.optimizers.Adam):
            raise Incorrect(f"the optimizer is {type(model.optimizer).__name__}; every family in the table uses Adam.")
        reference = models.build_model("gru", lookback, n_features, units=units)
        if model.count_params() != reference.count_params():
            raise Incorrect(
                f"{case} has {model.count_params()} parameters, the table's GRU {reference.count_params()}: keep "
                "exactly Input -> GRU(units) -> Dense(1), nothing in between."
            )
    return "Input -> GRU(units) -> Dense(1), compiled with Adam and MSE: the GRU joins the table on equal terms."


q1 = AssignmentStep(
    "q1",
    "Q1 - add a GRU to the table",
    _check_q1,
    hints=[
        "Copy the LSTM family of build_family above and change one layer.",
        "keras.layers.GRU(units) takes the same arguments as keras.layers.LSTM(units); keep its defaults.",
        """
        model = keras.Sequential([keras.Input((lookback, n_features)), keras.layers.GRU(units), keras.layers.Dense(1)])
        then compile it with keras.optimizers.Adam(LEARNING_RATE) and loss="mse", and return it.
        """,
    ],
    solution="""
    def build_gru(lookback, n_features, units):
        model = keras.Sequential([
            keras.Input((lookback, n_features)),
            keras.layers.GRU(units),
            keras.layers.Dense(1),
        ])
        model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse", metrics=["mae"])
        return model
    """,
)


# --- Q2: read a KerasTuner result ------------------------------------------------------------------------------------

VERDICTS = ("better", "same", "worse")


def _table(val_winner: float, test_winner: float, val_ridge: float, test_ridge: float):
    import pandas as pd

    return pd.DataFrame(
        {"validation skill": [0.0, val_ridge, val_winner], "test skill": [0.0, test_ridge, test_winner]},
        index=pd.Index(["persistence", "ridge", "winner"], name="model"),
    )


def _verdict(results, spread: float) -> str:
    difference = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
    if abs(difference) <= spread:
        return "same"
    return "better" if difference > 0 else "worse"


# (validation winner, test winner, validation ridge, test ridge, spread): each case catches one misreading.
_Q2_CASES = (
    (0.30, 0.25, 0.20, 0.15, 0.02),  # better on both, by more than the spread
    (0.30, 0.10, 0.20, 0.15, 0.02),  # better on validation, worse on test
    (0.21, 0.16, 0.20, 0.15, 0.02),  # ahead on both, within the spread on both
    (0.30, 0.16, 0.20, 0.15, 0.02),  # better on validation, within the spread on test
    (0.18, 0.20, 0.20, 0.15, 0.01),  # worse on validation, better on test
    (0.25, 0.24, 0.20, 0.20, 0.05),  # a lead of 0.04 inside a spread of 0.05
    (0.25, 0.26, 0.20, 0.20, 0.05),  # a lead of 0.06 beyond a spread of 0.05
)


def _check_q2(verdict) -> str:
    for val_w, test_w, val_r, test_r, spread in _Q2_CASES:
        results = _table(val_w, test_w, val_r, test_r)
        got = call_learner(verdict, results.copy(), spread)
        want = _verdict(results, spread)
        if got == want:
            continue
        if not isinstance(got, str) or got not in VERDICTS:
            raise Incorrect(f"return one of {VERDICTS}, got {got!r}.")
        case = (
            f"for winner {val_w:.2f} / {test_w:.2f} and ridge {val_r:.2f} / {test_r:.2f} (validation / test skill) "
            f"with a seed spread of {spread:.2f}"
        )
        by_validation = "better" if val_w - val_r > spread else "worse" if val_r - val_w > spread else "same"
        ignoring_spread = "better" if test_w > test_r else "worse" if test_w < test_r else "same"
        read_validation = got == by_validation != want
        missed_spread = got == ignoring_spread != want
        validation_note = (
            "that is what the validation column says, but the tuner chose the winner on validation, so its "
            "validation score flatters it: read the test column, scored once"
        )
        spread_note = (
            f"the test difference is {test_w - test_r:+.2f}, no larger than the spread of skill over seeds, so the "
            "seed alone could explain it: that is 'same'"
        )
        if read_validation and missed_spread:
            raise Incorrect(f"{case} you answer {got!r}: {validation_note}; and {spread_note}.")
        if read_validation:
            raise Incorrect(f"{case} you answer {got!r}: {validation_note}.")
        if missed_spread:
            raise Incorrect(f"{case} you answer {got!r}: {spread_note}.")
        raise Incorrect(f"{case} the answer is {want!r}; yours is {got!r}.")
    return "compare on test, and call a difference real only when it is larger than the seed spread."


q2 = AssignmentStep(
    "q2",
    "Q2 - does the tuner's winner beat ridge?",
    _check_q2,
    hints=[
        "Which column was the winner chosen on? Its score there is optimistic; the other column was scored once.",
        "difference = results.loc['winner', 'test skill'] - results.loc['ridge', 'test skill']",
        "If abs(difference) <= spread, the seed alone could explain it: 'same'. Otherwise its sign decides.",
    ],
    solution="""
    def verdict(results, spread):
        difference = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
        if abs(difference) <= spread:
            return "same"
        return "better" if difference > 0 else "worse"
    """,
)

