"""A line (or two) of status for a page: what happened, a notice, or what went wrong.

Its height is reserved for `lines` lines whether or not it says anything, so the widgets
below it do not jump as messages come and go; a longer message is shown whole in its
tooltip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

#: Colours by kind (resources/style.qss has the same red for #errorText).
COLORS = {"info": "", "muted": "#5b6573", "notice": "#a0620a", "warning": "#a0620a",
          "error": "#b03030"}


class MessageLine(QLabel):
    """`show_text(text, kind)`: kind "info", "muted", "notice", "warning" or "error"."""

    def __init__(self, lines: int = 2, parent: QWidget | None = None):
        super().__init__(parent)
        self.kind = "info"
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setFixedHeight(lines * self.fontMetrics().lineSpacing() + 4)

    def show_text(self, text: str, kind: str = "info") -> None:
        self.kind = kind
        color = COLORS[kind]
        self.setStyleSheet(f"color: {color};" if color else "")
        self.setText(text)
        self.setToolTip(text)
