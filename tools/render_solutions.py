"""Render the lessons with every exercise solved, for teachers (the result is never written into notebooks/).

    python tools/render_solutions.py --out solved/                  # every lesson with exercises, full mode
    python tools/render_solutions.py --out solved/ --smoke          # a quick pass: tiny trainings
    python tools/render_solutions.py --out solved/ --no-execute     # only fill in the solutions, run nothing
    python tools/render_solutions.py notebooks/04_assignment_stocks.ipynb --out solved/

A lesson takes part when it binds its exercises from ``helpers.exercises.lessonNN`` (the course's exercise framework).
In every code cell that checks an exercise (``qN.check(...)``) and still holds starter code (a blank ``____`` or a
``NotImplementedError``), the starter statements are replaced by the exercise's reference solution
(``qN.solution_code``, what ``qN.solution()`` prints); the cell's other statements, such as the check itself or a line
that prepares the step, stay where they were. The filled notebook is then executed top to bottom in a fresh kernel,
in the lesson's own folder (so its data and ``artifacts/`` are found as usual), cleaned like the committed lessons,
and written to ``OUT/<the lesson's file name>``. Every check then reads "Correct", and an assignment continues with the
learner's (here the reference) answers instead of its stand-ins. ``solved/`` is git-ignored: solved notebooks are for
teachers and are not committed.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from run_notebooks import clean, write  # noqa: E402

from helpers import runner  # noqa: E402
from helpers.exercises.core import Exercise  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
_BINDING = re.compile(r"^from helpers\.exercises\.(lesson\w+) import ", re.MULTILINE)
_CHECK = re.compile(r"^(q\d+)\.check\(", re.MULTILINE)
_STARTER = re.compile(r"\b____\b|NotImplementedError")
#: The words that head every filled-in solution (``# q2: the reference solution, filled in by ...``).
FILLED = "filled in by tools/render_solutions.py"


def lesson_exercises(nb: nbformat.NotebookNode) -> dict[str, Exercise]:
    """The exercises a notebook binds (``{"q1": ..., ...}``), or ``{}`` when it has none."""
    for cell in nb.cells:
        match = _BINDING.search(cell.source) if cell.cell_type == "code" else None
        if match:
            module = importlib.import_module(f"helpers.exercises.{match.group(1)}")
            return {name: getattr(module, name) for name in module.__all__
                    if isinstance(getattr(module, name), Exercise)}
    return {}


def fill_cell(source: str, solution: str, label: str) -> str:
    """``source`` with its starter statements replaced by ``solution``, at the place of the first one."""
    tree = ast.parse(source)
    lines = source.splitlines()
    kept: list[str] = []
    placed = False
    for statement in tree.body:
        start = statement.lineno - 1
        # Decorators belong to the statement they decorate.
        decorators = getattr(statement, "decorator_list", [])
        if decorators:
            start = min(d.lineno for d in decorators) - 1
        text = "\n".join(lines[start : statement.end_lineno])
        if _STARTER.search(text):
            if not placed:
                kept.append(f"# {label}: the reference solution, {FILLED}")
                kept.append(solution)
                placed = True
            continue
        kept.append(text)
    if not placed:
        raise ValueError(f"{label}: the cell holds no starter code to replace")
    return "\n".join(kept)


def checks(source: str) -> str | None:
    """The label of the exercise that a cell checks (``qN.check(...)``), or None."""
    match = _CHECK.search(source)
    return match.group(1) if match else None


def holds_starter(source: str) -> bool:
    """True while a cell still holds starter code (a blank ``____`` or a ``NotImplementedError``)."""
    return bool(_STARTER.search(source))


def fill(nb: nbformat.NotebookNode) -> list[str]:
    """Fill in every exercise of ``nb`` in place; return the labels filled, in order. Raises if one is missing."""
    exercises = lesson_exercises(nb)
    filled = []
    for cell in nb.cells:
        if cell.cell_type != "code" or _BINDING.search(cell.source):
            continue
        label = checks(cell.source)
        if label not in exercises or not holds_starter(cell.source):
            continue
        cell.source = fill_cell(cell.source, exercises[label].solution_code, label)
        cell.outputs, cell.execution_count = [], None
        filled.append(label)
    missing = sorted(set(exercises) - set(filled))
    if missing:
        raise ValueError(f"no starter cell found for {', '.join(missing)}: each exercise needs a cell with "
                         f"`qN.check(...)` and its blanks")
    return filled


def execute(nb: nbformat.NotebookNode, folder: Path, smoke: bool, timeout: int) -> None:
    runner.execute(nb, cwd=folder, env=runner.kernel_env(smoke=smoke), timeout=timeout)


def render(path: Path, out: Path, *, smoke: bool = False, run: bool = True, timeout: int = 1800) -> Path | None:
    """Write ``path`` with its exercises solved (and executed, if ``run``) to ``out``; None if it has no exercises."""
    nb = nbformat.read(path, as_version=4)
    if not lesson_exercises(nb):
        return None
    fill(nb)
    if run:
        execute(nb, path.resolve().parent, smoke, timeout)
    target = out / path.name
    write(clean(nb), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="lessons to render (default: all of notebooks/)")
    parser.add_argument("--out", type=Path, default=ROOT / "solved", help="folder for the solved notebooks")
    parser.add_argument("--smoke", action="store_true", help="execute in smoke mode (tiny trainings)")
    parser.add_argument("--no-execute", dest="run", action="store_false", help="only fill in the solutions")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out == NOTEBOOKS.resolve() or NOTEBOOKS.resolve() in out.parents:
        parser.error(f"--out {args.out} is inside notebooks/: the lessons there must keep their blanks. "
                     "Choose another folder, e.g. --out solved/")
    out.mkdir(parents=True, exist_ok=True)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        if not path.is_file():
            parser.error(f"{path} is not a notebook file")
        start = time.perf_counter()
        target = render(path, out, smoke=args.smoke, run=args.run, timeout=args.timeout)
        if target is None:
            print(f"{path.name}: no exercises, skipped")
        else:
            mode = ("smoke" if args.smoke else "full") + " mode" if args.run else "not executed"
            print(f"{path.name}: solved -> {target} ({mode}, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
