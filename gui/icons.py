"""The app's icons: SVG files in resources/icons, named after the page they stand for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"


def icon(name: str) -> QIcon:
    """resources/icons/<name>.svg, or an empty icon if there is none."""
    path = ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


def page_icon(page_key: str) -> QIcon:
    return icon(page_key)


def app_icon() -> QIcon:
    return icon("convlab")
