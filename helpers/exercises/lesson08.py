"""Exercises of lesson 08 (architectures and hyperparameters): ``from helpers.exercises.lesson08 import *``.

- ``q1``: build a GRU forecaster by hand, so that it joins the table of families on the same terms as the others
  (the same optimizer **and learning rate**).
- ``q2``: read a KerasTuner result: is the winner, one trained network, better than ridge on the test period? The
  test column and a Diebold-Mariano p-value decide; "no evidence of a difference" is not "the same".
- ``q3``: spot the set-ups that let a forecaster see its target (a bidirectional layer over next-step targets among
  them).

The answers of q1 and q2 are functions, so the checkers try them on several cases: an answer that only fits the
notebook's numbers is caught. Keras is imported only by ``q1``'s checker, when it runs.
"""

from __future__ import annotations

from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Incorrect, NotAttempted, ____, call_learner, is_blank

__all__ = ["q1", "q2", "q3", "____"]


# --- Q1: a GRU for the table -----------------------------------------------------------------------------------------

def _is_mse(loss) -> bool:
    if isinstance(loss, str):
        return loss.lower() in {"mse", "mean_squared_error"}
    name = getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__
    return str(name).lower() in {"mse", "mean_squared_error", "meansquarederror"}


def _check_q1(build_gru) -> str:
    import keras

    from helpers import models

    for lookback, n_features, units, learning_rate in ((24, 2, 32, 2e-3), (10, 3, 8, 5e-3)):
        case = f"build_gru(lookback={lookback}, n_features={n_features}, units={units}, learning_rate={learning_rate})"
        model = call_learner(build_gru, lookback, n_features, units, learning_rate)
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
        rate = float(model.optimizer.learning_rate.numpy())
        if abs(rate - learning_rate) > 1e-6 * learning_rate:
            default = " ('adam' as a string, or Adam() with no argument, uses Keras' default 1e-3)" if abs(
                rate - 1e-3) < 1e-9 else ""
            raise Incorrect(
                f"{case} trains with learning rate {rate:g}{default}; pass the `learning_rate` argument, "
                "keras.optimizers.Adam(learning_rate), so the GRU trains on the same terms as the other families."
            )
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
        then compile it with keras.optimizers.Adam(learning_rate) and loss="mse", and return it.
        """,
    ],
    solution="""
    def build_gru(lookback, n_features, units, learning_rate):
        model = keras.Sequential([
            keras.Input((lookback, n_features)),
            keras.layers.GRU(units),
            keras.layers.Dense(1),
        ])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", metrics=["mae"])
        return model
    """,
)


# --- Q2: read a KerasTuner result ------------------------------------------------------------------------------------

NO_EVIDENCE = "no evidence of a difference"
VERDICTS = ("better", NO_EVIDENCE, "worse")
SAME_WORDS = {"same", "equal", "tied", "tie", "equally good", "as good"}


def _table(val_winner: float, test_winner: float, val_ridge: float, test_ridge: float):
    import pandas as pd

    return pd.DataFrame(
        {"validation skill": [0.0, val_ridge, val_winner], "test skill": [0.0, test_ridge, test_winner]},
        index=pd.Index(["persistence", "ridge", "winner"], name="model"),
    )


def _verdict(results, p_value: float) -> str:
    difference = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
    if p_value >= 0.05:
        return NO_EVIDENCE
    return "better" if difference > 0 else "worse"


# (validation winner, test winner, validation ridge, test ridge, DM p-value on test): each case catches a misreading.
_Q2_CASES = (
    (0.30, 0.25, 0.20, 0.15, 0.001),  # better on both, the test says so
    (0.30, 0.10, 0.20, 0.15, 0.001),  # better on validation, worse on test
    (0.21, 0.16, 0.20, 0.15, 0.40),   # ahead on both, but the test finds nothing
    (0.30, 0.16, 0.20, 0.15, 0.20),   # far ahead on validation, a hair ahead on test
    (0.18, 0.20, 0.20, 0.15, 0.01),   # behind on validation, ahead on test
    (0.25, 0.19, 0.20, 0.20, 0.70),   # behind on test, p = 0.7
    (0.25, 0.26, 0.20, 0.20, 0.03),   # a lead of 0.06 that the test supports
)


def _check_q2(verdict) -> str:
    for val_w, test_w, val_r, test_r, p_value in _Q2_CASES:
        results = _table(val_w, test_w, val_r, test_r)
        got = call_learner(verdict, results.copy(), p_value)
        want = _verdict(results, p_value)
        if got == want:
            continue
        case = (f"for winner {val_w:.2f} / {test_w:.2f} and ridge {val_r:.2f} / {test_r:.2f} (validation / test "
                f"skill), Diebold-Mariano p = {p_value:g},")
        if isinstance(got, str) and got.strip().lower() in SAME_WORDS:
            raise Incorrect(f"{case} you answer {got!r}: a p-value above 0.05 is no evidence of a difference, not "
                            f"evidence that the two are the same; return {NO_EVIDENCE!r}.")
        if not isinstance(got, str) or got not in VERDICTS:
            raise Incorrect(f"return one of {VERDICTS}, got {got!r}.")
        by_validation = "better" if val_w > val_r else "worse" if val_w < val_r else NO_EVIDENCE
        ignoring_p = "better" if test_w > test_r else "worse" if test_w < test_r else NO_EVIDENCE
        if got == by_validation != ignoring_p:
            raise Incorrect(f"{case} you answer {got!r}: that is what the validation column says, but the tuner "
                            "chose the winner on validation, so that score flatters it: read the test column.")
        if got == ignoring_p and want == NO_EVIDENCE:
            raise Incorrect(f"{case} you answer {got!r}: the test difference is {test_w - test_r:+.2f}, but with "
                            f"p = {p_value:g} a difference that large appears by chance often: {NO_EVIDENCE!r}.")
        raise Incorrect(f"{case} the answer is {want!r}; yours is {got!r}.")
    return ("test column, and the Diebold-Mariano test for this one trained network; whether the *recipe* is better "
            "is a question for several seeds.")


q2 = AssignmentStep(
    "q2",
    "Q2 - does the tuner's winner beat ridge?",
    _check_q2,
    hints=[
        "Which column was the winner chosen on? Its score there is optimistic; the other column was scored once.",
        "difference = results.loc['winner', 'test skill'] - results.loc['ridge', 'test skill']",
        f"If p_value >= 0.05 the answer is {NO_EVIDENCE!r}, whatever the sign. Otherwise the sign decides.",
    ],
    solution=f"""
    def verdict(results, p_value):
        difference = results.loc["winner", "test skill"] - results.loc["ridge", "test skill"]
        if p_value >= 0.05:
            return "{NO_EVIDENCE}"
        return "better" if difference > 0 else "worse"
    """,
)


# --- Q3: spot the leak -----------------------------------------------------------------------------------------------

#: The set-ups of q3 (the notebook lists the same text). Every one forecasts glucose from 2-hour windows.
SETUPS = {
    "A": "Bidirectional(LSTM(32)) reads each 24-step window of past readings; Dense(1) forecasts the change 30 "
         "minutes after the window's last reading.",
    "B": "Bidirectional(LSTM(32, return_sequences=True)) then Dense(1) at every step; the target at step t is the "
         "reading at step t + 1 of the same window (next-step targets, sequence to sequence).",
    "C": "LSTM(32, return_sequences=True) then Dense(1) at every step, with the same next-step targets as B.",
    "D": "As A, but the windows are cut one step too late: the last input of each window is the reading at the "
         "target time.",
    "E": "As A, but the StandardScaler of the inputs was fitted on the whole series before the chronological split.",
    "F": "As A, but the training windows are shuffled before every epoch.",
}
_LEAKY = {"B", "D", "E"}
_WHY = {
    "A": "A does not leak: every step of its window precedes the target, and reading them backwards reads only the "
         "past in another order.",
    "B": "B leaks: with return_sequences=True the backward half's output at step t has read steps t + 1 .. 24, and "
         "step t + 1 is the target at step t (leakage.future_dependence measures it).",
    "C": "C does not leak: a forward layer's output at step t has read steps 1 .. t only.",
    "D": "D leaks: its windows hold the target's own reading, whatever layer reads them (leakage.check_windows "
         "catches it).",
    "E": "E leaks: a scaler fitted on the whole series has seen the test period's mean and spread; fit it on the "
         "training part only.",
    "F": "F does not leak: each window carries its own past, so the order in which windows are shown changes "
         "nothing that a window sees.",
}


def _check_q3(leaky) -> str:
    if isinstance(leaky, (set, frozenset)) and any(is_blank(item) for item in leaky):
        raise NotAttempted("replace the blank ____ in `leaky` with the letters of the set-ups that leak.")
    if isinstance(leaky, str):
        leaky = [c for c in leaky.replace(",", " ").split()] if len(leaky.strip()) > 1 else [leaky]
    try:
        chosen = {str(item).strip().upper() for item in leaky}
    except TypeError:
        raise Incorrect(f"give the letters as a set, e.g. {{'A', 'C'}}; got {leaky!r}.") from None
    unknown = chosen - set(SETUPS)
    if unknown:
        raise Incorrect(f"{sorted(unknown)} are not among the set-ups {sorted(SETUPS)}.")
    wrong = sorted(chosen - _LEAKY)
    missed = sorted(_LEAKY - chosen)
    if wrong or missed:
        reasons = [_WHY[letter] for letter in wrong + missed]
        raise Incorrect(" ".join(reasons))
    return ("B, D and E leak. A bidirectional layer leaks only when an output reads steps after its own target; "
            "windows and scalers leak whatever the layer.")


q3 = AssignmentStep(
    "q3",
    "Q3 - spot the leak",
    _check_q3,
    hints=[
        "For each set-up ask: when the model makes the forecast for time T, has it read anything at or after T?",
        "For B, take the output at step 5: which input steps has the backward LSTM read by then? Which step is its "
        "target?",
        "Three of the six leak: one through the layer, one through the windows, one through the scaler.",
    ],
    solution="""
    leaky = {"B", "D", "E"}
    """,
)
