"""Fixing the data from any gallery: move an image to another class, or exclude it, through
the dataset folder's journal (netlib.data.Journal: nothing is deleted or overwritten, and
every change can be undone).

:class:`RelabelActions` holds the dataset folder and its classes, makes the changes and
says so (`changed`); :meth:`RelabelActions.attach` gives any item view a context menu
(Move to class ▸, Exclude, Undo, Redo) for the image under the mouse; :class:`RelabelBar`
shows the last change with Undo, Undo all and Redo buttons. A change is a few renames and
fsyncs of small files: it runs on the GUI thread, so a change and what shows it never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["RelabelActions", "RelabelBar", "describe_change", "with_relabel_bar"]


class RelabelActions(QObject):
    """Changes to one dataset folder, and the menu that makes them."""

    #: A change was made or undone: carries the netlib.data.Change, as it is now.
    changed = Signal(object)
    #: A change was refused or failed; carries the message.
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.root: Path | None = None
        self.classes: list[str] = []
        self.last = None  # the latest Change made or undone here
        self._now: dict[str, str] = {}  # a path as a gallery knows it -> where the file is now

    def set_dataset(self, root: str | Path | None, classes: Sequence[str]) -> None:
        """The folder the images belong to, and its classes (the menu's targets)."""
        import os

        root = Path(os.path.realpath(root)) if root is not None else None
        if root != self.root:
            self._now = {}
        self.root = root
        self.classes = list(classes)

    def current(self, path: str | Path) -> str:
        """Where an image a gallery shows at `path` is now, after the changes made here."""
        return self._now.get(str(path), str(path))

    # -- the changes ---------------------------------------------------------------------

    def move(self, path: str | Path, to_class: str):
        return self._run(lambda journal: journal.move(self.current(path), to_class))

    def exclude(self, path: str | Path):
        return self._run(lambda journal: journal.exclude(self.current(path)))

    def undo(self):
        return self._run(lambda journal: journal.undo(), "Nothing to undo.")

    def undo_all(self) -> list:
        return self._run(lambda journal: journal.undo_all(), "Nothing to undo.") or []

    def redo(self):
        return self._run(lambda journal: journal.redo(), "Nothing to redo.")

    def _run(self, change: Callable, nothing: str = ""):
        from netlib.data import Journal

        if self.root is None:
            self.failed.emit("No dataset folder to change.")
            return None
        try:
            result = change(Journal.open(self.root))
        except (ValueError, OSError) as error:
            self.failed.emit(str(error))
            return None
        changes = result if isinstance(result, list) else [result] if result is not None else []
        if not changes and nothing:
            self.failed.emit(nothing)
        for one in changes:
            self._follow(one)
            self.last = one
            self.changed.emit(one)
        return result

    def _follow(self, change) -> None:
        """Keep `current` right: the file of `change` is now where it put it."""
        if change.state == "done":
            was, now = self.root / change.source, self.root / change.target
        else:
            was, now = self.root / change.target, self.root / (change.restored or change.source)
        self._now.setdefault(str(was), str(was))
        for known, where in list(self._now.items()):
            if where == str(was):
                self._now[known] = str(now)

    # -- the menu ------------------------------------------------------------------------

    def menu(self, path: str | Path, current_class: str | None, parent: QWidget | None = None) -> QMenu:
        """The context menu for one image (`current_class`: its class now, left out of
        the targets)."""
        menu = QMenu(parent)
        move = menu.addMenu("Move to class")
        for name in self.classes:
            if name != current_class:
                move.addAction(name, lambda name=name: self.move(path, name))
        move.setEnabled(bool(move.actions()))
        menu.addAction("Exclude from the dataset", lambda: self.exclude(path))
        menu.addSeparator()
        menu.addAction("Undo last change", self.undo)
        menu.addAction("Redo", self.redo)
        return menu

    def attach(self, view: QAbstractItemView,
               image_at: Callable[[QPoint], tuple[str, str | None] | None]) -> None:
        """Give `view` this context menu: `image_at(position)` says which image (path,
        current class) is under the mouse, or None."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        def show(position: QPoint) -> None:
            found = image_at(position)
            if found is not None and self.root is not None:
                self.menu(*found, parent=view).exec(view.viewport().mapToGlobal(position))

        view.customContextMenuRequested.connect(show)


class RelabelBar(QWidget):
    """The last change to the dataset, with Undo, Undo all and Redo."""

    def __init__(self, actions: RelabelActions, parent: QWidget | None = None):
        super().__init__(parent)
        self.actions = actions
        self.label = QLabel("Right-click an image to move it to another class or exclude it; "
                            "every change can be undone.")
        self.label.setObjectName("mutedText")
        self.label.setWordWrap(True)
        self.undo_button = QPushButton("Undo")
        self.undo_all_button = QPushButton("Undo all")
        self.redo_button = QPushButton("Redo")
        # The message above the buttons: the bar adds no width to the page beside it.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.undo_button, self.undo_all_button, self.redo_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        layout.addWidget(self.label)
        layout.addLayout(buttons)
        self.undo_button.clicked.connect(actions.undo)
        self.undo_all_button.clicked.connect(actions.undo_all)
        self.redo_button.clicked.connect(actions.redo)
        actions.changed.connect(self._show)
        actions.failed.connect(lambda message: self.label.setText(message))

    def _show(self, change) -> None:
        self.label.setText(describe_change(change))


def describe_change(change) -> str:
    """One line for a change as it is now."""
    if change.state == "undone":
        return f"Undone: {change.source} is back at {change.restored or change.source}."
    if change.action == "move":
        return f"Moved {change.source} to class {change.to_class}: now {change.target}."
    return f"Excluded {change.source}: now {change.target} (undo puts it back)."


def with_relabel_bar(content: QWidget, actions: RelabelActions) -> tuple[QWidget, RelabelBar]:
    """`content` (a page's tabs) above a RelabelBar for `actions`, in one widget."""
    bar = RelabelBar(actions)
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(content, 1)
    layout.addWidget(bar)
    return box, bar
