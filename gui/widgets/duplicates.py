"""The duplicates of a dataset (netlib.data.find_duplicates), a group per row: its kind
(exact bytes, or a near copy: re-encoded, resized), whether it spans classes (a label
conflict: the same picture filed twice) or the split (leakage: validation scores a copy
of a training image), and its images with their class and part. Right-click an image to
move or exclude it (gui.widgets.relabel_menu)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

__all__ = ["DuplicatesView"]

ICON = 48
_PathRole = Qt.ItemDataRole.UserRole + 1
_FLAGGED = QColor(176, 48, 48)


class DuplicatesView(QWidget):
    """A summary line over a tree: a group per top-level row, its images below it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.groups: list = []
        self.root: Path | None = None
        self.classes: list[str] = []
        self.summary = QLabel("No duplicates searched yet.")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Image", "Class", "Part"])
        self.tree.setIconSize(QSize(ICON, ICON))
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.setColumnWidth(0, 420)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)

    def set_searching(self, text: str) -> None:
        self.summary.setText(text)

    def set_groups(self, groups: list, root: Path, classes: list[str]) -> None:
        """Show netlib.data.DuplicateGroup's of the folder `root`."""
        self.groups, self.root, self.classes = list(groups), Path(root), list(classes)
        self.tree.clear()
        kinds = {kind: sum(g.kind == kind for g in groups) for kind in ("exact", "near")}
        conflicts = sum("label conflict" in g.flags for g in groups)
        leaks = sum("leakage" in g.flags for g in groups)
        if not groups:
            self.summary.setText("No duplicates: no two images are the same picture.")
        else:
            self.summary.setText(
                f"{len(groups):,} group(s) of duplicates: {kinds['exact']:,} exact, "
                f"{kinds['near']:,} near · {conflicts:,} across classes (label conflicts) · "
                f"{leaks:,} across the split (leakage: set 'Duplicates together' on the Train "
                f"page to keep each group in one part)"
            )
        for group in groups:
            flags = ", ".join(group.flags)
            top = QTreeWidgetItem([f"{group.kind} · {len(group.members)} images"
                                   + (f" · {flags}" if flags else "")])
            if group.flags:
                top.setForeground(0, QBrush(_FLAGGED))
            for sample, part in zip(group.members, group.parts):
                child = QTreeWidgetItem([_relative(sample.path, self.root),
                                         self.classes[sample.label], part or "—"])
                child.setData(0, _PathRole, str(sample.path))
                child.setSizeHint(0, QSize(ICON, ICON + 4))
                top.addChild(child)
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)

    def member_paths(self) -> list[str]:
        return [str(s.path) for g in self.groups for s in g.members]

    def set_thumbnail(self, path: str, image: QImage) -> None:
        for item in self._members():
            if item.data(0, _PathRole) == path:
                item.setIcon(0, QIcon(QPixmap.fromImage(image)))

    def image_at(self, position: QPoint) -> tuple[str, str] | None:
        """(path, class) of the image row at `position` of the tree's viewport."""
        item = self.tree.itemAt(position)
        if item is None or item.data(0, _PathRole) is None:
            return None
        return item.data(0, _PathRole), item.text(1)

    def _members(self):
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                yield top.child(j)


def _relative(path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
