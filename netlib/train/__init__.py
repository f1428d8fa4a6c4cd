"""Training: a TrainConfig in, a run folder out, events on the way (the engine of the
app's Train page and of `python main.py train`).

    >>> from netlib.train import TrainConfig, Trainer
    >>> config = TrainConfig.for_model("lenet5", "resources/digits", epochs=10)
    >>> outcome = Trainer(config).fit(events=print)     # a run folder under ./runs
    >>> outcome.run_dir                     # runs/20250101-120000-lenet5
    >>> Trainer.resume(outcome.run_dir).fit()

Modules: config (TrainConfig: one schema of every setting, the family's default
recipe), events (what fit reports), model (the training and inference models,
optimizer, schedule), dataset (netlib.data to batches), batchnorm (statistics
re-estimated each epoch), diagnose (when validation and training disagree),
callbacks, checkpoint (resume state), fine_tuning (pretrained starts and their phases),
lr_find (the learning-rate finder), trainer (Trainer). The run folder it writes,
and the atomic writer, are netlib.runs (read without Keras).

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
    PhaseStarted,
    Preparing,
    RunStarted,
    Stopped,
)

__all__ = [
    "BatchEnd",
    "EpochEnd",
    "Event",
    "Failed",
    "Finished",
    "LogMessage",
    "PhaseStarted",
    "Preparing",
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
