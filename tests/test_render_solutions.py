"""tools/render_solutions.py: every exercise of every lesson gets its reference solution, and a solved lesson runs
with every check correct (lesson 01 in smoke mode)."""

import ast
import os
from pathlib import Path

import maintainer_tools
import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

render = maintainer_tools.load("render_solutions")


def test_fill_cell_keeps_the_setup_and_the_check_and_replaces_the_starter():
    source = (
        "# NBVAL_CHECK_OUTPUT\n"
        "close = prices[['Close']]\n"
        "train = ____  # the oldest 70 %\n"
        "\n"
        "def f(x):\n"
        "    raise NotImplementedError('write it')\n"
        "\n"
        "q2.check(close, train, f)\n"
        "# q2.hint()\n"
    )
    filled = render.fill_cell(source, "train = close.iloc[:7]\ndef f(x):\n    return x", "q2")
    ast.parse(filled)
    lines = filled.splitlines()
    assert lines[0] == "close = prices[['Close']]"
    assert "train = close.iloc[:7]" in lines and lines[-1] == "q2.check(close, train, f)"
    assert "____" not in filled and "NotImplementedError" not in filled and filled.count("def f(x)") == 1


def test_a_cell_without_starter_code_is_refused():
    with pytest.raises(ValueError, match="no starter code"):
        render.fill_cell("q1.check(42)", "answer = 42", "q1")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_exercise_of_every_lesson_is_filled_in(path):
    nb = nbformat.read(path, as_version=4)
    exercises = render.lesson_exercises(nb)
    if not exercises:
        pytest.skip(f"{path.name} has no exercises")
    filled = render.fill(nb)
    assert sorted(filled) == sorted(exercises)
    for cell in nb.cells:
        if cell.cell_type == "code" and "filled in by tools/render_solutions.py" in cell.source:
            ast.parse(cell.source)
            assert "____" not in cell.source


def test_out_folder_inside_notebooks_is_refused(capsys):
    with pytest.raises(SystemExit):
        render.main(["--out", str(ROOT / "notebooks" / "solved"), "--no-execute"])
    assert "inside notebooks/" in capsys.readouterr().err


def test_solved_lesson_01_runs_with_every_check_correct(tmp_path):
    lesson = ROOT / "notebooks" / "01_vanishing_gradients.ipynb"
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    try:
        target = render.render(lesson, tmp_path, smoke=True, timeout=600)
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved
    assert target == tmp_path / lesson.name
    nb = nbformat.read(target, as_version=4)
    text = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    exercises = render.lesson_exercises(nb)
    for exercise in exercises.values():
        assert f"{exercise.name} - Correct" in text, text[-3000:]
    assert "Not attempted" not in text and "Incorrect" not in text
    assert not any(o.get("output_type") == "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert nbformat.read(lesson, as_version=4).cells  # the lesson itself is untouched
    assert "____" in lesson.read_text(encoding="utf-8")
