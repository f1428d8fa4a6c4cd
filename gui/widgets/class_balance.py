"""How unequal a dataset's classes are: images per class in each part of the split, the
ratio of the largest class to the smallest, and netlib's warning past its threshold
(with what to do about it: class weights or balanced sampling on the Train page)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ClassBalanceView"]

PARTS = ("train", "validation", "test")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class ClassBalanceView(QWidget):
    """A table of images per class and part, under a line on the balance."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.balance = None  # the netlib.data.ClassBalance shown
        self.summary = QLabel("No dataset scanned yet.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Class", "Train", "Validation", "Test", "All"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

    def set_balance(self, balance, per_part: dict[str, dict[str, int]] | None = None) -> None:
        """Show a netlib.data.ClassBalance (None: nothing) and, when known, the images of
        each class in each part ({part: {class: n}})."""
        self.balance = balance
        if balance is None:
            self.summary.setText("No dataset scanned yet.")
            self.table.setRowCount(0)
            return
        ratio = "∞ (a class has no image)" if balance.ratio == float("inf") else f"{balance.ratio:.1f}"
        text = (f"Largest / smallest class: <b>{ratio}</b> ({_escape(balance.largest)}: "
                f"{balance.counts[balance.largest]:,}, {_escape(balance.smallest)}: "
                f"{balance.counts[balance.smallest]:,}).")
        if balance.warning:
            text += f"<br><span style='color:#b35c00'>⚠ {_escape(balance.warning)}</span>"
        self.summary.setText(text)
        per_part = per_part or {}
        self.table.setRowCount(len(balance.counts))
        for row, (name, total) in enumerate(balance.counts.items()):
            cells = [name] + [_count(per_part.get(part, {}).get(name)) for part in PARTS] + [f"{total:,}"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column:
                    item.setTextAlignment(_RIGHT)
                self.table.setItem(row, column, item)

    def part_counts(self, part: str) -> dict[str, str]:
        """{class: the text in `part`'s column} (for the tests and the screenshot)."""
        column = 1 + PARTS.index(part)
        return {self.table.item(r, 0).text(): self.table.item(r, column).text()
                for r in range(self.table.rowCount())}


def _count(value) -> str:
    return "—" if value is None else f"{value:,}"


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
