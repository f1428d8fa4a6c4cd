"""The desktop app's entry point.

    python main.py [--page NAME] [--dataset FOLDER] [--screenshot DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import warnings
from pathlib import Path

from gui.settings import SETTINGS_DIR_VARIABLE, open_settings

STYLE_SHEET = Path(__file__).resolve().parent.parent / "resources" / "style.qss"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="ConvLab's desktop app. (A sub-command runs the command line instead: "
        "python main.py --help lists them.)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="DIR",
        type=Path,
        help="render each page (with real content) to DIR/<page>.png offscreen, then exit",
    )
    parser.add_argument(
        "--page", metavar="NAME", help="the page to open (or, with --screenshot, to render)"
    )
    parser.add_argument(
        "--dataset", metavar="FOLDER", type=Path, help="open this image folder on the Dataset page"
    )
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    # A decompression bomb is reported as a skipped file (netlib.data); Pillow's warning
    # about it would only repeat that on the terminal.
    warnings.filterwarnings("ignore", message=r".*decompression bomb", module="PIL")
    if args.screenshot is not None:
        # Render without a display, and with a fresh settings store: the pictures show
        # what a first start shows, and the user's settings are left alone. The run the
        # pictures show is trained into a temporary runs folder.
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        os.environ[SETTINGS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="convlab-screenshot-")
        settings = open_settings()
        settings.setValue("runs/folder", tempfile.mkdtemp(prefix="convlab-screenshot-runs-"))
        settings.sync()

    from gui.platform_check import uses_xcb, xcb_problem

    if uses_xcb() and (problem := xcb_problem()):
        print(problem, file=sys.stderr)  # rather than Qt's abort naming one library
        return 1

    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ConvLab")
    app.setOrganizationName("ConvLab")
    apply_style(app)
    window = MainWindow()
    if args.page:
        try:
            window.show_page(args.page)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    if args.dataset is not None:
        window.show_page("dataset").open_folder(args.dataset)

    if args.screenshot is not None:
        from gui.screenshot import take_screenshots

        pages = [args.page] if args.page else None
        window.show()
        try:
            paths = take_screenshots(window, args.screenshot, pages, make_run=True)
        except (RuntimeError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            window.close()
            return 1
        for path in paths:
            print(path)
        window.close()
        return 0

    window.show()
    return app.exec()


def apply_style(app) -> None:
    """The app's style sheet (resources/style.qss), if it is there."""
    if STYLE_SHEET.is_file():
        app.setStyleSheet(STYLE_SHEET.read_text(encoding="utf-8"))
