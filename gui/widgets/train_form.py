"""The hyperparameters of a training run (netlib.train.TrainConfig) as a form.

Each field edits one TrainConfig field; the form is filled from a config (a family's
defaults, or a run's own) and read back into one, so that TrainConfig's own checks decide
what is valid: the first refused value turns its field red and its message shows under
the form. Numbers whose useful values span decades (learning rate, weight decay) and
lists are typed as text and parsed as the command line parses `--set KEY=VALUE`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

# The form's choices before netlib is imported; `set_choices` takes the library's own.
_CHOICES = {
    "color_mode": (None, "rgb", "grayscale"),
    "resize": ("squash", "crop", "pad"),
    "optimizer": ("sgd", "adam", "adamw"),
    "schedule": ("constant", "step", "plateau", "cosine"),
    "normalization": ("dataset", "imagenet", "none"),
    "mixed_precision": ("auto", "off", "float16", "bfloat16"),
    "monitor": ("val_loss", "val_accuracy"),
}


@dataclasses.dataclass(frozen=True)
class _Field:
    key: str
    label: str
    kind: str  # "int", "float", "choice", "bool", "text", "optional_int"
    tip: str
    low: float = 0
    high: float = 1_000_000
    decimals: int = 3
    none_text: str = ""  # the text shown for None (optional ints, choices)


_GROUPS: tuple[tuple[str, tuple[_Field, ...]], ...] = (
    ("Data", (
        _Field("image_size", "Image size", "optional_int",
               "Square images of this many pixels a side; the network's own input size "
               "(from its paper) when left at the lowest value.", 0, 4096, none_text="network's"),
        _Field("color_mode", "Colour", "choice",
               "rgb or grayscale; the network's own input channels when not set.",
               none_text="network's"),
        _Field("resize", "Resize", "choice",
               "squash: stretch to the size; crop: centre square, then resize; pad: fit "
               "inside, then pad with black"),
        _Field("validation", "Validation", "float",
               "Share of each class held out to validate after every epoch", 0, 0.9, 2),
        _Field("test", "Test", "float", "Share of each class held out for a final test",
               0, 0.9, 2),
        _Field("augment", "Augmentation", "text",
               "Comma-separated names (flip, rotation, translation, zoom, brightness, "
               "contrast, crop_flip, pca_color) or a JSON spec such as "
               '{"crop_flip": 0.875, "pca_color": 0.1}; empty for none.'),
    )),
    ("Optimisation", (
        _Field("optimizer", "Optimizer", "choice", "sgd (with momentum), adam or adamw"),
        _Field("learning_rate", "Learning rate", "text", "The initial learning rate, e.g. 0.001"),
        _Field("batch_size", "Batch size", "int", "Images per training step", 1, 65536),
        _Field("epochs", "Epochs", "int", "Passes over the training images", 1, 100000),
        _Field("momentum", "Momentum", "float", "SGD's momentum", 0, 0.999, 3),
        _Field("nesterov", "Nesterov", "bool", "Nesterov momentum (SGD)"),
        _Field("weight_decay", "Weight decay", "text",
               "Decoupled weight decay on the kernels, e.g. 5e-4; 0 for none"),
        _Field("label_smoothing", "Label smoothing", "float",
               "Share of each label spread over the other classes", 0, 0.5, 2),
    )),
    ("Schedule", (
        _Field("schedule", "Schedule", "choice",
               "constant; step (× decay at the milestones); plateau (× decay when the "
               "monitored value stalls); cosine (warm-up, then cosine decay)"),
        _Field("lr_decay_factor", "Decay factor", "float",
               "Multiplies the learning rate at each step or plateau", 0.001, 1, 3),
        _Field("lr_milestones", "Milestones", "text",
               "Step schedule: fractions of the epochs, e.g. 0.5, 0.75"),
        _Field("plateau_patience", "Patience", "int",
               "Plateau schedule: epochs without improvement before the rate is cut", 1, 10000),
        _Field("warmup_epochs", "Warm-up", "float", "Cosine schedule: epochs of linear warm-up",
               0, 10000, 1),
        _Field("monitor", "Monitor", "choice",
               "What 'best' means for best.keras, plateau and early stopping"),
        _Field("early_stopping", "Early stopping", "optional_int",
               "Stop after this many epochs without improvement; off when at the lowest value",
               0, 10000, none_text="off"),
    )),
    ("Run", (
        _Field("normalization", "Normalisation", "choice",
               "dataset: the training images' mean and deviation; imagenet: ImageNet's; "
               "none: pixels scaled to [0, 1]"),
        _Field("mixed_precision", "Mixed precision", "choice",
               "auto: float16 on a GPU, full precision on the CPU"),
        _Field("seed", "Seed", "int", "The same seed gives the same split and initial weights",
               0, 2**31 - 1),
        _Field("deterministic", "Deterministic", "bool",
               "Bit-identical reruns (TensorFlow's deterministic kernels; slower)"),
        _Field("model_options", "Model options", "text",
               "The network's options as key=value, separated by commas, e.g. shortcut=B "
               "(the Architectures page lists them)"),
    )),
)
FIELDS = {field.key: field for _, fields in _GROUPS for field in fields}
# Fields that matter only for some optimizer or schedule: disabled otherwise.
_RELEVANT: dict[str, Callable[[dict], bool]] = {
    "momentum": lambda v: v["optimizer"] == "sgd",
    "nesterov": lambda v: v["optimizer"] == "sgd",
    "lr_decay_factor": lambda v: v["schedule"] in ("step", "plateau"),
    "lr_milestones": lambda v: v["schedule"] == "step",
    "plateau_patience": lambda v: v["schedule"] == "plateau",
    "warmup_epochs": lambda v: v["schedule"] == "cosine",
}


class TrainConfigForm(QWidget):
    """Edits every TrainConfig field but the model and the dataset (the page's)."""

    #: Any field changed.
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for title, fields in _GROUPS:
            group = QGroupBox(title)
            form = QFormLayout(group)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            form.setVerticalSpacing(4)
            for field in fields:
                widget = self._make(field)
                label = QLabel(field.label)
                label.setToolTip(field.tip)
                form.addRow(label, widget)
            layout.addWidget(group)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)

    # -- fields ----------------------------------------------------------------------------

    def _make(self, field: _Field) -> QWidget:
        if field.kind in ("int", "optional_int"):
            widget = QSpinBox()
            widget.setRange(int(field.low), int(field.high))
            widget.setKeyboardTracking(False)
            if field.kind == "optional_int":
                widget.setSpecialValueText(field.none_text)
            widget.valueChanged.connect(self._on_changed)
        elif field.kind == "float":
            widget = QDoubleSpinBox()
            widget.setDecimals(field.decimals)
            widget.setRange(field.low, field.high)
            widget.setSingleStep(10 ** -min(field.decimals, 2))
            widget.setKeyboardTracking(False)
            widget.valueChanged.connect(self._on_changed)
        elif field.kind == "choice":
            widget = QComboBox()
            self._fill_choices(widget, field, _CHOICES[field.key])
            widget.currentIndexChanged.connect(self._on_changed)
        elif field.kind == "bool":
            widget = QCheckBox()
            widget.toggled.connect(self._on_changed)
        else:
            widget = QLineEdit()
            widget.editingFinished.connect(self._on_changed)
        widget.setToolTip(field.tip)
        widget.setObjectName(f"train_{field.key}")
        self.fields[field.key] = widget
        return widget

    @staticmethod
    def _fill_choices(widget: QComboBox, field: _Field, choices) -> None:
        current = widget.currentData()
        widget.blockSignals(True)
        widget.clear()
        for choice in choices:
            widget.addItem(field.none_text if choice is None else str(choice), choice)
        index = widget.findData(current)
        widget.setCurrentIndex(max(0, index))
        widget.blockSignals(False)

    def set_choices(self, key: str, choices) -> None:
        """Offer `choices` (the library's list) for a choice field."""
        field = FIELDS[key]
        if field.kind == "choice":
            self._fill_choices(self.fields[key], field, (None, *choices) if field.none_text
                               else choices)

    def _on_changed(self, *_: Any) -> None:
        if not self._loading:
            self._update_relevance()
            self.changed.emit()

    # -- filling and reading ---------------------------------------------------------------

    def set_config(self, config) -> None:
        """Show every field of `config` (a TrainConfig)."""
        self._loading = True
        try:
            for key, widget in self.fields.items():
                _show(widget, FIELDS[key], _text_value(config, key))
        finally:
            self._loading = False
        self._update_relevance()
        self.set_problem(None)

    def set_values(self, values: dict[str, Any]) -> None:
        """Show these fields' values (typed as TrainConfig has them); `changed` is
        emitted once if any of them changed."""
        before = self.read()
        self._loading = True
        try:
            for key, value in values.items():
                _show(self.fields[key], FIELDS[key], value)
        finally:
            self._loading = False
        if self.read() != before:
            self._on_changed()

    def read(self) -> dict[str, Any]:
        """The fields' values: typed for the widgets that type them, text for the others."""
        return {key: _read(widget, FIELDS[key]) for key, widget in self.fields.items()}

    def config(self, model: str, dataset: str):
        """The TrainConfig in the form for `model` and `dataset`; ValueError (from
        TrainConfig's checks, naming the field) when a value is refused."""
        from netlib.train import TrainConfig

        values = self.read()
        texts = {k: values.pop(k) for k in list(values) if FIELDS[k].kind == "text"}
        options = texts.pop("model_options")
        config = TrainConfig.from_dict({"model": model, "dataset": dataset, **values})
        for key, text in texts.items():
            if key == "augment" and not text.strip():
                continue  # no augmentation: the default
            config = config.with_setting(key, text)
        for item in (part.strip() for part in options.split(",")):
            if not item:
                continue
            name, sep, value = item.partition("=")
            if not sep:
                raise ValueError(
                    f"model_options must be key=value pairs separated by commas; received "
                    f"{item!r}."
                )
            config = config.with_setting(name.strip(), value.strip())
        return config

    def set_problem(self, message: str | None) -> None:
        """Show `message` under the form and mark the field it names (None clears)."""
        named = _field_named(message) if message else None
        for key, widget in self.fields.items():
            _mark_invalid(widget, key == named)
        self.message.setText(message or "")
        self.message.setVisible(bool(message))

    def problem(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def _update_relevance(self) -> None:
        values = self.read()
        for key, relevant in _RELEVANT.items():
            self.fields[key].setEnabled(relevant(values))


def _text_value(config, key: str) -> Any:
    """A config field as its widget shows it."""
    value = getattr(config, key)
    if key == "model_options":
        return ", ".join(f"{k}={v}" for k, v in sorted(dict(value).items()))
    if key == "lr_milestones":
        return ", ".join(f"{m:g}" for m in value)
    if key == "augment":
        if value in (None, [], {}):
            return ""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return json.dumps(value)
    if key in ("learning_rate", "weight_decay"):
        return f"{value:g}"
    return value


def _show(widget: QWidget, field: _Field, value: Any) -> None:
    if isinstance(widget, QSpinBox):
        widget.setValue(widget.minimum() if value is None else int(value))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:  # a value the list lacks (a newer library): offer it
            widget.addItem(str(value), value)
            index = widget.count() - 1
        widget.setCurrentIndex(index)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    else:
        widget.setText("" if value is None else str(value))


def _read(widget: QWidget, field: _Field) -> Any:
    if isinstance(widget, QSpinBox):
        value = widget.value()
        if field.kind == "optional_int" and value == widget.minimum():
            return None
        return value
    if isinstance(widget, QDoubleSpinBox):
        return round(widget.value(), field.decimals)
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return widget.text()


def _field_named(message: str) -> str | None:
    """The field a TrainConfig message is about: "learning_rate must be ..." ->
    "learning_rate"; "Unknown setting 'x'" -> the model options."""
    first = message.split(" ", 1)[0]
    if first in FIELDS:
        return first
    if message.startswith(("Unknown setting", "model_options")) or "option" in message:
        return "model_options"
    return None


def _mark_invalid(field: QWidget, invalid: bool) -> None:
    # resources/style.qss paints [invalid="true"] fields red.
    if bool(field.property("invalid")) != invalid:
        field.setProperty("invalid", invalid)
        field.style().unpolish(field)
        field.style().polish(field)
