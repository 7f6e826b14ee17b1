"""The exercise framework: ``check()``, graded ``hint()``, ``solution()``.

An :class:`Exercise` wraps a checker function. The learner passes their answer explicitly::

    q1.check(my_answer)      # Correct / Incorrect (with the reason) / Not attempted
    q1.hint()                # next hint; q1.hint(2) for a given one
    q1.solution()            # the reference code, shown, never filled in for you

A checker receives the learner's arguments. It returns ``None`` or a success message when the answer is right and
raises :class:`Incorrect` with a specific reason when it is wrong. Starter code uses the blank ``____``; any blank
among the arguments, a learner function that still raises ``NotImplementedError`` or returns a blank, or a checker
that raises :class:`NotAttempted` gives "not attempted". Errors in the learner's own code become "incorrect" with the
error's message: ``check()`` never raises, so a notebook with untouched starter code runs top to bottom.

For grading (:mod:`helpers.grade`), every exercise also leaves a machine-readable record when the environment
variable ``LSTM_COURSE_GRADE_RECORD`` names a file: one JSON line when the exercise is created (``"event": "step"``:
the steps a lesson declares, so a step whose cells were deleted still shows up) and one per verdict
(``"event": "check"``, with the status and the message). Without the variable nothing is written and nothing
changes for the learner.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from helpers.config import grade_record_path


class Blank:
    """The marker in starter code that a learner replaces with their answer."""

    _instance: Blank | None = None

    def __new__(cls) -> Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    def __bool__(self) -> bool:
        return False


#: The blank to replace, as in learntools.
____ = Blank()


def is_blank(value: Any) -> bool:
    """True for the blank marker, or a list/tuple/dict that still contains one."""
    if isinstance(value, Blank) or value is Ellipsis:
        return True
    if isinstance(value, (list, tuple)):
        return any(is_blank(v) for v in value)
    if isinstance(value, dict):
        return any(is_blank(v) for v in value.values())
    return False


def record(event: dict[str, Any]) -> None:
    """Append ``event`` as one JSON line to the file named by ``LSTM_COURSE_GRADE_RECORD``; do nothing when it is unset.

    One ``write`` of one line in append mode, so records of a run that is killed part-way stay readable up to the last
    complete line. A failure to write is swallowed: grading must never break a learner's notebook.
    """
    path = grade_record_path()
    if path is None:
        return
    try:
        line = json.dumps(event, default=str, ensure_ascii=True) + "\n"
        with open(path, "a", encoding="utf-8") as sink:
            sink.write(line)
    except (OSError, TypeError, ValueError):
        pass


class Incorrect(Exception):
    """Raised by a checker: the answer is wrong, and the message says why."""


class NotAttempted(Exception):
    """Raised by a checker, or by learner code, when the exercise has not been attempted yet."""


@dataclass(frozen=True)
class CheckResult:
    """What :meth:`Exercise.evaluate` found: ``status`` is ``correct``, ``incorrect`` or ``not attempted``."""

    status: str
    message: str

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        label = {"correct": "Correct", "incorrect": "Incorrect", "not attempted": "Not attempted"}[self.status]
        return f"{label}: {self.message}" if self.message else label


def call_learner(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a learner's function from a checker: untouched starters become :class:`NotAttempted`.

    A ``NotImplementedError`` or a blank/``None`` result means the body was not written yet; any other exception
    is reported as :class:`Incorrect` with its type and message.
    """
    if not callable(func):
        raise Incorrect(f"expected a function, got {type(func).__name__}")
    try:
        result = func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotAttempted(str(exc)) from None
    except (Incorrect, NotAttempted):
        raise
    except Exception as exc:  # the learner's code: report it, never raise into the notebook
        raise Incorrect(f"your function raised {type(exc).__name__}: {exc}") from None
    if result is None or is_blank(result):
        raise NotAttempted("your function does not return anything yet")
    return result


class Exercise:
    """One exercise: a checker, graded hints and a reference solution.

    Parameters
    ----------
    name:
        Short label shown in messages, e.g. ``"Q1 - forget gate"``.
    checker:
        ``checker(*answers)`` returns ``None`` or a success message, raises :class:`Incorrect` or
        :class:`NotAttempted`.
    hints:
        From gentle to explicit; :meth:`hint` gives them in order.
    solution:
        The reference code, as text.
    not_attempted:
        The message shown while the starter code is untouched.
    """

    #: The name a notebook binds the exercise to (``"q3"``), when the exercise knows it; grading records use it.
    label: str | None = None

    def __init__(
        self,
        name: str,
        checker: Callable[..., Any],
        hints: Sequence[str],
        solution: str,
        not_attempted: str = "replace the blanks ____ with your answer, run the cell, then check again.",
    ) -> None:
        self.name = name
        self._checker = checker
        self._hints = [textwrap.dedent(h).strip() for h in hints]
        self._solution = textwrap.dedent(solution).strip()
        self._not_attempted = not_attempted
        self._hints_shown = 0
        record({"event": "step", "step": self.key, "name": self.name})

    def __repr__(self) -> str:
        return f"<Exercise {self.name}: .check(...), .hint(), .solution()>"

    @property
    def key(self) -> str:
        """How grading records name this exercise: its ``label`` (``"q3"``) if it has one, else its ``name``."""
        return self.label or self.name

    def evaluate(self, *answers: Any, **kw_answers: Any) -> CheckResult:
        """Check the answers and return the result without printing (the tests use this).

        Every verdict is also recorded for grading (see :func:`record`), whichever way it was asked for:
        ``check()``, ``answer_or_reference()`` or ``evaluate()`` itself.
        """
        result = self._verdict(*answers, **kw_answers)
        record({"event": "check", "step": self.key, "name": self.name, "status": result.status,
                "message": result.message})
        return result

    def _verdict(self, *answers: Any, **kw_answers: Any) -> CheckResult:
        if any(is_blank(a) for a in answers) or any(is_blank(a) for a in kw_answers.values()):
            return CheckResult("not attempted", self._not_attempted)
        try:
            message = self._checker(*answers, **kw_answers)
        except NotAttempted as exc:
            return CheckResult("not attempted", str(exc) or self._not_attempted)
        except Incorrect as exc:
            return CheckResult("incorrect", str(exc))
        except NotImplementedError:
            return CheckResult("not attempted", self._not_attempted)
        except Exception as exc:  # a learner's object broke the checker: say what, do not raise
            return CheckResult("incorrect", f"checking your answer raised {type(exc).__name__}: {exc}")
        return CheckResult("correct", message or "well done.")

    def check(self, *answers: Any, **kw_answers: Any) -> None:
        """Check the answers and print the verdict."""
        print(f"{self.name} - {self.evaluate(*answers, **kw_answers)}")

    def hint(self, n: int | None = None) -> None:
        """Print the next hint, or hint ``n`` (1-based)."""
        if not self._hints:
            print(f"{self.name} - no hint for this one: look at the solution with .solution().")
            return
        if n is None:
            self._hints_shown = min(self._hints_shown + 1, len(self._hints))
            n = self._hints_shown
        n = max(1, min(int(n), len(self._hints)))
        more = " (call .hint() again for the next one)" if n < len(self._hints) else ""
        print(f"{self.name} - hint {n}/{len(self._hints)}{more}:\n{self._hints[n - 1]}")

    def solution(self) -> None:
        """Print the reference solution. It is shown, not run: copy it into the cell if you want to use it."""
        print(f"{self.name} - solution:\n{self._solution}")

    @property
    def solution_code(self) -> str:
        """The reference solution as text (tests execute it)."""
        return self._solution
