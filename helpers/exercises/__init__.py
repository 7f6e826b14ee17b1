"""Exercise objects in the style of Kaggle's learntools.

Each lesson binds its exercises with ``from helpers.exercises.<lesson> import *``, which brings ``q1``, ``q2``, ...
and the blank marker ``____``. The framework lives in :mod:`helpers.exercises.core`.
"""

from helpers.exercises.core import Blank, CheckResult, Exercise, Incorrect, NotAttempted, ____, is_blank

__all__ = ["____", "Blank", "CheckResult", "Exercise", "Incorrect", "NotAttempted", "is_blank"]
