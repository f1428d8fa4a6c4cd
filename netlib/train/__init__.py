"""Training: a TrainConfig in, a run folder out, events on the way (the engine of the
app's Train page and of `python main.py train`).

    >>> from netlib.train import TrainConfig, Trainer
    >>> config = TrainConfig.for_model("lenet5", "resources/digits", epochs=10)
    >>> outcome = Trainer(config, runs_dir="runs").fit(events=print)
    >>> outcome.run_dir                     # runs/20250101-120000-lenet5
    >>> Trainer.resume(outcome.run_dir).fit()

Modules: config (TrainConfig, the family's default recipe), events (what fit reports), runfolder
(the files a run writes), model (the training and inference models, optimizer, schedule),
dataset (netlib.data to batches), callbacks, checkpoint (resume state), atomic (atomic
writes), trainer (Trainer).

Importing this package is cheap; Keras is imported when `Trainer` or the model helpers are
first used.
"""

from netlib.train.config import TrainConfig, defaults_for
from netlib.train.events import (
    BatchEnd,
    EpochEnd,
    Event,
    Failed,
    Finished,
    LogMessage,
    Preparing,
    RunStarted,
    Stopped,
)
from netlib.train.runfolder import METRIC_COLUMNS, RunFolder

__all__ = [
    "METRIC_COLUMNS",
    "BatchEnd",
    "EpochEnd",
    "Event",
    "Failed",
    "Finished",
    "LogMessage",
    "Preparing",
    "RunFolder",
    "RunStarted",
    "Stopped",
    "TrainConfig",
    "Trainer",
    "defaults_for",
]


def __getattr__(name):
    # Trainer imports Keras: load it on first use, so that `--help` and the app start fast.
    if name == "Trainer":
        from netlib.train.trainer import Trainer

        return Trainer
    raise AttributeError(f"module 'netlib.train' has no attribute {name!r}")
