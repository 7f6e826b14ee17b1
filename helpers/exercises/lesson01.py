"""Exercises of lesson 01 (vanishing and exploding gradients).

    from helpers.exercises.lesson01 import *      # q1, q2, q3 and the blank ____

q1  the gradient's norm k steps back, for a recurrent matrix with spectral radius rho
q2  how many steps until the gradient has shrunk a thousandfold
q3  what clipping by norm does to a gradient vector
q4  predict, then measure: the recall task at lag 20 with the LSTM's forget biases started at 0
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, NotAttempted, ____

__all__ = ["q1", "q2", "q3", "q4", "____"]

# The numbers of the questions, also used in the notebook's text.
Q1_RHO, Q1_STEPS = 0.9, 50
Q2_RHO, Q2_FACTOR = 0.95, 1e-3
Q3_GRADIENT, Q3_CLIPNORM = (3.0, 4.0), 1.0
Q4_LAG = 20
Q4_VERDICTS = {"solves": "accuracy 0.9 or more", "chance": "accuracy below 0.6", "in between": "0.6 to 0.9"}


def _number(answer, what: str) -> float:
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise Incorrect(f"{what} should be a single number, got {type(answer).__name__} {answer!r}.") from None
    if not math.isfinite(value):
        raise Incorrect(f"{what} should be a finite number, got {value}.")
    return value


def _close(a: float, b: float, rel: float = 1e-2) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def _check_q1(norm_after):
    value = _number(norm_after, "the norm")
    rho, k = Q1_RHO, Q1_STEPS
    right = rho**k
    if _close(value, right):
        return f"{rho}^{k} = {right:.3g}: after {k} steps only {right:.2%} of the gradient is left."
    if _close(value, 1 - (1 - rho) * k) or _close(value, rho * k):
        raise Incorrect("the factor compounds: each step multiplies by rho, so k steps multiply by rho**k.")
    if value > 1:
        raise Incorrect(f"with rho = {rho} < 1 every step shrinks the gradient, so its norm must be below 1.")
    if value < 0:
        raise Incorrect("a norm is never negative.")
    if _close(value, rho ** (k - 1)) or _close(value, rho ** (k + 1)):
        raise Incorrect(f"off by one step: going back {k} steps multiplies by rho exactly {k} times.")
    if _close(value, math.exp(-k * (1 - rho))):
        raise Incorrect(
            "that is the approximation exp(-k * (1 - rho)), good only for rho very close to 1; "
            "the exact factor is rho**k."
        )
    raise Incorrect("not quite: the norm k steps back is rho**k times the norm at the last step (here 1).")


q1 = Exercise(
    "Q1 - gradient norm after k steps",
    _check_q1,
    hints=[
        "Going back one step multiplies the (row-vector) gradient by W_h = rho * Q; Q is orthogonal, so that scales "
        "its norm by exactly rho.",
        f"k steps multiply by rho k times: compute {Q1_RHO} ** {Q1_STEPS}.",
    ],
    solution=f"norm_after_{Q1_STEPS} = {Q1_RHO} ** {Q1_STEPS}   # = {Q1_RHO**Q1_STEPS:.4g}",
)


def _check_q2(steps):
    value = _number(steps, "the number of steps")
    rho, factor = Q2_RHO, Q2_FACTOR
    exact = math.log(factor) / math.log(rho)
    right = math.ceil(exact)
    if value != int(value):
        raise Incorrect(
            f"count whole steps: {value} is not an integer (the exact solution of rho**k = {factor} is {exact:.2f}; "
            "which whole number of steps is the first one below?)."
        )
    value = int(value)
    if value == right:
        return (
            f"{rho}^{right} = {rho**right:.3g} < {factor}, while {rho}^{right - 1} = {rho ** (right - 1):.3g} "
            "is not yet."
        )
    if value == right - 1:
        raise Incorrect(f"one step short: {rho}^{value} = {rho**value:.4g} is still above {factor}.")
    if value == round(1 / (1 - rho)) or value == round(-1 / math.log(rho)):
        raise Incorrect(
            f"{value} steps is the time constant (the gradient shrinks by 1/e), not the thousandfold shrinking asked."
        )
    if value <= 0:
        raise Incorrect("the number of steps must be positive.")
    raise Incorrect(
        f"{rho}^{value} = {rho**value:.3g}, which is {'above' if rho**value > factor else 'far below'} {factor}. "
        "Solve rho**k < factor for k with logarithms."
    )


q2 = Exercise(
    "Q2 - steps to a thousandfold shrink",
    _check_q2,
    hints=[
        "You want the smallest whole k with rho**k < 0.001. Take logarithms: k * log(rho) < log(0.001).",
        "log(rho) is negative, so dividing flips the inequality: k > log(0.001) / log(rho). Round up.",
    ],
    solution=(
        "import math\n"
        f"steps = math.ceil(math.log({Q2_FACTOR}) / math.log({Q2_RHO}))   "
        f"# = {math.ceil(math.log(Q2_FACTOR) / math.log(Q2_RHO))}"
    ),
)


def _check_q3(clipped):
    try:
        value = np.asarray(clipped, dtype="float64").reshape(-1)
    except (TypeError, ValueError):
        raise Incorrect(f"give the clipped gradient as two numbers, e.g. [a, b]; got {clipped!r}.") from None
    g = np.asarray(Q3_GRADIENT)
    right = g * Q3_CLIPNORM / np.linalg.norm(g)
    if value.shape != right.shape:
        raise Incorrect(f"the clipped gradient has as many entries as the gradient ({len(g)}); you gave {value.size}.")
    if np.allclose(value, right, rtol=1e-3, atol=1e-6):
        return f"{right.tolist()}: same direction, norm {Q3_CLIPNORM}. Clipping shortens the step, it does not turn it."
    if np.allclose(value, np.clip(g, -Q3_CLIPNORM, Q3_CLIPNORM)):
        raise Incorrect(
            "that clips each entry separately (Keras' clipvalue), which changes the direction. clipnorm rescales the "
            "whole vector so that its norm is at most clipnorm."
        )
    if np.allclose(value, g):
        raise Incorrect(
            f"the norm of {list(g)} is {np.linalg.norm(g):g}, above clipnorm = {Q3_CLIPNORM}: it must shrink."
        )
    if np.allclose(value, g / np.abs(g).sum()):
        raise Incorrect("you divided by the sum of absolute values; clipnorm uses the Euclidean norm sqrt(sum(g**2)).")
    if np.isclose(np.linalg.norm(value), Q3_CLIPNORM, rtol=1e-3):
        raise Incorrect("the norm is right but the direction changed: the clipped vector must point where g points.")
    raise Incorrect(f"the clipped gradient should be g * clipnorm / ||g||; yours has norm {np.linalg.norm(value):.3g}.")


q3 = Exercise(
    "Q3 - clipping by norm",
    _check_q3,
    hints=[
        "clipnorm leaves a gradient alone when its norm is at most clipnorm; "
        "otherwise it scales the whole vector down.",
        "The norm of [3, 4] is 5. Scale the vector so that its norm becomes 1.",
    ],
    solution="import numpy as np\ng = np.array([3.0, 4.0])\nclipped = g * 1.0 / np.linalg.norm(g)   # [0.6, 0.8]",
)



# --- Q4: predict, then measure --------------------------------------------------------------------------------------

_F_DEFAULT = 1 / (1 + math.exp(-1.0))   # sigmoid(1): the forget gate at Keras' default bias


def _verdict_of(accuracy: float) -> str:
    return "solves" if accuracy >= 0.9 else "chance" if accuracy < 0.6 else "in between"


def _check_zero_forget_bias(zero_forget_bias) -> None:
    import keras

    if not callable(zero_forget_bias):
        raise Incorrect(f"zero_forget_bias should be a function, got {type(zero_forget_bias).__name__}.")
    units = 3
    layer = keras.layers.LSTM(units)
    layer.build((None, 5, 2))
    before = np.arange(1.0, 4 * units + 1, dtype="float32")   # a bias with no zero anywhere
    layer.cell.bias.assign(before)
    try:
        zero_forget_bias(layer)
    except NotImplementedError as exc:
        raise NotAttempted(str(exc) or "write zero_forget_bias first.") from None
    except Exception as exc:  # the learner's code: report it
        raise Incorrect(f"zero_forget_bias raised {type(exc).__name__}: {exc}") from None
    after = np.asarray(layer.cell.bias.numpy(), dtype="float64")
    blocks = {name: slice(k * units, (k + 1) * units) for k, name in enumerate("ifco")}
    if np.array_equal(after, before):
        raise Incorrect("zero_forget_bias left the bias unchanged: write it back with layer.cell.bias.assign(...).")
    for name, other in (("i", "input gate"), ("c", "candidate"), ("o", "output gate")):
        if np.allclose(after[blocks[name]], 0) and not np.allclose(after[blocks["f"]], 0):
            raise Incorrect(
                f"you set the {other}'s block to 0. Keras orders the bias as i, f, c, o: the forget block is "
                "bias[units : 2 * units]."
            )
    if not np.allclose(after[blocks["f"]], 0):
        raise Incorrect("the forget block of the bias, bias[units : 2 * units], is not 0 after zero_forget_bias.")
    if not np.allclose(np.delete(after, np.arange(units, 2 * units)), np.delete(before, np.arange(units, 2 * units))):
        raise Incorrect("zero_forget_bias also changed the other gates' biases; only the forget block should change.")


def _label(value):
    return value.strip().lower() if isinstance(value, str) else value


def _check_q4(prediction, zero_forget_bias, accuracy, verdict):
    prediction, verdict = _label(prediction), _label(verdict)
    if prediction not in ("solves", "chance"):
        raise Incorrect(f'write your prediction as "solves" or "chance", got {prediction!r}.')
    _check_zero_forget_bias(zero_forget_bias)
    value = _number(accuracy, "the accuracy")
    if not 0 <= value <= 1:
        raise Incorrect(f"an accuracy lies between 0 and 1; you gave {value}. Use model.evaluate(...)[1].")
    if verdict not in Q4_VERDICTS:
        raise Incorrect(f'the verdict is one of {", ".join(map(repr, Q4_VERDICTS))}; got {verdict!r}.')
    measured = _verdict_of(value)
    if verdict != measured:
        raise Incorrect(
            f'your measured accuracy {value:.3f} means "{measured}" ({Q4_VERDICTS[measured]}), not "{verdict}". '
            "Judge from the measurement, not from the prediction."
        )
    outcome = "Your prediction held" if prediction == verdict else "Your prediction did not hold (worth knowing)"
    why = (
        "With b_f = 0 every forget gate starts near sigmoid(0) = 0.5: the memory of step 0, and the gradient along "
        f"the cell state, halve at every step, 0.5^{Q4_LAG - 1} = {0.5 ** (Q4_LAG - 1):.0e} after {Q4_LAG - 1} steps. "
        f"Keras' default b_f = 1 (f = 0.73) leaves 0.73^{Q4_LAG - 1} = {_F_DEFAULT ** (Q4_LAG - 1):.0e}, enough "
        "signal to learn to keep the class: that is why the default start is 1 (lesson 02)."
    )
    if measured != "chance":
        why = (
            f"At {value:.3f} your network learned to keep the class despite the forgetful start. That can happen with "
            "smaller data or other seeds; run it again with another seed before you trust either outcome. " + why
        )
    return f"{outcome} (measured {value:.3f}: {measured}). {why}"


q4 = Exercise(
    "Q4 - predict, then measure: forget bias 0",
    _check_q4,
    hints=[
        "The forget gate starts near sigmoid(b_f). With b_f = 0 that is 0.5: how much of the class is left after "
        f"{Q4_LAG - 1} steps, and how much gradient reaches step 0 along the cell state?",
        "Keras stores the bias of an LSTM as four blocks of `units` entries in the order i, f, c, o: read it with "
        "layer.cell.bias.numpy(), set bias[units : 2 * units] = 0 and write it back with layer.cell.bias.assign(bias).",
        f"Build the model with build_model(\"LSTM, default start\", {Q4_LAG}, seed=42), call zero_forget_bias on "
        "model.layers[0], then fit and evaluate exactly as recall_accuracy does.",
    ],
    solution=f"""
    prediction = "chance"   # your own guess, made before training; either is accepted, the check says if it held


    def zero_forget_bias(layer):
        units = layer.cell.units
        bias = layer.cell.bias.numpy()
        bias[units : 2 * units] = 0.0        # Keras' gate order: i, f, c, o
        layer.cell.bias.assign(bias)


    lag = {Q4_LAG}
    data_rng = np.random.default_rng(lag)    # the sweep's sequences at this lag
    x_train, y_train = recall_task(NUM_TRAIN, lag, data_rng)
    x_test, y_test = recall_task(NUM_TEST, lag, data_rng)
    model = build_model("LSTM, default start", lag, seed=42)
    zero_forget_bias(model.layers[0])
    model.fit(x_train, y_train, epochs=NUM_EPOCHS, batch_size=32, verbose=0)
    accuracy_b0 = model.evaluate(x_test, y_test, verbose=0)[1]
    verdict = "solves" if accuracy_b0 >= 0.9 else "chance" if accuracy_b0 < 0.6 else "in between"
    print(f"LSTM with forget bias 0 at lag {{lag}}: test accuracy {{accuracy_b0:.3f}}")
    """,
)
