"""`python main.py --screenshot DIR`: render pages with real content to PNGs, offscreen."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from netlib.runs import produce_atomic

SCREENSHOT_SIZE = (1360, 860)


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until `condition()` holds; RuntimeError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(50)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise RuntimeError(f"Gave up after {timeout_s:.0f} s waiting for {what}.")


#: Pages whose pictures show a training run: with `make_run`, one is trained first.
RUN_PAGES = ("train", "results", "predict", "runs")


def take_screenshots(window, folder: Path, pages: list[str] | None = None,
                     timeout_s: float = 300, make_run: bool = False) -> list[Path]:
    """Render each page (or those named in `pages`) of `window` to `folder`/<name>.png,
    after each page's screenshot_plan has run and its workers have finished.

    `make_run`: when a page that shows a run is chosen without the Train page, a short
    run on the digits is trained first (the Train page's own plan trains one unless it
    shows a run already), and a second one before the Runs page, to overlay. Runs go to
    the window's runs folder: `--screenshot` points it at a temporary folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [window.page(name) for name in pages] if pages else list(window.pages)
    window.resize(*SCREENSHOT_SIZE)
    window.show()
    # Offscreen, the pointer sits at (0, 0), on the first navigation item, and Qt keeps
    # painting it hovered; in a picture no pointer is anywhere.
    window.navigation.setStyleSheet(
        "QListWidget#navigation::item:hover:!selected { background: transparent; }"
    )
    wait_until(lambda: window.backend is not None or window.is_idle(), timeout_s, "Keras to load")
    if window.backend is None:
        raise RuntimeError("Keras and the model registry could not be loaded.")
    keys = [page.key for page in chosen]
    if make_run and "train" not in keys and set(keys) & set(RUN_PAGES):
        window.show_page("train")
        window.page("train").start_screenshot_run()
        wait_until(window.is_idle, timeout_s, "the screenshot run to finish")
    saved = []
    for page in chosen:
        if make_run and page.key == "runs":
            # A second run to overlay on the first: LeNet-5 with ReLU instead of tanh.
            window.show_page("train")
            window.page("train").start_screenshot_run("activation=relu")
            wait_until(window.is_idle, timeout_s, "the comparison run to finish")
        window.show_page(page.key)
        for name, action in page.screenshot_plan():
            action()
            wait_until(window.is_idle, timeout_s, f"the {page.title} page to finish its work")
            if name is not None:
                QApplication.processEvents()
                saved.append(_save_png(window.grab(), folder / f"{name}.png"))
    return saved


def _save_png(picture, path: Path) -> Path:
    def save(temporary: Path) -> None:
        if not picture.save(str(temporary), "PNG"):
            raise RuntimeError(f"Could not write {path}.")

    return produce_atomic(path, save)
