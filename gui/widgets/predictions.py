"""The Predict page's list of images: each with its thumbnail, its name and its top-5
classes as probability bars, or the reason it could not be read.

A list view with a painting delegate (as the Results page's gallery), so that dropping
a thousand files costs no widgets per image.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from gui.widgets.topk_bars import ROW_HEIGHT, WRONG_COLOR, paint_card, paint_top_k

ROW = QSize(300, 24 + 5 * ROW_HEIGHT + 8)
EntryRole = Qt.ItemDataRole.UserRole + 1


@dataclasses.dataclass
class PredictedImage:
    """One image on the Predict page.

    `name` is what the list shows (a file name, "pasted image 1"); `source` what was
    predicted (a path, or the pasted pixels); `top` the [(class, probability)] (empty
    when `error` says why the image could not be read); `pixels` the uint8 image as the
    model sees it (its input size, colour mode and crop), for heat maps and feature maps.
    """

    name: str
    source: object
    top: list[tuple[str, float]]
    error: str | None = None
    pixels: object = None  # numpy array, or None for an unreadable image
    thumbnail: QImage | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class PredictionModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.entries: list[PredictedImage] = []

    def set_entries(self, entries: Sequence[PredictedImage]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.entries):
            return None
        entry = self.entries[index.row()]
        if role == EntryRole:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(entry.source) if not entry.error else f"{entry.name}: {entry.error}"
        return None


class PredictionDelegate(QStyledItemDelegate):
    def sizeHint(self, option, index) -> QSize:
        return ROW

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        entry: PredictedImage = index.data(EntryRole)
        if entry is None:
            return
        rect = option.rect.adjusted(3, 2, -3, -2)
        painter.save()
        body = paint_card(
            painter, rect, selected=bool(option.state & QStyle.StateFlag.State_Selected),
            thumbnail=entry.thumbnail, title=entry.name,
        )
        if entry.ok:
            paint_top_k(painter, body, entry.top)
        else:
            painter.setPen(WRONG_COLOR)
            painter.drawText(body, Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                             entry.error)
        painter.restore()


class PredictionList(QListView):
    """The predicted images, one card per row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.prediction_model = PredictionModel(self)
        self.setModel(self.prediction_model)
        self.setItemDelegate(PredictionDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.setMinimumWidth(170)

    def entries(self) -> list[PredictedImage]:
        return list(self.prediction_model.entries)

    def set_entries(self, entries: Sequence[PredictedImage]) -> None:
        self.prediction_model.set_entries(entries)

    def select_row(self, row: int) -> None:
        self.setCurrentIndex(self.prediction_model.index(row))

    def selected_entry(self) -> PredictedImage | None:
        index = self.currentIndex()
        return index.data(EntryRole) if index.isValid() else None
