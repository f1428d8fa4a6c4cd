"""The Predict page: drop images (or open or paste them) to see a model's top-5 classes
for each, where in the image the evidence lies (a class-activation heat map), the
feature maps of any layer, and the first layer's filters.

The model is the bundled LeNet-5 (resources/models) before any training, any run under
the runs folder (all listed, newest first, with their best validation accuracy; a run
that ends in this session is taken up when it learned something, and left in the list
when it validates at chance), "ImageNet: <network>" for each network whose ImageNet
weights are in Keras' cache (with the 1000 class names), or a `.keras` file the user
opens: loaded by netlib.predict in Keras' safe mode, refused with the reason when it
carries code or cannot be fed images. Images are decoded as the model was trained
(netlib.predict), and everything is computed in workers (gui.tasks.predict); the page
only draws.

Drops: image files dropped anywhere on the window come here (the window routes a single
folder to the Dataset page unless this page is showing); a folder or a file that is no
image gets a message saying so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.images import from_qimage, to_qimage
from gui.pages.base import Page
from gui.settings import read_json, read_str, write_json
from gui.tasks import BackendInfo, RunInfo
from gui.tasks.predict import (
    BUNDLED,
    BUNDLED_MODEL,
    Explanation,
    Predictor,
    explain_image,
    is_imagenet,
    list_models,
    load_predictor,
    model_path,
    predict_images,
    rgb,
)
from gui.widgets.predictions import PredictedImage, PredictionList
from gui.widgets.topk_bars import TopKBars
from gui.workers import LatestOnly, describe_error
from netlib.runs import RunFolder

__all__ = ["PredictPage", "BUNDLED", "BUNDLED_MODEL", "from_qimage", "to_qimage"]

VIEW_SIZE = 224  # pixels a side of the large image
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)"


# -- the page -----------------------------------------------------------------------------------


class PredictPage(Page):
    key = "predict"
    title = "Predict"
    summary = "Drop images for a model's top-5 classes, heat maps and feature maps"

    #: A model is loaded; carries the Predictor.
    model_loaded = Signal(object)
    #: A model could not be loaded; carries the message.
    model_failed = Signal(str)
    #: Predictions are on screen; carries the list of PredictedImage.
    predictions_shown = Signal(list)
    #: The detail view shows an explanation; carries the Explanation.
    explanation_shown = Signal(object)
    #: A message about dropped or opened files (folders, non-images).
    notice = Signal(str)

    #: The model list was filled; carries the runs listed (RunInfo, newest first).
    models_listed = Signal(list)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.backend: BackendInfo | None = None
        self.predictor: Predictor | None = None
        self.model_key = BUNDLED
        self.runs: list[RunInfo] = []  # the runs folder's, newest first
        self.imagenet_models: list = []  # the ImageNet networks in Keras' cache
        self._files: list[str] = []  # the .keras files opened: "file:<path>" keys
        self.sources: list[tuple[str, object]] = []  # what the list shows, in order
        self._entries: list[PredictedImage | None] = []  # their predictions, as they come
        self._generation = 0  # which model the predictions are from: one count per load
        self._pasted = 0
        self._class_row: int | None = None  # the top-5 row the heat map explains
        self._last: Explanation | None = None  # the explanation on screen
        self._colors = None  # the heat map's colour table (pyqtgraph's "inferno")
        self._loads = LatestOnly(self.workers, self)
        self._explanations = LatestOnly(self.workers, self)
        self._listing = LatestOnly(self.workers, self)
        self._build_layout()
        self.state.runs_dir_changed.connect(lambda _: self.refresh_models())
        self.state.runs_changed.connect(self.refresh_models)
        self.state.run_ended.connect(self._on_run_ended)

    # -- layout -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Predict")
        heading.setObjectName("pageHeading")
        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.model_combo.setMinimumContentsLength(28)  # "Run: 20250101-120000-lenet5"
        self.model_combo.addItem("Bundled LeNet-5 (digits)", BUNDLED)
        self.open_model_button = QPushButton("Open model…")
        self.open_model_button.setToolTip("A .keras file (loaded in Keras' safe mode)")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(16)
        top.addWidget(QLabel("Model"))
        top.addWidget(self.model_combo)
        top.addWidget(self.open_model_button)
        top.addStretch(1)
        self.model_label = QLabel("Loading the model…")
        self.model_label.setObjectName("mutedText")
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.open_button = QPushButton("Open images…")
        self.paste_button = QPushButton("Paste")
        self.paste_button.setToolTip("Predict the image on the clipboard (Ctrl+V)")
        self.clear_button = QPushButton("Clear")
        self.notice_label = QLabel(
            "Drop image files anywhere on the window, open them, or paste an image (Ctrl+V)."
        )
        self.notice_label.setObjectName("mutedText")
        self.notice_label.setWordWrap(True)
        tools = QHBoxLayout()
        for button in (self.open_button, self.paste_button, self.clear_button):
            tools.addWidget(button)
        tools.addWidget(self.notice_label, 1)

        self.list = PredictionList()
        self.detail_title = QLabel("")
        self.detail_title.setObjectName("sectionTitle")
        self.image_label = QLabel("No image selected.")
        self.image_label.setObjectName("mutedText")
        self.image_label.setFixedSize(VIEW_SIZE, VIEW_SIZE)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setStyleSheet("background: #f2f4f7; border: 1px solid #d9dde3;")
        self.bars = TopKBars()
        self.heat_check = QCheckBox("Heat map")
        self.heat_check.setChecked(True)
        self.heat_check.setToolTip(
            "Where the evidence for the chosen class lies: CAM for networks with a global-"
            "average-pooling head, Grad-CAM otherwise. Click a class above to explain it."
        )
        self.detail_title.setMinimumWidth(40)
        self.method_label = QLabel("")
        self.method_label.setObjectName("mutedText")
        self.method_label.setWordWrap(True)
        side = QVBoxLayout()
        top5_title = QLabel("Top-5: click a class to explain it")
        top5_title.setWordWrap(True)
        side.addWidget(top5_title)
        side.addWidget(self.bars)
        side.addWidget(self.heat_check)
        side.addWidget(self.method_label)
        side.addStretch(1)
        picture_row = QHBoxLayout()
        picture_row.addWidget(self.image_label)
        picture_row.addLayout(side, 1)

        self.layer_combo = QComboBox()
        self.layer_combo.setToolTip("The layer whose feature maps are shown (up to 64 maps)")
        self.features_label = QLabel("")
        self.features_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        features_tab = QWidget()
        features_layout = QVBoxLayout(features_tab)
        layer_row = QHBoxLayout()
        layer_row.addWidget(QLabel("Layer"))
        layer_row.addWidget(self.layer_combo, 1)
        features_layout.addLayout(layer_row)
        features_layout.addWidget(_scrolled(self.features_label), 1)
        self.filters_label = QLabel("")
        self.filters_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(features_tab, "Feature maps")
        self.tabs.addTab(_scrolled(self.filters_label), "First-layer filters")

        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(10, 0, 0, 0)
        detail_layout.addWidget(self.detail_title)
        detail_layout.addLayout(picture_row)
        detail_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 880])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.addLayout(top)
        layout.addWidget(self.model_label)
        layout.addLayout(tools)
        layout.addWidget(self.splitter, 1)

        self.model_combo.activated.connect(lambda _: self.use_model(self.model_combo.currentData()))
        self.open_model_button.clicked.connect(self._ask_model)
        self.open_button.clicked.connect(self._ask_images)
        self.paste_button.clicked.connect(self.paste)
        self.clear_button.clicked.connect(self.clear)
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        self.bars.class_clicked.connect(self._explain_class)
        self.heat_check.toggled.connect(lambda _: self._show_selected(recompute=False))
        self.layer_combo.activated.connect(lambda _: self._explain())

    # -- Page hooks -------------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        import pyqtgraph as pg

        self.backend = backend
        self._colors = pg.colormap.get("inferno").getLookupTable(nPts=256, alpha=False)
        self.use_model(self.model_key)
        self.refresh_models()

    def restore_settings(self, settings: QSettings) -> None:
        key = read_str(settings, "model", BUNDLED) or BUNDLED
        try:
            if key != BUNDLED and not is_imagenet(key) and not model_path(key).exists():
                key = BUNDLED  # the run or file has gone since
        except ValueError:  # a settings file edited by hand
            key = BUNDLED
        self.model_key = key
        self._add_model_item(key)
        self.heat_check.setChecked(settings.value("heat_map", "true") != "false")
        sizes = read_json(settings, "splitter")
        if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("model", self.model_key)
        settings.setValue("heat_map", "true" if self.heat_check.isChecked() else "false")
        write_json(settings, "splitter", self.splitter.sizes())

    def accepts_drop(self, paths: list[Path]) -> bool:
        return bool(paths)

    def drop(self, paths: list[Path]) -> None:
        self.add_files(paths)

    def screenshot_plan(self):
        from gui.tasks import dataset_folder

        digits = dataset_folder("digits")
        samples = [sorted((digits / str(d)).glob("*.png"))[3] for d in range(10)]

        def show() -> None:
            self.list.select_row(0)

        return [(None, lambda: self.add_files(samples)), (None, show), (self.key, lambda: None)]

    def is_idle(self) -> bool:
        return not (self._loads.busy or self._explanations.busy or self._listing.busy
                    ) and super().is_idle()

    def shutdown(self) -> None:
        for job in (self._loads, self._explanations, self._listing):
            job.cancel()
        super().shutdown()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_models()  # runs the command line made meanwhile

    # -- public -----------------------------------------------------------------------------------

    def use_model(self, key: str) -> None:
        """Load the model `key` (BUNDLED, "run:<folder>" or "file:<path>") in a worker and
        predict the images on screen again with it."""
        self.model_key = key
        self._add_model_item(key)
        if self.backend is None:
            return
        self.model_label.setText("Loading the model…")
        self._loads.submit(load_predictor, key, on_result=self._on_model_loaded,
                           on_error=self._on_model_error, name="load model")

    def use_run(self, run_dir: str | Path) -> None:
        """Predict with run `run_dir`'s best model."""
        self.use_model(f"run:{Path(run_dir)}")

    def open_model_file(self, path: str | Path) -> None:
        """Predict with a .keras file (refused with the reason if unsafe or unusable)."""
        self.use_model(f"file:{Path(path)}")

    def add_files(self, paths: list[Path]) -> None:
        """Predict these files; folders and files that are no images are named in a
        message (the files among them still get a line saying why they failed)."""
        paths = [Path(p) for p in paths]
        folders = [p for p in paths if p.is_dir()]
        files = [p for p in paths if not p.is_dir()]
        notes = []
        if folders:
            names = ", ".join(p.name or str(p) for p in folders[:3])
            more = f" and {len(folders) - 3} more" if len(folders) > 3 else ""
            notes.append(
                f"Folders are not predicted ({names}{more}): drop image files here. To train "
                f"on a folder of class sub-folders, open it on the Dataset page."
            )
        if files:
            self._add_sources([(p.name, str(p)) for p in files])
        self._show_notice(" ".join(notes))

    def add_image(self, name: str, pixels: np.ndarray) -> None:
        """Predict an image given as a uint8 array (a pasted picture)."""
        self._add_sources([(name, pixels)])

    def paste(self) -> None:
        """Predict what the clipboard holds: image files, or a picture."""
        mime = QApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls():
            paths = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
            if paths:
                self.add_files(paths)
                return
        image = QApplication.clipboard().image()
        if image.isNull():
            self._show_notice("The clipboard holds no image to predict.")
            return
        self._pasted += 1
        self.add_image(f"pasted image {self._pasted}", from_qimage(image))

    def clear(self) -> None:
        self.sources = []
        self._entries = []
        self._generation += 1  # predictions still on their way are dropped
        self.list.set_entries([])
        self._show_detail(None)
        self._show_notice("")

    def entries(self) -> list[PredictedImage]:
        return self.list.entries()

    # -- models ----------------------------------------------------------------------------------

    def refresh_models(self) -> None:
        """List the runs folder again (in a worker), for the model list."""
        if self.backend is None or self.state.closing:
            return
        self._listing.submit(list_models, self.state.runs_dir, on_result=self._on_models_listed,
                             on_error=lambda e: self._show_notice(describe_error(e)),
                             name="list models")

    def _on_models_listed(self, listed: tuple[list[RunInfo], list]) -> None:
        self.runs, self.imagenet_models = listed
        self._fill_models()
        self.models_listed.emit(self.runs)

    def _fill_models(self) -> None:
        """The bundled model, the ImageNet networks whose weights are in Keras' cache,
        every run (newest first; greyed out until it saved a model) and the files opened;
        the model in use selected."""
        combo = self.model_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("Bundled LeNet-5 (digits)", BUNDLED)
        for model in self.imagenet_models:  # ImageNet out of the box
            combo.addItem(model.label, model.key)
        for run in self.runs:
            combo.addItem(f"Run: {run.label()}", f"run:{run.path}")
            index = combo.count() - 1
            combo.setItemData(index, f"{run.model} on {run.dataset}, {run.state} after "
                              f"{run.epochs_completed} of {run.epochs} epochs",
                              Qt.ItemDataRole.ToolTipRole)
            if not run.has_model:
                combo.model().item(index).setEnabled(False)
        for key in self._files:
            combo.addItem(f"File: {Path(key.partition(':')[2]).name}", key)
        combo.blockSignals(False)
        self._add_model_item(self.model_key)

    def _add_model_item(self, key: str) -> None:
        index = self.model_combo.findData(key)
        if index < 0:
            kind, _, path = key.partition(":")
            label = f"Run: {Path(path).name}" if kind == "run" else f"File: {Path(path).name}"
            if is_imagenet(key):
                from netlib.weights.imagenet import label_of

                label = label_of(key)
            self.model_combo.addItem(label, key)
            index = self.model_combo.count() - 1
            if kind == "file" and key not in self._files:
                self._files.append(key)
        self.model_combo.setCurrentIndex(index)

    def _on_run_ended(self, outcome) -> None:
        """A run trained here ended: predict with it if it learned something; one that
        validates at chance stays in the list, not in use."""
        from netlib.train.diagnose import at_chance

        run_dir = getattr(outcome, "run_dir", None)
        if self.state.closing or run_dir is None:
            return
        self.refresh_models()
        folder = RunFolder(run_dir)
        if not folder.best_model.is_file():
            return
        accuracy = folder.status().get("best_val_accuracy")
        try:
            chance = 1.0 / max(1, len(folder.classes()))
        except ValueError:
            chance = 0.0
        if isinstance(accuracy, (int, float)) and accuracy == accuracy and at_chance(accuracy, chance):
            current = self.predictor.description if self.predictor else "the bundled model"
            self._show_notice(
                f"{folder.path.name} validates at {accuracy:.1%}, no better than chance "
                f"({chance:.1%}): still predicting with {current.split(' · ')[0]}. Choose the "
                f"run in the Model list to use it anyway."
            )
            return
        self.use_run(run_dir)

    def _on_model_loaded(self, predictor: Predictor) -> None:
        self.predictor = predictor
        self.model_label.setText(predictor.description)
        self.model_label.setStyleSheet("")
        self.layer_combo.clear()
        self.layer_combo.addItems(predictor.layers)
        if predictor.feature_layer:
            self.layer_combo.setCurrentText(predictor.feature_layer)
        if predictor.filters is not None:
            self.filters_label.setPixmap(QPixmap.fromImage(to_qimage(predictor.filters)))
        else:
            self.filters_label.setText("This model has no convolution layer.")
        self._generation += 1
        self._entries = [None] * len(self.sources)
        self.model_loaded.emit(predictor)
        if self.sources:
            self._predict(0, self.sources)

    def _on_model_error(self, error: Exception) -> None:
        message = f"This model cannot be used: {describe_error(error)}"
        self.model_label.setText(message)
        self.model_label.setStyleSheet("color: #b03030;")
        self.status_message.emit(message)
        self.model_failed.emit(message)
        if self.predictor is not None:  # keep predicting with the model that worked
            self._add_model_item(self.predictor.key)
            self.model_key = self.predictor.key
            self.model_label.setText(f"{message} Still using: {self.predictor.description}")

    def _ask_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a Keras model", "", "Keras models (*.keras)"
        )
        if path:
            self.open_model_file(path)

    # -- predictions ------------------------------------------------------------------------

    def _add_sources(self, sources: list[tuple[str, object]]) -> None:
        start = len(self.sources)
        self.sources = self.sources + sources
        self._entries = self._entries + [None] * len(sources)
        if self.predictor is not None:
            self._predict(start, sources)

    def _predict(self, start: int, sources: list[tuple[str, object]]) -> None:
        """Predict `sources`, the images from position `start` on (only the new ones: a
        thousand images on screen are not predicted again for one more)."""
        generation = self._generation
        self.workers.start(
            predict_images, self.predictor, list(sources),
            on_result=lambda entries: self._on_predicted(start, entries, generation),
            on_error=self._on_predict_error, name="predict",
        )

    def _on_predicted(self, start: int, entries: list[PredictedImage], generation: int) -> None:
        if generation != self._generation:
            return  # made with a model replaced since (or before a Clear)
        self._entries[start : start + len(entries)] = entries
        previous = self.list.currentIndex().row()
        self.list.set_entries([e for e in self._entries if e is not None])
        new_row = sum(e is not None for e in self._entries[: start + len(entries)]) - 1
        self.list.select_row(previous if start == 0 and 0 <= previous <= new_row else new_row)
        failed = [e for e in entries if not e.ok]
        if failed:
            names = ", ".join(e.name for e in failed[:3]) + ("…" if len(failed) > 3 else "")
            self._show_notice(
                f"{len(failed)} of {len(entries)} files could not be read as images ({names}); "
                f"hover over one to see why."
                + (f" {self.notice_label.text()}" if "Folders" in self.notice_label.text() else "")
            )
        self.predictions_shown.emit(entries)

    def _on_predict_error(self, error: Exception) -> None:
        self._show_notice(f"Prediction failed: {describe_error(error)}")

    def _ask_images(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open images", "", IMAGE_FILTER)
        if paths:
            self.add_files([Path(p) for p in paths])

    # -- detail -----------------------------------------------------------------------------------

    def _show_selected(self, recompute: bool = True) -> None:
        """Show the selected image; `recompute`: a new selection (explain its top class),
        else only the heat-map switch changed."""
        entry = self.list.selected_entry()
        if recompute:
            self._class_row = None
            self._last = None
        self._show_detail(entry)
        if entry is None or not entry.ok:
            return
        if recompute:
            self._explain()
        elif self._last is not None:
            self._show_explanation(self._last)

    def _show_detail(self, entry: PredictedImage | None) -> None:
        self.method_label.setText("")
        if entry is None:
            self.detail_title.setText("")
            self.image_label.clear()
            self.image_label.setText("No image selected.")
            self.bars.set_predictions([])
            self.features_label.clear()
            return
        self.detail_title.setText(entry.name)
        if not entry.ok:
            self.image_label.clear()
            self.image_label.setText(entry.error)
            self.bars.set_predictions([])
            return
        self.bars.set_predictions(entry.top, highlighted=self._class_row or 0)
        if self._last is None:
            self._set_picture(rgb(entry.pixels).astype(np.uint8))

    def _explain_class(self, row: int, _name: str) -> None:
        self._class_row = row
        self.bars.set_highlighted(row)
        self._explain()

    def _explain(self) -> None:
        entry = self.list.selected_entry()
        if entry is None or not entry.ok or self.predictor is None or self._colors is None:
            return
        class_index = None
        if self._class_row is not None:
            class_index = self.predictor.loaded.classes.index(entry.top[self._class_row][0])
        self._explanations.submit(
            explain_image, self.predictor, entry.pixels, class_index,
            self.layer_combo.currentText() or None, self._colors,
            on_result=self._show_explanation,
            on_error=lambda e: self.method_label.setText(f"No heat map: {describe_error(e)}"),
            name="explain",
        )

    def _show_explanation(self, explanation: Explanation) -> None:
        self._last = explanation
        show_heat = self.heat_check.isChecked() and explanation.overlay is not None
        self._set_picture(explanation.overlay if show_heat else explanation.image.astype(np.uint8))
        if explanation.overlay is not None and self.predictor is not None:
            name = self.predictor.loaded.classes[explanation.class_index]
            kind = "CAM" if explanation.method == "cam" else "Grad-CAM"
            self.method_label.setText(f"{kind} of class {name} on {explanation.layer}")
        else:
            self.method_label.setText("No heat map for this model.")
        if explanation.features is not None:
            self.features_label.setPixmap(
                QPixmap.fromImage(to_qimage(explanation.features)).scaled(
                    explanation.features.shape[1] * _zoom(explanation.features),
                    explanation.features.shape[0] * _zoom(explanation.features),
                    Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation,
                )
            )
        self.explanation_shown.emit(explanation)

    def _set_picture(self, array: np.ndarray) -> None:
        image = to_qimage(array)
        small = max(image.width(), image.height()) <= VIEW_SIZE // 2
        mode = (Qt.TransformationMode.FastTransformation if small
                else Qt.TransformationMode.SmoothTransformation)
        self.image_label.setPixmap(QPixmap.fromImage(image.scaled(
            VIEW_SIZE - 4, VIEW_SIZE - 4, Qt.AspectRatioMode.KeepAspectRatio, mode)))

    def _show_notice(self, text: str) -> None:
        default = "Drop image files anywhere on the window, open them, or paste an image (Ctrl+V)."
        self.notice_label.setText(text or default)
        self.notice_label.setStyleSheet("color: #a0620a;" if text else "")
        if text:
            self.status_message.emit(text)
            self.notice.emit(text)


def _zoom(grid: np.ndarray) -> int:
    """An integer zoom that makes a feature-map grid about 400 pixels wide."""
    return max(1, min(8, 400 // max(1, grid.shape[1])))


def _scrolled(label: QLabel) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(label)
    return area
