"""The training line of :mod:`helpers.progress`: a Keras callback that draws one line per fit and its summary."""

from __future__ import annotations

from helpers.progress.display import Line, level, plural


def training_summary(
    desc: str,
    epochs_run: int,
    cap: int | None,
    best_epoch: int | None,
    best: float | None,
    monitor: str,
    seconds: float,
) -> str:
    """The summary line of one model's training, e.g. ``"gru: stopped at epoch 17 of ≤50, best epoch 9
    (val_loss 0.01412), 11.6 s"``. A best epoch at the cap adds that the model may not have converged."""
    if cap is not None and epochs_run >= cap:
        ran = f"ran all {epochs_run} {plural(epochs_run, 'epoch')}"
    else:
        ran = f"stopped at epoch {epochs_run}" + (f" of ≤{cap}" if cap is not None else "")
    best_text = f", best epoch {best_epoch} ({monitor} {best:.4g})" if best_epoch is not None else ""
    text = f"{desc}: {ran}{best_text}, {seconds:.1f} s"
    if cap is not None and best_epoch is not None and best_epoch >= cap:
        text += "; still improving at the cap: allow more epochs"
    return text


_CALLBACK_CLASS = None


def keras_callback(
    desc: str, *, monitor: str = "val_loss", verbose: int | None = None, advance: Line | None = None
):
    """A Keras callback that draws one training line: ``epoch k/≤N``, the loss, the validation loss, the best epoch
    so far, elapsed time and at most how long is left; at the end, the summary line of :func:`training_summary`.

    It only reads the logs Keras hands every callback at the end of an epoch (no batch hooks, so Keras keeps its
    asynchronous batch loop), and changes nothing in the training. After ``fit`` it holds what the summary said:
    ``epochs_run``, ``best_epoch`` (1-based), ``best`` (its ``monitor`` value, ``loss`` without validation data),
    ``seconds`` and ``summary``. Pass ``verbose=0`` to fit, or Keras prints its own log as well.

    ``advance``: an outer line (from :func:`task`) that moves one step at the end of every fit, e.g. one tuner trial
    per fit when keras-tuner runs the fits: ``with progress.task("tuner", total=20, unit="trial") as trials:
    tuner.search(..., callbacks=[progress.keras_callback("trial", advance=trials)], verbose=0)``. keras-tuner copies
    the callbacks of every trial; the copies draw a new line per trial and share the outer one.
    """
    global _CALLBACK_CLASS
    if _CALLBACK_CLASS is None:
        _CALLBACK_CLASS = _make_callback_class()
    return _CALLBACK_CLASS(desc, monitor=monitor, verbose=verbose, advance=advance)


def _make_callback_class():
    import keras

    class TrainingLine(keras.callbacks.Callback):
        __doc__ = keras_callback.__doc__

        def __init__(self, desc, *, monitor="val_loss", verbose=None, advance=None):
            super().__init__()
            self.desc, self.monitor, self.advance = str(desc), monitor, advance
            self.verbose_level = level(verbose)
            self.line: Line | None = None
            self.epochs_run, self.best_epoch, self.best = 0, None, None
            self.seconds, self.summary = 0.0, None

        def on_train_begin(self, logs=None):
            self.epochs_run, self.best_epoch, self.best, self.summary = 0, None, None, None
            cap = (self.params or {}).get("epochs")
            self.line = Line(self.desc, cap, unit="epoch", upper_bound=True, verbose=self.verbose_level).start()

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            key = self.monitor if self.monitor in logs else "loss"
            value = logs.get(key)
            if value is not None and (self.best is None or value < self.best):
                self.best, self.best_epoch, self.monitor_used = float(value), epoch + 1, key
            numbers = {name: float(logs[name]) for name in ("loss", "val_loss") if name in logs}
            if self.best_epoch is not None:
                numbers["best epoch"] = self.best_epoch
            self.line.update(epoch + 1 - self.epochs_run, numbers)
            self.epochs_run = epoch + 1

        def on_train_end(self, logs=None):
            self.finish()

        def finish(self, error: BaseException | None = None) -> str | None:
            """End the line (fit's end calls this; call it yourself if fit raised). Returns the summary."""
            if self.line is None or self.line.closed:
                return self.summary
            self.seconds = self.line.seconds
            cap = self.line.total
            self.summary = training_summary(
                self.desc, self.epochs_run, cap, self.best_epoch, self.best,
                getattr(self, "monitor_used", self.monitor), self.seconds,
            )
            if error is None:
                self.line.summary = self.summary
            self.line.close(error)
            if self.advance is not None and error is None:
                self.advance.update(1)
            return self.summary

    return TrainingLine
