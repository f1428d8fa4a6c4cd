"""`python main.py scan FOLDER`: what a dataset folder holds, and which files it skips."""

from __future__ import annotations

import argparse
import json
import sys


def add_commands(commands) -> None:
    scan = commands.add_parser(
        "scan",
        help="report the classes, image counts and skipped files of a dataset folder",
        description="Scan a dataset folder (one sub-folder per class, or train/ val/ test/ "
        "sub-folders each holding class folders) and report the classes, the images per "
        "class, and every file that would be skipped, with the reason.",
    )
    scan.add_argument("folder", help="the dataset folder")
    scan.add_argument(
        "--format", choices=("table", "json"), default="table", help="output format (default: table)"
    )
    scan.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="check file extensions only, without opening each image's header",
    )
    scan.set_defaults(run=run_scan, needs_keras=False)


def run_scan(args: argparse.Namespace) -> int:
    import warnings

    from PIL import Image

    from netlib.data import scan

    # Bombs are reported as skipped files; Pillow's own warning about them would repeat it.
    warnings.simplefilter("ignore", Image.DecompressionBombWarning)
    if args.format == "table" and sys.stderr.isatty():
        index = _scan_with_progress_bar(scan, args)
    else:
        index = scan(args.folder, verify=args.verify)
    report = index.report()
    if args.format == "json":
        json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        _print_table(report, index.predefined_split, index.samples)
    return 0


def _scan_with_progress_bar(scan, args):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("checking images"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, console=_console(stderr=True)) as bar:
        task = bar.add_task("scan", total=None)
        return scan(args.folder, verify=args.verify, progress=lambda done, total: bar.update(task, completed=done, total=total))


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, markup=False)


def _print_table(report: dict, predefined_split: bool, samples) -> None:
    from rich.table import Table

    console = _console()
    console.print(report["root"], highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("label", justify="right")
    table.add_column("class")
    splits = ("train", "validation", "test") if predefined_split else ()
    per_split = {(s.label, s.split): 0 for s in samples}
    for sample in samples:
        per_split[sample.label, sample.split] += 1
    for split_name in splits:
        table.add_column(split_name, justify="right")
    table.add_column("images", justify="right")
    for label, name in enumerate(report["classes"]):
        cells = [str(per_split.get((label, s), 0)) for s in splits]
        table.add_row(str(label), name, *cells, str(report["counts"][name]))
    console.print(table)
    total = sum(report["counts"].values())
    console.print(f"{len(report['classes'])} classes, {total} images, {len(report['skipped'])} skipped")
    if report["skipped"]:
        skipped = Table(title="skipped files", title_justify="left", min_width=40)
        skipped.add_column("file")
        skipped.add_column("reason")
        skipped.add_column("detail", overflow="fold")
        for entry in report["skipped"]:
            skipped.add_row(entry["path"], entry["reason"], entry["detail"])
        console.print(skipped)
