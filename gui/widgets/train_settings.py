"""The settings of the next run, on the Train page's left: the network, the dataset, one
line of what the settings amount to (or what is wrong with them), and the form
(gui.widgets.train_form) filled with the defaults of the network's family: its recipe
("default", measured here on small folders; "paper", the paper's own settings;
"pretrained", for a start from pretrained weights), chosen in a list under the network
with the recipe's source beside it. The form's `weights` field is the Start-from control
(gui.widgets.start_from); a pretrained start takes the "pretrained" recipe.

The panel turns the form into a TrainConfig for the network and dataset it shows; the
page decides what they are (the app's state) and hears when the user picks others. A
warm-up (and a pretrained start's frozen epochs) that came from the recipe follows the
number of epochs: cut for a shorter run, with a notice saying so, as `python main.py
train --epochs` does (TrainConfig.for_model); one the user chose is left alone.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gui.tasks import DIGITS
from gui.widgets.message_line import MessageLine
from gui.widgets.start_from import SCRATCH, StartFromControl
from gui.widgets.train_form import TrainConfigForm

DEFAULT_RECIPE = "default"
# Settings the recipe gives that follow the number of epochs until the user sets them.
FOLLOW_EPOCHS = ("warmup_epochs", "freeze_epochs")


class TrainSettingsPanel(QWidget):
    #: The user picked another network in the list.
    network_chosen = Signal(str)
    #: The user asked for another dataset: DIGITS or a folder.
    dataset_asked = Signal(str)
    #: A field of the form changed (the warm-up has followed the epochs already).
    changed = Signal()
    #: "Reset to the network's defaults" was clicked, or another recipe or start chosen.
    reset_requested = Signal()
    #: "Find a learning rate…" was clicked.
    find_rate_requested = Signal()

    def __init__(self, network: str, workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.workers = workers
        self.network = network
        self.dataset = DIGITS  # DIGITS or a folder
        self.dataset_path = ""  # the folder a config names
        self.loaded = False  # the networks are known (Keras has loaded)
        self.notices: list[str] = []  # how the family's defaults were adapted
        # The values of FOLLOW_EPOCHS the recipe gave (absent once the user changed them).
        self._from_recipe: dict[str, float] = {}
        self._build(network)

    def _build(self, network: str) -> None:
        self.model_combo = QComboBox()
        self.model_combo.setToolTip("The network to train (the Architectures page describes each)")
        self.model_combo.addItem(network)
        self.recipe_combo = QComboBox()
        self.recipe_combo.setToolTip(
            "Whose settings fill the form: measured here on small folders (default), the "
            "paper's own, or a fine-tuning recipe for a pretrained start")
        self.recipe_combo.addItem(DEFAULT_RECIPE)
        self.defaults_label = QLabel()
        self.defaults_label.setObjectName("mutedText")
        self.defaults_label.setWordWrap(True)
        self.dataset_label = QLabel()
        self.dataset_label.setWordWrap(True)
        self.dataset_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.digits_button = QPushButton("Digits")
        self.digits_button.setToolTip("The bundled UCI digits: 1,797 8×8 images in 10 classes")
        self.folder_button = QPushButton("Folder…")
        self.folder_button.setToolTip(
            "A folder of images, one sub-folder per class (the Dataset page shows it)")
        dataset_row = QHBoxLayout()
        dataset_row.addWidget(self.dataset_label, 1)
        dataset_row.addWidget(self.digits_button)
        dataset_row.addWidget(self.folder_button)
        top = QFormLayout()
        top.addRow("Network", self.model_combo)
        top.addRow("Recipe", self.recipe_combo)
        top.addRow(self.defaults_label)
        top.addRow("Dataset", dataset_row)

        # In view above the scrolled form, in a space of its own: the form does not move
        # when a value is refused or accepted.
        self.message = MessageLine(lines=3)
        self.form = TrainConfigForm()
        self.start_from = StartFromControl(self.workers)
        self.form.attach("weights", self.start_from)
        self.reset_button = QPushButton("Reset to the recipe's settings")
        self.find_rate_button = QPushButton("Find a learning rate…")
        self.find_rate_button.setToolTip(
            "Sweep the rate over some batches (lr-find) and suggest one")
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 8, 0)
        box_layout.addWidget(self.form)
        box_layout.addWidget(self.reset_button)
        box_layout.addWidget(self.find_rate_button)
        box_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(250)

        self.model_combo.currentTextChanged.connect(self._on_network_picked)
        self.digits_button.clicked.connect(lambda: self.dataset_asked.emit(DIGITS))
        self.folder_button.clicked.connect(self._ask_folder)
        self.form.changed.connect(self._on_form_changed)
        self.reset_button.clicked.connect(self.reset_requested.emit)
        self.find_rate_button.clicked.connect(self.find_rate_requested.emit)
        self.recipe_combo.activated.connect(lambda _index: self.reset_requested.emit())
        self.start_from.changed.connect(self.reset_requested.emit)  # a pretrained start's recipe

    # -- what it shows ---------------------------------------------------------------------

    def set_networks(self, names: list[str]) -> None:
        """The registry's networks (Keras has loaded): the form can be checked now."""
        self.loaded = True
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        self.model_combo.addItems(names)
        self.model_combo.blockSignals(False)
        self.show_network(self.network)

    def show_network(self, name: str, recipe: str = DEFAULT_RECIPE) -> None:
        """Show `name` as the network and `recipe` as its recipe ("default" where the
        network has no such recipe); the form is left as it is."""
        self.network = name
        self.model_combo.blockSignals(True)
        index = self.model_combo.findText(name)
        if index >= 0:
            self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)
        self.start_from.set_model(name)
        self._show_recipes(name, recipe)

    @property
    def recipe(self) -> str:
        """The recipe chosen in the list (the family's "default" before Keras loads)."""
        return self.recipe_combo.currentText() or DEFAULT_RECIPE

    def show_restored(self, config, recipe: str) -> None:
        """Show a restored config as it is, its network and the recipe it was made from
        selected."""
        self.show_network(config.model, recipe)
        self.set_config(config)

    def _show_recipes(self, name: str, chosen: str = DEFAULT_RECIPE) -> None:
        """The network's recipes in the list, `chosen` selected where it has one."""
        from netlib import registry

        names = list(registry.model_info(name).recipes) if self.loaded else []
        self.recipe_combo.blockSignals(True)
        self.recipe_combo.clear()
        self.recipe_combo.addItems(names or [DEFAULT_RECIPE])
        self.recipe_combo.setCurrentText(chosen if chosen in names else DEFAULT_RECIPE)
        self.recipe_combo.setEnabled(len(names) > 1)
        self.recipe_combo.blockSignals(False)
        self._show_source()

    def _show_source(self) -> None:
        from netlib.train import defaults_for

        try:
            source = defaults_for(self.network, self.recipe).source if self.loaded else ""
        except ValueError:
            source = ""
        self.defaults_label.setText(source)
        self.recipe_combo.setToolTip(source)

    def show_dataset(self, source: str, path: str) -> None:
        self.dataset, self.dataset_path = source, path
        self.dataset_label.setText("Digits (bundled)" if source == DIGITS else source)
        self.dataset_label.setToolTip(path)

    def dataset_name(self) -> str:
        return "the digits" if self.dataset == DIGITS else self.dataset_path

    # -- filling the form ------------------------------------------------------------------------

    def reset_to_defaults(self, changes: dict | None = None, keep: dict | None = None) -> str:
        """Fill the form with the network's family defaults and `changes` to them, and
        the values in `keep` (the app's split); the reason when `changes` were refused
        (the defaults alone are shown), else ""."""
        from netlib.train import TrainConfig

        weights = self.start_from.value()
        recipe = self.recipe
        if weights != SCRATCH and recipe == DEFAULT_RECIPE:
            recipe = "pretrained"  # as TrainConfig.for_model chooses; shown in the list
        elif weights == SCRATCH and recipe == "pretrained":
            recipe = DEFAULT_RECIPE  # nothing to fine-tune
        self._show_recipes(self.network, recipe)  # "default" where the network lacks it
        start = {"recipe": self.recipe, "weights": weights}
        refused = ""
        try:
            config = TrainConfig.for_model(self.network, self.dataset_path,
                                           **start, **(changes or {}))
        except ValueError as error:
            refused = f"{self.network}: {error}"
            config = TrainConfig.for_model(self.network, self.dataset_path, **start)
        self.form.set_config(config)
        self._from_recipe = {key: getattr(config, key) for key in FOLLOW_EPOCHS}
        self.notices = []
        self.form.set_values(keep or {})
        self.changed.emit()
        return refused

    def set_config(self, config) -> None:
        """Show a config as it is (restored, or a run's own): its warm-up is its own."""
        self.form.set_config(config)
        self._from_recipe = {}
        self.notices = []

    def _on_form_changed(self) -> None:
        self._follow_epochs()
        self.changed.emit()

    def _follow_epochs(self) -> None:
        """The warm-up and frozen epochs taken from the recipe follow the number of epochs
        (TrainConfig.for_model adapts them to a short run, with a notice); a value the
        user chose is theirs."""
        values = self.form.read()
        keys = [k for k in FOLLOW_EPOCHS if k in self._from_recipe and values[k] == self._from_recipe[k]]
        self._from_recipe = {k: self._from_recipe[k] for k in keys}
        if not keys:
            self.notices = []
            return
        from netlib.train import TrainConfig

        notices: list[str] = []
        try:
            config = TrainConfig.for_model(
                self.network, self.dataset_path, recipe=self.recipe, weights=values["weights"],
                epochs=values["epochs"], notices=notices)
        except ValueError:
            return
        self.notices = [n for n in notices if n.startswith(tuple(keys))]
        changes = {k: getattr(config, k) for k in keys if getattr(config, k) != self._from_recipe[k]}
        if changes:
            self._from_recipe.update(changes)
            self.form.set_values(changes)

    # -- reading it ------------------------------------------------------------------------------

    def config(self, quiet: bool = False):
        """The form's TrainConfig, or None (its field marked unless `quiet`)."""
        if not self.loaded:
            return None
        try:
            config = self.form.config(self.network, self.dataset_path)
        except ValueError as error:
            if not quiet:
                self.form.set_problem(error)
            return None
        if not quiet:
            self.form.set_problem(None)
        return config

    def validate(self):
        """The form's TrainConfig (or None), with the line above the form saying what
        is wrong, how the defaults were adapted, or what Start will train."""
        config = self.config()
        if config is not None:
            self.start_from.show_config(config)
        if not self.loaded:
            self.message.show_text("The settings are checked once Keras has loaded.", "muted")
        elif config is None:
            self.message.show_text(self.form.problem(), "error")
        elif self.notices:
            self.message.show_text(" ".join(self.notices), "notice")
        else:
            self.message.show_text(
                f"Ready: {config.model} on {self.dataset_name()}, {config.epochs} epochs of "
                f"batches of {config.batch_size}.", "muted")
        return config

    def refusal(self) -> str:
        """Why these settings cannot start a run ("" when they can)."""
        if not self.loaded:
            return "Keras is still loading."
        if self.form.problem():
            field = self.form.problem_label()
            return (f"Fix {field}: " if field else "Fix the settings: ") + self.form.problem()
        return ""

    def set_editable(self, enabled: bool) -> None:
        """During a run the settings are read-only (the message line stays readable)."""
        for widget in (self.model_combo, self.recipe_combo, self.form, self.reset_button,
                       self.find_rate_button, self.digits_button, self.folder_button):
            widget.setEnabled(enabled)

    # -- the user's choices ----------------------------------------------------------------------

    def _on_network_picked(self, name: str) -> None:
        if name and name != self.network and self.loaded:
            self.network_chosen.emit(name)

    def _ask_folder(self) -> None:
        start = "" if self.dataset == DIGITS else self.dataset
        folder = QFileDialog.getExistingDirectory(self, "Choose a dataset folder", start)
        if folder:
            self.dataset_asked.emit(folder)
