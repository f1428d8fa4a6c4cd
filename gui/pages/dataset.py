"""The dataset page: choose a folder of class sub-folders (or the bundled digits), see
what the scan found, how it splits, and build the decoded-image cache; how unequal the
classes are, the duplicates (and the ones that leak across the split), fix them in the
folder (move or exclude an image, undoable), and preview the Train page's augmentation.

The scan decodes every image once, into the image cache of the Train page's settings
(netlib.data.scan_into_cache): a truncated file is found at once and the run that
follows finds its images decoded.

The dataset is the app's (gui.state): chosen, typed or pasted into the folder field, or
dropped here, or asked for by the Train page, a folder is scanned first, and becomes
every page's dataset only once it scanned; one that fails is reported and nothing else
changes (the previous dataset stays, on this page and everywhere). The split is the
app's too, edited here or in the Train form; the image cache follows the Train page's
network, so that the cache built here is the one a run uses.

Everything long runs in workers (scan, thumbnails, split, cache: gui.tasks) and reports
progress; the scan and the cache build can be cancelled. Scans start once Keras and
netlib have loaded behind the window (backend_ready), so that two threads never import
the same libraries at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import formatting
from gui.pages.base import Page
from gui.settings import read_int, read_json, read_str, write_json
from gui.state import normalize_source
from gui.tasks import (
    DIGITS,
    BackendInfo,
    CacheResult,
    ScannedDataset,
    SplitCounts,
    build_image_cache,
    augmented_batch,
    decode_gallery_thumbnails,
    decode_thumbnails,
    find_duplicate_groups,
    scan_dataset_into_cache,
    split_counts,
)
from gui.widgets.augment_preview import AugmentPreview
from gui.widgets.class_balance import ClassBalanceView
from gui.widgets.duplicates import ICON, DuplicatesView
from gui.widgets.relabel_menu import RelabelActions, with_relabel_bar
from gui.widgets.thumbnails import MAX_CLASSES, THUMBNAIL_SIZE, ThumbnailGrid, sample_paths
from gui.workers import LatestOnly, Worker, describe_error
from netlib.data.modes import COLOR_MODES, RESIZE_MODES


class DatasetPage(Page):
    key = "dataset"
    title = "Dataset"
    summary = "A folder of images, one sub-folder per class: scan, split and cache it"

    #: A scan finished; carries the netlib.data.DatasetIndex.
    scan_finished = Signal(object)
    #: A scan failed; carries the message.
    scan_failed = Signal(str)
    #: The split counts for the current settings; carries SplitCounts.
    split_ready = Signal(object)
    #: Every thumbnail of the current dataset is on screen.
    thumbnails_ready = Signal()
    #: A cache build ended: carries a CacheResult, or None when it was cancelled.
    cache_finished = Signal(object)
    #: The duplicates of the current dataset are on screen; carries the groups.
    duplicates_shown = Signal(list)
    #: An augmented batch is on screen.
    preview_shown = Signal()

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.source: str = state.dataset  # what is scanned or shown: DIGITS or a folder
        self.index = None  # the last scan's netlib.data.DatasetIndex
        self.split: SplitCounts | None = None
        self.cache: CacheResult | None = None
        self._ready = False  # netlib may be used (backend_ready was heard)
        self._scans = LatestOnly(self.workers, self)
        self._thumbnails = LatestOnly(self.workers, self)
        self._splits = LatestOnly(self.workers, self)
        self._cache_worker: Worker | None = None
        self.chart = None  # a ClassChart, made when there are counts to show
        self.image_cache = None  # the netlib ImageCache the scan decoded into
        self.fingerprints = None  # the scanned images' (netlib.data.phash), once computed
        self.duplicate_groups: list = []
        #: Returns the Train page's TrainConfig (or None): its augmentation is previewed.
        self._duplicates = LatestOnly(self.workers, self)
        self._member_thumbnails = LatestOnly(self.workers, self)
        self._preview = LatestOnly(self.workers, self)
        self.relabel = RelabelActions(self)

        self._build_layout()
        self._connect()

    # -- layout ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        heading = QLabel("Dataset")
        heading.setObjectName("pageHeading")

        self.digits_button = QRadioButton("Digits sample")
        self.digits_button.setToolTip(
            "The bundled UCI handwritten digits: 1,797 greyscale 8×8 images in 10 classes"
        )
        self.folder_button = QRadioButton("Folder:")
        self.source_buttons = QButtonGroup(self)
        self.source_buttons.addButton(self.digits_button)
        self.source_buttons.addButton(self.folder_button)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(
            "type or paste a folder and press Enter, choose one, or drop one on the window")
        self.choose_button = QPushButton("Choose…")
        self.rescan_button = QPushButton("Rescan")
        source_row = QHBoxLayout()
        source_row.addWidget(self.digits_button)
        source_row.addSpacing(16)
        source_row.addWidget(self.folder_button)
        source_row.addWidget(self.folder_edit, 1)
        source_row.addWidget(self.choose_button)
        source_row.addWidget(self.rescan_button)

        self.scan_bar = QProgressBar()
        self.scan_bar.setFormat("%v / %m files")
        self.cancel_scan_button = QPushButton("Cancel")
        self.summary_label = QLabel("Waiting for netlib to load…")
        self.summary_label.setObjectName("summaryLine")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scan_row = QHBoxLayout()
        scan_row.addWidget(self.summary_label, 1)
        scan_row.addWidget(self.scan_bar)
        scan_row.addWidget(self.cancel_scan_button)

        self.chart_box = QVBoxLayout()
        chart_title = QLabel("Images per class")
        chart_title.setObjectName("sectionTitle")
        self.chart_box.addWidget(chart_title)
        self.chart_placeholder = QLabel("No dataset scanned yet.")
        self.chart_placeholder.setObjectName("mutedText")
        self.chart_placeholder.setMinimumHeight(160)
        self.chart_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chart_box.addWidget(self.chart_placeholder, 1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addLayout(self.chart_box, 1)
        left_layout.addWidget(self._split_group())
        left_layout.addWidget(self._cache_group())

        self.thumbnails = ThumbnailGrid()
        self.skipped_table = QTableWidget(0, 3)
        self.skipped_table.setHorizontalHeaderLabels(["File", "Reason", "Detail"])
        self.skipped_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.skipped_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.skipped_table.verticalHeader().hide()
        self.skipped_table.setAlternatingRowColors(True)
        header = self.skipped_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.thumbnails, "Thumbnails")
        self.tabs.addTab(self.skipped_table, "Skipped files")
        self.balance_view = ClassBalanceView()
        self.duplicates_view = DuplicatesView()
        self.preview = AugmentPreview()
        self.tabs.addTab(self.balance_view, "Class balance")
        self.tabs.addTab(self.duplicates_view, "Duplicates")
        self.tabs.addTab(self.preview, "Augmentation")
        self.relabel.attach(self.duplicates_view.tree, self.duplicates_view.image_at)
        right, self.relabel_bar = with_relabel_bar(self.tabs, self.relabel)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        left.setMinimumWidth(300)
        self._default_sizes = True  # until settings say otherwise: see showEvent

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 6)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(source_row)
        layout.addLayout(scan_row)
        layout.addWidget(self.splitter, 1)
        self._set_scanning(False)

    def _split_group(self) -> QGroupBox:
        group = QGroupBox("Split")
        form = QFormLayout(group)
        self.validation_spin = _fraction_spin(0.2, "Share of each class kept for validation")
        self.test_spin = _fraction_spin(0.0, "Share of each class kept for the final test")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The same folder and seed always give the same split")
        self.split_label = QLabel("—")
        self.split_label.setWordWrap(True)
        form.addRow("Validation", self.validation_spin)
        form.addRow("Test", self.test_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Images", self.split_label)
        return group

    def _cache_group(self) -> QGroupBox:
        group = QGroupBox("Image cache")
        form = QFormLayout(group)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(8, 1024)
        self.size_spin.setValue(32)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(
            "Images are decoded once at this size. It follows the Train page (by default "
            "the network's input size), so that the cache built here is the one a run uses."
        )
        self.color_combo = QComboBox()
        self.color_combo.addItems(COLOR_MODES)
        self.resize_combo = QComboBox()
        self.resize_combo.addItems(RESIZE_MODES)
        self.resize_combo.setToolTip(
            "squash: stretch to the size; crop: centre crop to a square, then resize; "
            "pad: fit inside, then pad with black"
        )
        self.build_cache_button = QPushButton("Build cache")
        self.build_cache_button.setToolTip(
            "Decode the folder now with the Train page's size, colour and resize, so that "
            "its next run starts at once (a run builds the cache itself when needed)."
        )
        self.cancel_cache_button = QPushButton("Cancel")
        self.cache_bar = QProgressBar()
        self.cache_bar.setFormat("%v / %m images")
        buttons = QHBoxLayout()
        buttons.addWidget(self.build_cache_button)
        buttons.addWidget(self.cancel_cache_button)
        buttons.addWidget(self.cache_bar, 1)
        self.cache_label = QLabel("Not built.")
        self.cache_label.setWordWrap(True)
        self.cache_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Image size", self.size_spin)
        form.addRow("Colour", self.color_combo)
        form.addRow("Resize", self.resize_combo)
        form.addRow(buttons)
        form.addRow(self.cache_label)
        self._set_caching(False)
        return group

    def _connect(self) -> None:
        # clicked, not toggled: only the user's clicks choose a source, not set_source.
        self.digits_button.clicked.connect(self.use_digits)
        self.folder_button.clicked.connect(self._on_folder_clicked)
        self.choose_button.clicked.connect(self._ask_folder)
        self.folder_edit.returnPressed.connect(self._on_folder_typed)
        self.rescan_button.clicked.connect(self.rescan)
        self.cancel_scan_button.clicked.connect(self._scans.cancel)
        for spin in (self.validation_spin, self.test_spin, self.seed_spin):
            spin.valueChanged.connect(self.update_split)
            spin.valueChanged.connect(lambda *_: self.state.set_split(self.split_settings()))
        self.build_cache_button.clicked.connect(self.build_cache)
        self.cancel_cache_button.clicked.connect(self.cancel_cache)
        self._scans.busy_changed.connect(self._set_scanning)
        self.state.dataset_requested.connect(self.set_source)
        self.state.split_changed.connect(self.set_split_settings)
        self.state.cache_changed.connect(self.set_cache_settings)
        self.relabel.changed.connect(
            lambda _change: self.state.notify_files_moved(self.relabel.root))
        self.state.files_moved.connect(self.folder_changed)
        self.preview.draw_requested.connect(self.draw_preview)
        self.tabs.currentChanged.connect(self._on_tab_shown)

    # -- Page hooks --------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        self._ready = True
        # After the window has connected the pages: the Train page's cache settings
        # (announced then) are those the scan decodes into.
        QTimer.singleShot(0, self.rescan)

    def restore_settings(self, settings: QSettings) -> None:
        self.set_split_settings(self.state.split)
        self.size_spin.setValue(read_int(settings, "image_size", 32))
        _select(self.color_combo, read_str(settings, "color_mode", COLOR_MODES[0]))
        _select(self.resize_combo, read_str(settings, "resize", RESIZE_MODES[0]))
        sizes = read_json(settings, "splitter")
        if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
            self.splitter.setSizes(sizes)
            self._default_sizes = False
        self.tabs.setCurrentIndex(read_int(settings, "tab", 0))
        self.set_source(self.state.dataset, scan=False)

    def save_settings(self, settings: QSettings) -> None:
        settings.setValue("image_size", self.size_spin.value())
        settings.setValue("color_mode", self.color_combo.currentText())
        settings.setValue("resize", self.resize_combo.currentText())
        write_json(settings, "splitter", self.splitter.sizes())
        settings.setValue("tab", self.tabs.currentIndex())

    def accepts_drop(self, paths: list[Path]) -> bool:
        return len(paths) == 1 and paths[0].is_dir()

    def drop(self, paths: list[Path]) -> None:
        self.open_folder(paths[0])

    def screenshot_plan(self):
        return [(None, self.use_digits), (self.key, lambda: self.tabs.setCurrentIndex(0))]

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_sizes:
            QTimer.singleShot(0, self._apply_default_sizes)

    def _apply_default_sizes(self) -> None:
        if self._default_sizes:
            # A splitter only knows its width once shown.
            self._default_sizes = False
            total = sum(self.splitter.sizes()) or self.width()
            self.splitter.setSizes([440, max(400, total - 440)])

    # -- public ------------------------------------------------------------------------------

    def use_digits(self) -> None:
        """Scan the bundled digits sample."""
        self.set_source(DIGITS)

    def open_folder(self, folder: str | Path) -> None:
        """Scan `folder` (a folder of class sub-folders): once it scanned, it is the
        dataset."""
        self.set_source(normalize_source(folder))

    def set_source(self, source: str, scan: bool = True) -> None:
        """Show `source` (DIGITS or a folder path) and, unless told not to, scan it."""
        self.source = normalize_source(source)
        self._show_source(self.source)
        if scan:
            self.rescan()

    def rescan(self) -> None:
        """Scan the current source again (a scan running now is superseded). What is on
        screen stays until the scan has succeeded."""
        if not self._ready:
            return  # backend_ready scans the source then
        self.summary_label.setText(f"Scanning {_escape(_name(self.source))}…")
        source = self.source
        self._scans.submit(
            scan_dataset_into_cache,
            source,
            self.cache_settings(),
            on_result=lambda scanned: self._on_scan_result(source, scanned),
            on_error=lambda error: self._on_scan_error(source, error),
            on_progress=self._on_scan_progress,
            on_cancelled=self._on_scan_cancelled,
            name="scan",
        )

    def split_settings(self) -> dict:
        """The split as TrainConfig takes it: validation and test shares, and the seed."""
        return {
            "validation": round(self.validation_spin.value(), 4),
            "test": round(self.test_spin.value(), 4),
            "seed": self.seed_spin.value(),
        }

    def set_split_settings(self, values: dict) -> None:
        """Show the app's split (changed here or in the Train form); unchanged values
        emit nothing, so the page does not echo it back."""
        for key, spin in (("validation", self.validation_spin), ("test", self.test_spin),
                          ("seed", self.seed_spin)):
            if key in values and spin.value() != values[key]:
                spin.setValue(values[key])

    def folder_changed(self, root: str | Path) -> None:
        """Files of `root` were moved (a relabel on another page): scan again if it is
        the folder shown."""
        if self.index is not None and os.path.realpath(self.index.root) == os.path.realpath(root):
            self.rescan()

    def cache_settings(self) -> dict:
        """The image cache this page builds: image_size, color_mode, resize."""
        return {"image_size": self.size_spin.value(), "color_mode": self.color_combo.currentText(),
                "resize": self.resize_combo.currentText()}

    def draw_preview(self) -> None:
        """Augment a batch of the cached images with the Train page's augmentation (in a
        worker), a new random draw each time."""
        if self.image_cache is None:
            self.preview.set_message("Scan a dataset to preview its augmentation.")
            return
        spec = self.state.augment
        from netlib.augment_spec import format_text

        described = format_text(spec) or "no augmentation (set one on the Train page)"
        self._preview.submit(
            augmented_batch, self.image_cache, spec, self.preview.draws,
            on_result=lambda batch: self._on_preview(batch, f"Augmentation: {described}"),
            on_error=lambda error: self.preview.set_message(describe_error(error)),
            name="augmentation preview",
        )

    def set_cache_settings(self, values: dict) -> None:
        """Show the image cache the Train page's run would use (the app's), so that
        "Build cache" prepares exactly that one."""
        if "image_size" in values:
            self.size_spin.setValue(int(values["image_size"]))
        for key, combo in (("color_mode", self.color_combo), ("resize", self.resize_combo)):
            if key in values and combo.findText(values[key]) >= 0:
                combo.setCurrentText(values[key])

    def update_split(self) -> None:
        """Count the split for the current settings (in a worker)."""
        if self.index is None:
            return
        self._splits.submit(
            split_counts,
            self.index,
            round(self.validation_spin.value(), 4),
            round(self.test_spin.value(), 4),
            self.seed_spin.value(),
            on_result=self._on_split,
            on_error=lambda error: self._show_split_error(describe_error(error)),
            name="split",
        )

    def build_cache(self) -> None:
        """Decode the dataset into the image cache with the chosen settings (in a worker)."""
        if self.index is None or self._cache_worker is not None:
            return
        self._set_caching(True)
        self.cache_bar.setRange(0, len(self.index.candidates))
        self.cache_bar.setValue(0)
        self.cache_label.setText("Decoding images…")
        self._cache_worker = self.workers.start(
            build_image_cache,
            self.index.candidates,  # every listed file: the cache a run of the folder uses
            self.size_spin.value(),
            self.color_combo.currentText(),
            self.resize_combo.currentText(),
            on_result=self._on_cache_built,
            on_error=self._on_cache_error,
            on_progress=lambda p: _show_progress(self.cache_bar, p),
            on_cancelled=self._on_cache_cancelled,
            on_ended=self._on_cache_ended,
            name="cache",
        )

    def cancel_cache(self) -> None:
        if self._cache_worker is not None:
            self._cache_worker.cancel()
            self.cache_label.setText("Cancelling…")

    # -- scan results -----------------------------------------------------------------------

    def _on_scan_progress(self, progress: tuple[int, int]) -> None:
        _show_progress(self.scan_bar, progress)

    def _on_scan_result(self, source: str, scanned: ScannedDataset) -> None:
        self._clear_results()
        self.image_cache = scanned.cache
        if scanned.result is not None:
            self._on_cache_built(scanned.result)
        self._on_scanned(source, scanned.index)
        self.relabel.set_dataset(scanned.index.root, scanned.index.classes)
        if self.tabs.currentWidget() is self.preview:
            self.draw_preview()

    def _on_scanned(self, source: str, index) -> None:
        self.index = index
        counts = index.counts
        total = sum(counts.values())
        skipped = len(index.skipped)
        parts = [
            f"<b>{total:,}</b> images in <b>{len(index.classes):,}</b> classes",
            f"{skipped:,} {'file' if skipped == 1 else 'files'} skipped",
        ]
        if index.predefined_split:
            parts.append("the folder's own train/validation/test split is kept")
        self.summary_label.setText(f"{_escape(_name(source))}: " + " · ".join(parts))
        self._show_counts(counts)
        self.balance_view.set_balance(index.balance(), index.split_counts() or None)
        self._show_skipped(index)
        self._start_thumbnails(index)
        self.update_split()
        self.status_message.emit(f"Scanned {_name(source)}: {total:,} images.")
        self.state.set_dataset(source)
        self.scan_finished.emit(index)

    def _on_scan_error(self, source: str, error: Exception) -> None:
        """The folder cannot be used: say so; the dataset stays what it was."""
        message = f"{_name(source)} cannot be used: {describe_error(error)}"
        still = self.state.dataset
        if still == source:  # the dataset itself no longer scans: nothing stale stays
            self._clear_results()
        else:
            message += f" The dataset is still {_name(still)}."
            self.source = still
            self._show_source(still, keep_typed=True)
        self.summary_label.setText(f'<span style="color:#b03030">{_escape(message)}</span>')
        self.status_message.emit(message)
        self.state.refuse_dataset(source, message)
        self.scan_failed.emit(message)

    def _on_scan_cancelled(self) -> None:
        text = f"Scan of {_escape(_name(self.source))} cancelled."
        if self.source != self.state.dataset:  # a new folder: the dataset stays
            text += f" The dataset is still {_escape(_name(self.state.dataset))}."
            self.source = self.state.dataset
            self._show_source(self.source, keep_typed=True)
        self.summary_label.setText(text)

    def _show_counts(self, counts: dict[str, int]) -> None:
        if self.chart is None:
            from gui.widgets.class_chart import ClassChart  # pyqtgraph: imported when needed

            self.chart = ClassChart()
            self.chart_box.replaceWidget(self.chart_placeholder, self.chart)
            self.chart_placeholder.hide()
        self.chart.set_counts(counts)

    def _show_skipped(self, index) -> None:
        report = index.report()["skipped"]
        self.skipped_table.setRowCount(len(report))
        for row, entry in enumerate(report):
            for column, key in enumerate(("path", "reason", "detail")):
                item = QTableWidgetItem(entry[key])
                item.setToolTip(entry[key])
                self.skipped_table.setItem(row, column, item)
        self.tabs.setTabText(1, f"Skipped files ({len(report):,})")

    def _start_thumbnails(self, index) -> None:
        self.thumbnails.clear()
        groups = sample_paths(index)
        if len(index.classes) > MAX_CLASSES:
            self.thumbnails.add_note(
                f"The first {MAX_CLASSES} of {len(index.classes):,} classes are shown."
            )
        self._thumbnails.submit(
            decode_thumbnails,
            groups,
            THUMBNAIL_SIZE,
            on_progress=lambda row: self.thumbnails.add_class(*row),
            on_result=lambda _: self.thumbnails_ready.emit(),
            on_error=lambda error: self.status_message.emit(
                f"Thumbnails: {describe_error(error)}"
            ),
            name="thumbnails",
        )

    def _on_split(self, counts: SplitCounts) -> None:
        self.split = counts
        self.split_label.setText(
            f"train {counts.train:,} · validation {counts.validation:,} · test {counts.test:,}"
        )
        self.split_label.setProperty("invalid", False)
        if self.index is not None:
            self.balance_view.set_balance(self.index.balance(), counts.per_class)
            self._find_duplicates()  # the leakage flags follow the split
        self.split_ready.emit(counts)

    # -- duplicates and the augmentation preview -------------------------------------------

    def _find_duplicates(self) -> None:
        if self.index is None:
            return
        self.duplicates_view.set_searching("Looking for duplicates…")
        parts = self.split.parts if self.split is not None else None
        index = self.index
        self._duplicates.submit(
            find_duplicate_groups, index, self.fingerprints, self.image_cache, parts,
            on_result=lambda found: self._on_duplicates(index, *found),
            on_error=lambda error: self.duplicates_view.set_searching(describe_error(error)),
            name="duplicates",
        )

    def _on_duplicates(self, index, groups: list, prints) -> None:
        if index is not self.index:
            return
        self.fingerprints = prints
        self.duplicate_groups = groups
        self.duplicates_view.set_groups(groups, index.root, index.classes)
        leaks = sum("leakage" in g.flags for g in groups)
        self.tabs.setTabText(self.tabs.indexOf(self.duplicates_view),
                             f"Duplicates ({len(groups):,}{', ' + str(leaks) + ' leaking' if leaks else ''})")
        self._member_thumbnails.submit(
            decode_gallery_thumbnails, self.duplicates_view.member_paths(), ICON,
            on_progress=lambda batch: [self.duplicates_view.set_thumbnail(p, i) for p, i in batch],
            name="duplicate thumbnails",
        )
        self.duplicates_shown.emit(groups)

    def _on_preview(self, batch, description: str) -> None:
        self.preview.show_batch(batch, description)
        self.preview_shown.emit()

    def _on_tab_shown(self, index: int) -> None:
        if self.tabs.widget(index) is self.preview and self.preview.batch is None:
            self.draw_preview()

    def _show_split_error(self, message: str) -> None:
        self.split = None
        self.split_label.setText(f'<span style="color:#b03030">{_escape(message)}</span>')
        self._find_duplicates()  # without leakage flags

    # -- cache ----------------------------------------------------------------------------------

    def _on_cache_built(self, result: CacheResult) -> None:
        self.cache = result
        how = "reused" if result.reused else f"built in {result.seconds:.1f} s"
        shape = " × ".join(str(d) for d in result.shape[1:])
        skipped = f", {len(result.skipped):,} failed to decode" if result.skipped else ""
        self.cache_label.setText(
            f"{result.images:,} images of {shape}, {formatting.size_in_bytes(result.file_bytes)} "
            f"({how}{skipped})\n{result.file}"
        )
        self.cache_finished.emit(result)

    def _on_cache_error(self, error: Exception) -> None:
        self.cache_label.setText(
            f'<span style="color:#b03030">{_escape(describe_error(error))}</span>'
        )

    def _on_cache_cancelled(self) -> None:
        self.cache_label.setText("Cancelled: nothing was kept.")
        self.cache_finished.emit(None)

    def _on_cache_ended(self) -> None:
        self._cache_worker = None
        self._set_caching(False)

    # -- helpers ---------------------------------------------------------------------------------

    def _show_source(self, source: str, keep_typed: bool = False) -> None:
        """Check the source's button; a folder in the folder field (where it stays while
        the digits are shown: one click back), unless the user's typing is to be kept."""
        is_digits = source == DIGITS
        if not is_digits and not keep_typed:
            self.folder_edit.setText(source)
        (self.digits_button if is_digits else self.folder_button).setChecked(True)

    def _clear_results(self) -> None:
        self.index = None
        self.split = None
        self.image_cache = None
        self.fingerprints = None
        self.duplicate_groups = []
        self._duplicates.cancel()
        self.balance_view.set_balance(None)
        self.duplicates_view.set_groups([], Path("."), [])
        self.duplicates_view.set_searching("No duplicates searched yet.")
        self._thumbnails.cancel()
        self._splits.cancel()
        self.thumbnails.clear()
        self.skipped_table.setRowCount(0)
        self.tabs.setTabText(1, "Skipped files")
        self.split_label.setText("—")
        if self.chart is not None:
            self.chart.set_counts({})

    def _set_scanning(self, scanning: bool) -> None:
        self.scan_bar.setVisible(scanning)
        self.cancel_scan_button.setVisible(scanning)
        if scanning:
            self.scan_bar.setRange(0, 0)
        self.build_cache_button.setEnabled(not scanning and self._cache_worker is None)

    def _set_caching(self, caching: bool) -> None:
        self.build_cache_button.setEnabled(not caching)
        self.cancel_cache_button.setVisible(caching)
        self.cache_bar.setVisible(caching)

    def _on_folder_clicked(self) -> None:
        if self.folder_edit.text().strip():
            self._on_folder_typed()
        else:
            self._ask_folder()

    def _on_folder_typed(self) -> None:
        text = self.folder_edit.text().strip().strip('"').strip("'")
        if text:
            self.open_folder(text)

    def _ask_folder(self) -> None:
        start = "" if self.source == DIGITS else self.source
        folder = QFileDialog.getExistingDirectory(self, "Choose a dataset folder", start)
        if folder:
            self.open_folder(folder)
        elif self.source == DIGITS:
            self.set_source(DIGITS, scan=False)  # back to the digits button


def _fraction_spin(value: float, tip: str) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setRange(0.0, 0.9)
    spin.setSingleStep(0.05)
    spin.setDecimals(2)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)
    return spin


def _select(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    if index >= 0:
        combo.setCurrentIndex(index)


def _show_progress(bar: QProgressBar, progress: tuple[int, int]) -> None:
    done, total = progress
    bar.setRange(0, max(1, total))
    bar.setValue(done)


def _name(source: str) -> str:
    return "the digits sample" if source == DIGITS else str(source)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
