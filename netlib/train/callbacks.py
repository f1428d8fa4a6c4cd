"""The Keras callbacks a run adds to `model.fit`, besides Keras' own (TensorBoard,
ReduceLROnPlateau, EarlyStopping):

- :class:`EventReporter`: BatchEnd events with throughput, the epoch's training images
  per second into its logs (for EpochEnd), and the stop request, honoured at the end of
  the current batch (training or validation).
- :class:`LearningRateLogger`: the epoch's learning rate into the logs, so that
  TensorBoard, metrics.csv and the events all show it.
- :class:`EpochRecorder`: after each epoch, metrics.csv, last.keras, best.keras and the
  resume state, in that order (the resume state is the commit point), then EpochEnd.
- :class:`DiagnosisReporter`: a warning when validation and training disagree in a way
  that means something is wrong (netlib.train.diagnose).

Keras' CSVLogger, ModelCheckpoint and BackupAndRestore are not used: they write in place
(not atomically), CSVLogger cannot drop the rows of epochs that a resume redoes, and
BackupAndRestore does not keep random-seed state (see netlib.train.checkpoint).
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

from netlib.runs import RunFolder, save_model_atomic
from netlib.train import events as ev
from netlib.train.checkpoint import save_resume_state
from netlib.train.diagnose import diagnose

__all__ = [
    "StopRequested",
    "EventReporter",
    "LearningRateLogger",
    "EpochRecorder",
    "DiagnosisReporter",
]

# Throughput is measured over this many of the latest steps.
_THROUGHPUT_WINDOW = 20


class StopRequested(Exception):
    """Raised inside `fit` to end a run at once when `Trainer.request_stop()` was called."""


def _float(value: Any) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return to_float(value)


def current_learning_rate(optimizer) -> float:
    """The rate the optimizer applies at its current step (a schedule is evaluated)."""
    return to_float(optimizer.learning_rate)


def to_float(value) -> float:
    """A Keras variable or backend scalar as a float. (`keras.ops.convert_to_numpy` on a
    Keras 3.15 variable warns that its `__array__` lacks `copy`; `.numpy()` does not.)"""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return float(np.asarray(value))


class EventReporter(keras.callbacks.Callback):
    """BatchEnd events, and the stop request (checked after every batch).

    Reading the running metrics makes the host wait for the device, so BatchEnd is sent
    at most every `interval` seconds (and for the last step of each epoch): a progress
    bar or a curve needs no more, and a fast model is not slowed down. Measured on LeNet-5
    on the CPU: an event per step cost 8 ms a step, about a third of the step.
    """

    def __init__(
        self,
        emit: Callable[[ev.Event], None],
        stop: threading.Event,
        *,
        epochs: int,
        steps: int,
        batch_size: int,
        keys: dict[str, str],
        interval: float = 0.2,
        images: int | None = None,
    ):
        super().__init__()
        self.emit = emit
        self.stop = stop
        self.epochs = epochs
        self.steps = steps
        self.batch_size = batch_size
        self.keys = keys
        self.interval = interval
        # The training images of one epoch (the last batch may be short).
        self.images = images if images is not None else steps * batch_size
        self.epoch = 0
        self._times: collections.deque = collections.deque(maxlen=_THROUGHPUT_WINDOW + 1)
        self._last_emit = 0.0
        self._epoch_began = 0.0
        self._epoch_speed = math.nan

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch + 1
        self._times.clear()
        self._epoch_began = time.perf_counter()
        self._times.append(self._epoch_began)
        self._last_emit = 0.0
        self._epoch_speed = math.nan

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self._times.append(now)
        if batch + 1 == self.steps:
            self._epoch_speed = self.images / max(now - self._epoch_began, 1e-9)
        if batch + 1 == self.steps or now - self._last_emit >= self.interval:
            self._last_emit = now
            self._report(batch, logs or {})
        self._check_stop()

    def on_epoch_end(self, epoch, logs=None):
        # Before EpochRecorder in the callback list, which puts it in the EpochEnd event:
        # the training steps' speed, without the validation pass and the saving after it.
        if logs is not None:
            logs["images_per_second"] = self._epoch_speed

    def _report(self, batch: int, logs: dict[str, Any]) -> None:
        elapsed = self._times[-1] - self._times[0]
        images = (len(self._times) - 1) * self.batch_size
        self.emit(
            ev.BatchEnd(
                epoch=self.epoch,
                epochs=self.epochs,
                step=batch + 1,
                steps=self.steps,
                loss=_float(logs.get(self.keys["loss"])),
                accuracy=_float(logs.get(self.keys["accuracy"])),
                top5=_float(logs.get(self.keys["top5"])),
                images_per_second=images / elapsed if elapsed > 0 else math.nan,
            )
        )

    def on_test_batch_end(self, batch, logs=None):
        self._check_stop()

    def _check_stop(self):
        if self.stop.is_set():
            raise StopRequested()


class LearningRateLogger(keras.callbacks.Callback):
    """Put the learning rate the epoch ended with into its logs, as "learning_rate".

    Placed before ReduceLROnPlateau, it records the rate the epoch trained with, not the
    one the plateau rule sets for the next epoch.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = current_learning_rate(self.model.optimizer)


class EpochRecorder(keras.callbacks.Callback):
    """Everything that happens once an epoch is done; last in the callback list, so that
    the states it saves include what the other callbacks changed at the epoch's end.

    `states` maps a name to a stateful Keras callback (ReduceLROnPlateau, EarlyStopping)
    whose counters are saved with the resume state and restored in `on_train_begin`
    (which Keras runs after those callbacks reset themselves).
    """

    _CALLBACK_FIELDS = ("wait", "best", "cooldown_counter", "best_epoch", "stopped_epoch")

    def __init__(
        self,
        folder: RunFolder,
        emit: Callable[[ev.Event], None],
        *,
        inference_model: keras.Model,
        model_metadata: dict[str, Any],
        epochs: int,
        keys: dict[str, str],
        monitor: str,
        has_validation: bool,
        rows: list[dict[str, float]],
        states: dict[str, keras.callbacks.Callback],
        resumed: dict[str, Any] | None,
        seed: int,
    ):
        super().__init__()
        self.folder = folder
        self.emit = emit
        self.inference_model = inference_model
        self.model_metadata = model_metadata
        self.epochs = epochs
        self.keys = keys
        self.has_validation = has_validation
        # Without a validation set, "best" falls back to the training figures.
        self.monitor = monitor if has_validation else monitor.removeprefix("val_")
        self.rows = rows
        self.states = states
        self.resumed = dict(resumed or {})
        self.seed = seed
        self.best_value = self.resumed.get("best_value")
        self.best_epoch = int(self.resumed.get("best_epoch", 0))
        self.best_val_accuracy = _float(self.resumed.get("best_val_accuracy"))
        self.epochs_completed = int(self.resumed.get("epoch", 0))
        self._started = 0.0

    # ------------------------------------------------------------------ Keras hooks

    def on_train_begin(self, logs=None):
        # Once: a run of two phases calls fit twice, and the second starts afresh.
        for name, callback in self.states.items():
            for field, value in self.resumed.pop("callbacks", {}).get(name, {}).items():
                setattr(callback, field, value)

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        number = epoch + 1
        row = self._row(number, logs)
        self.rows.append(row)
        self.folder.write_metrics(self.rows)

        improved = self._improved(row)
        metadata = {**self.model_metadata, "epoch": number, "val_accuracy": row["val_accuracy"]}
        save_model_atomic(self.inference_model, self.folder.last_model, metadata)
        if improved:
            save_model_atomic(self.inference_model, self.folder.best_model, metadata)
        self.epochs_completed = number
        save_resume_state(self.folder.resume_dir, self.model, epoch=number, extra=self._extra())
        self.folder.write_status("running", f"epoch {number} of {self.epochs}", **self.summary())
        self.emit(
            ev.EpochEnd(
                epoch=number,
                epochs=self.epochs,
                loss=row["loss"],
                accuracy=row["accuracy"],
                top5=row["top5"],
                val_loss=row["val_loss"],
                val_accuracy=row["val_accuracy"],
                val_top5=row["val_top5"],
                learning_rate=row["learning_rate"],
                seconds=row["seconds"],
                improved=improved,
                images_per_second=_float(logs.get("images_per_second")),
            )
        )

    # ------------------------------------------------------------------ helpers

    def summary(self) -> dict[str, Any]:
        return {
            "epochs_completed": self.epochs_completed,
            "best_epoch": self.best_epoch,
            "best_val_accuracy": self.best_val_accuracy,
        }

    def _row(self, number: int, logs: dict[str, Any]) -> dict[str, float]:
        keys = self.keys
        return {
            "epoch": number,
            "loss": _float(logs.get(keys["loss"])),
            "accuracy": _float(logs.get(keys["accuracy"])),
            "top5": _float(logs.get(keys["top5"])),
            "val_loss": _float(logs.get("val_" + keys["loss"])),
            "val_accuracy": _float(logs.get("val_" + keys["accuracy"])),
            "val_top5": _float(logs.get("val_" + keys["top5"])),
            "learning_rate": _float(logs.get("learning_rate")),
            "seconds": round(time.perf_counter() - self._started, 3),
        }

    def _improved(self, row: dict[str, float]) -> bool:
        value = row[self.monitor]
        if math.isnan(value):
            return self.best_value is None  # keep the first model rather than none
        better = (
            self.best_value is None
            or (value < self.best_value if self.monitor.endswith("loss") else value > self.best_value)
        )
        if better:
            self.best_value = value
            self.best_epoch = int(row["epoch"])
            self.best_val_accuracy = row["val_accuracy"]
        return better

    def _extra(self) -> dict[str, Any]:
        callbacks = {
            name: {
                field: _json_number(getattr(callback, field))
                for field in self._CALLBACK_FIELDS
                if hasattr(callback, field)
            }
            for name, callback in self.states.items()
        }
        return {
            "seed": self.seed,
            "best_value": self.best_value,
            "best_epoch": self.best_epoch,
            "best_val_accuracy": self.best_val_accuracy,
            "callbacks": callbacks,
        }


def _json_number(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return _float(value)


class DiagnosisReporter(keras.callbacks.Callback):
    """After each epoch (after EpochRecorder), a warning for each new sign that validation
    and training disagree in a way that means something is wrong (netlib.train.diagnose)."""

    def __init__(self, rows: list[dict[str, float]], warn: Callable[[str], None], **context):
        super().__init__()
        self.rows = rows  # EpochRecorder's own list, which it appends to
        self.warn = warn
        self.context = context
        self.reported = {d.kind for d in diagnose(rows, **context)}  # a resumed run's

    def on_epoch_end(self, epoch, logs=None):
        for diagnosis in diagnose(self.rows, **self.context):
            if diagnosis.kind not in self.reported:
                self.reported.add(diagnosis.kind)
                self.warn(diagnosis.message)
