"""The architecture explorer: pick a network, set its options, read its layer table.

Browsing here changes nothing else: "Train this network" makes the network on screen
(with its options) the one the Train page trains, and shows that page.

Building a network and tabulating it (netlib.build, netlib.summarize) run in a worker;
a new request while one runs supersedes it (gui.workers.LatestOnly), so clicking down
the list never queues up stale builds and the window never freezes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.pages.base import Page
from gui.settings import read_int, read_json, read_str, write_json
from gui.tasks import (
    BackendInfo,
    ModelSummary,
    check_reference,
    describe_check,
    summarize_model,
)
from gui.widgets.comparison import ComparisonPanel
from gui.widgets.elided_label import ElidedLabel
from gui.widgets.layer_table import LayerTableView, TotalsPanel
from gui.widgets.model_picker import ModelPicker
from gui.widgets.options_form import OptionsForm
from gui.workers import LatestOnly, describe_error
from netlib.runs import write_bytes_atomic

DEFAULT_MODEL = "resnet50"
# Typing in a spin box settles before a network is rebuilt.
REBUILD_DELAY_MS = 250
EXPORT_FORMATS = {".csv": "csv", ".md": "markdown"}


class ArchitecturesPage(Page):
    key = "architectures"
    title = "Architectures"
    summary = "The networks of the papers: options, layer table, and comparisons"

    #: A layer table is on screen; carries the ModelSummary.
    summary_ready = Signal(object)
    #: Building or tabulating failed; carries the message.
    build_failed = Signal(str)
    #: "Train this network": (name, {"model_options": ..., "image_size": ...}) where the
    #: options differ from the network's defaults.
    train_requested = Signal(str, dict)

    def __init__(self, state, parent: QWidget | None = None):
        super().__init__(state, parent)
        self.backend: BackendInfo | None = None
        self.current: ModelSummary | None = None
        self._configs: dict[str, dict] = {}  # what was set for each network, for settings
        self._restored_model = ""
        self._builds = LatestOnly(self.workers, self)
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.setInterval(REBUILD_DELAY_MS)

        self._build_layout()
        self._connect()
        self._show_waiting("Loading Keras and the model registry…")

    # -- layout ----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.picker = ModelPicker()
        self.options = OptionsForm()
        options_box = QWidget()
        options_layout = QVBoxLayout(options_box)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_title = QLabel("Options")
        options_title.setObjectName("sectionTitle")
        options_layout.addWidget(options_title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.options)
        options_layout.addWidget(scroll)

        self.left = QSplitter(Qt.Orientation.Vertical)
        self.left.setChildrenCollapsible(False)
        self.left.addWidget(self.picker)
        self.left.addWidget(options_box)

        # One line each, of a height that does not depend on the network: nothing below
        # them (the tabs, the Compare buttons) moves as networks are browsed.
        self.title_label = ElidedLabel()
        self.title_label.setObjectName("pageHeading")
        self.paper_label = QLabel()
        self.paper_label.setObjectName("mutedText")
        self.paper_label.setOpenExternalLinks(True)
        self.paper_label.setWordWrap(True)
        self.paper_label.setFixedHeight(2 * self.paper_label.fontMetrics().lineSpacing() + 2)
        self.reference_label = QLabel()
        self.reference_label.setObjectName("referenceLine")
        self.reference_label.setWordWrap(True)
        self.reference_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reference_label.setFixedHeight(
            2 * self.reference_label.fontMetrics().lineSpacing() + 12)  # + its padding
        self.train_button = QPushButton("Train this network")
        self.train_button.setToolTip(
            "Make this network, with these options, the one the Train page trains")
        self.busy_label = QLabel()
        self.busy_label.setObjectName("mutedText")
        self.busy_label.setMinimumWidth(40)  # a long name is clipped, never widens the window
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(110)
        self.busy_bar.setTextVisible(False)
        heading = QHBoxLayout()
        heading.addWidget(self.title_label, 1)
        heading.addWidget(self.busy_label)
        heading.addWidget(self.busy_bar)
        heading.addWidget(self.train_button)

        self.table = LayerTableView()
        self.totals = TotalsPanel()
        self.expand_button = QPushButton("Expand all")
        self.collapse_button = QPushButton("Collapse all")
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the layer table to the clipboard")
        self.copy_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        copy_menu = QMenu(self.copy_button)
        copy_menu.addAction("as CSV", lambda: self.copy_table("csv"))
        copy_menu.addAction("as Markdown", lambda: self.copy_table("markdown"))
        self.copy_button.setMenu(copy_menu)
        self.save_button = QPushButton("Save…")
        self.save_button.setToolTip("Save the layer table as CSV (.csv) or Markdown (.md)")
        tools = QHBoxLayout()
        for button in (self.expand_button, self.collapse_button):
            tools.addWidget(button)
        tools.addStretch(1)
        for button in (self.copy_button, self.save_button):
            tools.addWidget(button)
        layers_tab = QWidget()
        layers_layout = QVBoxLayout(layers_tab)
        layers_layout.setContentsMargins(0, 6, 0, 0)
        layers_layout.addLayout(tools)
        layers_layout.addWidget(self.table, 1)
        layers_layout.addWidget(self.totals)

        self.comparison = ComparisonPanel()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(layers_tab, "Layer table")
        self.tabs.addTab(self.comparison, "Compare")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(12, 4, 4, 4)
        right_layout.setSpacing(6)
        right_layout.addLayout(heading)
        right_layout.addWidget(self.paper_label)
        right_layout.addWidget(self.reference_label)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.left.setMinimumWidth(220)
        self._default_sizes = True  # until settings say otherwise: see showEvent
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.addWidget(self.splitter)

    def _connect(self) -> None:
        self.picker.model_selected.connect(self._show_model)
        self.options.config_changed.connect(lambda _config: self._rebuild_timer.start())
        self.options.validity_changed.connect(self._on_validity_changed)
        self._rebuild_timer.timeout.connect(self.rebuild)
        self._builds.busy_changed.connect(self._on_busy_changed)
        self.expand_button.clicked.connect(self.table.expandAll)
        self.collapse_button.clicked.connect(self.table.collapseAll)
        self.save_button.clicked.connect(self._ask_export_path)
        self.comparison.add_requested.connect(self.add_to_comparison)
        self.train_button.clicked.connect(self.request_training)
        self._set_table_actions_enabled(False)

    # -- Page hooks ---------------------------------------------------------------------------

    def backend_ready(self, backend: BackendInfo) -> None:
        import netlib

        self.backend = backend
        infos = [netlib.model_info(name) for name in backend.models]
        self.picker.populate(infos, list(backend.families))
        if not backend.models:
            self._show_waiting("No networks are registered yet.")
            return
        # A first start shows the network the Train page is ready to train.
        for name in (self._restored_model, self.state.network, DEFAULT_MODEL, backend.models[0]):
            if name in backend.models and self.picker.select(name):
                break

    def restore_settings(self, settings: QSettings) -> None:
        self._restored_model = read_str(settings, "model")
        self._configs = read_json(settings, "configs", {}) or {}
        for splitter, key in ((self.splitter, "splitter"), (self.left, "left_splitter")):
            sizes = read_json(settings, key)
            if isinstance(sizes, list) and all(isinstance(s, int) for s in sizes):
                splitter.setSizes(sizes)
                self._default_sizes = False
        self.tabs.setCurrentIndex(read_int(settings, "tab", 0))

    def save_settings(self, settings: QSettings) -> None:
        self._remember_form()
        settings.setValue("model", self.selected_model() or self._restored_model)
        write_json(settings, "configs", self._configs)
        write_json(settings, "splitter", self.splitter.sizes())
        write_json(settings, "left_splitter", self.left.sizes())
        settings.setValue("tab", self.tabs.currentIndex())

    def is_idle(self) -> bool:
        return not self._builds.busy and not self._rebuild_timer.isActive() and super().is_idle()

    def shutdown(self) -> None:
        self._rebuild_timer.stop()
        self._builds.cancel()
        super().shutdown()

    def screenshot_plan(self):
        def compare() -> None:
            self.add_to_comparison()
            self.tabs.setCurrentWidget(self.comparison)

        def layer_table() -> None:
            self.tabs.setCurrentIndex(0)
            self.table.collapseAll()
            self.table.expand(self.table.model().index(2, 0))

        steps = [(None, lambda: self.select_model(DEFAULT_MODEL)), (self.key, layer_table)]
        models = self.backend.models if self.backend else ()
        if {"plain34", "resnet34"} <= set(models):
            steps += [
                (None, lambda: self.select_model("plain34")),
                (None, self.add_to_comparison),
                (None, lambda: self.select_model("resnet34")),
                (f"{self.key}-compare", compare),
            ]
        return steps

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._default_sizes:
            QTimer.singleShot(0, self._apply_default_sizes)

    def _apply_default_sizes(self) -> None:
        if self._default_sizes:
            # A splitter only knows its width once shown: give the list a readable share.
            self._default_sizes = False
            total = sum(self.splitter.sizes()) or self.width()
            self.splitter.setSizes([310, max(400, total - 310)])
            self.left.setSizes([int(self.left.height() * 0.6), int(self.left.height() * 0.4)])

    # -- public ------------------------------------------------------------------------------

    def selected_model(self) -> str | None:
        return self.options.info.name if self.options.info is not None else None

    def select_model(self, name: str) -> None:
        """Show network `name` (clearing the filter if it hides it)."""
        if not self.picker.select(name):
            self.picker.set_filter("")
            if not self.picker.select(name):
                raise ValueError(
                    f"Unknown network {name!r}; the networks are: "
                    f"{', '.join(self.picker.visible_models())}."
                )
        if self.selected_model() != name:  # the picker had it selected already
            self._show_model(name)

    def _show_model(self, name: str) -> None:
        """Fill the form for `name` (with what was last set for it) and build it."""
        if name == self.selected_model():
            return
        self._remember_form()
        info = self._info(name)
        self.options.set_model(info, self._configs.get(name))
        self.title_label.setText(f"{info.name} — {info.description}")
        link = f'<a href="{info.url}">{info.paper}</a>' if info.url else info.paper
        self.paper_label.setText(f"{link} · {info.authors}, {info.year}")
        if self.options.config() is None:
            self._clear_table()
        self.rebuild()

    def rebuild(self) -> None:
        """Build and tabulate the configuration in the form (in a worker)."""
        self._rebuild_timer.stop()
        config = self.options.config()
        if config is None:
            return  # the form shows what is wrong; nothing is built
        self.busy_label.setText(f"Building {config.label(self.options.info.defaults)}…")
        self._builds.submit(
            summarize_model,
            config,
            on_result=self._on_summary,
            on_error=self._on_build_error,
            name=f"build {config.model}",
        )

    def add_to_comparison(self) -> bool:
        """Add the network in the layer table to the comparison."""
        if self.current is None:
            return False
        info = self._info(self.current.config.model)
        label = self.current.config.label(info.defaults)
        if self.current.config.input_size != info.input_shape[0]:
            label += f" @{self.current.config.input_size}px"
        added = self.comparison.add(self.current, label)
        self.status_message.emit(
            f"Added {label} to the comparison." if added else f"{label} is already compared."
        )
        return added

    def request_training(self) -> bool:
        """"Train this network": ask for the network on screen, with the options and the
        input size that differ from its defaults, to be trained (the window shows the
        Train page with it); False when the form holds a refused value."""
        config = self.options.config()
        if config is None:
            return False
        info = self._info(config.model)
        changes: dict = {}
        options = {k: v for k, v in config.option_dict.items() if info.defaults.get(k) != v}
        if options:
            changes["model_options"] = options
        if config.input_size != info.input_shape[0]:
            changes["image_size"] = config.input_size
        self.train_requested.emit(config.model, changes)
        return True

    def table_text(self, kind: str) -> str:
        """The layer table as "csv" or "markdown" text (netlib.inspect's exporters)."""
        if self.current is None:
            raise ValueError("There is no layer table yet: pick a network first.")
        from netlib.inspect import render  # Keras is loaded once there is a table

        if kind == "csv":
            return render.csv_text(self.current.summary)
        if kind == "markdown":
            return render.markdown_text(self.current.summary)
        raise ValueError(f"kind must be 'csv' or 'markdown'; received kind={kind!r}.")

    def copy_table(self, kind: str) -> None:
        QApplication.clipboard().setText(self.table_text(kind))
        self.status_message.emit(f"Copied the layer table as {kind.upper()}.")

    def export_table(self, path: str | Path) -> Path:
        """Write the layer table to `path`: CSV for .csv, Markdown for .md."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_FORMATS:
            raise ValueError(
                f"Save the layer table as .csv or .md; received {path.name!r}."
            )
        write_bytes_atomic(path, self.table_text(EXPORT_FORMATS[suffix]).encode("utf-8"))
        self.status_message.emit(f"Saved the layer table to {path}.")
        return path

    # -- internals ---------------------------------------------------------------------------

    def _info(self, name: str):
        import netlib

        return netlib.model_info(name)

    def _remember_form(self) -> None:
        if self.options.info is not None:
            self._configs[self.options.info.name] = self.options.values()

    def _ask_export_path(self) -> None:
        if self.current is None:
            return
        suggested = f"{self.current.config.model}-layers.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the layer table", suggested, "CSV (*.csv);;Markdown (*.md)"
        )
        if path:
            try:
                self.export_table(path)
            except (OSError, ValueError) as error:
                self.status_message.emit(str(error))

    def _on_summary(self, result: ModelSummary) -> None:
        self.current = result
        self.table.set_summary(result.summary)
        self.totals.set_totals(result.summary.totals)
        info = self._info(result.config.model)
        check = check_reference(info, result.config, result.summary.totals)
        state = {True: "match", False: "differ", None: "none"}[check.matches]
        self.reference_label.setText(describe_check(check))
        self.reference_label.setProperty("state", state)
        self.reference_label.style().unpolish(self.reference_label)
        self.reference_label.style().polish(self.reference_label)
        self._set_table_actions_enabled(True)
        how = "read from the cache" if result.cached else "built and tabulated"
        self.status_message.emit(
            f"{result.config.label(info.defaults)}: {how} in {result.seconds:.2f} s."
        )
        self.summary_ready.emit(result)

    def _on_build_error(self, error: Exception) -> None:
        message = f"Could not build this network: {describe_error(error)}"
        self.reference_label.setText(message)
        self.reference_label.setProperty("state", "differ")
        self.reference_label.style().unpolish(self.reference_label)
        self.reference_label.style().polish(self.reference_label)
        self.build_failed.emit(message)

    def _on_validity_changed(self, valid: bool) -> None:
        self.train_button.setEnabled(valid)
        if not valid:
            # Nothing is built from a refused value; a build already running is stale.
            self._rebuild_timer.stop()
            self._builds.cancel()

    def _on_busy_changed(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.busy_label.setVisible(busy)
        # The table on screen is about to be replaced: grey it out meanwhile.
        self.table.setEnabled(not busy)

    def _clear_table(self) -> None:
        self.current = None
        self.table.set_summary(None)
        self.totals.set_totals(None)
        self.reference_label.setText("")
        self._set_table_actions_enabled(False)

    def _set_table_actions_enabled(self, enabled: bool) -> None:
        for button in (
            self.expand_button,
            self.collapse_button,
            self.copy_button,
            self.save_button,
        ):
            button.setEnabled(enabled)
        self.comparison.set_can_add(enabled)

    def _show_waiting(self, text: str) -> None:
        self.title_label.setText("Architectures")
        self.paper_label.setText(text)
        self.busy_bar.setVisible(False)
        self.busy_label.setVisible(False)
        self.reference_label.setText("")
