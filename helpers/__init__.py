"""Helpers for the course "LSTM networks for time-series prediction".

Importing the package is cheap: TensorFlow is imported only by the functions that need it.
"""

from helpers.errors import CourseError, DataError, DataUnavailableError, PreprocessingError, SnapshotCorruptError

__version__ = "0.1.0"

__all__ = [
    "CourseError",
    "DataError",
    "DataUnavailableError",
    "PreprocessingError",
    "SnapshotCorruptError",
    "available_offline",
    "find_stations",
    "load_sensor",
    "load_stock",
    "load_traffic",
    "load_weather",
]


def __getattr__(name: str):
    # The data loaders live in helpers.data; import it on first use so `import helpers` stays light.
    if name in {"load_stock", "load_weather", "load_sensor", "load_traffic", "find_stations", "available_offline"}:
        from helpers import data

        return getattr(data, name)
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")
