"""A run's log on the Train page: one line per message, stamped, warnings and errors in
colour."""

from __future__ import annotations

import html
import time

from PySide6.QtWidgets import QPlainTextEdit, QWidget

LEVEL_COLORS = {"warning": "#a0620a", "error": "#b03030"}


class RunLog(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.setPlaceholderText("The run's log")

    def add(self, text: str, level: str = "info") -> None:
        """Append `text` ("info", "warning" or "error"), stamped with the time of day."""
        colour = f"color:{LEVEL_COLORS[level]}; " if level in LEVEL_COLORS else ""
        line = html.escape(f"{time.strftime('%H:%M:%S')}  {text}").replace("\n", "<br>")
        # pre-wrap: the epoch line's columns keep their double spaces, as on a terminal.
        self.appendHtml(f'<span style="{colour}white-space:pre-wrap">{line}</span>')
