"""The Results page: how well a run classifies and where it goes wrong.

Every run under the runs folder is listed, newest first, with its best validation
accuracy; a run that ends in this session is shown when it has a model. For any of them:
top-1, top-5 and balanced accuracy and macro F1, per-class precision and recall, the
confusion matrix (click a cell to see its images), every misclassified image with its
true class and top-5 predictions, sortable by confidence and filterable by class, the
highest-loss images of every part of the split (training images included: label errors
hide there), and the most confused class pairs. Any image shown can be moved to another
class or excluded from the dataset (right-click; undoable: netlib.data.Journal). The
numbers come from evaluation.json, which netlib.evaluate writes in a worker: a run is
evaluated (all parts of its split, or its validation images only) when it is first
shown here (or when its best model is newer
than its evaluation), and on request, optionally with AlexNet's ten-crop test.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.pages.base import Page
from gui.settings import read_json, write_json
from gui.tasks import BackendInfo, RunInfo, read_runs
from gui.tasks.runs import (
    EVALUATED_PARTS,
    correct_images,
    decode_gallery_thumbnails,
    evaluate_run,
    read_evaluation,
)
from gui.widgets.gallery import Gallery, GalleryItem
from gui.widgets.relabel_menu import RelabelActions, with_relabel_bar
from gui.widgets.top_losses import MostConfusedView, TopLossesView
from gui.workers import LatestOnly, Worker, describe_error
from netlib.runs import RunFolder

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter  # numbers

# -- the page -----------------------------------------------------------------------------


class ResultsPage(Page):
    key = "results"
    title = "Results"
    summary = "Accuracy, confusion matrix and misclassified images of a run"

    #: An evaluation is on screen; carries the evaluation.json dict.
    evaluation_shown = Signal(dict)
    #: The images of a confusion-matrix cell are on screen: (true, predicted, count).
    cell_shown = Signal(int, int, int)
    #: Evaluating failed; carries the message.
    evaluation_failed = Signal(str)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.backend: BackendInfo | None = None
        self.run_dir: Path | None = None
        self.evaluation: dict | None = None
        self.confusion = None  # ConfusionMatrix, once pyqtgraph may be imported
        self._pending_run: Path | None = None
        self._evaluate_worker: Worker | None = None
        self._listing = LatestOnly(self.workers, self)
        self._loading = LatestOnly(self.workers, self)
        self._cells = LatestOnly(self.workers, self)
        self._thumbnails = LatestOnly(self.workers, self)
        self._loss_thumbnails = LatestOnly(self.workers, self)
        self.relabel = RelabelActions(self)
        self._build_layout()

    # -- layout -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Results")
        heading.setObjectName("pageHeading")
        self.run_combo = QComboBox()
        self.run_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.run_combo.setMinimumContentsLength(16)
        self.run_combo.setToolTip("A run folder under the runs folder (the Runs page sets it)")
        self.refresh_button = QPushButton("Refresh")
        self.ten_crop_check = QCheckBox("Ten-crop")
        self.ten_crop_check.setToolTip(
            "Average the predictions over the four corner and the centre crops and their "
            "mirror images (AlexNet, section 4.1)"
        )
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Evaluate the run's best model on its images")
        self.parts_combo = QComboBox()
        self.parts_combo.addItems(list(EVALUATED_PARTS))
        self.parts_combo.setToolTip(
            "All parts: the highest losses of the training images too (where label errors "
            "hide); validation only: quicker on a large dataset. The headline figures are "
            "the validation images' either way.")
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("%v / %m images")
        self.progress_bar.setMaximumWidth(180)
        self.cancel_button = QPushButton("Cancel")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(16)
        top.addWidget(QLabel("Run"))
        top.addWidget(self.run_combo, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.ten_crop_check)
        top.addWidget(self.evaluate_button)
        top.addWidget(self.progress_bar)
        top.addWidget(self.cancel_button)

        self.summary_label = QLabel("No run chosen.")
        self.summary_label.setObjectName("summaryLine")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.matrix_box = QVBoxLayout()
        matrix_title = QLabel("Confusion matrix")
        matrix_title.setObjectName("sectionTitle")
        matrix_note = QLabel("Rows: true class · columns: predicted · colour: share of the row. "
                             "Click a cell to see its images.")
        matrix_note.setObjectName("mutedText")
        matrix_note.setWordWrap(True)
        self.matrix_placeholder = QLabel("No evaluation yet.")
        self.matrix_placeholder.setObjectName("mutedText")
        self.matrix_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.matrix_box.addWidget(matrix_title)
        self.matrix_box.addWidget(matrix_note)
        self.matrix_box.addWidget(self.matrix_placeholder, 1)
        left = QWidget()
        left.setLayout(self.matrix_box)
        left.setMinimumWidth(220)

        self.gallery = Gallery()
        self.per_class_table = QTableWidget(0, 4)
        self.per_class_table.setHorizontalHeaderLabels(["Class", "Precision", "Recall", "Images"])
        self.per_class_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.per_class_table.verticalHeader().hide()
        self.per_class_table.setSortingEnabled(True)
        self.per_class_table.setAlternatingRowColors(True)
        self.per_class_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch
        )
        self.per_class_table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.gallery, "Misclassified")
        self.tabs.addTab(self.per_class_table, "Per class")
        self.top_losses = TopLossesView()
        self.most_confused = MostConfusedView()
        self.tabs.addTab(self.top_losses, "Top losses")
        self.tabs.addTab(self.most_confused, "Most confused")
        self.relabel.attach(self.gallery.view, self._gallery_image_at)
        self.relabel.attach(self.top_losses.view, self._loss_image_at)
        right, self.relabel_bar = with_relabel_bar(self.tabs, self.relabel)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([460, 800])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.addLayout(top)
        summary_row = QHBoxLayout()
        summary_row.addWidget(self.summary_label, 1)
        summary_row.addWidget(QLabel("Evaluate"))
        summary_row.addWidget(self.parts_combo)
        layout.addLayout(summary_row)
        layout.addWidget(self.splitter, 1)

        self.run_combo.activated.connect(lambda _: self._on_run_chosen())
        self.refresh_button.clicked.connect(self.refresh_runs)
        self.evaluate_button.clicked.connect(lambda: self.evaluate())
        self.cancel_button.clicked.connect(self.cancel_evaluation)
        self.gallery.view_changed.connect(self._load_thumbnails)
        self.state.runs_dir_changed.connect(lambda _: self._refresh_if_ready())
        self.state.runs_changed.connect(self._refresh_if_ready)
        self.state.run_ended.connect(self._on_run_ended)
        self.top_losses.view_changed.connect(self._load_loss_thumbnails)
        self.most_confused.pair_chosen.connect(self.show_cell)
        self.relabel.changed.connect(self._on_relabelled)
        self._set_evaluating(False)

    # -- Page hooks -------------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        from gui.widgets.confusion import ConfusionMatrix  # pyqtgraph: only now

        self.backend = backend
        self.confusion = ConfusionMatrix()
        self.matrix_box.replaceWidget(self.matrix_placeholder, self.confusion)
        self.matrix_placeholder.hide()
        self.confusion.cell_clicked.connect(self.show_cell)
        self.refresh_runs()

    def restore_settings(self, settings: QSettings) -> None:
        self.ten_crop_check.setChecked(settings.value("ten_crop", "false") == "true")
        parts = settings.value("evaluated_parts", "")
        if parts in EVALUATED_PARTS:
            self.parts_combo.setCurrentText(parts)
        sizes = read_json(settings, "splitter")
        if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("ten_crop", "true" if self.ten_crop_check.isChecked() else "false")
        settings.setValue("evaluated_parts", self.parts_combo.currentText())
        write_json(settings, "splitter", self.splitter.sizes())

    def screenshot_plan(self):
        def show_mistakes() -> None:
            self.tabs.setCurrentIndex(0)
            self.gallery.show_all()

        return [(None, self.refresh_runs), (None, self._evaluate_if_needed),
                (self.key, show_mistakes)]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._evaluate_if_needed()

    def shutdown(self) -> None:
        for job in (self._listing, self._loading, self._cells, self._thumbnails,
                    self._loss_thumbnails):
            job.cancel()
        super().shutdown()

    # -- public -----------------------------------------------------------------------------------

    @property
    def runs_dir(self) -> Path:
        return self.state.runs_dir

    def refresh_runs(self) -> None:
        """List the runs folder again (in a worker)."""
        self._listing.submit(read_runs, self.runs_dir, False, on_result=self._on_runs_listed,
                             on_error=self._on_error, name="list runs")

    def _refresh_if_ready(self) -> None:
        if self.backend is not None and not self.state.closing:
            self.refresh_runs()

    def _on_run_ended(self, outcome) -> None:
        """A run trained here ended: show it, once it has a model to evaluate."""
        run_dir = getattr(outcome, "run_dir", None)
        if self.state.closing or run_dir is None:
            return
        if RunFolder(run_dir).best_model.is_file():
            self.open_run(run_dir)
        else:
            self.refresh_runs()

    def open_run(self, run_dir: str | Path) -> None:
        """Show run `run_dir`: its evaluation, or an evaluation made now when this page is
        on screen (else when it is next shown)."""
        self.run_dir = Path(run_dir)
        self.evaluation = None
        self._pending_run = self.run_dir
        self.refresh_runs()
        self._show_nothing(f"{self.run_dir.name}: reading its evaluation…")
        self._loading.submit(read_evaluation, self.run_dir, on_result=self._on_evaluation_read,
                             on_error=self._on_error, name="read evaluation")

    def evaluate(self, ten_crop: bool | None = None) -> bool:
        """Evaluate the chosen run (in a worker); False when there is none or one runs."""
        if self.run_dir is None or self._evaluate_worker is not None:
            return False
        if ten_crop is not None:
            self.ten_crop_check.setChecked(ten_crop)
        self._set_evaluating(True)
        self.progress_bar.setRange(0, 0)
        how = " with ten crops" if self.ten_crop_check.isChecked() else ""
        self._show_nothing(f"Evaluating {self.run_dir.name}{how}…")
        self._evaluate_worker = self.workers.start(
            evaluate_run, self.run_dir, self.ten_crop_check.isChecked(),
            EVALUATED_PARTS[self.parts_combo.currentText()],
            on_result=self._show_evaluation,
            on_error=self._on_evaluation_error,
            on_progress=self._on_progress,
            on_cancelled=lambda: self._show_nothing("Evaluation cancelled."),
            on_ended=self._on_evaluation_ended,
            name="evaluate",
        )
        return True

    def cancel_evaluation(self) -> None:
        if self._evaluate_worker is not None:
            self._evaluate_worker.cancel()

    def show_cell(self, true: int, predicted: int) -> None:
        """Show the images of confusion-matrix cell (true, predicted)."""
        if self.evaluation is None:
            return
        classes = self.evaluation["classes"]
        count = int(self.evaluation["confusion_matrix"][true][predicted])
        if self.confusion is not None:
            self.confusion.select(true, predicted)
        self.tabs.setCurrentWidget(self.gallery)
        if true != predicted:
            self.gallery.show_cell(classes[true], classes[predicted], note=f"{count:,} images")
            self.cell_shown.emit(true, predicted, len(self.gallery.shown_items()))
            return
        self.gallery.show_cell(classes[true], classes[true], items=[],
                               note=f"{count:,} correctly classified: predicting them…")
        self._cells.submit(
            correct_images, self.run_dir, self.evaluation, true,
            on_result=lambda items: self._on_correct_images(true, items),
            on_error=self._on_error, name="cell images",
        )

    # -- internals --------------------------------------------------------------------------------

    def _on_runs_listed(self, runs: list[RunInfo]) -> None:
        current = self._pending_run or self.run_dir
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for run in runs:
            self.run_combo.addItem(run.label(), str(run.path))
            self.run_combo.setItemData(self.run_combo.count() - 1,
                                       f"{run.model} on {run.dataset}, {run.state} after "
                                       f"{run.epochs_completed} of {run.epochs} epochs",
                                       Qt.ItemDataRole.ToolTipRole)
        if not runs:
            self.run_combo.addItem(f"no runs in {self.runs_dir}", None)
        index = self.run_combo.findData(str(current)) if current is not None else -1
        self.run_combo.setCurrentIndex(max(0, index))
        self.run_combo.blockSignals(False)
        self._pending_run = None
        if self.run_dir is None and runs:
            self.open_run(runs[0].path)  # the newest
        elif not runs and self.run_dir is None:
            self._show_nothing(f"No runs in {self.runs_dir} yet: train one on the Train page.")
        self._set_evaluating(self._evaluate_worker is not None)

    def _on_run_chosen(self) -> None:
        path = self.run_combo.currentData()
        if path and Path(path) != self.run_dir:
            self.open_run(path)

    def _on_evaluation_read(self, evaluation: dict | None) -> None:
        if evaluation is not None:
            self._show_evaluation(evaluation)
            return
        self.evaluation = None
        self._show_nothing(f"{self.run_dir.name} has not been evaluated with its current model.")
        self._evaluate_if_needed(reading=False)

    def _evaluate_if_needed(self, reading: bool | None = None) -> None:
        """Evaluate the chosen run when it is on screen and has no (current) evaluation.
        `reading`: whether its evaluation.json is still being read (then that decides)."""
        reading = self._loading.busy if reading is None else reading
        if (not self.isVisible() or self.run_dir is None or self.evaluation is not None
                or reading or self._evaluate_worker is not None):
            return
        if RunFolder(self.run_dir).has_model():
            self.evaluate()
        else:
            self._show_nothing(f"{self.run_dir.name} has no saved model yet: a run saves one "
                               f"at the end of each epoch.")

    def _on_progress(self, progress: tuple[int, int]) -> None:
        done, total = progress
        self.progress_bar.setRange(0, max(1, total))
        self.progress_bar.setValue(done)

    def _show_evaluation(self, evaluation: dict) -> None:
        self.evaluation = evaluation
        classes = evaluation["classes"]
        mistakes = evaluation["misclassified"]
        how = "ten-crop" if evaluation.get("ten_crop") else "single crop"
        where = "validation images" if evaluation["data"] == "validation" else evaluation["data"]
        skipped = len(evaluation.get("skipped", []))
        scores = [f"<b>Top-1 {evaluation['top1']:.2%}</b>", f"<b>top-5 {evaluation['top5']:.2%}</b>"]
        if "balanced_accuracy" in evaluation:
            scores += [f"balanced {evaluation['balanced_accuracy']:.2%}", f"macro F1 {evaluation['macro_f1']:.3f}"]
        facts = [f"{evaluation['images']:,} {_escape(where)} of {_escape(evaluation['run'])}",
                 f"{len(mistakes):,} misclassified"]
        if skipped:
            facts.append(f"{skipped:,} skipped")
        facts += [f"{_escape(evaluation['model_file'])}, {how}", f"evaluated {_escape(evaluation.get('created', ''))}"]
        self.summary_label.setText(
            f"<span style='font-size:13pt'>{_unbroken(scores)}</span> &nbsp; {_unbroken(facts)}")
        if self.confusion is not None:
            self.confusion.set_matrix(evaluation["confusion_matrix"], classes)
        self._fill_per_class(evaluation["per_class"])
        items = [GalleryItem.from_mistake(entry) for entry in mistakes]
        self.gallery.set_items(items, classes, empty_text="No misclassified images.")
        self.tabs.setTabText(0, f"Misclassified ({len(mistakes):,})")
        self.top_losses.set_evaluation(evaluation)
        self.most_confused.set_evaluation(evaluation)
        self.relabel.set_dataset(self._dataset_root(evaluation), classes)
        self.evaluation_shown.emit(evaluation)

    def _dataset_root(self, evaluation: dict) -> Path | None:
        """The folder the evaluated images are in (where a relabel moves them)."""
        if evaluation.get("split") == "folder":
            return Path(evaluation["data"])
        try:
            return Path(RunFolder(self.run_dir).dataset()["root"])
        except (ValueError, KeyError):
            return None

    def _gallery_image_at(self, position):
        index = self.gallery.view.indexAt(position)
        item = self.gallery.model.shown[index.row()] if index.isValid() else None
        return (item.path, item.true) if item is not None else None

    def _loss_image_at(self, position):
        item = self.top_losses.item_at(position)
        return (item.path, item.true) if item is not None else None

    def _on_relabelled(self, change) -> None:
        if self.relabel.root is not None:
            self.top_losses.note_change(change, self.relabel.root)
            self.state.notify_files_moved(self.relabel.root)  # the Dataset page rescans
        self.status_message.emit(self.relabel_bar.label.text())

    def _fill_per_class(self, rows: list[dict]) -> None:
        table = self.per_class_table
        table.setSortingEnabled(False)
        table.setRowCount(len(rows))
        for row, entry in enumerate(rows):
            cells = [
                (entry["class"], row),  # sorts in label order
                (_percent(entry["precision"]), entry["precision"]),
                (_percent(entry["recall"]), entry["recall"]),
                (f"{entry['support']:,}", entry["support"]),
            ]
            for column, (text, value) in enumerate(cells):
                item = _SortableItem(text, value)
                if column:
                    item.setTextAlignment(RIGHT)
                if value is None:
                    item.setToolTip("never predicted" if column == 1 else "no images")
                table.setItem(row, column, item)
        table.setSortingEnabled(True)

    def _on_correct_images(self, true: int, items: list[GalleryItem]) -> None:
        name = self.evaluation["classes"][true]
        self.gallery.show_cell(name, name, items=items,
                               note=f"{len(items):,} correctly classified")
        self.cell_shown.emit(true, true, len(items))

    def _load_thumbnails(self) -> None:
        missing = self.gallery.missing_thumbnails()
        if missing:
            from gui.widgets.topk_bars import CARD_THUMBNAIL as THUMBNAIL

            self._thumbnails.submit(
                decode_gallery_thumbnails, missing, THUMBNAIL,
                on_progress=self._on_thumbnails, name="gallery thumbnails",
            )

    def _on_thumbnails(self, batch) -> None:
        for path, image in batch:
            self.gallery.set_thumbnail(path, image)

    def _load_loss_thumbnails(self) -> None:
        missing = self.top_losses.missing_thumbnails()
        if missing:
            from gui.widgets.topk_bars import CARD_THUMBNAIL as THUMBNAIL

            self._loss_thumbnails.submit(
                decode_gallery_thumbnails, missing, THUMBNAIL,
                on_progress=lambda batch: [self.top_losses.set_thumbnail(p, i) for p, i in batch],
                name="top-loss thumbnails",
            )

    def _on_evaluation_error(self, error: Exception) -> None:
        message = f"Could not evaluate {self.run_dir.name}: {describe_error(error)}"
        self._show_nothing(message, error=True)
        self.evaluation_failed.emit(message)

    def _on_evaluation_ended(self) -> None:
        self._evaluate_worker = None
        self._set_evaluating(False)

    def _on_error(self, error: Exception) -> None:
        self.status_message.emit(describe_error(error))
        self._show_nothing(describe_error(error), error=True)

    def _show_nothing(self, text: str, error: bool = False) -> None:
        colour = "#b03030" if error else "#5b6573"
        self.summary_label.setText(f"<span style='color:{colour}'>{_escape(text)}</span>")
        if error or self.evaluation is None:
            self.evaluation = None if error else self.evaluation
            if self.confusion is not None:
                self.confusion.set_matrix([], [])
            self.per_class_table.setRowCount(0)
            self.gallery.set_items([], [], empty_text="No evaluation yet.")
            self.tabs.setTabText(0, "Misclassified")
            self.top_losses.set_evaluation(None)
            self.most_confused.set_evaluation(None)

    def _set_evaluating(self, evaluating: bool) -> None:
        self.progress_bar.setVisible(evaluating)
        self.cancel_button.setVisible(evaluating)
        self.evaluate_button.setEnabled(not evaluating and self.run_dir is not None)


class _SortableItem(QTableWidgetItem):
    """A cell that shows text ("97.2%") and sorts by its value (None lowest)."""

    def __init__(self, text: str, value):
        super().__init__(text)
        self.value = value

    def __lt__(self, other) -> bool:
        if not isinstance(other, _SortableItem):
            return super().__lt__(other)
        mine, theirs = self.value, other.value
        if mine is None or theirs is None:
            return mine is None and theirs is not None
        return mine < theirs


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1%}"


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unbroken(parts: list[str]) -> str:
    """Rich-text `parts` joined by " · ", a line broken only between them (a wrapped
    header read "· 11" on one line and "misclassified" on the next)."""
    return " · ".join(part.replace(" ", "&nbsp;") for part in parts)
