"""The options of one network as a form generated from its registry entry.

Input size and classes come first, then each Option: a combo box for a fixed set of
choices, a check box for a bool, a spin box bounded by the option's minimum and maximum
for a number, a line edit for anything else. The option's help is the field's tooltip.
A value the network cannot take (an input smaller than `minimum_size(options)`, a text
that does not parse) turns its field red with the reason beneath, and the form offers
no configuration until it is fixed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.tasks import ModelConfig

MAX_INPUT_SIZE = 4096
MAX_CLASSES = 1_000_000
_INT_RANGE = (-1_000_000_000, 1_000_000_000)


class OptionsForm(QWidget):
    """Edits a ModelConfig for one registered network."""

    #: A valid configuration was entered (a field changed); carries the ModelConfig.
    config_changed = Signal(object)
    #: The form became valid (True) or invalid (False).
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.info = None
        self._fields: dict[str, QWidget] = {}
        self._valid = True
        self._loading = False

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(6)
        self.message = QLabel()
        self.message.setObjectName("errorText")
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)

    # -- public ------------------------------------------------------------------------

    def set_model(self, info, values: dict[str, Any] | None = None) -> None:
        """Rebuild the form for `info` (a netlib ModelInfo), filled with `values`
        ({"input_size", "classes", "options": {...}}) where they are still valid."""
        self._loading = True
        self.info = info
        while self.form.rowCount():
            self.form.removeRow(0)
        self._fields = {}
        values = values or {}
        saved_options = values.get("options") or {}

        size = _spin(1, MAX_INPUT_SIZE, values.get("input_size", info.input_shape[0]))
        size.setSuffix(" px")
        size.setToolTip(
            "Height and width of the square input image. The paper's size is "
            f"{info.input_shape[0]} px."
        )
        self._add_row("input_size", "Input size", size)
        classes = _spin(1, MAX_CLASSES, values.get("classes", info.paper_classes))
        classes.setToolTip(
            f"Outputs of the classifier (1000 for ImageNet; the paper's: {info.paper_classes})."
        )
        self._add_row("classes", "Classes", classes)
        for option in info.options:
            value = saved_options.get(option.name, option.default)
            try:
                value = option.validate(value, info.name)
            except ValueError:
                value = option.default
            self._add_row(option.name, option.name, _option_field(option, value))
        self._loading = False
        self._revalidate(emit=False)

    def config(self) -> ModelConfig | None:
        """The configuration in the form, or None while a field is invalid."""
        if self.info is None:
            return None
        values = self._read()
        if values is None or self._problem(values) is not None:
            return None
        return ModelConfig.create(self.info.name, **values)

    def values(self) -> dict[str, Any]:
        """The form's raw values for the settings: what was typed, valid or not."""
        return self._read(strict=False) or {}

    def is_valid(self) -> bool:
        return self._valid

    def field(self, name: str) -> QWidget:
        """The field editing `name` ("input_size", "classes" or an option's name)."""
        return self._fields[name]

    def error(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    # -- fields --------------------------------------------------------------------------

    def _add_row(self, name: str, label: str, field: QWidget) -> None:
        self._fields[name] = field
        field.setObjectName(f"option_{name}")
        text = QLabel(label)
        text.setToolTip(field.toolTip())
        self.form.addRow(text, field)
        signal = _change_signal(field)
        signal.connect(self._on_field_changed)

    def _on_field_changed(self, *_: Any) -> None:
        if not self._loading:
            self._revalidate(emit=True)

    def _read(self, strict: bool = True) -> dict[str, Any] | None:
        """The form's values with each option converted to its type; None (strict) if an
        option's text does not parse."""
        options = {}
        for option in self.info.options:
            try:
                options[option.name] = _field_value(self._fields[option.name], option, self.info)
            except ValueError:
                if strict:
                    return None
                options[option.name] = _field_text(self._fields[option.name])
        return {
            "input_size": self._fields["input_size"].value(),
            "classes": self._fields["classes"].value(),
            "options": options,
        }

    def _problem(self, values: dict[str, Any]) -> tuple[str, str] | None:
        """(field name, message) for the first value the network refuses, else None."""
        minimum = self.info.minimum_size(values["options"])
        if values["input_size"] < minimum:
            return (
                "input_size",
                f"{self.info.name} needs an input of at least {minimum}×{minimum} pixels "
                f"with these options; {values['input_size']} px is too small.",
            )
        return None

    def _revalidate(self, emit: bool) -> None:
        problems: dict[str, str] = {}
        for option in self.info.options:
            try:
                _field_value(self._fields[option.name], option, self.info)
            except ValueError as error:
                problems[option.name] = str(error)
        if not problems:
            problem = self._problem(self._read())
            if problem:
                problems[problem[0]] = problem[1]
        for name, field in self._fields.items():
            _mark_invalid(field, name in problems)
        self.message.setText("\n".join(problems.values()))
        self.message.setVisible(bool(problems))

        valid = not problems
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        if emit and valid:
            self.config_changed.emit(self.config())


def _spin(minimum: int, maximum: int, value: Any) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setGroupSeparatorShown(True)
    spin.setKeyboardTracking(False)  # typing "224" is one change, not three
    try:
        spin.setValue(int(value))
    except (TypeError, ValueError):
        pass
    return spin


def _option_field(option, value: Any) -> QWidget:
    """The widget that edits `option`, showing `value`."""
    if option.choices is not None:
        field = QComboBox()
        for choice in option.choices:
            field.addItem(str(choice), choice)
        field.setCurrentIndex(list(option.choices).index(value))
    elif option.type is bool:
        field = QCheckBox()
        field.setChecked(bool(value))
    elif option.type is int:
        low = int(option.minimum) if option.minimum is not None else _INT_RANGE[0]
        high = int(option.maximum) if option.maximum is not None else _INT_RANGE[1]
        field = _spin(low, high, value)
    elif option.type is float:
        field = QDoubleSpinBox()
        field.setDecimals(3)
        field.setSingleStep(0.05)
        field.setKeyboardTracking(False)
        field.setRange(
            option.minimum if option.minimum is not None else -1e9,
            option.maximum if option.maximum is not None else 1e9,
        )
        field.setValue(float(value))
    else:
        field = QLineEdit("" if value is None else str(value))
        field.setPlaceholderText("None" if option.default is None else "")
    tip = option.help or option.name
    field.setToolTip(f"{tip}\nDefault: {option.default!r}. Valid: {option.describe_valid()}.")
    return field


def _change_signal(field: QWidget):
    if isinstance(field, QComboBox):
        return field.currentIndexChanged
    if isinstance(field, QCheckBox):
        return field.toggled
    if isinstance(field, (QSpinBox, QDoubleSpinBox)):
        return field.valueChanged
    return field.editingFinished


def _field_text(field: QWidget) -> Any:
    return field.text() if isinstance(field, QLineEdit) else None


def _field_value(field: QWidget, option, info) -> Any:
    """The option's value in `field`, validated; ValueError says why it is refused."""
    from netlib.registry import parse_option_value

    if isinstance(field, QComboBox):
        return field.currentData()
    if isinstance(field, QCheckBox):
        return field.isChecked()
    if isinstance(field, QSpinBox):
        return option.validate(field.value(), info.name)
    if isinstance(field, QDoubleSpinBox):
        return option.validate(round(field.value(), 6), info.name)
    text = field.text().strip()
    if not text and option.default is None:
        return None
    return parse_option_value(info, option.name, text)


def _mark_invalid(field: QWidget, invalid: bool) -> None:
    # The style sheet (resources/style.qss) paints [invalid="true"] fields red.
    if bool(field.property("invalid")) != invalid:
        field.setProperty("invalid", invalid)
        field.style().unpolish(field)
        field.style().polish(field)
