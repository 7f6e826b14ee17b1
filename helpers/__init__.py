"""Helpers for the course "LSTM networks for time-series prediction".

The loaders and the errors are importable from here (``from helpers import load_stock``); everything else from its
module (``from helpers import preprocessing`` then ``preprocessing.make_windows(...)``). Importing the package loads
nothing heavy: the loaders (and pandas with them) are imported on first use (PEP 562), so that a process that needs
only a small module (the grader's, a tool's) does not pay for pandas; the modules that need TensorFlow, scikit-learn
or matplotlib import them.
"""

from helpers.errors import (
    ArgumentError,
    CourseError,
    DataError,
    DataUnavailableError,
    PreprocessingError,
    SnapshotCorruptError,
)

__version__ = "0.1.0"

#: The loaders, defined in :mod:`helpers.data` and imported from it on first use.
_LOADERS = ("available_offline", "find_stations", "load_sensor", "load_stock", "load_traffic", "load_weather")

__all__ = [
    "ArgumentError",
    "CourseError",
    "DataError",
    "DataUnavailableError",
    "PreprocessingError",
    "SnapshotCorruptError",
    *_LOADERS,
]


def __getattr__(name: str):
    if name in _LOADERS:
        from helpers import data

        return getattr(data, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LOADERS})
