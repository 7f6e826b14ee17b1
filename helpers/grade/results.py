"""A submission's row: the result of each step, read from the exercises' records and the executed notebook."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXECUTED", "KERNEL_LOG", "RECORD", "STATUS", "STATUSES", "WATCH_LOG", "Grade", "StepResult", "cell_errors",
           "first_line", "parse_records", "score", "short"]

#: The files a run leaves in its folder (:mod:`helpers.grade.child`): the executed notebook, the run's status, the
#: kernel's own output, what the kernel tried outside the folder (:mod:`helpers.grade.guard`), the exercises' record.
EXECUTED, STATUS, KERNEL_LOG, WATCH_LOG, RECORD = (
    "executed.ipynb", "status.json", "kernel.log", "watch.jsonl", "grade_record.jsonl")

STATUSES = ("correct", "incorrect", "not attempted", "error", "missing", "not reached")


@dataclass(frozen=True)
class StepResult:
    """The grade of one step: ``status`` is one of :data:`STATUSES`; ``message`` says why (may be empty)."""

    status: str
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.message else self.status


@dataclass
class Grade:
    """One submission's row: the result of every step it recorded, the run's time and what went wrong.

    ``attempts`` lists what the notebook tried outside its own folder (a write, a delete, a network connection, a
    command), as the grader's watch on the kernel saw it; ``sandbox`` names the isolation it ran in ("" for none).
    """

    submission: str
    path: str
    steps: dict[str, StepResult] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # step key -> the exercise's title ("Step 3 - model")
    seconds: float = 0.0
    cpu: float = 0.0  # CPU seconds of the run and its kernel
    completed: bool = False  # every cell ran (errors in cells included) before the time limit
    notes: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    sandbox: str = ""

    @property
    def correct(self) -> int:
        return sum(result.status == "correct" for result in self.steps.values())

    def result(self, key: str) -> StepResult:
        """The result of step ``key``; a step this submission never mentioned is missing (or not reached)."""
        if key in self.steps:
            return self.steps[key]
        return StepResult("missing") if self.completed else StepResult("not reached")


def short(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(source: str) -> str:
    """The first line of code of a cell (comments skipped), cut to 80 characters."""
    for line in source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()[:80]
    return ""


def parse_records(text: str) -> list[dict[str, Any]]:
    """The events of a grading record (JSON lines); a line cut short when the kernel was killed is skipped."""
    events = []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get("step"), str):
            events.append(event)
    return events


def cell_errors(nb) -> list[tuple[int, str, str, str]]:
    """``(cell index, exception type, message, source)`` of every cell that raised, from the error outputs."""
    errors = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append((index, str(output.get("ename", "")), str(output.get("evalue", "")), cell.source))
                break
    return errors


def _uses(source: str, key: str) -> list[str]:
    """The attributes of the exercise ``key`` that ``source`` uses (``q3.check(...)`` gives ``["check"]``)."""
    if not key.isidentifier():
        return []
    return re.findall(rf"(?<![\w.]){re.escape(key)}\s*\.\s*(\w+)", source)


def _only_continues(source: str, key: str, ename: str) -> bool:
    """A cell that only continues step ``key`` (``qN.answer_or_reference(...)``) and failed on a name that does not
    exist: the step's own cell was deleted, so the step is missing rather than in error."""
    return ename == "NameError" and set(_uses(source, key)) == {"answer_or_reference"}


def score(grade: Grade, events: Iterable[dict[str, Any]], nb, stopped: tuple[str, str] | None) -> None:
    """Fill ``grade.steps`` from the record's ``events``, the cells of the executed notebook ``nb`` that raised, and
    where the run ``stopped`` early (the source of the cell and why), if it did.

    The last verdict of a step counts; an error in one of its cells (a cell that uses ``qN.``) overrides it, except a
    ``NameError`` in a cell that only continues the step (its own cell is gone: missing). Steps declared but never
    checked are missing when the notebook ran to its end, and not reached otherwise.
    """
    for event in events:
        key = event["step"]
        grade.names.setdefault(key, str(event.get("name", key)))
        if event.get("event") == "check" and event.get("status") in ("correct", "incorrect", "not attempted"):
            grade.steps[key] = StepResult(event["status"], str(event.get("message", "")))
    errors = cell_errors(nb) if nb is not None else []
    raised = [(source, short(f"cell {index} raised {ename}: {evalue}"), ename)
              for index, ename, evalue, source in errors]
    if stopped is not None:
        raised.append((stopped[0], stopped[1], ""))
    for source, why, ename in raised:
        for key in grade.names:
            if not _uses(source, key) or grade.result(key).status == "error":
                continue
            if key not in grade.steps and _only_continues(source, key, ename):
                continue
            grade.steps[key] = StepResult("error", why)
    for key in grade.names:
        grade.steps.setdefault(key, grade.result(key))
    if errors:
        index, ename, evalue, _ = errors[0]
        more = f" ({len(errors) - 1} more cell(s) raised after it)" if len(errors) > 1 else ""
        grade.notes.insert(0, short(f"cell {index} raised {ename}: {evalue}", 160) + more)
    if not grade.names and grade.completed:
        grade.notes.append("no exercise was created or checked: is the `from helpers.exercises... import *` cell gone?")
