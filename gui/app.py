"""The desktop app's entry point (a placeholder until the main window lands)."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setWindowTitle("ConvLab")
    window.setCentralWidget(QLabel("ConvLab: the architecture explorer is coming."))
    window.resize(900, 600)
    window.show()
    return app.exec()
