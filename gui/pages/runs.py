"""The Runs page: the training runs under the runs folder, their curves overlaid (the
ResNet paper's Figure 4: plain against residual networks), and what to do with a run:
open it in Results or Predict, resume it in Train, delete it.

The runs folder is chosen here (default: netlib.runs.DEFAULT_RUNS_DIR in the working
directory, as `python main.py train` uses) and is the app's (gui.state): the Train page
makes its runs there, the Results and Predict pages list them. Folders are read in a
worker by netlib.runs (gui.tasks.read_runs); every number comes from the run's own
files (config.json, status.json, metrics.csv, resume/).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.pages.base import Page
from gui.settings import read_json, read_str, write_json
from gui.tasks import BackendInfo, RunInfo, read_runs
from gui.workers import LatestOnly, describe_error

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter  # numbers

COLUMNS = ("Run", "Model", "Dataset", "Started", "State", "Epochs", "Best val. accuracy")
METRIC_CHOICES = {
    "Top-1 accuracy": "accuracy",
    "Top-5 accuracy": "top5",
    "Loss": "loss",
    "Learning rate": "learning_rate",
}


def _label(run: RunInfo, shown: list[RunInfo]) -> str:
    """A run's name in a legend: its network ("resnet20", "lenet5 (activation=relu)"),
    with its folder's name when another run shown trains the same."""
    if sum(other.model == run.model for other in shown) > 1:
        return f"{run.model} · {run.name}"
    return run.model


class RunsPage(Page):
    key = "runs"
    title = "Runs"
    summary = "Every training run: compare curves, open, resume or delete"

    #: The table was filled; carries the list of RunInfo.
    runs_listed = Signal(list)
    #: "Open in Results", "Open in Predict", "Resume in Train": carry the run folder.
    open_results = Signal(object)
    open_predict = Signal(object)
    resume_requested = Signal(object)
    #: Runs were deleted; carries their folders.
    runs_deleted = Signal(list)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.backend: BackendInfo | None = None
        self.runs: list[RunInfo] = []
        self.active_run: Path | None = None  # being trained now: not deletable
        self.curves = None  # RunComparison, once pyqtgraph may be imported
        self._listing = LatestOnly(self.workers, self)
        self._build_layout()

    # -- layout -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Runs")
        heading.setObjectName("pageHeading")
        self.folder_edit = QLineEdit()
        self.folder_edit.setReadOnly(True)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip("Where training runs are made and listed")
        self.refresh_button = QPushButton("Refresh")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(16)
        top.addWidget(QLabel("Runs folder"))
        top.addWidget(self.folder_edit, 1)
        top.addWidget(self.choose_button)
        top.addWidget(self.refresh_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.empty_label = QLabel("")
        self.empty_label.setObjectName("mutedText")
        self.empty_label.setWordWrap(True)

        self.results_button = QPushButton("Open in Results")
        self.predict_button = QPushButton("Open in Predict")
        self.resume_button = QPushButton("Resume in Train")
        self.delete_button = QPushButton("Delete…")
        actions = QHBoxLayout()
        for button in (self.results_button, self.predict_button, self.resume_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.delete_button)
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addWidget(self.empty_label)
        upper_layout.addLayout(actions)

        self.metric_combo = QComboBox()
        self.metric_combo.addItems(list(METRIC_CHOICES))
        self.compare_label = QLabel("Select runs (Ctrl or Shift for several) to overlay their "
                                    "curves: validation solid, training dashed.")
        self.compare_label.setObjectName("mutedText")
        self.compare_label.setWordWrap(True)
        metric_row = QHBoxLayout()
        metric_row.addWidget(QLabel("Curves"))
        metric_row.addWidget(self.metric_combo)
        metric_row.addWidget(self.compare_label, 1)
        self.curves_box = QVBoxLayout()
        self.curves_box.addLayout(metric_row)
        self.curves_placeholder = QLabel("")
        self.curves_box.addWidget(self.curves_placeholder, 1)
        lower = QWidget()
        lower.setLayout(self.curves_box)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(upper)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([320, 420])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)

        self.choose_button.clicked.connect(self._ask_folder)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.itemDoubleClicked.connect(lambda _: self._emit_for_selected(self.open_results))
        self.metric_combo.currentIndexChanged.connect(lambda _: self._show_curves())
        self.results_button.clicked.connect(lambda: self._emit_for_selected(self.open_results))
        self.predict_button.clicked.connect(lambda: self._emit_for_selected(self.open_predict))
        self.resume_button.clicked.connect(lambda: self._emit_for_selected(self.resume_requested))
        self.delete_button.clicked.connect(self.delete_selected)
        self.state.runs_dir_changed.connect(self._on_folder_changed)
        self.state.run_started.connect(self._on_run_started)
        self.state.run_ended.connect(self._on_run_ended)
        self._show_folder()
        self._on_selection()

    # -- Page hooks -------------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        from gui.widgets.curves import RunComparison  # pyqtgraph: only now

        self.backend = backend
        self.curves = RunComparison()
        self.curves_box.replaceWidget(self.curves_placeholder, self.curves)
        self.curves_placeholder.hide()
        self.refresh()

    def restore_settings(self, settings: QSettings) -> None:
        metric = read_str(settings, "metric")
        if metric in METRIC_CHOICES:
            self.metric_combo.setCurrentText(metric)
        sizes = read_json(settings, "splitter")
        if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)
        self._show_folder()

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("metric", self.metric_combo.currentText())
        write_json(settings, "splitter", self.splitter.sizes())

    def screenshot_plan(self):
        def select_newest() -> None:  # two runs overlaid, when there are two
            self.select_runs([run.path for run in self.runs[:2]])

        return [(None, self.refresh), (self.key, select_newest)]

    # -- public -----------------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        return self.state.runs_dir

    def set_folder(self, folder: str | Path) -> None:
        """List the runs of `folder`, and make new runs there (every page follows)."""
        self.state.set_runs_dir(folder)
        self.refresh()

    def refresh(self) -> None:
        """Read the runs folder again (in a worker)."""
        if self.backend is None or self.state.closing:
            return
        self._listing.submit(read_runs, self.folder, True, on_result=self._on_listed,
                             on_error=lambda e: self._show_empty(describe_error(e)),
                             name="list runs")

    def selected_runs(self) -> list[RunInfo]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.runs[row] for row in rows if row < len(self.runs)]

    def select_runs(self, paths: list[Path]) -> None:
        """Select the rows of these run folders."""
        wanted = {Path(p) for p in paths}
        self.table.clearSelection()
        mode = self.table.selectionMode()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, run in enumerate(self.runs):
            if run.path in wanted:
                self.table.selectRow(row)
        self.table.setSelectionMode(mode)

    def delete_selected(self, confirm: bool = True) -> list[Path]:
        """Delete the selected runs after asking (a QMessageBox); the run being trained
        is never deleted. Returns the folders deleted."""
        chosen = [r for r in self.selected_runs() if r.path != self.active_run]
        if not chosen:
            if self.selected_runs():
                self.status_message.emit("The run being trained cannot be deleted; stop it first.")
            return []
        if confirm and not self._confirm_delete(chosen):
            return []
        deleted, problems = [], []
        for run in chosen:
            try:
                shutil.rmtree(run.path)
                deleted.append(run.path)
            except OSError as error:
                problems.append(f"{run.name}: {error.strerror or error}")
        if problems:
            self.status_message.emit("Could not delete " + "; ".join(problems))
        else:
            self.status_message.emit(f"Deleted {len(deleted)} run(s).")
        self.runs_deleted.emit(deleted)
        self.state.notify_runs_changed()
        self.refresh()
        return deleted

    # -- internals --------------------------------------------------------------------------------

    def _on_folder_changed(self, _folder) -> None:
        self._show_folder()
        self.refresh()

    def _on_run_started(self, run_dir: Path) -> None:
        self.active_run = Path(run_dir)
        self.refresh()

    def _on_run_ended(self, _outcome) -> None:
        self.active_run = None
        self.refresh()

    def _confirm_delete(self, runs: list[RunInfo]) -> bool:
        names = "\n".join(f"  {r.name}" for r in runs[:8]) + ("\n  …" if len(runs) > 8 else "")
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Delete runs")
        box.setText(f"Delete {len(runs)} run folder(s) and everything in them?")
        box.setInformativeText(f"{names}\n\nModels, checkpoints, curves and logs are removed "
                               "from disk; this cannot be undone.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return box.clickedButton() is delete

    def _on_listed(self, runs: list[RunInfo]) -> None:
        selected = {r.path for r in self.selected_runs()}
        self.runs = runs
        self.table.setRowCount(len(runs))
        for row, run in enumerate(runs):
            best = "—" if math.isnan(run.best_val_accuracy) else f"{run.best_val_accuracy:.2%}"
            cells = (run.name, run.model, run.dataset, run.started, run.state,
                     f"{run.epochs_completed} / {run.epochs}", best)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(str(run.path) if column == 0 else text)
                if column >= 5:
                    item.setTextAlignment(RIGHT)
                self.table.setItem(row, column, item)
        self._show_empty(
            "" if runs else f"No runs in {self.folder.resolve()} yet: train one on the Train page."
        )
        self.select_runs([p for p in selected if any(r.path == p for r in runs)])
        self._on_selection()
        self.runs_listed.emit(runs)

    def _on_selection(self) -> None:
        chosen = self.selected_runs()
        one = len(chosen) == 1
        self.results_button.setEnabled(one)
        self.predict_button.setEnabled(one)
        self.resume_button.setEnabled(
            one and chosen[0].path != self.active_run
            and (chosen[0].resumable or chosen[0].state in ("stopped", "failed"))
        )
        self.delete_button.setEnabled(any(r.path != self.active_run for r in chosen))
        self._show_curves()

    def _show_curves(self) -> None:
        if self.curves is None:
            return
        metric = METRIC_CHOICES[self.metric_combo.currentText()]
        chosen = self.selected_runs()
        self.curves.show_runs([(_label(run, chosen), run.metrics) for run in chosen], metric)

    def _emit_for_selected(self, signal) -> None:
        chosen = self.selected_runs()
        if len(chosen) == 1:
            signal.emit(chosen[0].path)

    def _show_folder(self) -> None:
        self.folder_edit.setText(str(self.folder.resolve()))
        self.folder_edit.setToolTip(str(self.folder.resolve()))

    def _show_empty(self, text: str) -> None:
        self.empty_label.setText(text)
        self.empty_label.setVisible(bool(text))

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the runs folder", str(self.folder))
        if folder:
            self.set_folder(folder)
