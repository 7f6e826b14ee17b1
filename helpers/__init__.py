"""Helpers for the course "LSTM networks for time-series prediction".

The loaders and the errors are importable from here (``from helpers import load_stock``); everything else from its
module (``from helpers import preprocessing`` then ``preprocessing.make_windows(...)``). Importing the package loads
pandas but not TensorFlow, scikit-learn or matplotlib: the modules that need those import them.
"""

from helpers.data import available_offline, find_stations, load_sensor, load_stock, load_traffic, load_weather
from helpers.errors import (
    ArgumentError,
    CourseError,
    DataError,
    DataUnavailableError,
    PreprocessingError,
    SnapshotCorruptError,
)

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
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
