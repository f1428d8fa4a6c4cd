"""The main window: it paints before Keras loads, shows the backend once loaded, keeps
its settings (in a temporary store), renders screenshots, and closes cleanly while
workers run."""

import gc
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui_windows import LOAD_MS, fresh_settings, open_window
from gui.main_window import STARTUP_MARKER, MainWindow
from gui.screenshot import take_screenshots
from gui.tasks import DIGITS
from netlib.backend import describe_device

REPO = Path(__file__).resolve().parent.parent
WORK_MS = 60_000


def _open(qtbot, add=True) -> MainWindow:
    return open_window(qtbot, lambda window: [window.page("architectures").summary_ready],
                       add=add, idle=False)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    fresh_settings(monkeypatch, tmp_path / "settings")
    return _open(qtbot)


def _app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CONVLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        CONVLAB_CACHE_DIR=str(tmp_path / "cache"),
        **extra,
    )


def test_the_window_paints_before_keras_is_imported(tmp_path):
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=REPO, capture_output=True, text=True, timeout=120,
        env=_app_env(tmp_path, CONVLAB_STARTUP_PROBE="1"),
    )
    assert result.returncode == 0, result.stderr
    assert f"{STARTUP_MARKER}; heavy modules loaded: none" in result.stdout


def test_navigation_pages_and_the_backend_in_the_status_bar(window):
    titles = [window.navigation.item(i).text() for i in range(window.navigation.count())]
    assert titles == ["Architectures", "Dataset", "Train", "Results", "Predict", "Runs"]
    assert window.backend_label.text() == (
        f"Keras {keras.__version__} · {keras.backend.backend()} backend · {describe_device()}"
    )
    assert not window.loading_bar.isVisible()
    keys = ["architectures", "dataset", "train", "results", "predict", "runs"]
    for row, key in enumerate(keys):
        window.navigation.setCurrentRow(row)
        assert window.current_page().key == key
        assert window.stack.currentWidget() is window.page(key)
        # Each entry's tooltip is its page's one-line summary.
        assert window.navigation.item(row).toolTip() == window.page(key).summary != ""
    with pytest.raises(ValueError, match="architectures, dataset, train"):
        window.page("nope")


def test_settings_persist_between_sessions(qtbot, tmp_path, monkeypatch):
    fresh_settings(monkeypatch, tmp_path / "settings")
    folder = tmp_path / "shapes"
    for label in ("round", "square"):
        (folder / label).mkdir(parents=True)
        for i in range(2):
            Image.new("L", (12, 12), 40 * i).save(folder / label / f"{i}.png")

    first = _open(qtbot)
    architectures, dataset = first.page("architectures"), first.page("dataset")
    with qtbot.waitSignal(architectures.summary_ready, timeout=WORK_MS):
        architectures.options.field("activation").setCurrentText("relu")
    with qtbot.waitSignal(architectures.summary_ready, timeout=WORK_MS):
        architectures.options.field("classes").setValue(4)
    with qtbot.waitSignal(dataset.scan_finished, timeout=WORK_MS):
        dataset.open_folder(folder)
    dataset.validation_spin.setValue(0.5)
    first.resize(780, 700)  # within the offscreen platform's 800x800 screen
    QApplication.processEvents()
    total = sum(architectures.left.sizes())
    architectures.left.setSizes([total - 150, 150])  # the user drags the options smaller
    saved = (architectures.splitter.sizes(), architectures.left.sizes())
    assert saved[1][1] == 150
    first.show_page("dataset")
    qtbot.waitUntil(first.is_idle, timeout=WORK_MS)
    first.close()

    second = MainWindow()
    qtbot.addWidget(second)
    page = second.page("architectures")
    with qtbot.waitSignals([second.backend_ready, page.summary_ready], timeout=LOAD_MS):
        second.show()
    assert second.current_page().key == "dataset"
    assert (second.width(), second.height()) == (780, 700)
    config = page.current.config
    assert (config.model, config.classes, config.option_dict["activation"]) == ("lenet5", 4, "relu")
    second.show_page("architectures")
    QApplication.processEvents()
    assert (page.splitter.sizes(), page.left.sizes()) == saved
    restored = second.page("dataset")
    assert restored.source == str(folder.resolve()) != DIGITS
    assert restored.validation_spin.value() == 0.5
    qtbot.waitUntil(lambda: restored.index is not None, timeout=WORK_MS)
    assert restored.index.counts == {"round": 2, "square": 2}


def test_screenshots_are_rendered_with_real_content(qtbot, window, tmp_path):
    paths = take_screenshots(window, tmp_path / "shots", ["dataset", "runs"])
    assert [p.name for p in paths] == ["dataset.png", "runs.png"]
    dataset = window.page("dataset")
    assert dataset.source == DIGITS and len(dataset.thumbnails.shown) == 10
    for path in paths:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (window.width(), window.height())
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
                   for y in range(0, image.height(), 7)}
        assert len(colours) > 10  # not a blank frame


def test_closing_while_workers_run_stops_them_cleanly(qtbot, tmp_path, monkeypatch, capfd):
    fresh_settings(monkeypatch, tmp_path / "settings")
    window = _open(qtbot, add=False)
    architectures, dataset = window.page("architectures"), window.page("dataset")
    architectures.select_model("vgg11")  # a build of a second or more
    dataset.rescan()  # and a scan of 1,797 files
    workers = [w for page in window.pages for w in page.workers.running()]
    assert len(workers) >= 2 and not window.is_idle()
    window.close()
    assert not any(worker.is_running() for worker in workers)
    window.deleteLater()
    QApplication.processEvents()
    del window, workers
    gc.collect()
    assert "QThread: Destroyed while thread is still running" not in capfd.readouterr().err


def test_closing_while_keras_loads_exits_cleanly(tmp_path):
    # A fresh process, so that Keras really is being imported when the window closes.
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from gui.main_window import MainWindow

        app = QApplication([])
        window = MainWindow()

        def close_while_loading():
            if window.workers.busy:
                print("closing while loading:", window.backend is None, flush=True)
                window.close()
            else:
                QTimer.singleShot(5, close_while_loading)

        window.show()
        QTimer.singleShot(0, close_while_loading)
        app.exec()
        print("closed; keras imported:", "keras" in sys.modules, flush=True)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=300,
        env=_app_env(tmp_path, PYTHONPATH=str(REPO)),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "closing while loading: True" in result.stdout
    assert "closed; keras imported: True" in result.stdout
    assert "QThread: Destroyed" not in result.stderr


def test_a_broken_keras_install_is_reported_not_hidden(qtbot, tmp_path, monkeypatch):
    # Fault injection: the loader fails as it would without Keras installed.
    def broken_install(context):
        raise ImportError("No module named 'keras'")

    monkeypatch.setattr("gui.main_window.load_backend", broken_install)
    monkeypatch.setenv("CONVLAB_SETTINGS_DIR", str(tmp_path / "settings"))
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.backend_failed, timeout=WORK_MS) as failed:
        window.show()
    assert failed.args == ["Keras could not be loaded: ImportError: No module named 'keras'"]
    qtbot.waitUntil(window.is_idle, timeout=WORK_MS)  # nothing waits for Keras forever
    assert window.backend is None
    assert window.backend_label.text() == "Keras not loaded"
    assert "ImportError: No module named 'keras'" in window.backend_label.toolTip()
    assert not window.loading_bar.isVisible()
