"""A gallery of classified images, each with its true class and its top-5 predictions as
probability bars (AlexNet's Figure 4 for the user's own data): the Results page's
misclassified images, and the images of a confusion-matrix cell.

A list view in icon mode lays the cards out in a grid and paints only those on screen,
so thousands of mistakes cost no widgets; thumbnails arrive from a worker as they are
decoded. The gallery sorts by confidence (the top guess's probability) and filters by
true class, or shows one (true, predicted) cell.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.topk_bars import ROW_HEIGHT, TEXT_COLOR, WRONG_COLOR, paint_card, paint_top_k

CARD = QSize(318, 24 + 5 * ROW_HEIGHT + 10)
SORTS = {
    "most confident first": True,
    "least confident first": False,
}
ItemRole = Qt.ItemDataRole.UserRole + 1


@dataclasses.dataclass(frozen=True)
class GalleryItem:
    """One image: its path, true class, the model's top guess and top-k [(class, p)]."""

    path: str
    true: str
    predicted: str
    top: tuple[tuple[str, float], ...]

    @property
    def confidence(self) -> float:
        return self.top[0][1] if self.top else 0.0

    @property
    def correct(self) -> bool:
        return self.true == self.predicted

    @classmethod
    def from_mistake(cls, entry: dict) -> GalleryItem:
        """An entry of evaluation.json's "misclassified" list."""
        return cls(
            path=entry["path"],
            true=entry["true"],
            predicted=entry["predicted"],
            top=tuple((t["class"], float(t["probability"])) for t in entry["top5"]),
        )


class GalleryModel(QAbstractListModel):
    """The items shown, after the filter and the sort."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.items: list[GalleryItem] = []
        self.shown: list[GalleryItem] = []
        self.thumbnails: dict[str, QImage] = {}
        self.true_filter: str | None = None
        self.cell: tuple[str, str] | None = None
        self.descending = True

    def set_items(self, items: Sequence[GalleryItem]) -> None:
        self.items = list(items)
        self._refresh()

    def set_view(self, *, true_filter: str | None, cell: tuple[str, str] | None,
                 descending: bool) -> None:
        self.true_filter, self.cell, self.descending = true_filter, cell, descending
        self._refresh()

    def _refresh(self) -> None:
        self.beginResetModel()
        chosen = self.items
        if self.cell is not None:
            chosen = [i for i in chosen if (i.true, i.predicted) == self.cell]
        elif self.true_filter is not None:
            chosen = [i for i in chosen if i.true == self.true_filter]
        self.shown = sorted(chosen, key=lambda i: i.confidence, reverse=self.descending)
        self.endResetModel()

    def set_thumbnail(self, path: str, image: QImage) -> None:
        self.thumbnails[path] = image
        for row, item in enumerate(self.shown):
            if item.path == path:
                index = self.index(row)
                self.dataChanged.emit(index, index)

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.shown)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.shown):
            return None
        item = self.shown[index.row()]
        if role == ItemRole:
            return item
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.true} → {item.predicted}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.path
        return None


class GalleryDelegate(QStyledItemDelegate):
    """Paints a card: thumbnail, true and predicted class, top-5 bars."""

    def __init__(self, model: GalleryModel, parent=None):
        super().__init__(parent)
        self.model = model

    def sizeHint(self, option, index) -> QSize:
        return CARD

    def title(self, item) -> tuple[str, QColor]:
        """A card's title and its colour."""
        verdict = "correct" if item.correct else f"predicted {item.predicted}"
        return f"true {item.true} · {verdict}", TEXT_COLOR if item.correct else WRONG_COLOR

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        item: GalleryItem = index.data(ItemRole)
        if item is None:
            return
        rect = option.rect.adjusted(3, 3, -3, -3)
        painter.save()
        title, color = self.title(item)
        bars = paint_card(
            painter, rect, selected=bool(option.state & QStyle.StateFlag.State_Selected),
            thumbnail=self.model.thumbnails.get(item.path), title=title, title_color=color,
        )
        paint_top_k(painter, bars, item.top, item.true)
        painter.restore()


def card_view(model: GalleryModel, delegate: type[GalleryDelegate]) -> QListView:
    """A list view in icon mode that lays `model`'s cards out in a grid, painted by
    `delegate` (only those on screen)."""
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setGridSize(CARD)
    view.setSpacing(0)
    view.setWordWrap(False)
    view.setSelectionMode(QListView.SelectionMode.SingleSelection)
    view.setModel(model)
    view.setItemDelegate(delegate(model, view))
    return view


class Gallery(QWidget):
    """Sort and filter controls over a grid of cards."""

    #: The paths now shown changed (a filter, a sort, new items): thumbnails may be needed.
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = GalleryModel(self)
        self.sort_combo = QComboBox()
        self.sort_combo.addItems(list(SORTS))
        self.sort_combo.setToolTip("Order by the probability of the top guess")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("Show the images of one true class")
        self.class_combo.addItem("all true classes", None)
        self.count_label = QLabel()
        self.count_label.setObjectName("mutedText")
        self.cell_label = QLabel()
        self.cell_label.setWordWrap(True)
        self.all_button = QPushButton("Show all mistakes")
        tools = QHBoxLayout()
        tools.addWidget(self.sort_combo)
        tools.addWidget(self.class_combo)
        tools.addWidget(self.count_label, 1)
        cell_row = QHBoxLayout()
        cell_row.addWidget(self.cell_label, 1)
        cell_row.addWidget(self.all_button)

        self.view = card_view(self.model, GalleryDelegate)
        self.empty_label = QLabel()
        self.empty_label.setObjectName("mutedText")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(tools)
        layout.addLayout(cell_row)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_label)
        self.sort_combo.currentIndexChanged.connect(lambda _: self._apply())
        self.class_combo.currentIndexChanged.connect(lambda _: self.show_all())
        self.all_button.clicked.connect(self.show_all)
        self._cell: tuple[str, str] | None = None
        self._empty_text = "No images."
        self._apply()

    def set_items(self, items: Sequence[GalleryItem], classes: Sequence[str],
                  empty_text: str = "No images.") -> None:
        """Show `items`; the class filter offers `classes`."""
        self._empty_text = empty_text
        self._cell = None
        self.class_combo.blockSignals(True)
        current = self.class_combo.currentData()
        self.class_combo.clear()
        self.class_combo.addItem("all true classes", None)
        for name in classes:
            self.class_combo.addItem(f"true class {name}", name)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(current)))
        self.class_combo.blockSignals(False)
        self.model.set_items(items)
        self._apply()

    def show_cell(self, true: str, predicted: str, items: Sequence[GalleryItem] | None = None,
                  note: str = "") -> None:
        """Show only the images classified `true` -> `predicted` (from `items` when given,
        e.g. the correctly classified images of a diagonal cell)."""
        if items is not None:
            self.model.set_items(list(self._base_items()) + [i for i in items if i.correct])
        self._cell = (true, predicted)
        self.cell_label.setText(
            f"<b>true {_escape(true)} → predicted {_escape(predicted)}</b>"
            + (f" · {_escape(note)}" if note else "")
        )
        self._apply()

    def show_all(self) -> None:
        """Back to every mistake (with the class filter)."""
        self._cell = None
        self.model.set_items(list(self._base_items()))
        self._apply()

    def _base_items(self):
        return [i for i in self.model.items if not i.correct]

    def shown_items(self) -> list[GalleryItem]:
        return list(self.model.shown)

    def _apply(self) -> None:
        self.model.set_view(
            true_filter=self.class_combo.currentData(),
            cell=self._cell,
            descending=SORTS[self.sort_combo.currentText()],
        )
        in_cell = self._cell is not None
        self.cell_label.setVisible(in_cell)
        self.all_button.setVisible(in_cell)
        self.class_combo.setEnabled(not in_cell)
        shown = len(self.model.shown)
        self.count_label.setText(f"{shown:,} {'image' if shown == 1 else 'images'}")
        self.empty_label.setText(self._empty_text if shown == 0 else "")
        self.empty_label.setVisible(shown == 0)
        self.view_changed.emit()

    def set_thumbnail(self, path: str, image: QImage) -> None:
        self.model.set_thumbnail(path, image)

    def missing_thumbnails(self) -> list[str]:
        """Paths shown whose thumbnails are not decoded yet, in display order."""
        return [i.path for i in self.model.shown if i.path not in self.model.thumbnails]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
