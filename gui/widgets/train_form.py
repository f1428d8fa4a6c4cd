"""The settings of a training run as a form, generated from TrainConfig's schema.

One group box per schema group, one field per setting (netlib.train.config.SETTINGS): a
combo box for choices, a check box for a bool, a spin box bounded as the setting is for
a number, a line of text for lists and for numbers that span decades (learning rate,
weight decay), parsed as `--set KEY=VALUE` parses its value. Labels, tooltips, bounds
and choices are the schema's, so the form and `python main.py train --help` say the
same. A refused value raises netlib's ConfigError, which names its field: that field
turns red, a mark beside it carries the message, and `problem()` gives the message for
the page to show above the form (outside its scroll area, where it is always in view).
Every field's mark keeps its place when hidden, so the form never jumps as refusals
come and go.
A page may edit a setting with a widget of its own (`attach`: the Start-from control
for `weights`); a setting the run records (`recorded`) is shown read-only and never
read back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.workers import describe_error
from netlib.train.config import GROUPS, SETTINGS, Setting

__all__ = ["TrainConfigForm"]

# Spin boxes need an upper bound; a setting without one gets this.
_UNBOUNDED = 1_000_000


class TrainConfigForm(QWidget):
    """Edits every TrainConfig field but the model and the dataset (the page's)."""

    #: Any field changed.
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.fields: dict[str, QWidget] = {}
        self._attached: dict[str, QWidget] = {}
        self._rows: dict[str, QHBoxLayout] = {}
        self._notes: dict[str, QLabel] = {}
        self._problem = ""
        self._loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for group in GROUPS:
            layout.addWidget(self._group(group))

    def _group(self, title: str) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(4)
        for name, setting in SETTINGS.items():
            if setting.group != title:
                continue
            widget = _make_widget(setting, self._on_changed)
            widget.setObjectName(f"train_{name}")
            label = QLabel(setting.label)
            label.setToolTip(widget.toolTip())
            note = QLabel("⚠")
            note.setObjectName("errorText")
            policy = note.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            note.setSizePolicy(policy)
            note.hide()
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.setSpacing(4)
            row.addWidget(widget, 1)
            row.addWidget(note)
            form.addRow(label, row)
            self.fields[name] = widget
            self._rows[name] = row
            self._notes[name] = note
        return box

    def _on_changed(self, *_: Any) -> None:
        if not self._loading:
            self._update_relevance()
            self.changed.emit()

    def attach(self, name: str, widget: QWidget) -> None:
        """Edit setting `name` with `widget` in place of the generated field: it has
        `value()`, `set_value(value)` and a `changed` signal."""
        generated = self.fields[name]
        self._rows[name].replaceWidget(generated, widget)
        generated.deleteLater()
        widget.setObjectName(f"train_{name}")
        self.fields[name] = self._attached[name] = widget
        widget.changed.connect(self._on_changed)

    # -- filling and reading ---------------------------------------------------------------

    def set_config(self, config) -> None:
        """Show every field of `config` (a TrainConfig)."""
        self._loading = True
        try:
            for name in self.fields:
                self._show(name, getattr(config, name))
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
            for name, value in values.items():
                self._show(name, value)
        finally:
            self._loading = False
        if self.read() != before:
            self._on_changed()

    def read(self) -> dict[str, Any]:
        """The fields' values: typed for the widgets that type them, text for the others."""
        return {
            name: widget.value() if name in self._attached else _read(widget, SETTINGS[name])
            for name, widget in self.fields.items()
        }

    def _show(self, name: str, value: Any) -> None:
        if name in self._attached:
            self._attached[name].set_value(value)
        else:
            _show(self.fields[name], SETTINGS[name], value)

    def config(self, model: str, dataset: str):
        """The TrainConfig in the form for `model` and `dataset`; ConfigError (a
        ValueError naming the field) when a value is refused."""
        from netlib.train import TrainConfig

        values = {
            name: SETTINGS[name].parse(value) if SETTINGS[name].text else value
            for name, value in self.read().items()
            if not SETTINGS[name].recorded and name not in self._attached
        }
        values.update({name: widget.value() for name, widget in self._attached.items()})
        return TrainConfig.from_dict({"model": model, "dataset": dataset, **values})

    def set_problem(self, error: Exception | str | None) -> None:
        """Mark the field a refusal names and keep its message (None clears). A
        ConfigError names its field; other errors mark none."""
        field = getattr(error, "field", None)
        message = describe_error(error) if isinstance(error, BaseException) else error or ""
        for name, widget in self.fields.items():
            _mark_invalid(widget, name == field)
            note = self._notes[name]
            note.setToolTip(message if name == field else "")
            note.setVisible(name == field)
        self._problem = message

    def problem(self) -> str:
        """The message of the refusal shown, or ""."""
        return self._problem

    def problem_field(self) -> str | None:
        """The field the shown refusal names, if any."""
        return next((name for name, note in self._notes.items() if not note.isHidden()), None)

    def problem_label(self) -> str:
        """The form's label of the field the refusal names ("Warm-up"), or ""."""
        field = self.problem_field()
        return SETTINGS[field].label if field else ""

    def _update_relevance(self) -> None:
        values = self.read()
        for name, widget in self.fields.items():
            applies = SETTINGS[name].applies
            widget.setEnabled(applies is None or applies(values))


def _tooltip(setting: Setting) -> str:
    unit = f" ({setting.unit})" if setting.unit else ""
    return f"{setting.help}{unit}.\n{setting.name}: {setting.describe_valid()}"


def _make_widget(setting: Setting, on_changed) -> QWidget:
    if setting.choices is not None:
        widget = QComboBox()
        # As narrow as a short choice: the form fits its column without a sideways scroll
        # (the list, when open, is as wide as its longest choice).
        widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(8)
        if setting.optional:
            widget.addItem(setting.none_means, None)
        for choice in setting.choices:
            widget.addItem(str(choice), choice)
        widget.currentIndexChanged.connect(on_changed)
    elif setting.kind is bool:
        widget = QCheckBox()
        widget.toggled.connect(on_changed)
    elif setting.recorded:
        widget = QLineEdit()
        widget.setReadOnly(True)
        widget.setPlaceholderText("recorded when the run starts")
    elif setting.text:
        widget = QLineEdit()
        widget.setPlaceholderText(setting.none_means or "")
        widget.editingFinished.connect(on_changed)
    elif setting.kind is int:
        widget = QSpinBox()
        low = int(setting.minimum or 0)
        # An optional number's lowest value stands for None ("off", "the network's").
        widget.setRange(low - 1 if setting.optional else low, int(setting.maximum or _UNBOUNDED))
        if setting.optional:
            widget.setSpecialValueText(setting.none_means)
        if setting.unit:
            widget.setSuffix(f" {setting.unit}")
        widget.setKeyboardTracking(False)
        widget.valueChanged.connect(on_changed)
    else:
        widget = QDoubleSpinBox()
        widget.setDecimals(setting.decimals)
        step = 10 ** -min(setting.decimals, 2)
        low = setting.minimum or 0.0
        widget.setRange(low + 10 ** -setting.decimals if setting.above_minimum else low,
                        setting.maximum if setting.maximum is not None else _UNBOUNDED)
        widget.setSingleStep(step)
        widget.setKeyboardTracking(False)
        widget.valueChanged.connect(on_changed)
    widget.setToolTip(_tooltip(setting))
    return widget


def _show(widget: QWidget, setting: Setting, value: Any) -> None:
    if isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:  # a value the schema lacks (a config from a newer version): offer it
            widget.addItem(str(value), value)
            index = widget.count() - 1
        widget.setCurrentIndex(index)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QLineEdit):
        widget.setText(setting.format(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(widget.minimum() if value is None else int(value))
    else:
        widget.setValue(float(value))


def _read(widget: QWidget, setting: Setting) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QSpinBox):
        value = widget.value()
        return None if setting.optional and value == widget.minimum() else value
    return round(widget.value(), setting.decimals)


def _mark_invalid(field: QWidget, invalid: bool) -> None:
    # resources/style.qss paints [invalid="true"] fields red.
    if bool(field.property("invalid")) != invalid:
        field.setProperty("invalid", invalid)
        field.style().unpolish(field)
        field.style().polish(field)

