"""Dropping files on a window as a file manager would, for the GUI tests."""

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def drop_files(window, paths: Path | list[Path]) -> tuple[bool, QDropEvent | None]:
    """Drag `paths` to the window's centre and, if the drag is accepted, drop them.
    Returns whether the drag was accepted, and the drop event sent (None if none)."""
    paths = [paths] if isinstance(paths, Path) else paths
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(window.width() / 2, window.height() / 2)
    arguments = (
        Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    try:  # PySide6 6.12 takes a QPointF (its QPoint form is deprecated); 6.11 a QPoint
        enter = QDragEnterEvent(centre, *arguments)
    except TypeError:
        enter = QDragEnterEvent(centre.toPoint(), *arguments)
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False, None
    drop = QDropEvent(centre, *arguments)
    QApplication.sendEvent(window, drop)
    return True, drop
