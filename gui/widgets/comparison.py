"""Networks or option sets side by side: parameters, MACs, depth and receptive field."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from netlib import formatting
from gui.tasks import ModelSummary

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ComparisonPanel(QWidget):
    """A table with one row per added ModelSummary; the first row is the baseline that
    the ratios refer to."""

    COLUMNS = (
        "Network",
        "Input",
        "Parameters",
        "× first",
        "MACs",
        "× first",
        "Depth",
        "Layers",
        "Receptive field",
    )

    #: The user asks to add what the layer table shows now.
    add_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.entries: list[tuple[ModelSummary, str]] = []
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, tip in _HEADER_TIPS.items():
            self.table.horizontalHeaderItem(column).setToolTip(tip)

        self.add_button = QPushButton("Add current network")
        self.add_button.setToolTip("Add the network and options of the layer table")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear")
        hint = QLabel(
            "Pick a network or change its options, then add it: e.g. plain34 and resnet34, "
            "or googlenet with naive on and off."
        )
        hint.setObjectName("mutedText")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)

        self.add_button.clicked.connect(self.add_requested)
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear)
        self._update_buttons()

    def add(self, entry: ModelSummary, label: str) -> bool:
        """Add `entry` under `label`; False (nothing added) if that label is listed."""
        if any(existing == label for _, existing in self.entries):
            return False
        self.entries.append((entry, label))
        self._refresh()
        return True

    def remove_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True)
        for row in rows:
            del self.entries[row]
        self._refresh()

    def clear(self) -> None:
        self.entries.clear()
        self._refresh()

    def set_can_add(self, can_add: bool) -> None:
        self.add_button.setEnabled(can_add)

    def _refresh(self) -> None:
        self.table.setRowCount(len(self.entries))
        first = self.entries[0][0].summary.totals if self.entries else None
        for row, (entry, label) in enumerate(self.entries):
            totals = entry.summary.totals
            size = entry.config.input_size
            cells = [
                (label, None),
                (formatting.shape((size, size)), None),
                (formatting.count(totals.params), totals.params),
                (_ratio(totals.params, first.params), None),
                (formatting.count(totals.macs), totals.macs),
                (_ratio(totals.macs, first.macs), None),
                (str(totals.depth), totals.depth),
                (formatting.count(totals.layers), totals.layers),
                (formatting.receptive_field(totals.receptive_field), None),
            ]
            for column, (text, value) in enumerate(cells):
                item = QTableWidgetItem(text)
                if column > 0:
                    item.setTextAlignment(_RIGHT)
                if value is not None:
                    item.setData(Qt.ItemDataRole.UserRole, value)
                self.table.setItem(row, column, item)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.entries))
        self.clear_button.setEnabled(bool(self.entries))


_HEADER_TIPS = {
    3: "Parameters relative to the first row",
    4: "Multiply-accumulates per image (1 MAC = 2 FLOPs)",
    5: "MACs relative to the first row",
    6: "Convolution and dense layers on the longest path from input to output, "
    "as the papers count depth (ResNet-34: 34)",
    7: "All Keras layers, including activations, pooling and normalisation",
    8: "Receptive field of the last feature map, in pixels",
}


def _ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f}×" if baseline else formatting.MISSING
