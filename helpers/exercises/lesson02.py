"""Exercises of lesson 02 (the LSTM cell and its gates).

    from helpers.exercises.lesson02 import *      # q1, q2, q3 and the blank ____

q1  implement the forget gate with Keras' weight layout
q2  one cell-state step by hand
q3  count the parameters of an LSTM layer
q4  a training run and a judgement: does the forget bias's starting value matter for the weather model?
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, ____, call_learner
from helpers.exercises.judging import label, measured_runs, spread
from helpers.lstm_numpy import sigmoid, split_gates

__all__ = ["q1", "q2", "q3", "q4", "____"]

# The numbers of q2 and q3, also used in the notebook's text.
Q2_VALUES = {"f": 0.8, "c_prev": 2.0, "i": 0.5, "g": -0.6}
Q3_UNITS, Q3_FEATURES = 24, 6
Q4_SEEDS = (1, 2, 3)
Q4_VERDICTS = ("real", "within the seed spread")


def _reference_forget_gate(x_t, h_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    return sigmoid(split_gates(z)["f"])


def _q1_case(seed: int, batch: int = 3, features: int = 2, units: int = 4):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(batch, features)),
        rng.normal(size=(batch, units)),
        rng.normal(size=(features, 4 * units)),
        rng.normal(size=(units, 4 * units)),
        rng.normal(size=4 * units),
    )


def _check_q1(forget_gate):
    for seed in (0, 1):
        args = _q1_case(seed)
        x_t, h_prev, kernel, recurrent_kernel, bias = args
        units = h_prev.shape[1]
        result = np.asarray(call_learner(forget_gate, *args), dtype="float64")
        right = _reference_forget_gate(*args)
        if result.shape != right.shape:
            raise Incorrect(
                f"for x_t of shape {x_t.shape} and {units} units the gate has shape (batch, units) = {right.shape}; "
                f"yours has shape {result.shape}. Take only the forget block of the pre-activation."
            )
        if np.allclose(result, right, atol=1e-6):
            continue
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        blocks = split_gates(z)
        for name in ("i", "g", "o"):
            if np.allclose(result, sigmoid(blocks[name]), atol=1e-6):
                raise Incorrect(
                    f"you took the {name!r} block. Keras orders the gates i, f, g, o, so the forget gate is the second "
                    f"block: columns {units}:{2 * units}."
                )
        if np.allclose(result, blocks["f"], atol=1e-6):
            raise Incorrect("these are pre-activations; the gate is their sigmoid, a value between 0 and 1.")
        if np.allclose(result, np.tanh(blocks["f"]), atol=1e-6):
            raise Incorrect("the gates use the sigmoid (values in 0..1), not tanh (values in -1..1).")
        f_cols = slice(units, 2 * units)
        if np.allclose(result, sigmoid((x_t @ kernel + bias)[:, f_cols]), atol=1e-6):
            raise Incorrect("the recurrent term h_prev @ recurrent_kernel is missing.")
        if np.allclose(result, sigmoid((x_t @ kernel + h_prev @ recurrent_kernel)[:, f_cols]), atol=1e-6):
            raise Incorrect("the bias is missing.")
        if np.allclose(result, sigmoid((x_t @ kernel[:, f_cols]) + h_prev @ recurrent_kernel[:, f_cols]), atol=1e-6):
            raise Incorrect("the bias is missing.")
        raise Incorrect(
            f"the values differ from sigmoid(x_t @ kernel + h_prev @ recurrent_kernel + bias)[:, {units}:{2 * units}] "
            f"(largest difference {np.max(np.abs(result - right)):.3g})."
        )
    return "your forget gate matches the reference on random weights."


q1 = Exercise(
    "Q1 - the forget gate",
    _check_q1,
    hints=[
        "First compute all four pre-activations at once: z = x_t @ kernel + h_prev @ recurrent_kernel + bias, of shape "
        "(batch, 4 * units).",
        "Keras' order is i, f, g, o: the forget gate's pre-activation is z[:, units:2 * units], with units = "
        "h_prev.shape[1]. Then apply the sigmoid.",
    ],
    solution="""
    def forget_gate(x_t, h_prev, kernel, recurrent_kernel, bias):
        units = h_prev.shape[1]
        z = x_t @ kernel + h_prev @ recurrent_kernel + bias
        return 1 / (1 + np.exp(-z[:, units:2 * units]))
    """,
)


def _check_q2(c_t):
    try:
        value = float(c_t)
    except (TypeError, ValueError):
        raise Incorrect(f"c_t should be a single number, got {type(c_t).__name__} {c_t!r}.") from None
    v = Q2_VALUES
    right = v["f"] * v["c_prev"] + v["i"] * v["g"]
    if math.isclose(value, right, abs_tol=1e-6):
        return (
            f"c_t = {v['f']} * {v['c_prev']} + {v['i']} * ({v['g']}) = {right:g}: "
            f"keep {v['f']:.0%} of the old memory, add {v['i']:.0%} of the candidate."
        )
    wrong = {
        v["f"] * v["c_prev"] - v["i"] * v["g"]: "watch the sign: the candidate g is negative, so i * g subtracts.",
        v["f"] * v["c_prev"]: "you kept the old memory but forgot to add the new part i * g.",
        v["i"] * v["g"]: "you added the new part but dropped the old memory f * c_prev.",
        (1 - v["f"]) * v["c_prev"] + v["i"] * v["g"]: "f is what is kept, not what is forgotten: multiply c_prev by f.",
        v["c_prev"] + v["i"] * v["g"]: (
            "the old memory is multiplied by the forget gate f before the new part is added."
        ),
        math.tanh(right): "that is tanh(c_t), which goes into the hidden state; the cell state itself is not squashed.",
        v["f"] * v["c_prev"] + v["g"]: "the candidate is scaled by the input gate i before it is added.",
    }
    for candidate, reason in wrong.items():
        if math.isclose(value, candidate, abs_tol=1e-6):
            raise Incorrect(reason)
    raise Incorrect("c_t = f * c_prev + i * g: multiply, then add.")


q2 = Exercise(
    "Q2 - one cell-state step",
    _check_q2,
    hints=[
        "The cell-state update is c_t = f_t * c_prev + i_t * g_t.",
        "0.8 * 2.0 keeps most of the memory; 0.5 * (-0.6) is what is written.",
    ],
    solution="c_t = 0.8 * 2.0 + 0.5 * (-0.6)   # = 1.3",
)


def _check_q3(n_params):
    try:
        value = float(n_params)
    except (TypeError, ValueError):
        raise Incorrect(f"the count should be one whole number, got {type(n_params).__name__} {n_params!r}.") from None
    u, m = Q3_UNITS, Q3_FEATURES
    right = 4 * (u * (u + m) + u)
    if value == right:
        return f"4 * ({u} * ({u} + {m}) + {u}) = {right}, as model.count_params() says."
    wrong = {
        4 * u * (u + m): "you left out the biases: each of the 4 blocks has one per unit.",
        u * (u + m) + u: (
            "an LSTM has four such blocks (input gate, forget gate, candidate, output gate): multiply by 4."
        ),
        4 * (u * m + u): (
            "the recurrent kernel is missing: every block also reads the previous hidden state (units * units)."
        ),
        4 * (u * u + u): "the input kernel is missing: every block also reads the features (features * units).",
        3 * (u * (u + m) + u): "that is a GRU's count (3 blocks); the LSTM has 4.",
        4 * (u * (u + m) + 2 * u): "one bias per unit and block, not two (Keras' LSTM has a single bias vector).",
        u * (u + m) + u + 4 * u: "every block has its own weights, not only its own bias: multiply the whole by 4.",
    }
    if value in wrong:
        raise Incorrect(wrong[value])
    raise Incorrect(
        "count per block: features * units input weights, units * units recurrent weights and units biases; then "
        "there are 4 blocks."
    )


q3 = Exercise(
    "Q3 - count the parameters",
    _check_q3,
    hints=[
        "Each of the 4 blocks (i, f, g, o) has an input kernel (features x units), a recurrent kernel (units x units) "
        "and a bias (units).",
        f"With units = {Q3_UNITS} and features = {Q3_FEATURES}: 4 * ({Q3_UNITS} * {Q3_FEATURES} + {Q3_UNITS} * "
        f"{Q3_UNITS} + {Q3_UNITS}).",
    ],
    solution=f"n_params = 4 * ({Q3_UNITS} * ({Q3_UNITS} + {Q3_FEATURES}) + {Q3_UNITS})   "
    f"# = {4 * (Q3_UNITS * (Q3_UNITS + Q3_FEATURES) + Q3_UNITS)}",
)



def _check_q4(rmse_default, rmse_zero, verdict):
    default = measured_runs(rmse_default, "rmse_default", 0.3, 20.0)
    zero = measured_runs(rmse_zero, "rmse_zero", 0.3, 20.0)
    verdict = label(verdict)
    if verdict not in Q4_VERDICTS:
        raise Incorrect(f"the verdict is {' or '.join(map(repr, Q4_VERDICTS))}; got {verdict!r}.")
    apart = max(default) < min(zero) or max(zero) < min(default)
    measured = "real" if apart else "within the seed spread"
    numbers = f"forget bias 1 (default): {spread(default)} °C; forget bias 0: {spread(zero)} °C"
    if verdict != measured:
        reason = ("every run of one start beats every run of the other" if apart
                  else "the two sets of runs overlap")
        raise Incorrect(f'with your numbers ({numbers}) {reason}, so the verdict is "{measured}", not "{verdict}".')
    if apart:
        better = "forget bias 1" if max(default) < min(zero) else "forget bias 0"
        return (
            f"{numbers}. In your runs {better} wins every time: a real difference by the rule you were given. Three "
            "seeds are few, though; before you rely on it, add seeds and see whether the ranges stay apart."
        )
    return (
        f"{numbers}. The ranges overlap: the start of the forget bias makes no difference you can tell from the seed "
        "spread. That fits Section 4: this model needs a memory of a day or two, which a forget gate learns from "
        "either start (lesson 01's Q4 asks the same of a memory that must last 20 steps)."
    )


q4 = Exercise(
    "Q4 - does the forget bias's start matter here?",
    _check_q4,
    hints=[
        "keras.layers.LSTM(UNITS, unit_forget_bias=False) starts every bias at 0, the forget bias included; "
        "the default, unit_forget_bias=True, starts the forget bias at 1.",
        "Write one function that seeds (keras.utils.set_random_seed(seed)), builds and compiles the Section 3 model, "
        "fits it on train_w for NUM_EPOCHS epochs and returns the test RMSE in °C (preprocessing.inverse_scale, "
        "metrics.rmse); call it for each seed and each start.",
        "The verdict is \"real\" only when max(one list) < min(the other list); otherwise \"within the seed spread\".",
    ],
    solution=f"""
    def test_rmse(seed, unit_forget_bias):
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((LOOKBACK, weather.shape[1])),
                                  keras.layers.LSTM(UNITS, unit_forget_bias=unit_forget_bias), keras.layers.Dense(1)])
        model.compile(keras.optimizers.Adam(learning_rate=1e-2), loss="mse")
        model.fit(train_w.X, train_w.y, epochs=NUM_EPOCHS, batch_size=32, verbose=0)
        forecast = preprocessing.inverse_scale(scaler, model.predict(test_w.X, verbose=0)[:, 0], "tmax")
        return metrics.rmse(actual, forecast)


    rmse_default = [test_rmse(seed, unit_forget_bias=True) for seed in {Q4_SEEDS}]
    rmse_zero = [test_rmse(seed, unit_forget_bias=False) for seed in {Q4_SEEDS}]
    apart = max(rmse_default) < min(rmse_zero) or max(rmse_zero) < min(rmse_default)
    verdict = "real" if apart else "within the seed spread"
    print("test RMSE (°C), forget bias 1:", np.round(rmse_default, 3), "| forget bias 0:", np.round(rmse_zero, 3))
    """,
)
