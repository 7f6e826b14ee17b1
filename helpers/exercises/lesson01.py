"""Exercises of lesson 01 (vanishing and exploding gradients).

    from helpers.exercises.lesson01 import *      # q1, q2, q3 and the blank ____

q1  the gradient's norm k steps back, for a recurrent matrix with spectral radius rho
q2  how many steps until the gradient has shrunk a thousandfold
q3  what clipping by norm does to a gradient vector
"""

from __future__ import annotations

import math

import numpy as np

from helpers.exercises.core import Exercise, Incorrect, ____

__all__ = ["q1", "q2", "q3", "____"]

# The numbers of the questions, also used in the notebook's text.
Q1_RHO, Q1_STEPS = 0.9, 50
Q2_RHO, Q2_FACTOR = 0.95, 1e-3
Q3_GRADIENT, Q3_CLIPNORM = (3.0, 4.0), 1.0


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
        "Going back one step multiplies the gradient by W transposed; with W = rho * Q (Q orthogonal) that scales its "
        "norm by exactly rho.",
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
