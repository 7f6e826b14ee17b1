"""A class: find the submissions, grade them side by side with a progress line, and the command line itself."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from helpers import progress
from helpers.grade.results import Grade
from helpers.grade.sandbox import DEFAULT_MEMORY_GB, Sandbox, SandboxUnavailable, find
from helpers.grade.submission import DEFAULT_TIMEOUT, grade_notebook, resolve_sandbox
from helpers.grade.table import format_table, write_csv

__all__ = ["MAX_DEFAULT_JOBS", "default_jobs", "find_submissions", "grade_all", "main", "mode_line"]

#: At most this many notebooks at once by default: each kernel with TensorFlow takes about 1 GB of memory.
MAX_DEFAULT_JOBS = 8


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
              jobs: int = 1, sandbox: bool | Sandbox | None = None, verbose: int | None = None) -> list[Grade]:
    """Grade every notebook in ``paths`` (``jobs`` at a time), in the order given; ``sandbox``: see
    :func:`~helpers.grade.submission.resolve_sandbox`, decided once for the class.

    Each submission runs in a process of its own (sandboxed or not), so one kernel's trouble cannot reach the
    others. A progress line (:mod:`helpers.progress`, ``verbose``) counts the submissions while they run; each
    finished one prints its own line (``ada: 5/6 correct (14 s)``), and the line ends as the class's summary.
    """
    paths = [Path(p) for p in paths]
    names = _names(paths)
    box = resolve_sandbox(sandbox)
    jobs = max(1, min(jobs, len(paths) or 1))
    threads = max(1, default_jobs() // jobs) if jobs > 1 else None
    grades: list[Grade | None] = [None] * len(paths)
    shown = progress.level(verbose) != progress.SILENT

    def one(i: int) -> Grade:
        try:
            return grade_notebook(paths[i], timeout=timeout, smoke=smoke, threads=threads, name=names[i],
                                  sandbox=box or False)
        except Exception as exc:  # e.g. no room left to copy it: still a row, and the class goes on
            return Grade(names[i], str(paths[i]), notes=[f"grading failed ({type(exc).__name__}: {exc})"])

    with progress.task("grading", total=len(paths), unit="submission", verbose=verbose) as line, \
            ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, i): i for i in range(len(paths))}
        for future in as_completed(futures):
            grade = grades[futures[future]] = future.result()
            if shown:
                progress.write(f"{grade.submission}: {grade.correct}/{len(grade.steps)} correct "
                               f"({grade.seconds:.0f} s)" + ("; tried something outside its folder"
                                                              if grade.attempts else ""))
            line.update(1)
        line.summary = f"grading: {len(paths)} {progress.plural(len(paths), 'submission')} in {line.seconds:.0f} s"
    return [g for g in grades if g is not None]


def mode_line(box: Sandbox | None, reason: str = "") -> str:
    """The grader's first line: the sandbox in use, or why there is none and what to install."""
    if box is not None:
        return f"Sandbox: {box.describe()}."
    if reason:
        return f"Sandbox: none. {reason} Submissions run with your permissions."
    return "Sandbox: none (--no-sandbox): submissions run with your permissions."


def _check_out(parser: argparse.ArgumentParser, out: str) -> None:
    """Fail before grading when the CSV cannot be written where asked (hours of grading must not be lost)."""
    target = Path(out)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        parser.error(f"--out {out} is a folder. Fix: name the CSV file, e.g. --out {target / 'grades.csv'}")
    if not folder.is_dir():
        parser.error(f"--out {out}: the folder {folder} does not exist. Fix: create it first (mkdir -p {folder}) "
                     "or choose another path; nothing was graded.")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        parser.error(f"--out {out}: you cannot write there. Fix: choose a folder of yours; nothing was graded.")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.grade",
        description="Run each submitted assignment notebook in a fresh kernel (in a private copy, offline, in a "
        "sandbox when bubblewrap is installed) and grade every step from the exercises' own records. Prints a table "
        "and writes it as CSV.",
    )
    parser.add_argument("submissions", nargs="+", help="notebooks, or folders of notebooks named after the learners")
    parser.add_argument("--out", default="grades.csv", help="the CSV file to write (default: grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds of execution allowed per notebook (default: {DEFAULT_TIMEOUT})")
    parser.add_argument("--smoke", action="store_true", help="run in smoke mode (few epochs): a quick check")
    parser.add_argument("--jobs", type=int, default=None,
                        help=f"notebooks graded at once (default: the CPU cores, at most {MAX_DEFAULT_JOBS})")
    box_group = parser.add_mutually_exclusive_group()
    box_group.add_argument("--sandbox", dest="sandbox", action="store_true", default=None,
                           help="run every submission in a bubblewrap sandbox, or stop if there is none (default: "
                           "the sandbox when bubblewrap works here, else none, said on the first line)")
    box_group.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                           help="run the submissions with your own permissions")
    parser.add_argument("--memory", type=float, default=DEFAULT_MEMORY_GB,
                        help=f"sandbox: GiB of address space per process (default: {DEFAULT_MEMORY_GB:g})")
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
    _check_out(parser, args.out)
    box, reason = None, ""
    if args.sandbox is not False:
        try:
            box = find(args.memory)
        except SandboxUnavailable as exc:
            if args.sandbox:
                parser.error(f"--sandbox: {exc}")
            reason = str(exc)
    print(mode_line(box, reason), flush=True)
    jobs = args.jobs or default_jobs()
    mode = "smoke" if args.smoke else "full"
    print(f"Grading {len(paths)} notebook(s) in {mode} mode, {jobs} at a time, {args.timeout:g} s each at most.",
          flush=True)
    start = time.monotonic()
    grades = grade_all(paths, timeout=args.timeout, smoke=args.smoke, jobs=jobs, sandbox=box or False)
    print()
    print(format_table(grades))
    write_csv(grades, args.out)
    print(f"\n{len(grades)} submission(s) graded in {time.monotonic() - start:.0f} s; wrote {args.out}")
    return 0
