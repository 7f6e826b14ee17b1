"""tools/render_solutions.py: every exercise of every lesson gets its reference solution, and a rendered lesson is
written solved, the lesson itself untouched. That the solutions then check Correct in their notebook is proven in the
notebooks' own kernels: the ``solutions`` item that conftest.py adds to the nbval run of a lesson whose exercises come
last (01, 09, 10), and the solved assignments (04 in tests/test_grade.py, 05 and 06 in their exercise tests)."""

import ast
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
        if cell.cell_type == "code" and render.FILLED in cell.source:
            ast.parse(cell.source)
            assert "____" not in cell.source


def test_out_folder_inside_notebooks_is_refused(capsys):
    with pytest.raises(SystemExit):
        render.main(["--out", str(ROOT / "notebooks" / "solved"), "--no-execute"])
    assert "inside notebooks/" in capsys.readouterr().err


def test_render_writes_the_lesson_solved_and_leaves_the_lesson_untouched(tmp_path):
    lesson = ROOT / "notebooks" / "01_vanishing_gradients.ipynb"
    before = lesson.read_bytes()
    target = render.render(lesson, tmp_path, run=False)
    assert target == tmp_path / lesson.name
    nb = nbformat.read(target, as_version=4)
    filled = [c for c in nb.cells if c.cell_type == "code" and render.FILLED in c.source]
    exercises = render.lesson_exercises(nb)
    assert len(filled) == len(exercises) == 4
    for cell, exercise in zip(filled, exercises.values(), strict=True):
        assert exercise.solution_code in cell.source and not cell.outputs  # not executed: the starter's outputs gone
        assert "____" not in cell.source and "NotImplementedError" not in cell.source
    assert lesson.read_bytes() == before and "____" in before.decode("utf-8")


def test_render_without_exercises_writes_nothing(tmp_path):
    assert render.render(ROOT / "notebooks" / "00_index.ipynb", tmp_path, run=False) is None
    assert not any(tmp_path.iterdir())
