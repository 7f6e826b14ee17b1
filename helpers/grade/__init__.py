"""Grade a class's assignment notebooks: ``python -m helpers.grade SUBMISSIONS... [--out grades.csv]``.

For teachers. Each submitted notebook (a file, or every ``*.ipynb`` in a folder; the file name is the learner's
name) runs in a fresh Jupyter kernel through ``nbclient`` (:mod:`helpers.runner`), in a private folder that holds a
copy of the notebook; the submission itself is never modified, and the loaders stay offline. Where bubblewrap works
(Linux), every run is **sandboxed** (:mod:`helpers.grade.sandbox`): the course and its data read-only, nothing else of
yours visible, no network, limits on memory and processes; the first line printed says which mode is in use. The
verdicts come from the exercises themselves, not from the printed text: while the notebook runs, every exercise
appends a JSON line to a file named by the environment variable ``LSTM_COURSE_GRADE_RECORD`` (see
:func:`helpers.exercises.core.record`):

* ``{"event": "step", "step": "q3", "name": "Step 3 - model"}`` when a lesson creates its exercises (on
  ``from helpers.exercises.lesson04 import *``): the steps the assignment has, so a step whose cells were deleted
  shows as *missing* instead of vanishing;
* ``{"event": "check", "step": "q3", "status": "incorrect", "message": "..."}`` for every verdict, whichever call
  asked for it (``check()``, ``answer_or_reference()``, ``evaluate()``), so renaming ``q3`` in the notebook changes
  nothing: the record names the exercise object, not the variable.

The record is a file rather than an output of the notebook because it survives whatever the notebook does: a cell
that raises, a kernel that is killed at the time limit or dies, cleared outputs, printed text that imitates a verdict.

Each step gets one of: ``correct``, ``incorrect`` (with the checker's reason), ``not attempted``, ``error`` (a cell
of that step raised: the exception's type and message, read from the kernel's structured error output), ``missing``
(the step exists but was never checked, e.g. its check cell was deleted) or ``not reached`` (the run stopped first:
time limit, dead kernel). A notebook that raises keeps running (later steps still get graded), and no submission
can stop the class from being graded. A row also says what the notebook **tried** outside its folder (a write, a
delete, a network connection, a command), seen by an audit hook in its kernel (:mod:`helpers.grade.guard`).

Modules: :mod:`~helpers.grade.results` (a row and its verdicts), :mod:`~helpers.grade.submission` (one
submission), :mod:`~helpers.grade.child` (its run, inside the sandbox), :mod:`~helpers.grade.guard` (the watched
kernel), :mod:`~helpers.grade.sandbox` (bubblewrap), :mod:`~helpers.grade.table` (the table and the CSV),
:mod:`~helpers.grade.cli` (a class, the command line).
"""

from helpers.grade.cli import MAX_DEFAULT_JOBS, default_jobs, find_submissions, grade_all, main, mode_line
from helpers.grade.results import STATUSES, Grade, StepResult
from helpers.grade.sandbox import DEFAULT_MEMORY_GB, INSTALL, Sandbox, SandboxUnavailable, find
from helpers.grade.submission import DEFAULT_TIMEOUT, grade_notebook, resolve_sandbox
from helpers.grade.table import format_table, rows, step_keys, tried, write_csv

__all__ = [
    "DEFAULT_MEMORY_GB",
    "DEFAULT_TIMEOUT",
    "INSTALL",
    "MAX_DEFAULT_JOBS",
    "STATUSES",
    "Grade",
    "Sandbox",
    "SandboxUnavailable",
    "StepResult",
    "default_jobs",
    "find",
    "find_submissions",
    "format_table",
    "grade_all",
    "grade_notebook",
    "main",
    "mode_line",
    "resolve_sandbox",
    "rows",
    "step_keys",
    "tried",
    "write_csv",
]
