"""Opening the app's real window for the GUI tests: a settings store of its own, then the
window shown and waited for."""

from pathlib import Path

from gui.main_window import MainWindow
from gui.settings import open_settings

LOAD_MS = 180_000  # Keras' first import on a loaded 2-core machine


def fresh_settings(monkeypatch, folder: Path, values: dict | None = None) -> None:
    """Point the app at a new settings store in `folder`, with LeNet-5 as the last network
    (a quick first layer table) and `values` ({"runs/folder": ...}) already saved."""
    monkeypatch.setenv("CONVLAB_SETTINGS_DIR", str(folder))
    settings = open_settings()
    settings.setValue("architectures/model", "lenet5")
    for key, value in (values or {}).items():
        settings.setValue(key, value)
    settings.sync()


def open_window(qtbot, wait_for=lambda window: [], *, add: bool = True,
                idle: bool = True, timeout: int = LOAD_MS) -> MainWindow:
    """A MainWindow shown once Keras has loaded and the signals `wait_for(window)` have
    come, and then (`idle`) its work is done. `add=False` leaves closing it to the test."""
    window = MainWindow()
    if add:
        qtbot.addWidget(window)
    with qtbot.waitSignals([window.backend_ready, *wait_for(window)], timeout=timeout):
        window.show()
    if idle:
        qtbot.waitUntil(window.is_idle, timeout=timeout)
    return window
