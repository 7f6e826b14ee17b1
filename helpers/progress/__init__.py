"""Progress a learner can see: one line per unit of work, live while it runs, one summary line when it ends.

A unit of work is one model's training, one fold of a backtest, one model family, one tuner trial, one graded
submission. While it runs, its line updates **in place**; when it ends, the line is replaced by one short summary::

    gru |██████▌   | 33/≤50 epochs · loss 0.000976 · val_loss 0.000496 · best epoch 33 · 00:41 elapsed, ≤00:16 left
    gru: stopped at epoch 41 of ≤50, best epoch 36 (val_loss 0.0004873), 50.2 s

(the first while it trains, the second after it: the same output, redrawn). A loop around several units has a line
of its own above theirs, e.g. ``backtest |█████     | 1/2 folds · 01:05 elapsed, 00:52 left``.

Where the line is drawn:

- **in a Jupyter kernel** (JupyterLab, Jupyter Notebook, Colab, VS Code): through an IPython display handle
  (``display(..., display_id=True)``, then ``handle.update(...)``). The front end redraws the same output in place,
  and a saved notebook (nbclient, ``tools/run_notebooks.py``, Jupyter's own save) holds only the output's last state:
  the summary line, about 200 bytes. No widget, so no widget state lands in the notebook.
- **in a terminal** (standard error is a TTY): tqdm's ordinary bar on standard error, erased when the unit ends; the
  summary line goes to standard output.
- **anywhere else** (output piped to a file, pytest capturing it): no live line; the summary line on standard output.

The drawing, the rate and the time estimate are tqdm's (``tqdm.std.tqdm``); this module only routes its line and
writes the summaries. Early stopping makes the epoch count an upper bound, so a model's line says ``≤ N`` epochs and
``≤`` the time left.

How much you see, the ``verbose`` switch that every caller passes through:

- ``None`` (the default everywhere): ``1``, but ``0`` in smoke mode (:func:`helpers.config.smoke_mode`), so the
  tests' outputs stay short and stable;
- ``0``: nothing;
- ``1``: the live line, then the summary line;
- ``2``: for :func:`helpers.models.train`, Keras' own log, one line per epoch, instead of the course's line; for
  :func:`task` and :func:`track`, the same as ``1``.

Resolve it once with :func:`level` and pass the caller's ``verbose`` on unchanged, so that ``None`` keeps meaning
"the default for this mode". A cell marked ``# NBVAL_CHECK_OUTPUT`` must not show a summary line (it holds timings
and is absent in smoke mode): pass ``verbose=0`` there, or keep the training in an unchecked cell.

Examples, one per kind of call site::

    from helpers import models, progress

    # 1. one model: models.train draws the line itself; label= names it (default: the model's name)
    models.train(model, train_w, val_w, epochs=50, patience=8, label="fold 2, seed 1")

    # 2. a plain Keras fit: the same line as a callback (Keras' own log off)
    line = progress.keras_callback("gru")
    model.fit(X, y, validation_data=(X_val, y_val), epochs=50, callbacks=[early_stopping, line], verbose=0)
    line.best_epoch, line.epochs_run, line.summary      # what the summary line said, as values

    # 3. a loop over known items (folds, families, submissions): one line for the whole loop
    for fold in progress.track(folds, "backtest", unit="fold", verbose=verbose):
        models.train(..., label=f"fold {fold}", verbose=verbose)   # nested: one line per model below it

    # 4. a unit of work with its own numbers (an interval method, a loop of your own), and its own summary
    with progress.task("split conformal", total=len(alphas), unit="level", verbose=verbose) as line:
        for alpha in alphas:
            ...
            line.update(1, coverage=covered)            # advance one step; named numbers shown on the line
        line.summary = f"split conformal: {line.n} levels, coverage {covered:.3f}, {line.seconds:.1f} s"

    # 5. keras-tuner runs the fits: a line per trial, and an outer line that each finished fit advances
    with progress.task("tuner", total=max_trials, unit="trial", verbose=verbose) as trials:
        tuner.search(X, y, validation_data=(X_val, y_val), epochs=30, verbose=0,
                     callbacks=[early_stopping, progress.keras_callback("trial", verbose=verbose, advance=trials)])

    # 6. a line of text that must not tear a terminal bar apart (e.g. one verdict per graded submission)
    progress.write("submission 3: 6 of 6 correct")

Nested lines (a fold's line above its models' lines) each end as their own summary line. If the block raises (or
the learner interrupts the kernel), the line still ends as a summary that says where it stopped, and the exception
goes on.
"""

from helpers.progress.display import (
    BAR_WIDTH,
    KERAS_LOG,
    LINE,
    REDRAW_SECONDS,
    SILENT,
    Line,
    frontend,
    level,
    plural,
    task,
    track,
    write,
)
from helpers.progress.training import keras_callback, training_summary

__all__ = [
    "BAR_WIDTH",
    "KERAS_LOG",
    "LINE",
    "REDRAW_SECONDS",
    "SILENT",
    "Line",
    "frontend",
    "keras_callback",
    "level",
    "plural",
    "task",
    "track",
    "training_summary",
    "write",
]
