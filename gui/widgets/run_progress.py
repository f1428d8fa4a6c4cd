"""A run's progress on the Train page: a bar over the whole run (or the data being
prepared) and one line of elapsed time, time left, speed and the running figures, in
netlib.train.progress's words (the CLI's progress bar says the same).

Batches only update the numbers; `refresh` (which the page calls a few times a second
while a run trains) draws them, so a fast network's batches cost the GUI thread next to
nothing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QVBoxLayout, QWidget

from netlib.train.progress import RunProgress


class RunProgressView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.progress: RunProgress | None = None
        self._dirty = False
        self.bar = QProgressBar()
        self.bar.setFormat("")
        self.bar.setValue(0)
        self.stats = QLabel("")
        self.stats.setObjectName("runStats")
        # One line that never changes the layout's size: a longer one is clipped.
        self.stats.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.bar)
        layout.addWidget(self.stats)

    def preparing_data(self) -> None:
        """A run is launched: its data is being read."""
        self.progress = None
        self.bar.setRange(0, 0)
        self.bar.setFormat("Preparing the data…")
        self.stats.setText("")

    def preparing(self, event) -> None:
        """A Preparing event: scanning or caching, `done` of `total`."""
        self.bar.setRange(0, max(1, event.total))
        self.bar.setValue(event.done)
        self.bar.setFormat(f"{event.stage.capitalize()}: {event.done:,} / {event.total:,}")

    def started(self, event) -> None:
        """A RunStarted event: the bar now counts the run's remaining steps."""
        self.progress = RunProgress(event)
        self.bar.setRange(0, self.progress.total_steps)
        self.bar.setValue(0)
        self.bar.setFormat(f"Epoch {event.initial_epoch + 1} of {event.epochs}")
        self.tick()

    def batch(self, event) -> None:
        if self.progress is not None:
            self.progress.batch(event)
            self._dirty = True

    def refresh(self) -> None:
        """Draw the latest batch, if one came since the last refresh."""
        if not self._dirty or self.progress is None or self.progress.last is None:
            return
        self._dirty = False
        batch = self.progress.last
        self.bar.setValue(min(self.progress.steps_done, self.bar.maximum()))
        self.bar.setFormat(
            f"Epoch {batch.epoch} of {batch.epochs} · batch {batch.step:,} of {batch.steps:,}"
        )
        self.tick()

    def tick(self) -> None:
        """Show the elapsed time (the page calls this every second)."""
        if self.progress is not None:
            self.stats.setText(self.progress.describe())

    def ended(self, outcome) -> None:
        """The run's last event: the clock stops; a finished run fills the bar."""
        from netlib.train import Finished

        self.refresh()
        if self.progress is not None:
            self.progress.end()
            self.tick()
        if isinstance(outcome, Finished):
            self.bar.setValue(self.bar.maximum())

    def idle(self) -> None:
        """The worker ended: a run that never got past preparing leaves an empty bar."""
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1)
            self.bar.setFormat("")
