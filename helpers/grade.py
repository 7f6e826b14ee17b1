"""Grade a class's assignment notebooks: ``python -m helpers.grade SUBMISSIONS... [--out grades.csv]``.

For teachers. Each submitted notebook (a file, or every ``*.ipynb`` in a folder; the file name is the learner's
name) runs in a fresh Jupyter kernel through ``nbclient``, in a temporary folder that holds a copy of the notebook
and of the course's data; the submission itself is never modified, and the loaders stay offline. The verdicts come
from the exercises themselves, not from the printed text: while the notebook runs, every exercise appends a JSON line
to a file named by the environment variable ``LSTM_COURSE_GRADE_RECORD`` (see :func:`helpers.exercises.core.record`):

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
(the step exists but was never checked) or ``not reached`` (the run stopped first: time limit, dead kernel). The
last verdict of a step counts; an error in one of its cells (a cell that mentions ``q3.``) overrides it. A notebook
that raises keeps running (later steps still get graded), and no submission can stop the class from being graded.

Submissions are code: they run with your permissions. Grade them where you would run a learner's notebook.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from helpers.config import RECORD_ENV

# The kernel environment variables that the grader sets, named where the code that reads them lives.
from helpers.data import OFFLINE_ENV
from helpers.notebook import SMOKE_ENV
from helpers.storage import DATA_ENV

__all__ = ["Grade", "StepResult", "default_jobs", "find_submissions", "grade_all", "grade_notebook", "main"]


#: Default time limit for one notebook, in seconds of cell execution (the kernel's start is not counted). A lesson
#: runs in about 4 minutes in full mode on 2 cores; several graded side by side share the cores.
DEFAULT_TIMEOUT = 900

#: At most this many notebooks at once by default: each kernel with TensorFlow takes about 1 GB of memory.
MAX_DEFAULT_JOBS = 8

STATUSES = ("correct", "incorrect", "not attempted", "error", "missing", "not reached")

_KERNEL_NAME = "lstm-course-grader"

_QUIET = logging.getLogger("helpers.grade.nbclient")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


@dataclass(frozen=True)
class StepResult:
    """The grade of one step: ``status`` is one of :data:`STATUSES`; ``message`` says why (may be empty)."""

    status: str
    message: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.message}" if self.message else self.status


@dataclass
class Grade:
    """One submission's row: the result of every step it recorded, the run's time and what went wrong."""

    submission: str
    path: str
    steps: dict[str, StepResult] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # step key -> the exercise's title ("Step 3 - model")
    seconds: float = 0.0
    completed: bool = False  # every cell ran (errors in cells included) before the time limit
    notes: list[str] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(result.status == "correct" for result in self.steps.values())

    def result(self, key: str) -> StepResult:
        """The result of step ``key``; a step this submission never mentioned is missing (or not reached)."""
        if key in self.steps:
            return self.steps[key]
        return StepResult("missing") if self.completed else StepResult("not reached")


# --------------------------------------------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------------------------------------------


def _course_root() -> Path:
    """The folder that holds the ``helpers`` package in use (the kernel imports the same one)."""
    import helpers

    return Path(helpers.__file__).resolve().parent.parent


def _data_source() -> Path:
    """The course's data folder, as :func:`helpers.data.data_dir` resolves it."""
    from helpers.data import data_dir

    return data_dir()


def _kernel_env(tmp: Path, record: Path, *, smoke: bool, threads: int | None) -> dict[str, str]:
    env = dict(os.environ)
    root = str(_course_root())
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env[RECORD_ENV] = str(record)
    env[OFFLINE_ENV] = "1"
    env[DATA_ENV] = str(tmp / "data")
    if smoke:
        env[SMOKE_ENV] = "1"
    else:
        env.pop(SMOKE_ENV, None)
    env["MPLBACKEND"] = "Agg"
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env.setdefault("PYTHONHASHSEED", "0")
    if threads:  # notebooks graded side by side share the cores instead of each claiming all of them
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
            env[var] = str(threads)
        env["TF_NUM_INTEROP_THREADS"] = "1"
    return env


def _client_class():
    """An nbclient client whose kernel is always this interpreter's (whatever kernel the notebook names)."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str):
            if kernel_name == _KERNEL_NAME:
                return self.kernel_spec_class(
                    resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
                )
            return super().get_kernel_spec(kernel_name)

    class Client(NotebookClient):
        def create_kernel_manager(self):
            self.km = AsyncKernelManager(
                kernel_name=_KERNEL_NAME, kernel_spec_manager=CurrentEnvSpecs(), config=self.config
            )
            return self.km

    return Client


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line.strip()[:80]
    return ""


def _read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # a line cut short when the kernel was killed
            continue
        if isinstance(event, dict) and isinstance(event.get("step"), str):
            events.append(event)
    return events


def _cell_errors(nb) -> list[tuple[int, str, str, str]]:
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


def _mentions(source: str, key: str) -> bool:
    """True when ``source`` uses the exercise bound to ``key`` (``q3.check(...)``, ``q3.answer_or_reference(...)``)."""
    return key.isidentifier() and re.search(rf"(?<![\w.]){re.escape(key)}\s*\.", source) is not None


def _tail(log: Path, limit: int = 300) -> str:
    """The end of the kernel's own output, as a suffix for a note ('' when there is none)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f" [kernel said: ...{_short(text[-limit:], limit)}]" if text else ""


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def grade_notebook(path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT, smoke: bool = False,
                   threads: int | None = None, name: str | None = None) -> Grade:
    """Run one submission in a fresh kernel, in a temporary copy, and grade it. Never raises for a bad notebook.

    ``timeout`` bounds the time spent executing cells (seconds); ``threads`` caps the kernel's math threads;
    ``name`` is the row's label (default: the file name without ``.ipynb``).
    """
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path)
    grade = Grade(submission=name or path.stem, path=str(path))
    start = time.monotonic()
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable: a row that says so
        grade.notes.append(f"not a readable notebook ({type(exc).__name__}: {_short(str(exc), 120)})")
        return grade

    # ignore_cleanup_errors: files the notebook left read-only must not turn a graded row into a crash.
    with tempfile.TemporaryDirectory(prefix="lstm-grade-", ignore_cleanup_errors=True) as tmp_name:
        tmp = Path(tmp_name)
        # What the notebook needs: itself and the course's data (a copy, so the course's own files stay untouched).
        shutil.copy2(path, tmp / path.name)
        source = _data_source()
        if source.is_dir():
            shutil.copytree(source, tmp / "data")
        record = tmp / "grade_record.jsonl"
        record.touch()

        deadline: list[float] = []
        current = {"index": -1}
        stopped: tuple[str, str] | None = None  # the source of the cell where the run stopped, and why

        def remaining(cell) -> float:
            if not deadline:  # the clock starts with the first cell, not with the kernel's start
                deadline.append(time.monotonic() + timeout)
            return max(1.0, deadline[0] - time.monotonic())

        def on_cell_execute(cell, cell_index, **_: Any) -> None:
            current["index"] = cell_index

        client = _client_class()(
            nb,
            timeout_func=remaining,
            allow_errors=True,  # a cell that raises does not stop the run: the later steps are still graded
            startup_timeout=120,
            shutdown_kernel="immediate",  # also ends a kernel stuck in a loop at the time limit
            resources={"metadata": {"path": str(tmp)}},
            on_cell_execute=on_cell_execute,
            log=_QUIET,  # the row says what went wrong; nbclient's own log lines would clutter the table
        )
        env = _kernel_env(tmp, record, smoke=smoke, threads=threads)
        kernel_log = tmp / "kernel.log"
        try:
            with open(kernel_log, "wb") as log:  # the kernel's own stdout/stderr, quoted if it dies
                client.execute(env=env, cwd=str(tmp), stdout=log, stderr=log)
            grade.completed = True
        except CellTimeoutError:
            index = current["index"]
            stopped = (nb.cells[index].source, f"cell {index} ran past the time limit ({timeout:g} s)")
            grade.notes.append(f"stopped at the time limit ({timeout:g} s) in cell {index}: "
                               f"{_first_line(nb.cells[index].source)}")
        except DeadKernelError:
            index = current["index"]
            source = nb.cells[index].source if index >= 0 else ""
            stopped = (source, f"the kernel died in cell {index}")
            grade.notes.append(f"the kernel died in cell {index} (out of memory, or the notebook ended Python): "
                               f"{_first_line(source)}{_tail(kernel_log)}")
        except Exception as exc:  # the kernel would not start, or nbclient failed: this row only
            grade.notes.append(f"could not run the notebook ({type(exc).__name__}: {_short(str(exc), 160)})"
                               f"{_tail(kernel_log)}")
        events = _read_records(record)
    grade.seconds = time.monotonic() - start

    for event in events:
        key = event["step"]
        grade.names.setdefault(key, str(event.get("name", key)))
        if event.get("event") == "check" and event.get("status") in ("correct", "incorrect", "not attempted"):
            grade.steps[key] = StepResult(event["status"], str(event.get("message", "")))
    errors = _cell_errors(nb)
    raised = [(source, _short(f"cell {index} raised {ename}: {evalue}")) for index, ename, evalue, source in errors]
    if stopped is not None:
        raised.append(stopped)
    for source, why in raised:
        for key in grade.names:
            if _mentions(source, key) and grade.result(key).status != "error":
                grade.steps[key] = StepResult("error", why)
    # Steps declared but never checked: missing when the notebook ran to the end, else not reached.
    for key in grade.names:
        grade.steps.setdefault(key, grade.result(key))
    if errors:
        index, ename, evalue, source = errors[0]
        more = f" ({len(errors) - 1} more cell(s) raised after it)" if len(errors) > 1 else ""
        grade.notes.insert(0, _short(f"cell {index} raised {ename}: {evalue}", 160) + more)
    if not grade.names and grade.completed:
        grade.notes.append("no exercise was created or checked: is the `from helpers.exercises... import *` cell gone?")
    return grade


# --------------------------------------------------------------------------------------------------------------
# A class
# --------------------------------------------------------------------------------------------------------------


def find_submissions(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The notebooks among ``paths``: files as given, and every ``*.ipynb`` directly inside a folder, sorted."""
    found: list[Path] = []
    for item in map(Path, paths):
        if item.is_dir():
            found += sorted(p for p in item.glob("*.ipynb") if p.is_file())
        elif item.is_file():
            found.append(item)
        else:
            raise FileNotFoundError(f"{item} is neither a notebook nor a folder of notebooks.")
    return found


def default_jobs() -> int:
    """The CPU cores this process may use, at most :data:`MAX_DEFAULT_JOBS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_JOBS))


def _names(paths: Sequence[Path]) -> list[str]:
    """Row labels: the file names without ``.ipynb``, or the paths where two files share a name."""
    stems = [p.stem for p in paths]
    return [p.stem if stems.count(p.stem) == 1 else str(p.with_suffix("")) for p in paths]


def grade_all(paths: Sequence[str | os.PathLike], *, timeout: float = DEFAULT_TIMEOUT, smoke: bool = False,
              jobs: int = 1, progress: Callable[[str], None] | None = None) -> list[Grade]:
    """Grade every notebook in ``paths`` (``jobs`` at a time), in the order given."""
    paths = [Path(p) for p in paths]
    names = _names(paths)
    jobs = max(1, min(jobs, len(paths) or 1))
    threads = max(1, default_jobs() // jobs) if jobs > 1 else None
    grades: list[Grade | None] = [None] * len(paths)

    def done(i: int, grade: Grade) -> None:
        grades[i] = grade
        if progress:
            finished = sum(g is not None for g in grades)
            progress(f"[{finished}/{len(paths)}] {grade.submission}: {grade.correct}/{len(grade.steps)} correct "
                     f"({grade.seconds:.0f} s)")

    if jobs == 1:
        for i, (path, name) in enumerate(zip(paths, names, strict=True)):
            try:
                grade = grade_notebook(path, timeout=timeout, smoke=smoke, name=name)
            except Exception as exc:  # e.g. no room left to copy it: still a row, and the class goes on
                grade = Grade(name, str(path), notes=[f"grading failed ({type(exc).__name__}: {exc})"])
            done(i, grade)
    else:
        # Separate processes: one kernel's trouble (or nbclient's) cannot reach the other submissions.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = {
                pool.submit(grade_notebook, path, timeout=timeout, smoke=smoke, threads=threads, name=name): i
                for i, (path, name) in enumerate(zip(paths, names, strict=True))
            }
            for future in as_completed(futures):
                i = futures[future]
                try:
                    grade = future.result()
                except Exception as exc:  # the worker itself failed: still a row
                    grade = Grade(names[i], str(paths[i]), notes=[f"grading failed ({type(exc).__name__}: {exc})"])
                done(i, grade)
    return [g for g in grades if g is not None]


def step_keys(grades: Sequence[Grade]) -> list[str]:
    """Every step of the class, in the order the exercises were created (q1, q2, ...)."""
    keys: list[str] = []
    for grade in grades:
        for key in [*grade.names, *grade.steps]:
            if key not in keys:
                keys.append(key)
    return keys


def rows(grades: Sequence[Grade]) -> tuple[list[str], list[dict[str, Any]]]:
    """The table as CSV columns and rows: submission, one column per step (status: reason), total, time, notes."""
    keys = step_keys(grades)
    header = ["submission", *keys, "total", "out_of", "seconds", "notes"]
    table = []
    for grade in grades:
        row: dict[str, Any] = {"submission": grade.submission}
        row.update({key: str(grade.result(key)) for key in keys})
        row.update(total=grade.correct, out_of=len(keys), seconds=round(grade.seconds, 1), notes="; ".join(grade.notes))
        table.append(row)
    return header, table


def write_csv(grades: Sequence[Grade], out: str | os.PathLike) -> None:
    header, table = rows(grades)
    with open(out, "w", newline="", encoding="utf-8") as sink:
        writer = csv.DictWriter(sink, fieldnames=header)
        writer.writeheader()
        writer.writerows(table)


def format_table(grades: Sequence[Grade]) -> str:
    """The printed table (statuses only; the reasons follow under "Details") and the details."""
    keys = step_keys(grades)
    header = ["submission", *keys, "total", "time (s)"]
    body = [
        [g.submission, *(g.result(k).status for k in keys), f"{g.correct}/{len(keys)}", f"{g.seconds:.0f}"]
        for g in grades
    ]
    widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *body]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    names: dict[str, str] = {}
    clash = sorted({k for g in grades for k, title in g.names.items() if names.setdefault(k, title) != title})
    if any(names.get(k, k) != k for k in keys):
        lines += ["", "Steps: " + ", ".join(f"{k} = {names.get(k, k)}" for k in keys)]
    if clash:
        lines.append(f"Warning: {', '.join(clash)} name(s) different steps in different submissions: these are not all "
                     "the same assignment. Grade each assignment in a run of its own.")
    details = []
    for g in grades:
        # The reasons worth reading: what was wrong and what raised ("not attempted" says it all by itself).
        why = [f"  {k}: {g.result(k)}" for k in keys if g.result(k).status in ("incorrect", "error")]
        why += [f"  note: {note}" for note in g.notes]
        if why:
            details += [f"{g.submission}:", *why]
    if details:
        lines += ["", "Details:", *details]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade",
        description="Run each submitted assignment notebook in a fresh kernel (in a temporary copy, offline) and "
        "grade every step from the exercises' own records. Prints a table and writes it as CSV.",
    )
    parser.add_argument("submissions", nargs="+", help="notebooks, or folders of notebooks named after the learners")
    parser.add_argument("--out", default="grades.csv", help="the CSV file to write (default: grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds of execution allowed per notebook (default: {DEFAULT_TIMEOUT})")
    parser.add_argument("--smoke", action="store_true", help="run in smoke mode (few epochs): a quick check")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"notebooks graded at once (default: the CPU cores, at most {MAX_DEFAULT_JOBS})")
    args = parser.parse_args(argv)
    try:
        import nbclient  # noqa: F401
        import nbformat  # noqa: F401
    except ImportError:
        parser.error("grading needs nbclient and nbformat: pip install nbclient nbformat ipykernel")
    try:
        paths = find_submissions(args.submissions)
    except FileNotFoundError as exc:
        parser.error(str(exc))
    if not paths:
        parser.error(f"no notebooks (*.ipynb) in {', '.join(args.submissions)}.")
    if args.timeout <= 0 or (args.jobs is not None and args.jobs < 1):
        parser.error("--timeout and --jobs must be positive.")
    jobs = args.jobs or default_jobs()
    mode = "smoke" if args.smoke else "full"
    print(f"Grading {len(paths)} notebook(s) in {mode} mode, {jobs} at a time, {args.timeout:g} s each at most.",
          flush=True)
    start = time.monotonic()
    grades = grade_all(paths, timeout=args.timeout, smoke=args.smoke, jobs=jobs,
                       progress=lambda line: print(line, flush=True))
    print()
    print(format_table(grades))
    write_csv(grades, args.out)
    print(f"\n{len(grades)} submission(s) graded in {time.monotonic() - start:.0f} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    # Run the importable copy of this module, so the worker processes can pickle its functions.
    from helpers.grade import main as _main

    sys.exit(_main())
