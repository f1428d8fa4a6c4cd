"""Where the app keeps what it remembers between sessions (QSettings, INI format).

The user's settings live in the platform's usual place. `CONVLAB_SETTINGS_DIR` points
the app at another folder: the tests and the screenshot mode use it so that they never
read or change the user's settings.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ORGANIZATION = "ConvLab"
APPLICATION = "ConvLab"
SETTINGS_DIR_VARIABLE = "CONVLAB_SETTINGS_DIR"


def open_settings() -> QSettings:
    """The app's settings store: the user's, or the folder named by CONVLAB_SETTINGS_DIR."""
    folder = os.environ.get(SETTINGS_DIR_VARIABLE)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return QSettings(str(Path(folder) / "convlab.ini"), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


# QSettings hands back strings from INI files whatever was stored; these helpers give
# the stored value its type back, and fall back to the default when it is unreadable.


def read_json(settings: QSettings, key: str, default: Any = None) -> Any:
    text = settings.value(key)
    if not isinstance(text, str):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_json(settings: QSettings, key: str, value: Any) -> None:
    settings.setValue(key, json.dumps(value))


def read_str(settings: QSettings, key: str, default: str = "") -> str:
    value = settings.value(key)
    return value if isinstance(value, str) else default


def read_float(settings: QSettings, key: str, default: float) -> float:
    try:
        return float(settings.value(key, default))
    except (TypeError, ValueError):
        return default


def read_int(settings: QSettings, key: str, default: int) -> int:
    try:
        return int(settings.value(key, default))
    except (TypeError, ValueError):
        return default
