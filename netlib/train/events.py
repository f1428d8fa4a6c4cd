"""What a training run tells its listener: the GUI's Train page and the CLI's progress bar.

`Trainer.fit(events=callback)` calls `callback(event)` with one of the dataclasses below,
on the thread that runs `fit` (a GUI forwards them to its own thread, e.g. through a Qt
signal). Every run sends, in order:

    (Preparing | LogMessage)*            scanning and caching the images
    RunStarted                           data ready, model built
    (PhaseStarted? BatchEnd* EpochEnd)*  one EpochEnd per completed epoch; PhaseStarted
                                         where a fine-tuning phase begins (or resumes)
    Finished | Stopped | Failed          exactly one, always last

Epochs are counted from 1 (as `metrics.csv` does); `BatchEnd.step` from 1 to `steps`.
Metric values are plain Python floats (never tensors), NaN where not measured (no
validation set). Accuracies are fractions in [0, 1]; "top5" is top-5 accuracy (equal to 1
when there are 5 classes or fewer). For a model with auxiliary heads (GoogLeNet), `loss`
is the weighted total and the accuracies are the main head's.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "Event",
    "RunStarted",
    "PhaseStarted",
    "Preparing",
    "LogMessage",
    "BatchEnd",
    "EpochEnd",
    "Finished",
    "Stopped",
    "Failed",
    "EventCallback",
]


@dataclasses.dataclass(frozen=True)
class Event:
    """Base class of every training event."""


@dataclasses.dataclass(frozen=True)
class Preparing(Event):
    """Progress of a data-preparation stage ("scanning", "caching"): `done` of `total`."""

    stage: str
    done: int
    total: int


@dataclasses.dataclass(frozen=True)
class LogMessage(Event):
    """A line for the user's log: `level` is "info", "warning" or "error"."""

    text: str
    level: str = "info"


@dataclasses.dataclass(frozen=True)
class RunStarted(Event):
    """The data is ready, the model built, and training begins."""

    run_dir: Path
    model: str
    device: str  # "CPU", or "GPU: <name>" (netlib.backend.describe_device)
    backend: str  # "tensorflow", "jax" or "torch"
    mixed_precision: bool
    classes: tuple[str, ...]
    train_images: int
    validation_images: int
    test_images: int
    skipped_files: int  # files that could not be used (listed in dataset.json)
    batch_size: int
    steps_per_epoch: int
    epochs: int
    initial_epoch: int  # epochs already done: 0 for a new run, k when resuming after k
    replicas: int = 1  # devices or workers each batch is split across (tf.distribute)


@dataclasses.dataclass(frozen=True)
class PhaseStarted(Event):
    """A phase of a run from pretrained weights begins (or resumes): "frozen" (only the
    new layers train), "fine-tuning" (the loaded ones too). `epoch` is the phase's first
    epoch (from 1), also when a resumed run continues it later; `trainable_layers` of
    `layers` (those with weights) train, at `learning_rate`."""

    phase: str
    epoch: int
    trainable_layers: int
    layers: int
    learning_rate: float
    message: str


@dataclasses.dataclass(frozen=True)
class BatchEnd(Event):
    """A training step is done. `loss`, `accuracy` and `top5` are running averages over
    the epoch so far (what Keras reports); `images_per_second` is measured over the last
    20 steps. Sent at most five times a second, and always for an epoch's last step."""

    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float
    accuracy: float
    top5: float
    images_per_second: float


@dataclasses.dataclass(frozen=True)
class EpochEnd(Event):
    """One epoch is done, validated and saved (metrics.csv, last.keras, resume state).
    `improved` is True when this epoch's model became best.keras; `images_per_second` is
    the epoch's training images over the time of its training steps (NaN if unknown)."""

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    top5: float
    val_loss: float
    val_accuracy: float
    val_top5: float
    learning_rate: float
    seconds: float
    improved: bool
    images_per_second: float = math.nan


@dataclasses.dataclass(frozen=True)
class Finished(Event):
    """The run completed its epochs (or early stopping ended it: see `message`)."""

    run_dir: Path
    epochs_completed: int
    best_epoch: int
    best_val_accuracy: float
    message: str


@dataclasses.dataclass(frozen=True)
class Stopped(Event):
    """The run stopped on request; it resumes from `epochs_completed`
    (`Trainer.resume(run_dir)`, `python main.py train --resume RUN`)."""

    run_dir: Path
    epochs_completed: int
    message: str


@dataclasses.dataclass(frozen=True)
class Failed(Event):
    """The run ended with an error. `message` is for the user (for out-of-memory: which
    batch size failed and a smaller one to try); `details` is the technical error.
    `resumable` is True when a checkpoint exists to continue from."""

    run_dir: Path | None
    message: str
    details: str
    out_of_memory: bool = False
    resumable: bool = False


EventCallback = Callable[[Event], None]
