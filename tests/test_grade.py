"""The grader, ``python -m helpers.grade``: a class of submissions, each graded in a fresh kernel.

Most submissions are a small four-step assignment made here from the course's own checkers (data, preprocessing,
evaluation, figure: the classic mistakes live in those), so each runs in a few seconds without TensorFlow. One real
assignment, lesson 04, is graded in smoke mode with every step solved except a leaky scaler. The whole class is
graded once, two at a time, by the command itself; the submission that sleeps past the time limit is graded beside
it in its own process with a short limit.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest

from helpers import grade
from helpers.config import RECORD_ENV
from helpers.exercises import lesson04
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Exercise, Incorrect

ROOT = Path(__file__).resolve().parent.parent
LESSON04 = ROOT / "notebooks" / "04_assignment_stocks.ipynb"

# --- The small assignment ------------------------------------------------------------------------------------------

IMPORTS = """\
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from helpers import load_stock, metrics
from helpers.exercises import assignment
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import ____
"""

STEPS = """\
# A four-step assignment for the grader's tests, built from the course's checkers.
q1 = AssignmentStep("q1", "Step 1 - data",
                    lambda prices: assignment.check_data(prices, columns=["Close"], min_rows=750),
                    hints=[], solution={s1!r})
q2 = AssignmentStep("q2", "Step 2 - preprocessing", assignment.check_preprocessing, hints=[], solution={s2!r})
q3 = AssignmentStep("q3", "Step 3 - evaluation", assignment.check_evaluation, hints=[], solution={s3!r})
q4 = AssignmentStep("q4", "Step 4 - figure", lambda figure: assignment.check_figure(figure, min_lines=3), hints=[],
                    solution={s4!r})
"""

STEP1 = "prices = {answer}\nq1.check(prices)"
CONTINUE1 = 'prices = q1.answer_or_reference(prices, namespace=globals(), returns="prices")'
STEP2 = 'close = prices[["Close"]]\n{answer}\nq2.check(close, train, val, test, scaler)'
CONTINUE2 = ('train, val, test, scaler = q2.answer_or_reference(close, train, val, test, scaler, namespace=globals(), '
             'returns=("train", "val", "test", "scaler"))')
FORECASTS = """\
# The forecasts to evaluate: a 5-day moving average as the "model", persistence as the baseline (USD).
actual = close["Close"]
y_true = actual.loc[test.index].to_numpy()
y_persistence = actual.shift(1).loc[test.index].to_numpy()
y_pred = actual.rolling(5).mean().shift(1).loc[test.index].to_numpy()
open("scratch.txt", "w").write("a notebook writes into its working folder")
"""
STEP3 = "{answer}\nq3.check(results, y_true, y_pred, y_persistence)"
CONTINUE3 = ('results = q3.answer_or_reference(results, y_true, y_pred, y_persistence, namespace=globals(), '
             'returns="results")')
STEP4 = "{answer}\nq4.check(fig)"
CONTINUE4 = 'fig = q4.answer_or_reference(fig, namespace=globals(), returns="fig")'

SOLVED = {
    1: "load_stock('MSFT')",
    2: """n = len(close)
n_train, n_val = int(0.7 * n), int(0.15 * n)
train, val, test = close.iloc[:n_train], close.iloc[n_train:n_train + n_val], close.iloc[n_train + n_val:]
scaler = MinMaxScaler(feature_range=(0, 1)).fit(train)""",
    3: """errors = y_true - y_pred
rmse = float(np.sqrt(np.mean(errors**2)))
results = {"mse": rmse**2, "rmse": rmse, "mae": float(np.mean(np.abs(errors))),
           "r2": float(1 - np.sum(errors**2) / np.sum((y_true - y_true.mean()) ** 2)),
           "skill": 1 - rmse / float(np.sqrt(np.mean((y_true - y_persistence) ** 2)))}""",
    4: """fig, ax = plt.subplots()
ax.plot(test.index, y_true, label="actual")
ax.plot(test.index, y_pred, label="5-day moving average")
ax.plot(test.index, y_persistence, label="persistence")
ax.set(title="MSFT: next-day forecasts", xlabel="date", ylabel="close (USD)")
ax.legend()""",
}
UNTOUCHED = {
    1: "____",
    2: "train, val, test = ____, ____, ____\nscaler = ____",
    3: 'results = {"mse": ____, "rmse": ____, "mae": ____, "r2": ____, "skill": ____}',
    4: "fig = ____",
}
LEAKY_SCALER = SOLVED[2].replace(".fit(train)", ".fit(close)")  # the scaler saw the whole series
SHUFFLED_SPLIT = """shuffled = close.sample(frac=1, random_state=0)
n = len(close)
n_train, n_val = int(0.7 * n), int(0.15 * n)
train, val, test = shuffled.iloc[:n_train], shuffled.iloc[n_train:n_train + n_val], shuffled.iloc[n_train + n_val:]
scaler = MinMaxScaler().fit(train)"""
SCALED_METRICS = """scale = lambda v: (np.asarray(v) - scaler.data_min_[0]) / scaler.data_range_[0]
errors = scale(y_true) - scale(y_pred)
rmse = float(np.sqrt(np.mean(errors**2)))
results = {"mse": rmse**2, "rmse": rmse, "mae": float(np.mean(np.abs(errors))), "r2": 0.9, "skill": 0.1}"""
NO_BASELINE = """fig, ax = plt.subplots()
ax.plot(test.index, y_true, label="actual")
ax.plot(test.index, y_pred, label="5-day moving average")
ax.set(title="MSFT: next-day forecasts", xlabel="date", ylabel="close (USD)")
ax.legend()"""


def toy_cells(answers: dict[int, str]) -> list[str]:
    """The code cells of the small assignment with ``answers`` (step -> code) in the starter cells."""
    return [
        IMPORTS, STEPS.format_map({f"s{k}": f"prices = {v}" if k == 1 else v for k, v in SOLVED.items()}),
        STEP1.format(answer=answers[1]), CONTINUE1,
        STEP2.format(answer=answers[2]), CONTINUE2,
        FORECASTS,
        STEP3.format(answer=answers[3]), CONTINUE3,
        STEP4.format(answer=answers[4]), CONTINUE4,
    ]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A small assignment for the grader's tests")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


def toy_class(folder: Path) -> dict[str, list[str]]:
    """Every submission of the small assignment, by learner name: their code cells."""
    solved = toy_cells(SOLVED)
    return {
        "ada_solved": solved,
        "ben_untouched": toy_cells(UNTOUCHED),
        "cleo_leaky_scaler": toy_cells({**SOLVED, 2: LEAKY_SCALER}),
        "dan_mistakes": toy_cells({**SOLVED, 2: SHUFFLED_SPLIT, 3: SCALED_METRICS, 4: NO_BASELINE}),
        # step 3 calls a function that was never imported: the cell raises
        "eve_raises_in_step3": toy_cells({**SOLVED, 3: "results = mean_squared_error(y_true, y_pred)"}),
        # the two cells of step 3 deleted
        "fay_deleted_step3": [c for c in solved if "q3." not in c],
        # step 1 checked through another name (still graded); step 2's check misspelled (an error in step 2)
        # the notebook ends its own Python process in step 3
        "kim_kernel_dies": toy_cells({**SOLVED, 3: "import os\nos._exit(1)"}),
        "gus_renamed_checks": [
            c.replace("q1.check(prices)", "first = q1\nfirst.check(prices)").replace("q2.check(", "q2.verify(")
            for c in solved
        ],
    }


# --- The real assignment ---------------------------------------------------------------------------------------------


def solved_lesson04(path: Path) -> Path:
    """Lesson 04 up to step 6, every blank replaced by the reference solution except a scaler fitted on all the data."""
    nb = nbformat.read(LESSON04, as_version=4)
    exercises = {q.label: q for q in (lesson04.q1, lesson04.q2, lesson04.q3, lesson04.q4, lesson04.q5, lesson04.q6)}
    filled = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or "____" not in cell.source or "from helpers.exercises" in cell.source:
            continue
        lines = cell.source.splitlines()
        check_line = next(line for line in lines if ".check(" in line and not line.startswith("#"))
        label = check_line.split(".")[0].strip()
        first_blank = next(i for i, line in enumerate(lines) if "____" in line)
        setup = [line for line in lines[:first_blank] if line.strip() and not line.startswith("#")]
        solution = exercises[label].solution_code
        if label == "q2":
            assert ".fit(train)" in solution
            solution = solution.replace(".fit(train)", ".fit(daily_returns)")
        cell.source = "\n".join([*setup, solution, check_line])
        filled.add(label)
    assert filled == set(exercises), filled
    # Up to the cell that continues after step 6: the experiments after it check nothing and only cost time here.
    last = max(i for i, cell in enumerate(nb.cells) if "q6.answer_or_reference" in cell.source)
    nb.cells = nb.cells[: last + 1]
    nbformat.write(nb, path)
    return path


# --- Grading the class once ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for name, cells in toy_class(folder).items():
        write_notebook(folder / f"{name}.ipynb", cells)
    solved_lesson04(folder / "hana_lesson04.ipynb")
    (folder / "ivan_not_a_notebook.ipynb").write_text("{ this is not JSON", encoding="utf-8")
    sleeper = write_notebook(
        tmp_path_factory.mktemp("late") / "jon_sleeps.ipynb",
        toy_cells({**SOLVED, 3: "import time\ntime.sleep(600)"}),
    )
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    out = tmp_path_factory.mktemp("out") / "grades.csv"

    # The sleeper sleeps (no CPU) beside the class, with a shorter limit of its own.
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        late = pool.submit(grade.grade_notebook, sleeper, timeout=30)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = grade.main([str(folder), "--out", str(out), "--smoke", "--timeout", "300", "--jobs", "2"])
        sleeper_grade = late.result()
    with open(out, newline="", encoding="utf-8") as source:
        table = {row["submission"]: row for row in csv.DictReader(source)}
    after = {p.name: p.read_bytes() for p in folder.iterdir()}
    print(printed.getvalue())  # shown by pytest -s: the table and each submission's time
    return {"status": status, "table": table, "printed": printed.getvalue(), "before": before, "after": after,
            "sleeper": sleeper_grade, "out": out}


def test_one_row_per_submission_one_column_per_step(graded):
    assert graded["status"] == 0
    table = graded["table"]
    assert sorted(table) == sorted(name[: -len(".ipynb")] for name in graded["before"])
    header = list(next(iter(table.values())))
    assert header == ["submission", "q1", "q2", "q3", "q4", "q5", "q6", "total", "out_of", "seconds", "notes"]
    printed = graded["printed"]
    assert "submission" in printed and "ada_solved" in printed and f"wrote {graded['out']}" in printed
    assert "q3 = Step 3 - evaluation" in printed
    # The small assignment and lesson 04 share the labels q1-q4 for different steps: the table says so.
    assert "not all the same assignment" in printed


def test_all_solutions_are_correct(graded):
    row = graded["table"]["ada_solved"]
    assert [row[f"q{i}"].split(":")[0] for i in range(1, 5)] == ["correct"] * 4
    # The small assignment has no q5, q6: those columns come from lesson 04 and are missing here.
    assert row["q5"] == row["q6"] == "missing"
    assert row["total"] == "4" and row["notes"] == ""


def test_untouched_starter_is_not_attempted(graded):
    row = graded["table"]["ben_untouched"]
    assert all(row[f"q{i}"].startswith("not attempted") for i in range(1, 5))
    assert row["total"] == "0"


def test_each_classic_mistake_is_incorrect_with_its_reason(graded):
    leaky = graded["table"]["cleo_leaky_scaler"]
    assert leaky["q2"].startswith("incorrect") and "look-ahead leakage" in leaky["q2"]
    # The notebook continued with the reference split, so the later steps were still graded on their own.
    assert all(leaky[step].startswith("correct") for step in ("q1", "q3", "q4"))
    assert leaky["total"] == "3"
    mistakes = graded["table"]["dan_mistakes"]
    assert mistakes["q1"].startswith("correct")
    assert mistakes["q2"].startswith("incorrect") and "shuffled" in mistakes["q2"]
    assert mistakes["q3"].startswith("incorrect") and "scaled values" in mistakes["q3"]
    assert mistakes["q4"].startswith("incorrect") and "baseline" in mistakes["q4"]
    assert mistakes["total"] == "1"


def test_a_cell_that_raises_is_reported_and_the_rest_is_graded(graded):
    row = graded["table"]["eve_raises_in_step3"]
    assert row["q3"].startswith("error") and "NameError" in row["q3"] and "mean_squared_error" in row["q3"]
    assert row["q1"].startswith("correct") and row["q2"].startswith("correct") and row["q4"].startswith("correct")
    assert row["total"] == "3" and "NameError" in row["notes"]


def test_deleted_step_is_missing(graded):
    row = graded["table"]["fay_deleted_step3"]
    assert row["q3"] == "missing"
    assert all(row[f"q{i}"].startswith("correct") for i in (1, 2, 4))


def test_renamed_checks_are_graded_by_the_exercise_not_its_name(graded):
    row = graded["table"]["gus_renamed_checks"]
    assert row["q1"].startswith("correct")  # checked as `first.check(...)`: the record names the exercise
    assert row["q2"].startswith("error") and "AttributeError" in row["q2"] and "verify" in row["q2"]
    assert row["q3"].startswith("correct") and row["q4"].startswith("correct")


def test_a_kernel_that_dies_gets_a_clear_row(graded):
    row = graded["table"]["kim_kernel_dies"]
    assert row["q1"].startswith("correct") and row["q2"].startswith("correct")
    assert row["q3"] == "error: the kernel died in cell 8" and row["q4"] == "not reached"
    assert "the kernel died in cell 8" in row["notes"]


def test_a_file_that_is_not_a_notebook_gets_a_row(graded):
    row = graded["table"]["ivan_not_a_notebook"]
    assert "not a readable notebook" in row["notes"]
    assert row["total"] == "0" and row["q1"] == "not reached"


def test_real_assignment_in_smoke_mode(graded):
    row = graded["table"]["hana_lesson04"]
    assert row["q2"].startswith("incorrect") and "look-ahead leakage" in row["q2"], row
    for step in ("q1", "q3", "q4", "q5", "q6"):
        assert row[step].startswith("correct"), (step, row)
    assert row["total"] == "5" and row["out_of"] == "6"


def test_the_sleeper_stops_at_the_time_limit(graded):
    late = graded["sleeper"]
    assert not late.completed
    assert any("time limit (30 s)" in note for note in late.notes), late.notes
    assert late.result("q3") == grade.StepResult("error", "cell 8 ran past the time limit (30 s)")
    assert late.result("q4").status == "not reached"
    assert late.seconds < 30 + 60  # stopped at the limit (plus the kernel's start), not after the 600 s sleep


def test_submissions_are_never_modified_and_nothing_is_written_beside_them(graded):
    assert graded["after"] == graded["before"]
    assert not (Path.cwd() / "scratch.txt").exists()


# --- The record and the offline switch, without a kernel ------------------------------------------------------------


def test_exercises_record_steps_and_verdicts_only_when_asked(tmp_path, monkeypatch, capsys):
    def checker(x):
        if x != 2:
            raise Incorrect("two, please")

    monkeypatch.delenv(RECORD_ENV, raising=False)
    Exercise("Q1 - two", checker, [], "x = 2").check(3)
    quiet = capsys.readouterr().out
    record = tmp_path / "record.jsonl"
    monkeypatch.setenv(RECORD_ENV, str(record))
    step = AssignmentStep("q7", "Step 7 - two", checker, hints=[], solution="x = 2")
    step.check(3)
    assert capsys.readouterr().out == quiet.replace("Q1 - two", "Step 7 - two")  # what the learner sees is unchanged
    step.check(2)
    events = [json.loads(line) for line in record.read_text().splitlines()]
    assert events == [
        {"event": "step", "step": "q7", "name": "Step 7 - two"},
        {"event": "check", "step": "q7", "name": "Step 7 - two", "status": "incorrect", "message": "two, please"},
        {"event": "check", "step": "q7", "name": "Step 7 - two", "status": "correct", "message": "well done."},
    ]


def test_a_record_that_cannot_be_written_never_breaks_the_notebook(tmp_path, monkeypatch):
    monkeypatch.setenv(RECORD_ENV, str(tmp_path / "no" / "such" / "folder" / "record.jsonl"))
    assert Exercise("Q1", lambda x: None, [], "").evaluate(1).correct


def test_offline_switch_keeps_the_loaders_off_the_network(monkeypatch):
    from helpers import data, loading
    from helpers.errors import DataUnavailableError

    def no_network(*args, **kwargs):
        raise AssertionError("a download was attempted")

    monkeypatch.setattr(loading, "download", no_network)
    monkeypatch.setenv(data.OFFLINE_ENV, "1")
    assert len(data.load_stock("MSFT")) > 3000  # the snapshot
    with pytest.raises(DataUnavailableError, match="not available offline"):
        data.load_stock("NVDA")
    with pytest.raises(DataUnavailableError, match=data.OFFLINE_ENV):
        data.load_stock("MSFT", source="live")


def test_bad_command_lines_are_clear(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        grade.main([str(tmp_path)])
    assert exc.value.code == 2 and "no notebooks" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        grade.main([str(tmp_path / "absent.ipynb")])
    assert "neither a notebook nor a folder" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
