"""Benchmark of ``python -m helpers.grade``: how long a class of submissions takes to grade.

Not a test: it builds a class of assignment notebooks in a temporary folder, grades them with the command's own code
(``helpers.grade.grade_all``) and prints the wall time of the whole class and of each submission.

    python benchmarks/benchmark_grade.py                       # 30 submissions of lesson 04, smoke mode, 2 at a time
    python benchmarks/benchmark_grade.py --lesson 05 --size 4  # a quick check with the weather assignment

The class is a realistic mix: a third untouched (every step continues with the reference solution), a third with
every step solved, a third solved except a scaler fitted on the whole series (a classic mistake). Every notebook runs
to its end, experiments included. The course's target: 30 submissions in smoke mode in under 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from helpers import grade  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import render_solutions  # noqa: E402 -- a maintainer script, importable once tools/ is on sys.path

NOTEBOOKS = {"04": "04_assignment_stocks.ipynb", "05": "05_assignment_weather.ipynb"}


def fill(lesson: str, *, leak: bool) -> nbformat.NotebookNode:
    """The lesson's notebook with every starter cell solved by its reference solution, as ``tools/render_solutions.py``
    fills it (``leak``: step 2's scaler is fitted on the whole series instead of the training part)."""
    nb = nbformat.read(ROOT / "notebooks" / NOTEBOOKS[lesson], as_version=4)
    render_solutions.fill(nb)
    if leak:
        whole = "daily_returns" if lesson == "04" else "frame"
        step2 = next(c for c in nb.cells if c.cell_type == "code" and "# q2: the reference solution" in c.source)
        assert ".fit(train)" in step2.source, "step 2's solution no longer fits a scaler on `train`"
        step2.source = step2.source.replace(".fit(train)", f".fit({whole})")
    return nb


def _children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes: the grading workers and their kernels."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", choices=sorted(NOTEBOOKS), default="04")
    parser.add_argument("--size", type=int, default=30, help="submissions in the class (default 30)")
    parser.add_argument("--jobs", type=int, default=grade.default_jobs())
    parser.add_argument("--full", action="store_true", help="full mode instead of smoke mode")
    args = parser.parse_args()

    variants = {
        "untouched": nbformat.read(ROOT / "notebooks" / NOTEBOOKS[args.lesson], as_version=4),
        "solved": fill(args.lesson, leak=False),
        "leaky": fill(args.lesson, leak=True),
    }
    with tempfile.TemporaryDirectory(prefix="grade-benchmark-") as folder:
        names = list(variants)
        for i in range(args.size):
            kind = names[i % len(names)]
            nbformat.write(variants[kind], Path(folder) / f"learner{i + 1:02d}_{kind}.ipynb")
        paths = grade.find_submissions([folder])
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        start, cpu_start = time.monotonic(), _children_cpu()
        grades = grade.grade_all(paths, smoke=not args.full, jobs=args.jobs, progress=print)
        wall, cpu = time.monotonic() - start, _children_cpu() - cpu_start
    print()
    print(grade.format_table(grades))
    per = [g.seconds for g in grades]
    mode = "full" if args.full else "smoke"
    print(
        f"\nLesson {args.lesson}, {len(grades)} submissions, {mode} mode, {args.jobs} at a time on "
        f"{os.cpu_count()} CPU cores (load average {load:.1f} at the start): {wall:.0f} s in all "
        f"({wall / 60:.1f} min); per submission median {statistics.median(per):.0f} s, max {max(per):.0f} s."
    )
    if cpu > 0:  # the kernels' CPU time does not depend on what else the machine runs
        idle = cpu / min(args.jobs, os.cpu_count() or 1) / 60
        print(f"CPU time of the kernels and workers: {cpu:.0f} s ({cpu / len(grades):.0f} s per submission), "
              f"i.e. about {idle:.1f} min of wall time on an otherwise idle machine.")
    totals = {kind: sorted({g.correct for g in grades if g.submission.endswith(kind)}) for kind in variants}
    print("correct steps per kind of submission:", totals)


if __name__ == "__main__":
    main()
