"""A training run's progress in words, the same for `python main.py train` and the app's
Train page: the line each epoch ends with, the run's elapsed time and time left, and
how often progress is worth reporting. No Keras, no Qt.

    >>> print(epoch_line(event))            # an EpochEnd
    epoch 3/10  loss 0.4210  acc 87.50%  val_loss 0.3900  val_acc 88.10%  val_top5 99.20%  lr 0.001  12.3s  1520 img/s  [best]
    >>> progress = RunProgress(started)     # a RunStarted
    >>> progress.batch(batch)               # each BatchEnd
    >>> progress.describe()
    'elapsed 0:41 · ETA 1:52 · 1520 images/s · loss 0.4210 · accuracy 87.5% · top-5 99.2%'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from netlib.train.events import BatchEnd, EpochEnd, RunStarted

__all__ = ["duration", "epoch_line", "RunProgress", "every"]


def duration(seconds: float) -> str:
    """"0:42", "12:05", "1:02:03": seconds as a clock reads them."""
    seconds = round(max(0.0, seconds)) if math.isfinite(seconds) else 0
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def epoch_line(event: EpochEnd) -> str:
    """One line for a finished epoch. The validation figures are left out when the run
    has no validation set (they are NaN), the speed when it was not measured."""
    parts = [
        f"epoch {event.epoch}/{event.epochs}",
        f"loss {event.loss:.4f}",
        f"acc {event.accuracy:.2%}",
    ]
    if not math.isnan(event.val_loss):
        parts += [
            f"val_loss {event.val_loss:.4f}",
            f"val_acc {event.val_accuracy:.2%}",
            f"val_top5 {event.val_top5:.2%}",
        ]
    parts += [f"lr {event.learning_rate:.3g}", f"{event.seconds:.1f}s"]
    if math.isfinite(event.images_per_second):
        parts.append(f"{event.images_per_second:.0f} img/s")
    if event.improved:
        parts.append("[best]")
    return "  ".join(parts)


class RunProgress:
    """How far a run is, how long it has taken and how long the rest will take, from its
    RunStarted and its BatchEnd events.

    The time left is the remaining steps at the pace measured since the first batch
    seen (so the model's compilation before it does not count), validation and saving
    included once an epoch has ended.
    """

    def __init__(self, started: RunStarted, clock: Callable[[], float] = time.monotonic):
        self.started = started
        self.clock = clock
        self.began = clock()
        self.total_steps = max(1, (started.epochs - started.initial_epoch) * started.steps_per_epoch)
        self.last: BatchEnd | None = None
        self._first: tuple[float, int] | None = None  # (time, steps done) at the first batch
        self._stopped_at: float | None = None  # when the run ended

    @property
    def ended(self) -> bool:
        return self._stopped_at is not None

    def batch(self, event: BatchEnd) -> None:
        self.last = event
        if self._first is None:
            self._first = (self.clock(), self.steps_done)

    def end(self) -> None:
        """The run is over: no time left to estimate, the clock stops."""
        if self._stopped_at is None:
            self._stopped_at = self.clock()

    @property
    def steps_done(self) -> int:
        batch = self.last
        if batch is None:
            return 0
        return (batch.epoch - self.started.initial_epoch - 1) * batch.steps + batch.step

    def elapsed(self) -> float:
        return (self._stopped_at if self.ended else self.clock()) - self.began

    def eta(self) -> float | None:
        """Seconds left, or None while there is no pace to go by (or the run is over)."""
        if self.ended or self._first is None:
            return None
        first_time, first_steps = self._first
        done = self.steps_done - first_steps
        if done <= 0 or self.steps_done >= self.total_steps:
            return None
        pace = (self.clock() - first_time) / done
        return pace * (self.total_steps - self.steps_done)

    def describe(self) -> str:
        """"elapsed 0:41 · ETA 1:52 · 1520 images/s · loss 0.4210 · accuracy 87.5% · top-5 99.2%"."""
        parts = [f"elapsed {duration(self.elapsed())}"]
        eta = self.eta()
        if eta is not None:
            parts.append(f"ETA {duration(eta)}")
        batch = self.last
        if batch is not None:
            if math.isfinite(batch.images_per_second):
                parts.append(f"{batch.images_per_second:.0f} images/s")
            parts.append(f"loss {batch.loss:.4f} · accuracy {batch.accuracy:.1%} · "
                         f"top-5 {batch.top5:.1%}")
        return " · ".join(parts)


def every(seconds: float, clock: Callable[[], float] = time.monotonic) -> Callable[[int, int], bool]:
    """A test for `progress(done, total)` callbacks: true at most once every `seconds`,
    and always for the last step (done >= total), so that a scan of 100,000 files tells
    its listener a few times a second rather than 100,000 times."""
    last = [-math.inf]

    def due(done: int, total: int) -> bool:
        now = clock()
        if done >= total or now - last[0] >= seconds:
            last[0] = now
            return True
        return False

    return due
