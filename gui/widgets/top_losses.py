"""The images a run finds hardest, per part of its split (fastai's `plot_top_losses`), and
the class pairs it confuses most (`most_confused`).

:class:`TopLossesView` shows evaluation.json's "top_losses" of one part at a time
(training images included: a mislabelled image is one the model, rightly, will not
learn, so it ends up among the highest training losses), each card with the loss, the
true class, the top-5 bars and, once the image was moved or excluded, where it went.
:class:`MostConfusedView` lists "most_confused": a click on a pair asks for its images.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.gallery import GalleryDelegate, GalleryItem, GalleryModel, ItemRole, card_view
from gui.widgets.topk_bars import TEXT_COLOR, WRONG_COLOR

__all__ = ["LossItem", "TopLossesView", "MostConfusedView", "PART_LABELS"]

#: How each part is named in the part chooser.
PART_LABELS = {"train": "training images", "validation": "validation images",
               "test": "test images", "folder": "the folder evaluated"}


@dataclasses.dataclass(frozen=True)
class LossItem(GalleryItem):
    """One image of a top-losses list (evaluation.json's entry): a gallery item with its
    loss."""

    loss: float = 0.0

    @classmethod
    def from_entry(cls, entry: dict) -> LossItem:
        return cls(entry["path"], entry["true"], entry["predicted"],
                   tuple((t["class"], float(t["probability"])) for t in entry["top5"]),
                   float(entry["loss"]))


class _LossModel(GalleryModel):
    """The gallery's model in the list's own order (highest loss first), knowing where a
    relabel put each image."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.now: dict[str, tuple[str, str]] = {}  # original path -> (current path, note)

    def _refresh(self) -> None:
        self.beginResetModel()
        self.shown = list(self.items)
        self.endResetModel()

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        item = super().data(index, ItemRole)
        if role == Qt.ItemDataRole.ToolTipRole and item is not None:
            return self.now.get(item.path, (item.path, ""))[0]
        return super().data(index, role)

    def refresh(self) -> None:
        if self.shown:
            self.dataChanged.emit(self.index(0), self.index(len(self.shown) - 1))


class _LossDelegate(GalleryDelegate):
    """The gallery's card, titled with the loss and where a relabel put the image."""

    def title(self, item: LossItem) -> tuple[str, QColor]:
        note = self.model.now.get(item.path, ("", ""))[1]
        verdict = "right" if item.correct else f"predicted {item.predicted}"
        text = (f"{note} · " if note else "") + f"loss {item.loss:.2f} · true {item.true} · {verdict}"
        return text, TEXT_COLOR if item.correct and not note else WRONG_COLOR


class TopLossesView(QWidget):
    """The highest-loss images of each part of a run's split."""

    #: The paths shown changed: thumbnails may be needed.
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = _LossModel(self)
        self.lists: dict[str, list[LossItem]] = {}
        self.part_combo = QComboBox()
        self.part_combo.setToolTip("Whose highest losses: label errors hide among the training images")
        self.count_label = QLabel()
        self.count_label.setObjectName("mutedText")
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Highest losses of the"))
        tools.addWidget(self.part_combo)
        tools.addWidget(self.count_label, 1)
        self.view = card_view(self.model, _LossDelegate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(tools)
        layout.addWidget(self.view, 1)
        self.part_combo.currentIndexChanged.connect(lambda _: self._show_part())

    def set_evaluation(self, evaluation: dict | None) -> None:
        """Show `evaluation`'s top losses (the training images first, where evaluated)."""
        losses = (evaluation or {}).get("top_losses", {})
        self.lists = {part: [LossItem.from_entry(e) for e in entries] for part, entries in losses.items()}
        self.model.now = {}
        current = self.part_combo.currentData()
        self.part_combo.blockSignals(True)
        self.part_combo.clear()
        for part in sorted(self.lists, key=lambda p: list(PART_LABELS).index(p) if p in PART_LABELS else 9):
            self.part_combo.addItem(PART_LABELS.get(part, part), part)
        self.part_combo.setCurrentIndex(max(0, self.part_combo.findData(current)))
        self.part_combo.blockSignals(False)
        self._show_part()

    def show_part(self, part: str) -> None:
        index = self.part_combo.findData(part)
        if index >= 0:
            self.part_combo.setCurrentIndex(index)

    def _show_part(self) -> None:
        items = self.lists.get(self.part_combo.currentData(), [])
        self.model.set_items(items)
        self.count_label.setText(f"{len(items):,} {'image' if len(items) == 1 else 'images'}, "
                                 "highest loss first" if items else "no evaluation of these images")
        self.view_changed.emit()

    def shown_items(self) -> list[LossItem]:
        return list(self.model.shown)

    def item_at(self, position: QPoint) -> LossItem | None:
        index = self.view.indexAt(position)
        return index.data(ItemRole) if index.isValid() else None

    def current_path(self, item: LossItem) -> str:
        """Where the item's image is now (moved or excluded since the evaluation)."""
        return self.model.now.get(item.path, (item.path, ""))[0]


    def note_change(self, change, root: Path) -> None:
        """Show where a change of netlib.data.relabel put an image shown here."""
        source, target = str(root / change.source), str(root / change.target)
        for original in {i.path for items in self.lists.values() for i in items}:
            now = self.model.now.get(original, (original, ""))[0]
            if change.state == "done" and now == source:
                note = f"moved to {change.to_class}" if change.action == "move" else "excluded"
                self.model.now[original] = (target, note)
            elif change.state == "undone" and now == target:
                back = str(root / (change.restored or change.source))
                self.model.now[original] = (back, "" if back == original else "moved back")
        self.model.refresh()

    def note(self, path: str) -> str:
        return self.model.now.get(path, (path, ""))[1]

    def set_thumbnail(self, path: str, image: QImage) -> None:
        self.model.set_thumbnail(path, image)

    def missing_thumbnails(self) -> list[str]:
        return [i.path for i in self.model.shown if i.path not in self.model.thumbnails]


class MostConfusedView(QTableWidget):
    """(true, predicted, images) of evaluation.json's "most_confused", most first."""

    #: A pair was clicked: (true class index, predicted class index).
    pair_chosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["True class", "Predicted as", "Images"])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setToolTip("Click a pair to see its images")
        self.pairs: list[tuple[int, int, int]] = []
        self.cellClicked.connect(lambda row, _column: self._choose(row))

    def set_evaluation(self, evaluation: dict | None) -> None:
        evaluation = evaluation or {}
        classes = evaluation.get("classes", [])
        index = {name: i for i, name in enumerate(classes)}
        pairs = evaluation.get("most_confused", [])
        self.pairs = [(index[p["true"]], index[p["predicted"]], int(p["count"])) for p in pairs]
        self.setRowCount(len(self.pairs))
        for row, (true, predicted, count) in enumerate(self.pairs):
            for column, text in enumerate((classes[true], classes[predicted], f"{count:,}")):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.setItem(row, column, item)

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.pairs):
            true, predicted, _ = self.pairs[row]
            self.pair_chosen.emit(true, predicted)
