"""Grading one submission: a private folder, the run (sandboxed or not, by :mod:`helpers.grade.child`), the row."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from helpers import runner
from helpers.config import DATA_ENV, OFFLINE_ENV, RECORD_ENV
from helpers.grade.results import EXECUTED, RECORD, STATUS, WATCH_LOG, Grade, parse_records, score, short
from helpers.grade.sandbox import Sandbox, SandboxUnavailable, find

__all__ = ["DEFAULT_TIMEOUT", "STARTUP_ALLOWANCE", "grade_notebook", "resolve_sandbox"]

#: Default time limit for one notebook, in seconds of cell execution (the kernel's start is not counted). A lesson
#: runs in about 4 minutes in full mode on 2 cores; several graded side by side share the cores.
DEFAULT_TIMEOUT = 900

#: Seconds allowed beyond the cells' time limit before the whole run is stopped from outside (the kernel's start,
#: the client's own): only a run whose client hangs ever reaches it.
STARTUP_ALLOWANCE = 240

#: The largest file the grader reads back from a submission's folder (the executed notebook, the records).
MOST_BYTES = 200 * 2**20

#: What each kind of attempt is called in a row.
_WORDS = {"write": "writing", "delete": "deleting", "move": "moving", "change": "changing the permissions of",
          "connect": "a network connection to", "look up": "looking up the host", "run": "running the command"}


def resolve_sandbox(sandbox: bool | Sandbox | None) -> Sandbox | None:
    """``None``: the machine's sandbox if there is one, else none; ``True``: the machine's sandbox or
    :class:`~helpers.grade.sandbox.SandboxUnavailable`; ``False``: none; a :class:`Sandbox`: that one."""
    if isinstance(sandbox, Sandbox) or sandbox is False:
        return sandbox or None
    try:
        return find()
    except SandboxUnavailable:
        if sandbox:
            raise
        return None


def _data_source() -> Path:
    """The course's data folder, as :func:`helpers.data.data_dir` resolves it."""
    from helpers.data import data_dir

    return data_dir()


def _read_back(path: Path) -> str | None:
    """The text of a file the submission's run left, never following a link it may have put there; None if absent,
    not a plain file, or too large."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as source:
        if not Path(path).is_file() or os.fstat(source.fileno()).st_size > MOST_BYTES:
            return None
        return source.read().decode("utf-8", errors="replace")


def _font_cache(home: Path) -> None:
    """Copy your matplotlib font list into the submission's home, so that its kernel need not rebuild it (seconds)."""
    mine = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    target = home / ".cache" / "matplotlib"
    for font_list in Path(mine).glob("fontlist-*.json"):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(font_list, target / font_list.name)


def _kernel_env(folder: Path, data: Path, *, smoke: bool, threads: int | None) -> dict[str, str]:
    extra: dict[str, str | None] = {
        RECORD_ENV: str(folder / RECORD),
        OFFLINE_ENV: "1",
        DATA_ENV: str(data),
        "HOME": str(folder / "home"),  # caches (Keras, matplotlib) and anything a notebook keeps go here
        **dict.fromkeys(("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "MPLCONFIGDIR", "KERAS_HOME")),
        "TMPDIR": str(folder / "tmp"),
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",  # the course is read-only in the sandbox: no .pyc beside it, either way
        "PYTHONHASHSEED": "0",
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "0"),
        "JUPYTER_RUNTIME_DIR": str(folder / "tmp"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    if threads:  # notebooks graded side by side share the cores instead of each claiming all of them
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
            extra[var] = str(threads)
        extra["TF_NUM_INTEROP_THREADS"] = "1"
    return runner.kernel_env(smoke=smoke, extra=extra)


def _attempts(text: str | None) -> list[str]:
    """What the run tried outside its folder, in words, from the watch's log (see :mod:`helpers.grade.guard`)."""
    found = []
    for line in (text or "").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "kind" in event:
            words = _WORDS.get(str(event["kind"]), str(event["kind"]))
            found.append(f"{words} {short(str(event.get('target', '')), 160)}")
    return found


def grade_notebook(path: str | os.PathLike, *, timeout: float = DEFAULT_TIMEOUT, smoke: bool = False,
                   threads: int | None = None, name: str | None = None,
                   sandbox: bool | Sandbox | None = None) -> Grade:
    """Run one submission in a fresh kernel, in a private copy, and grade it. Never raises for a bad notebook.

    ``timeout`` bounds the time spent executing cells (seconds); ``threads`` caps the kernel's math threads;
    ``name`` is the row's label (default: the file name without ``.ipynb``); ``sandbox``: see
    :func:`resolve_sandbox` (default: the machine's sandbox when there is one).
    """
    import nbformat

    path = Path(path)
    box = resolve_sandbox(sandbox)
    grade = Grade(submission=name or path.stem, path=str(path), sandbox="bubblewrap" if box else "")
    start = time.monotonic()
    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook, unreadable: a row that says so
        grade.notes.append(f"not a readable notebook ({type(exc).__name__}: {short(str(exc), 120)})")
        return grade

    # ignore_cleanup_errors: files the notebook left read-only must not turn a graded row into a crash.
    with tempfile.TemporaryDirectory(prefix="lstm-grade-", ignore_cleanup_errors=True) as tmp_name:
        folder = Path(tmp_name).resolve()
        (folder / "home").mkdir()
        _font_cache(folder / "home")
        (folder / "tmp").mkdir()
        shutil.copy2(path, folder / "submission.ipynb")
        source = _data_source()
        if box:  # the course's own data, read-only
            data = source
        else:  # a copy, so the course's own files stay untouched by an honest mistake
            data = folder / "data"
            if source.is_dir():
                shutil.copytree(source, data)
        (folder / RECORD).touch()
        argv = [sys.executable, "-m", "helpers.grade.child", str(folder), "submission.ipynb", f"{timeout:g}"]
        if box:
            argv = box.command(argv, private=folder, read_only=[runner.COURSE_ROOT, data])
        env = _kernel_env(folder, data, smoke=smoke, threads=threads)
        try:
            done = subprocess.run(argv, env=env, cwd=folder, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout + STARTUP_ALLOWANCE)
            said = (done.stderr or b"").decode("utf-8", errors="replace").strip()
        except subprocess.TimeoutExpired:
            said = f"the run was stopped from outside after {timeout + STARTUP_ALLOWANCE:g} s"
        try:
            status: Any = json.loads(_read_back(folder / STATUS) or "{}")
        except ValueError:
            status = {}
        if not isinstance(status, dict) or not status:
            status = {"notes": [f"the run left no result ({short(said[-300:], 300) or 'no message'})"]}
        executed = _read_back(folder / EXECUTED)
        try:
            nb = nbformat.reads(executed, as_version=4) if executed else None
        except Exception:
            nb = None
        events = parse_records(_read_back(folder / RECORD) or "")
        grade.attempts = _attempts(_read_back(folder / WATCH_LOG))
    grade.completed = bool(status.get("completed"))
    with contextlib.suppress(TypeError, ValueError):
        grade.cpu = float(status.get("cpu", 0.0))
    grade.notes += [short(str(n), 600) for n in status.get("notes", [])]
    stopped = status.get("stopped")
    stopped = (str(stopped[0]), str(stopped[1])) if isinstance(stopped, list) and len(stopped) == 2 else None
    score(grade, events, nb, stopped)
    grade.seconds = time.monotonic() - start
    return grade
