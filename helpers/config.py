"""The course's environment variables, named and parsed in one place.

Every ``LSTM_COURSE_*`` variable that changes how the helpers behave is listed here, with the one parser of "true"
that all of them share. Other modules import the names and functions from here; none reads ``os.environ`` for a
course variable itself. Each reader takes an optional ``environ`` mapping (default: the process environment), so a
tool that prepares the environment of a child process (a notebook kernel, a grading sandbox) can ask what that child
will see without changing its own.

=============================  ==================================================================================
variable                       meaning
=============================  ==================================================================================
``LSTM_COURSE_SMOKE``          true: every notebook runs a tiny version of itself (few epochs, small data); tests
``LSTM_COURSE_OFFLINE``        true: the loaders never touch the network (``source="auto"`` acts as ``"offline"``)
``LSTM_COURSE_DATA``           a folder that replaces the repository's ``data/`` (tests point it at a copy)
``LSTM_COURSE_GRADE_RECORD``   a file in which every exercise appends one JSON line per verdict (the grader)
``LSTM_COURSE_VEGA_TARBALL``   the npm tarball of vega-datasets, for rebuilding the traffic snapshot (maintainers)
=============================  ==================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

SMOKE_ENV = "LSTM_COURSE_SMOKE"
OFFLINE_ENV = "LSTM_COURSE_OFFLINE"
DATA_ENV = "LSTM_COURSE_DATA"
RECORD_ENV = "LSTM_COURSE_GRADE_RECORD"
VEGA_TARBALL_ENV = "LSTM_COURSE_VEGA_TARBALL"

#: The spellings of "true" (case and surrounding spaces ignored); anything else, unset included, is false.
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


def _value(name: str, environ: Mapping[str, str] | None) -> str:
    return (os.environ if environ is None else environ).get(name, "").strip()


def flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """True when the variable ``name`` is set to one of :data:`TRUE_VALUES`."""
    return _value(name, environ).lower() in TRUE_VALUES


def smoke_mode(environ: Mapping[str, str] | None = None) -> bool:
    """True in smoke mode (:data:`SMOKE_ENV`): notebooks and pipelines shrink to a run of seconds."""
    return flag(SMOKE_ENV, environ)


def offline(environ: Mapping[str, str] | None = None) -> bool:
    """True when the loaders must stay off the network (:data:`OFFLINE_ENV`)."""
    return flag(OFFLINE_ENV, environ)


def data_dir_override(environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder named by :data:`DATA_ENV`, or None to use the repository's ``data/``."""
    value = _value(DATA_ENV, environ)
    return Path(value).expanduser() if value else None


def grade_record_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The file named by :data:`RECORD_ENV` for grading records, or None (nothing is recorded)."""
    value = _value(RECORD_ENV, environ)
    return Path(value) if value else None


def vega_tarball(environ: Mapping[str, str] | None = None) -> Path | None:
    """The vega-datasets tarball named by :data:`VEGA_TARBALL_ENV`, or None."""
    value = _value(VEGA_TARBALL_ENV, environ)
    return Path(value) if value else None
