"""The course's own exceptions.

Every error a learner can trigger with bad input is one of these, raised early with a message that names the
problem and the fix, instead of a traceback from deep inside pandas or TensorFlow. They subclass ``ValueError`` so
that generic ``except ValueError`` code keeps working.
"""

from __future__ import annotations


class CourseError(ValueError):
    """Base class of every error the helpers raise on bad input."""


class DataError(CourseError):
    """A data set cannot be loaded: unknown name, no network and no snapshot, range not covered, bad file."""


class DataUnavailableError(DataError):
    """Neither the offline snapshots nor the live source can serve the request."""


class SnapshotCorruptError(DataError):
    """A file under ``data/`` does not match its recorded checksum or cannot be parsed."""


class PreprocessingError(CourseError):
    """The frame cannot be split, scaled or windowed as asked (NaNs, too short, bad columns, ...)."""


class ArgumentError(CourseError):
    """An argument has the wrong type or lies outside its range, whatever the function: a count that must be a
    positive integer (``horizon``, ``lookback``, ``folds``, ``units``), a seed, a fraction such as ``coverage`` or
    ``dropout``. :mod:`helpers.checks` raises it, with one message per kind of mistake."""
