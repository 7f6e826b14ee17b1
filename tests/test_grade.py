"""The grader, ``python -m helpers.grade``: a class of submissions, each graded in a fresh kernel.

Most submissions are a small four-step assignment made here from the course's own checkers (data, preprocessing,
evaluation, figure: the classic mistakes live in those), so each runs in about 2 CPU s without TensorFlow. One real
assignment, lesson 04 filled by ``tools/render_solutions.py``, is graded in smoke mode: every step must check correct,
which is also the suite's proof that lesson 04's reference solutions pass in their notebook (one kernel for both).
The class is graded once (a module fixture), two at a time, by the command itself, in the sandbox when
bubblewrap works here (``.ci/run`` installs it); the submission that sleeps past the time limit is graded beside it
with a short limit. The sandbox's own tests (a malicious notebook, the same verdicts without it) follow the class's.
Every kernel costs CPU seconds, so each submission proves several things: the solved one is mallory's, whose honest
work is complete and who also tries to reach outside her folder (graded once with the sandbox, once without).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from grade_class import (
    checksums,
    connected,
    listener,
    malicious,
    sleeper,
    solved_lesson04,
    toy_class,
    write_notebook,
)

from helpers import grade
from helpers.config import RECORD_ENV
from helpers.data import data_dir
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import Exercise, Incorrect

# --- Grading the class once ------------------------------------------------------------------------------------------

SANDBOX = grade.resolve_sandbox(None) is not None
#: The sleeper's time limit (seconds, shared by its cells from the first one): long enough for its three cells before
#: the sleep on a loaded machine (under a second idle), short enough not to outlast the class graded beside it.
SLEEPER_LIMIT = 20
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason="no sandbox here: " + grade.INSTALL)


def grade_class(folder: Path, *args: str) -> tuple[int, str, dict[str, dict[str, str]]]:
    out = folder.parent / f"{folder.name}.csv"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = grade.main([str(folder), "--out", str(out), "--smoke", "--timeout", "300", "--jobs", "2", *args])
    with open(out, newline="", encoding="utf-8") as source:
        table = {row["submission"]: row for row in csv.DictReader(source)}
    print(printed.getvalue())  # shown by pytest -s: the table and each submission's time
    return status, printed.getvalue(), table


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Three gradings, one kernel per submission:

    * the class, by the command in the default mode (the sandbox where bubblewrap works): the small assignment's
      submissions that go wrong, lesson 04 solved, a file that is not a notebook, and mallory, who solved every step
      and tries to delete a file, write into the course's data and open a connection;
    * beside it, the sleeper alone (it sleeps: no CPU), with a short time limit;
    * then mallory once more with ``--no-sandbox``, on targets of her own: the attack succeeds, and her steps get
      the same verdicts as in the sandbox."""
    folder = tmp_path_factory.mktemp("submissions")
    for name, cells in toy_class().items():
        write_notebook(folder / f"{name}.ipynb", cells)
    solved_lesson04(folder / "hana_lesson04.ipynb")
    (folder / "ivan_not_a_notebook.ipynb").write_text("{ this is not JSON", encoding="utf-8")
    outside = tmp_path_factory.mktemp("outside")
    canary = outside / "canary.txt"
    canary.write_text("the teacher's file")
    # Under the sandbox the target is the course's own data/; without one, a stand-in (the attack would succeed).
    data = data_dir() if SANDBOX else outside / "data"
    data.mkdir(exist_ok=True)
    server = listener()
    write_notebook(folder / "mallory.ipynb", malicious(canary, data, server.getsockname()[1]))
    jon = write_notebook(tmp_path_factory.mktemp("late") / "jon_sleeps.ipynb", sleeper())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    data_before = checksums(data)

    # The bare run, without the sandbox: the malicious notebook with targets of its own.
    plain = tmp_path_factory.mktemp("plain")
    plain_canary, plain_data, plain_server = outside / "canary2.txt", outside / "plain_data", listener()
    plain_canary.write_text("the teacher's file")
    plain_data.mkdir()
    write_notebook(plain / "mallory.ipynb", malicious(plain_canary, plain_data, plain_server.getsockname()[1]))

    # The sleeper sleeps (no CPU) beside the class, with a short limit of its own.
    with ThreadPoolExecutor(1) as pool:
        late = pool.submit(grade.grade_notebook, jon, timeout=SLEEPER_LIMIT)
        status, printed, table = grade_class(folder)
        sleeper_grade = late.result()
    plain_status, plain_printed, plain_table = grade_class(plain, "--no-sandbox")
    result = {
        "status": status, "table": table, "printed": printed, "before": before, "sleeper": sleeper_grade,
        "after": {p.name: p.read_bytes() for p in folder.iterdir()}, "out": folder.parent / f"{folder.name}.csv",
        "canary": canary, "data": data, "data_before": data_before, "data_after": checksums(data),
        "reached": connected(server), "port": server.getsockname()[1],
        "plain_status": plain_status, "plain": plain_table, "plain_printed": plain_printed,
        "plain_canary": plain_canary, "plain_data": plain_data, "plain_reached": connected(plain_server),
        "plain_port": plain_server.getsockname()[1],
    }
    server.close()
    plain_server.close()
    return result


def test_one_row_per_submission_one_column_per_step(graded):
    assert graded["status"] == 0
    table = graded["table"]
    assert sorted(table) == sorted(name[: -len(".ipynb")] for name in graded["before"])
    header = list(next(iter(table.values())))
    assert header == ["submission", "q1", "q2", "q3", "q4", "q5", "q6", "total", "out_of", "seconds", "notes",
                      "tried", "sandbox"]
    printed = graded["printed"]
    assert printed.splitlines()[0].startswith("Sandbox: " + ("bubblewrap" if SANDBOX else "none"))
    assert "submission" in printed and "cleo_mistakes" in printed and f"wrote {graded['out']}" in printed
    assert "q3 = Step 3 - evaluation" in printed
    # The small assignment and lesson 04 share the labels q1-q4 for different steps: the table says so.
    assert "not all the same assignment" in printed


def test_all_solutions_are_correct(graded):
    row = graded["table"]["mallory"]  # her honest work is the complete solution (her attempts: the sandbox's tests)
    assert row["sandbox"] == ("bubblewrap" if SANDBOX else "none")
    assert [row[f"q{i}"].split(":")[0] for i in range(1, 5)] == ["correct"] * 4
    # The small assignment has no q5, q6: those columns come from lesson 04 and are missing here.
    assert row["q5"] == row["q6"] == "missing"
    assert row["total"] == "4" and row["notes"] == ""


def test_untouched_steps_are_not_attempted_and_deleted_ones_missing(graded):
    row = graded["table"]["ben_untouched_and_deleted"]
    assert row["q1"].startswith("not attempted") and row["q2"].startswith("not attempted")
    assert row["q3"] == "missing"  # both of its cells deleted
    assert row["q4"] == "missing", row  # only the cell that checks it: the next cell raised NameError
    assert row["total"] == "0" and "NameError" in row["notes"]


def test_each_classic_mistake_is_incorrect_with_its_reason(graded):
    row = graded["table"]["cleo_mistakes"]
    assert row["q1"].startswith("correct")
    assert row["q2"].startswith("incorrect") and "look-ahead leakage" in row["q2"]
    # The notebook continued with the reference split, so the later steps were graded on their own mistakes.
    assert row["q3"].startswith("incorrect") and "scaled values" in row["q3"]
    assert row["q4"].startswith("incorrect") and "baseline" in row["q4"]
    assert row["total"] == "1"
    # Every cell ran (data loaded, a file written in its folder, figures drawn): nothing of that counts as an attempt.
    assert row["tried"] == "" and row["notes"] == ""


def test_cells_that_raise_are_reported_and_checks_are_graded_by_the_exercise_not_its_name(graded):
    row = graded["table"]["eve_errors"]
    assert row["q1"].startswith("correct")  # checked as `first.check(...)`: the record names the exercise
    assert row["q2"].startswith("error") and "AttributeError" in row["q2"] and "verify" in row["q2"]
    assert row["q3"].startswith("error") and "NameError" in row["q3"] and "mean_squared_error" in row["q3"]
    assert row["q4"].startswith("correct")
    assert row["total"] == "2" and "AttributeError" in row["notes"]


def test_a_kernel_that_dies_gets_a_clear_row(graded):
    row = graded["table"]["kim_kernel_dies"]
    assert row["q1"].startswith("correct")  # recorded before the death: the record survives it
    assert row["q2"] == "error: the kernel died in cell 5" and row["q3"] == row["q4"] == "not reached"
    assert "the kernel died in cell 5" in row["notes"]


def test_a_file_that_is_not_a_notebook_gets_a_row(graded):
    row = graded["table"]["ivan_not_a_notebook"]
    assert "not a readable notebook" in row["notes"]
    assert row["total"] == "0" and row["q1"] == "not reached"


def test_real_assignment_solved_checks_correct_in_every_step(graded):
    """Lesson 04 with every reference solution filled in, graded in smoke mode: the grader on a real assignment, and
    the proof that each of lesson 04's solutions checks Correct in its notebook (its leaky-scaler mistake is
    tests/test_exercises_lesson04.py's, the same mistake through the grader is cleo's)."""
    row = graded["table"]["hana_lesson04"]
    for step in ("q1", "q2", "q3", "q4", "q5", "q6"):
        assert row[step].startswith("correct"), (step, row)
    assert row["total"] == "6" and row["out_of"] == "6" and row["tried"] == "" and row["notes"] == "", row


def test_the_sleeper_stops_at_the_time_limit(graded):
    late = graded["sleeper"]
    assert not late.completed
    assert any(f"time limit ({SLEEPER_LIMIT} s)" in note for note in late.notes), late.notes
    assert late.result("q1") == grade.StepResult("error", f"cell 3 ran past the time limit ({SLEEPER_LIMIT} s)")
    assert [late.result(step).status for step in ("q2", "q3", "q4")] == ["not reached"] * 3
    assert 0 < late.cpu < late.seconds * 4  # the run's own measure of its CPU time, kernel included
    assert late.seconds < SLEEPER_LIMIT + 90  # stopped at the limit (plus the kernel's start), not after 600 s


def test_submissions_are_never_modified_and_nothing_is_written_beside_them(graded):
    assert graded["after"] == graded["before"]
    assert not (Path.cwd() / "scratch.txt").exists()


# --- The sandbox ---------------------------------------------------------------------------------------------------


@needs_sandbox
def test_the_sandbox_refuses_what_a_malicious_notebook_tries_and_the_row_names_it(graded):
    assert graded["canary"].read_text() == "the teacher's file"
    assert graded["data_after"] == graded["data_before"]  # the course's own data/, checksum by checksum
    assert not graded["reached"]  # its network is its own: the teacher's port never saw the connection
    row = graded["table"]["mallory"]
    # Her three attempts, and nothing else: her honest cells are not taken for attempts.
    attempts = (f"deleting {graded['canary']}", f"writing {graded['data'] / 'evil.csv'}",
                f"a network connection to 127.0.0.1:{graded['port']}")
    assert row["sandbox"] == "bubblewrap" and row["tried"] == "refused by the sandbox: " + "; ".join(attempts)
    assert row["total"] == "4"  # and her honest work is graded as usual
    assert "tried: refused by the sandbox" in graded["printed"]


def test_without_the_sandbox_the_attempts_succeed_and_the_row_still_names_them(graded):
    assert graded["plain_status"] == 0
    assert graded["plain_printed"].splitlines()[0].startswith("Sandbox: none (--no-sandbox)")
    assert not graded["plain_canary"].exists()  # documented: without the sandbox it runs with your permissions
    assert (graded["plain_data"] / "evil.csv").read_text() == "overwritten"
    assert graded["plain_reached"]
    row = graded["plain"]["mallory"]
    # Her three attempts and nothing else, also without the sandbox: her honest cells, which load the data (from a
    # copy in her folder), write a file and draw, are not taken for attempts.
    attempts = (f"deleting {graded['plain_canary']}", f"writing {graded['plain_data'] / 'evil.csv'}",
                f"a network connection to 127.0.0.1:{graded['plain_port']}")
    assert row["sandbox"] == "none"
    assert row["tried"] == "not sandboxed, so it ran with your permissions: " + "; ".join(attempts)


def test_honest_work_gets_the_same_verdicts_with_and_without_the_sandbox(graded):
    sandboxed, plain = graded["table"]["mallory"], graded["plain"]["mallory"]  # her attempts differ, not her steps
    for column in ("q1", "q2", "q3", "q4", "total", "notes"):
        assert sandboxed[column] == plain[column], column


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


def test_an_output_that_cannot_be_written_stops_before_grading(tmp_path, capsys, monkeypatch):
    notebook = write_notebook(tmp_path / "ada.ipynb", ["raise SystemExit('graded: it should not have run')"])
    monkeypatch.setattr(grade.cli, "grade_all", lambda *a, **k: pytest.fail("graded before checking --out"))
    with pytest.raises(SystemExit) as exc:
        grade.main([str(notebook), "--out", str(tmp_path / "no" / "such" / "grades.csv")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "does not exist" in err and "mkdir -p" in err and "nothing was graded" in err
    with pytest.raises(SystemExit):
        grade.main([str(notebook), "--out", str(tmp_path)])
    assert "is a folder" in capsys.readouterr().err


def test_sandbox_asked_for_but_missing_fails_clearly(tmp_path, capsys, monkeypatch):
    notebook = write_notebook(tmp_path / "ada.ipynb", ["1"])
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    with pytest.raises(SystemExit) as exc:
        grade.main([str(notebook), "--sandbox", "--out", str(tmp_path / "g.csv")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "bubblewrap (bwrap) is not installed" in err and "apt-get install bubblewrap" in err
    assert grade.resolve_sandbox(None) is None  # the default then grades without one, and the first line says why
    with pytest.raises(grade.SandboxUnavailable) as why:
        grade.find()
    line = grade.mode_line(None, str(why.value))
    assert line.startswith("Sandbox: none. bubblewrap (bwrap) is not installed") and "your permissions" in line


def test_the_runner_builds_a_kernel_environment_without_touching_this_one(monkeypatch):
    from helpers import runner

    monkeypatch.setenv("LSTM_COURSE_SMOKE", "1")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    before = dict(os.environ)
    full = runner.kernel_env(smoke=False, extra={"MPLBACKEND": "Agg", "PYTHONPATH": None})
    smoke = runner.kernel_env(smoke=True, base={"PYTHONPATH": "/elsewhere"})
    assert dict(os.environ) == before  # nothing to restore: this process's environment never changes
    assert "LSTM_COURSE_SMOKE" not in full and full["MPLBACKEND"] == "Agg" and "PYTHONPATH" not in full
    assert smoke == {"LSTM_COURSE_SMOKE": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
                     "PYTHONPATH": os.pathsep.join([str(runner.COURSE_ROOT), "/elsewhere"])}
