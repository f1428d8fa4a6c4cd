#!/usr/bin/env python3
"""ConvLab's entry point.

    python main.py                       the desktop app
    python main.py --page NAME           the app, opened on one page (architectures, dataset, ...)
    python main.py --dataset FOLDER      the app, with FOLDER on the Dataset page
    python main.py --screenshot DIR      render every page of the app to PNGs and exit
                   [--page NAME]         (or only that page)
    python main.py COMMAND ...           the command line (python main.py --help lists commands)
"""

import os
import sys

# TensorFlow's C++ start-up chatter (CUDA probing, CPU feature notes) is noise to a user.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

_APP_FLAGS = ("--screenshot", "--page", "--dataset")


def main(argv: list[str]) -> int:
    if not argv or argv[0].split("=")[0] in _APP_FLAGS:
        from gui.app import main as app_main

        return app_main(argv)
    from netlib.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
