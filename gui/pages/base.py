"""The interface between the main window and its pages."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QWidget

from gui.state import AppState
from gui.tasks import BackendInfo
from gui.workers import WorkerPool


class Page(QWidget):
    """One page of the main window.

    A subclass sets `key` (its settings group and its `--page` name) and `title` (the
    navigation label) and overrides the hooks it needs. What pages share (the dataset,
    the split, the runs folder, ...) is `self.state`, which they observe; they do not
    call each other. Long work goes through `self.workers` (the jobs are gui.tasks'), so
    that the window can stop it on close and the screenshot mode can wait for it.
    """

    key = ""
    title = ""
    #: One line of what the page is for, shown as the navigation item's tooltip.
    summary = ""

    #: A transient message for the status bar.
    status_message = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.workers = WorkerPool(self)

    # -- called by the main window -------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        """Keras and the model registry have loaded (in a worker); netlib is usable now."""

    def restore_settings(self, settings: QSettings) -> None:
        """Read this page's state; `settings` is already inside the page's group."""

    def save_settings(self, settings: QSettings) -> None:
        """Write this page's state; `settings` is already inside the page's group."""

    def accepts_drop(self, paths: list[Path]) -> bool:
        """Whether this page takes these dropped files or folders."""
        return False

    def drop(self, paths: list[Path]) -> None:
        """Take dropped files or folders (only called after `accepts_drop` said yes)."""

    def is_idle(self) -> bool:
        """No work in progress: what the screenshot mode waits for."""
        return not self.workers.busy

    def screenshot_plan(self) -> list[tuple[str | None, Callable[[], None]]]:
        """Steps that fill the page with real content for `--screenshot`.

        Each step is `(name, action)`: the action runs, the screenshot mode waits until
        the page is idle, then saves `<name>.png` (no picture when name is None).
        """
        return [(self.key, lambda: None)]

    def shutdown(self) -> None:
        """Stop this page's work and wait for it: the window is closing."""
        self.workers.shutdown()
