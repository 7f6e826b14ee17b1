"""The lines of :mod:`helpers.progress`: where they are drawn (a notebook display handle, a terminal bar, or only
the summary), the ``verbose`` levels, and the generic :func:`task` and :func:`track`."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tqdm.std import tqdm as _tqdm

from helpers import config
from helpers.errors import CourseError

#: The values of ``verbose``: nothing, the course's line (then its summary), Keras' own per-epoch log.
SILENT, LINE, KERAS_LOG = 0, 1, 2

#: Shortest time between two redraws of a line, in seconds (tqdm's ``mininterval``): enough for the eye, and few
#: enough messages for a notebook front end.
REDRAW_SECONDS = 0.2

#: Lines that are drawn now, outermost first: an inner line's update also redraws the clocks of the outer ones.
_DRAWN: list[Line] = []

#: Width of the bar, in characters.
BAR_WIDTH = 10


def level(verbose: int | None = None, *, environ=None) -> int:
    """What ``verbose`` means here: ``None`` becomes :data:`LINE`, or :data:`SILENT` in smoke mode; ``0``, ``1``
    and ``2`` stay as they are. ``environ`` (default: the process environment) is read only for smoke mode."""
    if verbose is None:
        return SILENT if config.smoke_mode(environ) else LINE
    if isinstance(verbose, bool) or verbose not in (SILENT, LINE, KERAS_LOG):
        raise CourseError(
            f"verbose={verbose!r} is not a progress level. Fix: pass 0 (nothing), 1 (one line per model, the "
            "default), 2 (Keras' own log, one line per epoch) or None (1, and 0 in smoke mode)."
        )
    return int(verbose)


def frontend() -> str:
    """Where a line would be drawn now: ``"notebook"`` (a Jupyter kernel: display handles), ``"terminal"``
    (standard error is a TTY: tqdm's bar) or ``"plain"`` (no live line, only the summary)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        return "notebook"
    try:
        return "terminal" if sys.stderr is not None and sys.stderr.isatty() else "plain"
    except (AttributeError, ValueError):  # a replaced or closed stream
        return "plain"


def _cell() -> int | None:
    """The kernel's execution count (which cell runs now), or None outside a kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "execution_count", None)


def write(text: str) -> None:
    """Print ``text`` as a line of standard output without tearing a live terminal bar apart (tqdm moves the bars
    below it). In a notebook or a log it is an ordinary ``print``."""
    _tqdm.write(text, file=sys.stdout)
    sys.stdout.flush()


class _Sink:
    """A file that swallows what tqdm writes: in a notebook the line goes through a display handle instead."""

    encoding = "utf-8"  # so tqdm draws the bar with Unicode blocks, as every notebook front end shows them

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _Bar(_tqdm):
    """tqdm with a ``{numbers}`` field for the named numbers, no monitor thread, and no leftover line."""

    monitor_interval = 0  # a class attribute of this subclass only: tqdm's own default is untouched

    def __init__(self, *args, **kwargs):
        self.numbers = ""
        super().__init__(*args, **kwargs)

    @property
    def format_dict(self):
        values = super().format_dict
        values["numbers"] = getattr(self, "numbers", "")
        return values


class _NotebookBar(_Bar):
    """The bar drawn through an IPython display handle, which Jupyter front ends update in place."""

    def __init__(self, *args, **kwargs):
        from IPython.display import display

        self._handle = display({"text/plain": kwargs.get("desc") or ""}, raw=True, display_id=True)
        super().__init__(*args, file=_Sink(), **kwargs)

    def display(self, msg=None, pos=None):
        self._handle.update({"text/plain": str(self) if msg is None else msg}, raw=True)
        return True

    def finish(self, summary: str) -> None:
        self.close()
        self._handle.update({"text/plain": summary}, raw=True)


class _TerminalBar(_Bar):
    """tqdm's own bar on standard error, erased at the end; the summary goes to standard output."""

    def finish(self, summary: str) -> None:
        self.close()
        write(summary)


def plural(count: int | float, unit: str | tuple[str, str]) -> str:
    """``unit`` for one, its plural otherwise: ``("series", "series")`` gives both forms; a plain word gets English's
    regular plural (fold -> folds, family -> families, batch -> batches, epoch -> epochs)."""
    if not isinstance(unit, str):
        return unit[0] if count == 1 else unit[1]
    if count == 1:
        return unit
    if unit.endswith("y") and unit[-2:-1] not in tuple("aeiou"):
        return unit[:-1] + "ies"
    return unit + ("es" if unit.endswith(("s", "x", "sh", "tch")) else "s")


class Line:
    """The line of one unit of work. Made by :func:`task`, :func:`track` and :func:`keras_callback`.

    Attributes you may read: ``desc``, ``total``, ``unit``, ``n`` (units done), ``seconds`` (since the start),
    ``level``; and set: ``summary`` (the text of the final line; None gives ``"desc: n units in s"``).
    """

    def __deepcopy__(self, memo) -> Line:
        # A line is one output on the screen: a copy (keras-tuner deep-copies the callbacks of every trial) draws on
        # the same one.
        return self

    def __init__(
        self,
        desc: str,
        total: int | None = None,
        *,
        unit: str | tuple[str, str] = "step",
        upper_bound: bool = False,
        verbose: int | None = None,
        summary: str | None = None,
    ):
        self.desc, self.upper_bound = str(desc), bool(upper_bound)
        self.unit = tuple(unit) if isinstance(unit, tuple) else str(unit)
        self.total = None if total is None else int(total)
        self.level = level(verbose)
        self.summary = summary
        self.n = 0
        self._numbers: dict[str, Any] = {}
        self._bar: _Bar | None = None
        self._started: float | None = None
        self.closed = False
        self._cell: int | None = None

    # -- the life of a line --------------------------------------------------------------------------------------
    def start(self) -> Line:
        """Start the clock and draw the line (nothing is drawn at level 0 or outside a notebook or a terminal)."""
        if self._started is not None:
            return self
        self._started = time.perf_counter()
        where = frontend()
        if self.level == SILENT or where == "plain":
            return self
        # A line left open by an interrupted cell (a bare Keras fit has no hook for it) is no outer line of ours.
        self._cell = _cell()
        _DRAWN[:] = [line for line in _DRAWN if line._cell == self._cell]
        bar_class = _NotebookBar if where == "notebook" else _TerminalBar
        self._bar = bar_class(
            total=self.total,
            desc=self.desc,
            leave=False,
            mininterval=REDRAW_SECONDS,
            miniters=1,
            bar_format=self._format(),
        )
        _DRAWN.append(self)
        return self

    def update(self, n: int = 1, numbers: Mapping[str, Any] | None = None, **named: Any) -> None:
        """Advance by ``n`` units and show named numbers: ``line.update(1, best_val_loss=0.0123)`` shows
        ``best val loss 0.0123`` (underscores become spaces); ``numbers={"val_loss": 0.0123}`` keeps names as
        they are. A name shown before keeps its place and takes the new value."""
        if self._started is None:
            self.start()
        self.n += n
        if numbers or named:
            self.show(numbers, refresh=False, **named)
        if self._bar is not None:
            self._bar.update(n)
            for outer in _DRAWN:
                bar = outer._bar
                if outer is not self and bar is not None and bar._time() - bar.last_print_t >= 1:
                    bar.refresh()

    def show(self, numbers: Mapping[str, Any] | None = None, *, refresh: bool = True, **named: Any) -> None:
        """Show named numbers on the line without advancing it (floats are printed with 3 significant digits)."""
        self._numbers.update(numbers or {})
        self._numbers.update({name.replace("_", " "): value for name, value in named.items()})
        if self._bar is not None:
            self._bar.numbers = "".join(f" · {name} {_fmt(value)}" for name, value in self._numbers.items())
            if refresh:
                self._bar.refresh()

    def close(self, error: BaseException | None = None) -> str:
        """End the line: replace it by the summary line (printed at level 1 and 2); return the summary."""
        if self._started is None:
            self.start()
        if self.closed:
            return self.summary_text(error)
        self.closed = True
        text = self.summary_text(error)
        if self in _DRAWN:
            _DRAWN.remove(self)
        if self._bar is not None:
            self._bar.finish(text)
        elif self.level != SILENT:
            write(text)
        return text

    def __enter__(self) -> Line:
        return self.start()

    def __exit__(self, kind, error, traceback) -> bool:
        # GeneratorExit: the loop over track() ended early (a break): an ordinary end, not a failure
        self.close(None if isinstance(error, GeneratorExit) else error)
        return False

    # -- what it says ------------------------------------------------------------------------------------------------
    @property
    def seconds(self) -> float:
        """Seconds since the line started (0 before)."""
        return 0.0 if self._started is None else time.perf_counter() - self._started

    def summary_text(self, error: BaseException | None = None) -> str:
        """The summary line: :attr:`summary` if set, else ``"desc: 4 folds in 54.2 s"``; after an error, where it
        stopped and why."""
        if error is not None:
            why = "interrupted" if isinstance(error, KeyboardInterrupt) else type(error).__name__
            of = f" of {'≤' if self.upper_bound else ''}{self.total}" if self.total is not None else ""
            units = plural(self.total or self.n, self.unit)
            return f"{self.desc}: stopped after {self.n}{of} {units}, {self.seconds:.1f} s ({why})"
        if self.summary is not None:
            return self.summary
        of = f" of {self.total}" if self.total is not None and self.n != self.total else ""
        return f"{self.desc}: {self.n}{of} {plural(self.total or self.n, self.unit)} in {self.seconds:.1f} s"

    def _format(self) -> str:
        units = plural(2, self.unit).replace("{", "{{").replace("}", "}}")
        if self.total is None:
            return f"{{desc}}: {{n_fmt}} {units}{{numbers}} · {{elapsed}} elapsed"
        bound = "≤" if self.upper_bound else ""
        return (
            f"{{desc}} |{{bar:{BAR_WIDTH}}}| {{n_fmt}}/{bound}{{total_fmt}} {units}{{numbers}} · "
            f"{{elapsed}} elapsed, {bound}{{remaining}} left"
        )


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def task(
    desc: str,
    total: int | None = None,
    *,
    unit: str | tuple[str, str] = "step",
    upper_bound: bool = False,
    verbose: int | None = None,
    summary: str | None = None,
) -> Line:
    """A line for one unit of work, as a context manager: ``with progress.task("tuner", total=20, unit="trial") as
    line: ... line.update(1, best=0.012)``.

    ``total`` is the number of steps (None if unknown: no bar, no estimate); ``upper_bound=True`` says it is a cap
    that may not be reached (shown as ``≤ total``). ``summary`` (or ``line.summary = ...`` before the block ends)
    replaces the default summary ``"desc: n units in s"``. ``verbose``: see :func:`level`.
    """
    return Line(desc, total, unit=unit, upper_bound=upper_bound, verbose=verbose, summary=summary)


def track(
    items: Iterable[Any],
    desc: str,
    *,
    total: int | None = None,
    unit: str | tuple[str, str] = "item",
    verbose: int | None = None,
) -> Iterator[Any]:
    """Yield ``items`` one by one with a line that advances after each: ``for fold in progress.track(folds,
    "backtest", unit="fold"): ...``. ``total`` defaults to ``len(items)`` when it has one. The summary line says
    how many were done, e.g. ``"backtest: 4 folds in 54.2 s"`` (``"3 of 4 folds"`` after a ``break``)."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(desc, total, unit=unit, verbose=verbose) as line:
        for item in items:
            yield item
            line.update(1)
