"""The exercise framework: verdicts, hints and solutions, and that it never raises into a notebook."""

import numpy as np
import pytest

from helpers.exercises import Exercise, Incorrect, NotAttempted, ____, is_blank
from helpers.exercises.core import call_learner


def _square_checker(func):
    result = call_learner(func, 3.0)
    if not np.isclose(result, 9.0):
        raise Incorrect(f"square(3) should be 9, your function gave {result}.")
    return "square(3) = 9."


@pytest.fixture
def exercise():
    hints = ["Multiply x by itself.", "return x * x"]
    return Exercise("Q1 - square", _square_checker, hints, "def square(x):\n    return x * x")


def test_correct_incorrect_not_attempted(exercise):
    assert exercise.evaluate(lambda x: x * x).status == "correct"
    wrong = exercise.evaluate(lambda x: x + x)
    assert wrong.status == "incorrect" and "should be 9" in wrong.message and "6.0" in wrong.message
    assert exercise.evaluate(____).status == "not attempted"


def test_untouched_function_bodies_are_not_attempted(exercise):
    def starter(x):
        raise NotImplementedError("write the body")

    def blank_return(x):
        return ____

    def no_return(x):
        pass

    for func in (starter, blank_return, no_return):
        assert exercise.evaluate(func).status == "not attempted"


def test_learner_errors_become_incorrect_never_raise(exercise, capsys):
    def broken(x):
        return x / 0

    result = exercise.evaluate(broken)
    assert result.status == "incorrect" and "ZeroDivisionError" in result.message
    exercise.check(broken)  # prints, does not raise
    assert "Incorrect" in capsys.readouterr().out
    exercise.check("not a function")
    assert "expected a function" in capsys.readouterr().out


def test_checker_can_signal_not_attempted():
    def checker(value):
        raise NotAttempted("run the training cell first.")

    assert Exercise("Q", checker, [], "").evaluate(1).message == "run the training cell first."


def test_hints_are_graded_and_solution_is_shown(exercise, capsys):
    exercise.hint()
    assert "hint 1/2" in capsys.readouterr().out
    exercise.hint()
    out = capsys.readouterr().out
    assert "hint 2/2" in out and "return x * x" in out
    exercise.hint()  # stays on the last hint
    assert "hint 2/2" in capsys.readouterr().out
    exercise.hint(1)
    assert "hint 1/2" in capsys.readouterr().out
    exercise.solution()
    assert "def square" in capsys.readouterr().out
    assert exercise.solution_code.startswith("def square")


def test_reference_solution_passes_its_own_checker(exercise):
    namespace = {}
    exec(exercise.solution_code, namespace)
    assert exercise.evaluate(namespace["square"]).correct


def test_blanks_inside_containers():
    assert is_blank(____) and is_blank([1, ____]) and is_blank({"a": ____})
    assert not is_blank([1, 2]) and not is_blank(0) and not is_blank(None)
    assert repr(____) == "____" and not ____
