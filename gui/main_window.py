"""The main window: navigation on the left, one page at a time, the backend in the status bar.

The window paints first and loads Keras afterwards: a worker imports Keras and the model
registry once the first frame is on screen, and each page hears `backend_ready` when it
is done.

The window also connects the pages (`_connect_pages`): the network picked on the
Architectures page and the dataset scanned on the Dataset page become the Train page's;
a run that ends appears on the Results, Predict and Runs pages; the Runs page's folder is
where the Train page makes runs; the Runs page opens a run in Results or Predict or
resumes it in Train; the Dataset and Train pages show one split (validation, test,
seed), whichever of them it is changed on; an image moved from the Results page is
moved in the folder the Dataset page shows; and the Dataset page's image cache follows
the Train page's size, colour and resize, so the cache it builds is the one a run uses,
and its augmentation preview the Train page's augmentation.

Drops go to the page showing if it takes them, else to the first page that does: one
folder to the Dataset page (a dataset), image files to the Predict page. The Predict page
takes whatever is dropped on it and says what it cannot use (a folder, a non-image).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSize, QTimer, Signal
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
from gui.tasks import BackendInfo, load_backend
from gui.workers import WorkerPool, describe_error
from netlib.runs import RunFolder

#: Set this variable to have the window print STARTUP_MARKER on its first paint and quit
#: (benchmarks/startup.py times it). The line names the heavy modules already imported.
STARTUP_PROBE_VARIABLE = "CONVLAB_STARTUP_PROBE"
STARTUP_MARKER = "convlab: first paint"
#: What must not be imported before the first paint: each costs from 0.3 s to seconds.
HEAVY_MODULES = ("keras", "tensorflow", "jax", "torch", "pyqtgraph", "netlib.architectures")

DEFAULT_SIZE = QSize(1320, 840)


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

        self.pages: list[Page] = [
            ArchitecturesPage(),
            DatasetPage(),
            TrainPage(),
            ResultsPage(),
            PredictPage(),
            RunsPage(),
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
        # From now on a network picked on the Architectures page is the one to train (its
        # own start-up selection, made in backend_ready above, is not the user's choice).
        self.page("architectures").picker.model_selected.connect(self.page("train").set_model)
        # One split for both pages: the Dataset page's (restored from the settings) is
        # where it starts, and a change on either page shows on the other.
        dataset, train = self.page("dataset"), self.page("train")
        train.set_split_settings(dataset.split_settings())
        dataset.split_settings_changed.connect(train.set_split_settings)
        train.split_settings_changed.connect(dataset.set_split_settings)
        # The cache the Dataset page builds is the one the Train page's run will use, and
        # its augmentation preview shows the Train page's augmentation.
        train.cache_settings_changed.connect(dataset.set_cache_settings)
        dataset.config_source = train.current_config
        train.validate()  # announce the current form's settings once
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
        dataset, train = self.page("dataset"), self.page("train")
        results, predict, runs = self.page("results"), self.page("predict"), self.page("runs")
        dataset.scan_finished.connect(lambda _index: train.set_dataset(dataset.source))
        for page in (train, results):
            page.set_runs_dir(runs.folder)
            runs.folder_changed.connect(page.set_runs_dir)
        train.run_started.connect(self._on_run_started)
        train.run_ended.connect(self._on_run_ended)
        runs.open_results.connect(lambda run: self._open_run_in(results, run))
        runs.open_predict.connect(lambda run: self._open_run_in(predict, run))
        runs.resume_requested.connect(lambda run: self._open_run_in(train, run))
        runs.runs_deleted.connect(lambda _deleted: results.refresh_runs())
        # An image moved or excluded from the Results page: the Dataset page shows the folder.
        results.relabel.changed.connect(
            lambda _change: dataset.folder_changed(results.relabel.root))

    def _on_run_started(self, run_dir: Path) -> None:
        runs = self.page("runs")
        runs.active_run = Path(run_dir)
        runs.refresh()

    def _on_run_ended(self, outcome) -> None:
        runs = self.page("runs")
        runs.active_run = None
        runs.refresh()
        run_dir = getattr(outcome, "run_dir", None)
        if run_dir is not None and RunFolder(run_dir).best_model.is_file():
            self.page("results").open_run(run_dir)
            self.page("predict").use_run(run_dir)

    def _open_run_in(self, page: Page, run_dir: Path) -> None:
        self.show_page(page.key)
        if page.key == "results":
            page.open_run(run_dir)
        elif page.key == "predict":
            page.use_run(run_dir)
        else:
            page.resume_run(run_dir)

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
        for page in self.pages:
            settings.beginGroup(page.key)
            page.restore_settings(settings)
            settings.endGroup()
        last = read_str(settings, "window/page", self.pages[0].key)
        self.show_page(last if last in {p.key for p in self.pages} else self.pages[0].key)

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
        for page in self.pages:
            settings.beginGroup(page.key)
            page.save_settings(settings)
            settings.endGroup()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.page("train").confirm_close():  # a run in progress: the user said no
            event.ignore()
            return
        self.save_settings()
        if self.workers.busy or not all(p.is_idle() for p in self.pages):
            self.statusBar().showMessage("Stopping background work…")
            self.repaint()
        for page in self.pages:
            page.shutdown()
        # A Keras import cannot be interrupted: closing waits for it to finish.
        self.workers.shutdown()
        event.accept()


def _local_paths(event) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
