"""The main window: navigation on the left, one page at a time, the backend in the status bar.

The window paints first and loads Keras afterwards: a worker imports Keras and the model
registry once the first frame is on screen, and each page hears `backend_ready` when it
is done.

What the pages share (the dataset, its split, the image cache a run would use, the
network to train, the runs folder, the run being trained) is one gui.state.AppState,
which the window makes, restores and saves, and which the pages observe: they never
call each other. The window only navigates: the Runs page's "Open in Results", "Open in
Predict" and "Resume in Train", and the Architectures page's "Train this network", show
the page they name with that run or network.

Drops go to the page showing if it takes them, else to the first page that does: one
folder to the Dataset page (a dataset), image files to the Predict page. The Predict page
takes whatever is dropped on it and says what it cannot use (a folder, a non-image).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QEventLoop, QSize, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QPaintEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QWidget,
)

from gui import icons
from gui.pages.architectures import ArchitecturesPage
from gui.pages.base import Page
from gui.pages.dataset import DatasetPage
from gui.pages.predict import PredictPage
from gui.pages.results import ResultsPage
from gui.pages.runs import RunsPage
from gui.pages.train import TrainPage
from gui.settings import open_settings, read_str
from gui.state import AppState
from gui.tasks import BackendInfo, load_backend
from gui.workers import WorkerPool, describe_error

#: Set this variable to have the window print STARTUP_MARKER on its first paint and quit
#: (benchmarks/startup.py times it). The line names the heavy modules already imported.
STARTUP_PROBE_VARIABLE = "CONVLAB_STARTUP_PROBE"
STARTUP_MARKER = "convlab: first paint"
#: What must not be imported before the first paint: each costs from 0.3 s to seconds.
HEAVY_MODULES = ("keras", "tensorflow", "jax", "torch", "pyqtgraph", "netlib.architectures")

DEFAULT_SIZE = QSize(1320, 840)
#: The page a first start opens on; it shows the network the Train page is ready to train
#: (LeNet-5, on the bundled digits).
FIRST_PAGE = "architectures"


class MainWindow(QMainWindow):
    """ConvLab's window. Pages are listed in `self.pages`, in navigation order."""

    #: Keras and the registry have loaded; carries the BackendInfo.
    backend_ready = Signal(object)
    #: Loading Keras or the registry failed; carries the message.
    backend_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("ConvLab")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.backend: BackendInfo | None = None
        self.backend_error: str | None = None  # why Keras could not be loaded
        self.workers = WorkerPool(self)
        self._painted = False
        self._closing = False
        self.state = AppState(self)

        self.pages: list[Page] = [
            page(self.state)
            for page in (ArchitecturesPage, DatasetPage, TrainPage, ResultsPage, PredictPage,
                         RunsPage)
        ]
        self._build_layout()
        self._build_status_bar()
        self._restore_settings()
        self._connect_pages()

    # -- layout ----------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(20, 20))
        self.navigation.setFixedWidth(172)
        self.stack = QStackedWidget()
        for page in self.pages:
            item = QListWidgetItem(icons.page_icon(page.key), page.title)
            item.setToolTip(page.summary)
            item.setSizeHint(QSize(160, 40))
            self.navigation.addItem(item)
            self.stack.addWidget(page)
            page.status_message.connect(self.show_message)
        self.navigation.currentRowChanged.connect(self.stack.setCurrentIndex)

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.backend_label = QLabel("Loading Keras…")
        self.backend_label.setObjectName("backendLabel")
        self.loading_bar = QProgressBar()
        self.loading_bar.setRange(0, 0)  # busy indicator until Keras is in
        self.loading_bar.setFixedWidth(120)
        self.loading_bar.setTextVisible(False)
        bar.addPermanentWidget(self.loading_bar)
        bar.addPermanentWidget(self.backend_label)

    # -- pages -------------------------------------------------------------------------

    def page(self, key: str) -> Page:
        """The page whose key is `key`; ValueError naming the valid keys otherwise."""
        for page in self.pages:
            if page.key == key:
                return page
        raise ValueError(
            f"No page {key!r}; the pages are: {', '.join(p.key for p in self.pages)}."
        )

    def current_page(self) -> Page:
        return self.pages[self.stack.currentIndex()]

    def show_page(self, key: str) -> Page:
        page = self.page(key)
        self.navigation.setCurrentRow(self.pages.index(page))
        return page

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def is_idle(self) -> bool:
        """Keras has loaded (or failed) and no page has work in progress."""
        loaded = self.backend is not None or self.backend_error is not None
        return loaded and not self.workers.busy and all(p.is_idle() for p in self.pages)

    # -- Keras loads behind the first frame ----------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # After this paint has been flushed: the window is on screen.
            QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if os.environ.get(STARTUP_PROBE_VARIABLE):
            heavy = [name for name in HEAVY_MODULES if name in sys.modules]
            print(f"{STARTUP_MARKER}; heavy modules loaded: {', '.join(heavy) or 'none'}",
                  flush=True)
            self.close()
            return
        self.load_backend()

    def load_backend(self) -> None:
        """Import Keras and the registry in a worker (once); pages hear backend_ready."""
        if self.backend is not None or self.workers.busy:
            return
        self.workers.start(
            load_backend,
            on_result=self._on_backend_loaded,
            on_error=self._on_backend_error,
            name="load Keras",
        )

    def _on_backend_loaded(self, backend: BackendInfo) -> None:
        self.backend = backend
        self.loading_bar.hide()
        self.backend_label.setText(backend.describe())
        self.backend_label.setToolTip(
            f"{len(backend.models)} networks in {len(backend.families)} families; "
            f"Keras and the registry loaded in {backend.seconds:.1f} s"
        )
        for page in self.pages:
            page.backend_ready(backend)
        self.backend_ready.emit(backend)

    def _on_backend_error(self, error: Exception) -> None:
        self.loading_bar.hide()
        message = f"Keras could not be loaded: {describe_error(error)}"
        self.backend_error = message
        self.backend_label.setText("Keras not loaded")
        self.backend_label.setToolTip(getattr(error, "formatted_traceback", message))
        print(getattr(error, "formatted_traceback", message), file=sys.stderr)
        self.statusBar().showMessage(message)
        self.backend_failed.emit(message)

    # -- how the pages work together ----------------------------------------------------

    def _connect_pages(self) -> None:
        runs = self.page("runs")
        runs.open_results.connect(lambda run: self.show_page("results").open_run(run))
        runs.open_predict.connect(lambda run: self.show_page("predict").use_run(run))
        runs.resume_requested.connect(lambda run: self.show_page("train").resume_run(run))
        self.page("architectures").train_requested.connect(self._train_network)

    def _train_network(self, name: str, changes: dict) -> None:
        """"Train this network" on the Architectures page: the Train page with `name`."""
        self.show_page("train").set_model(name, changes)

    # -- drag and drop -------------------------------------------------------------------

    def _page_for_drop(self, paths: list[Path]) -> Page | None:
        """The current page if it takes these paths, else the first page that does."""
        if not paths:
            return None
        candidates = [self.current_page()] + [p for p in self.pages if p is not self.current_page()]
        return next((p for p in candidates if p.accepts_drop(paths)), None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._page_for_drop(_local_paths(event)) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event)
        page = self._page_for_drop(paths)
        if page is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.show_page(page.key)
        page.drop(paths)

    # -- settings and closing ------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = open_settings()
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(self._default_size())
        self.state.restore(settings)
        for page in self.pages:
            settings.beginGroup(page.key)
            page.restore_settings(settings)
            settings.endGroup()
        last = read_str(settings, "window/page", FIRST_PAGE)
        self.show_page(last if last in {p.key for p in self.pages} else FIRST_PAGE)

    def _default_size(self) -> QSize:
        """DEFAULT_SIZE, or nine tenths of a smaller screen."""
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is None:
            return DEFAULT_SIZE
        return DEFAULT_SIZE.boundedTo(QSize(int(screen.width() * 0.9), int(screen.height() * 0.9)))

    def save_settings(self) -> None:
        settings = open_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/page", self.current_page().key)
        self.state.save(settings)
        for page in self.pages:
            settings.beginGroup(page.key)
            page.save_settings(settings)
            settings.endGroup()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closing:  # already stopping: a second request waits with the first
            event.ignore()
            return
        if not self.page("train").confirm_close():  # a run in progress: the user said no
            event.ignore()
            return
        self._closing = self.state.closing = True
        self.save_settings()
        self._wait_for_the_run()
        if self.workers.busy or not all(p.is_idle() for p in self.pages):
            self.statusBar().showMessage("Stopping background work…")
            self.repaint()
        for page in self.pages:
            page.shutdown()
        # A Keras import cannot be interrupted: closing waits for it to finish.
        self.workers.shutdown()
        event.accept()

    def _wait_for_the_run(self) -> None:
        """Stop the run being trained and wait for it with the window greyed out and the
        status bar counting the seconds: a batch of a large network can take a while."""
        train = self.page("train")
        if not train.is_training():
            return
        train.stop()
        self.centralWidget().setEnabled(False)
        clock = QElapsedTimer()
        clock.start()
        loop = QEventLoop()
        ticker = QTimer(self)
        ticker.setInterval(250)

        def tick() -> None:
            if not train.is_training():
                loop.quit()
                return
            self.statusBar().showMessage(
                f"Stopping the run at the end of its current batch, then closing… "
                f"{clock.elapsed() / 1000:.0f} s"
            )

        ticker.timeout.connect(tick)
        train.training.ended.connect(loop.quit)
        tick()
        ticker.start()
        if train.is_training():
            loop.exec()
        ticker.stop()


def _local_paths(event) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
