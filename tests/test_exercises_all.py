"""Every exercise of every lesson: bound by the star import, untouched starter is "not attempted", hints and
solution print. The lesson-specific files test each checker with right and wrong answers."""

import importlib
import pkgutil

import pytest

import helpers.exercises
from helpers.exercises import Exercise, ____

LESSONS = sorted(m.name for m in pkgutil.iter_modules(helpers.exercises.__path__) if m.name.startswith("lesson"))
EXERCISES = [
    (lesson, name, getattr(importlib.import_module(f"helpers.exercises.{lesson}"), name))
    for lesson in LESSONS
    for name in importlib.import_module(f"helpers.exercises.{lesson}").__all__
    if name != "____"
]


def test_every_lesson_has_exercises():
    assert [f"lesson{n:02d}" for n in range(1, 11)] == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_star_import_binds_the_exercises_and_the_blank(lesson):
    """``from helpers.exercises.lessonNN import *`` binds q1, q2, ... in order, and the blank ``____``."""
    namespace: dict = {}
    exec(f"from helpers.exercises.{lesson} import *", namespace)
    bound = sorted(name for name in namespace if name != "__builtins__")
    assert namespace["____"] is ____
    questions = sorted((name for name in bound if name != "____"), key=lambda name: int(name[1:]))
    assert questions == [f"q{i}" for i in range(1, len(questions) + 1)], f"{lesson} binds {bound}"
    assert all(isinstance(namespace[q], Exercise) for q in questions)


@pytest.mark.parametrize("lesson,name,exercise", EXERCISES, ids=[f"{lesson}.{name}" for lesson, name, _ in EXERCISES])
def test_untouched_starter_is_not_attempted_and_never_raises(lesson, name, exercise, capsys):
    assert isinstance(exercise, Exercise)
    assert exercise.evaluate(____).status == "not attempted"
    exercise.check(____)
    assert "Not attempted" in capsys.readouterr().out


@pytest.mark.parametrize("lesson,name,exercise", EXERCISES, ids=[f"{lesson}.{name}" for lesson, name, _ in EXERCISES])
def test_hints_are_graded_and_the_solution_is_shown(lesson, name, exercise, capsys):
    exercise.hint(1)  # an explicit number leaves the "next hint" counter alone for the lesson's own tests
    first = capsys.readouterr().out
    assert "hint 1/" in first, f"{lesson}.{name} has no hint"
    exercise.solution()
    shown = capsys.readouterr().out
    assert "solution" in shown and exercise.solution_code and exercise.solution_code in shown
