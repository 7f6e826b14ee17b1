"""Checks of scalar arguments shared by every module, so that one kind of mistake gets one error class and one
message wherever it is made: :class:`~helpers.errors.ArgumentError`, naming the argument, what it means and a value
that works.

A count (``horizon``, ``lookback``, ``folds``, ``units``, ...) is a positive integer: an ``int``, a NumPy integer or
a float with no fractional part (``7.0``, what ``n / 2`` gives); never a bool or a string. A seed is a non-negative
integer. A fraction (``coverage``, ``dropout``, ``quantile``) is a real number inside its interval.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from helpers.errors import ArgumentError


def _is_number(value) -> bool:
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, float, np.integer, np.floating))


def positive_int(value, name: str, meaning: str = "", *, example: int = 1) -> int:
    """``value`` as an int if it is a positive integer, else :class:`ArgumentError` naming ``name``."""
    if not _is_number(value) or not np.isfinite(value) or value != int(value) or value < 1:
        what = f" ({meaning})" if meaning else ""
        raise ArgumentError(
            f"{name} must be a positive integer{what}, got {value!r}. Fix: e.g. {name}={example}."
        )
    return int(value)


def seed(value) -> int:
    """``value`` as an int if it can seed a random generator (a non-negative integer)."""
    if not _is_number(value) or not np.isfinite(value) or value != int(value) or value < 0:
        raise ArgumentError(f"a seed must be a non-negative integer, got {value!r}. Fix: e.g. seeds=(0, 1, 2).")
    return int(value)


def seeds(seed_arg=None, seeds_arg=None, *, default: tuple[int, ...] = (0,)) -> tuple[int, ...]:
    """The seeds of a call that accepts ``seed=`` (one) and ``seeds=`` (one or several): distinct non-negative
    integers, in the order given. Neither given: ``default``. Both given, ``None``, empty or repeated: an error."""
    if seed_arg is not None and seeds_arg is not None:
        raise ArgumentError(
            f"pass seed= or seeds=, not both (got seed={seed_arg!r}, seeds={seeds_arg!r}). Fix: e.g. seeds=(0, 1, 2); "
            "seed=k is the same as seeds=(k,)."
        )
    given = seed_arg if seed_arg is not None else seeds_arg
    if given is None:
        return tuple(default)
    if _is_number(given):
        return (seed(given),)
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise ArgumentError(
            f"seeds must be an integer or a list of integers, got {given!r}. Fix: e.g. seeds=(0, 1, 2)."
        )
    values = [seed(s) for s in given]
    if not values:
        raise ArgumentError("seeds is empty. Fix: pass at least one seed, e.g. seeds=(0, 1, 2).")
    repeated = sorted({s for s in values if values.count(s) > 1})
    if repeated:
        distinct = list(dict.fromkeys(values))
        raise ArgumentError(
            f"seeds {values} repeat {', '.join(map(str, repeated))}: the same seed trains the same network twice, "
            f"which adds nothing to an ensemble. Fix: distinct seeds, e.g. seeds={tuple(distinct)} or "
            f"seeds={tuple(range(len(values)))}."
        )
    return tuple(values)


def fraction(value, name: str, meaning: str, *, zero_ok: bool = False, example: float = 0.8) -> float:
    """``value`` as a float if it lies in (0, 1), or in [0, 1) with ``zero_ok``."""
    inside = _is_number(value) and np.isfinite(value) and (value >= 0 if zero_ok else value > 0) and value < 1
    if not inside:
        interval = "[0, 1)" if zero_ok else "(0, 1)"
        raise ArgumentError(f"{name} is {meaning}, in {interval}; got {value!r}. Fix: e.g. {name}={example}.")
    return float(value)
