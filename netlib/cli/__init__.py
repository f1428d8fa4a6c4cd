"""The command line: `python main.py COMMAND ...`, the same library the app uses, headless.

Each module below adds its sub-commands with `add_commands(subparsers)` and sets
`run=function(args) -> int` on each. Modules import Keras only inside those functions,
so that `--help` answers at once. Keras is imported here first, with TensorFlow's start-up
chatter filtered, unless a command says `needs_keras=False`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Sub-command modules, in the order their commands are listed in --help.
_COMMAND_MODULES = (
    "netlib.cli.models",  # list, summary
    "netlib.cli.data",  # scan
    "netlib.cli.train",  # train, evaluate, predict, export
    "netlib.cli.lr_find",  # lr-find
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="ConvLab: the classic convolutional networks, to read, train and test. "
        "Without a command, the desktop app opens.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in _COMMAND_MODULES:
        importlib.import_module(module_name).add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        if getattr(args, "needs_keras", True):
            from netlib.backend import import_keras_quietly

            import_keras_quietly()
        return int(args.run(args) or 0)
    except ValueError as error:
        # Bad names, options and sizes are the user's to fix: one clear line, no traceback.
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`python main.py list | head`): not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
